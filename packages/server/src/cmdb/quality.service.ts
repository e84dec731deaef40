import { type Clock, isoNow } from '../platform/clock.js';
import type { SlipwayDatabase } from '../platform/database.js';
import { InputError } from '../platform/errors.js';
import { type QualityCiRow, qualityRepository, registerQualityFunctions } from './quality.repository.js';

/**
 * Classes that are reference data rather than running configuration: a site, a controlled
 * document or a hardware model is legitimately related to nothing (yet), so by default they do
 * not count as orphans. `?orphanIgnoreClasses=` overrides the list (empty: count every class).
 */
export const DEFAULT_ORPHAN_IGNORED_CLASSES = ['site', 'document', 'hardware_model'] as const;
export const MAX_EXAMPLES = 100;
/** Members listed per duplicate group. */
const MEMBERS_PER_GROUP = 10;
const DAY_MS = 86_400_000;

export interface QualityOptions {
  /** A CI whose import source has not reported it for this many days is stale. */
  staleDays: number;
  /** Examples listed per category. */
  examples: number;
  orphanIgnoreClasses?: readonly string[] | undefined;
}

export interface QualityCi {
  id: number;
  class: string;
  name: string;
  status: string;
  owner: string | null;
  source: string | null;
  lastSeenAt: string | null;
}

export interface QualityRelationship {
  id: number;
  type: string;
  source: { id: number; class: string; name: string; status: string };
  target: { id: number; class: string; name: string; status: string };
}

export interface DuplicateGroup {
  class: string;
  normalizedName: string;
  cis: { id: number; name: string; status: string }[];
}

export interface QualityReport {
  generatedAt: string;
  totals: { cis: number; liveCis: number; relationships: number };
  withoutOwner: { count: number; examples: QualityCi[] };
  orphans: { count: number; ignoredClasses: string[]; examples: QualityCi[] };
  notSeen: { count: number; staleDays: number; cutoff: string; examples: QualityCi[] };
  duplicates: { count: number; cis: number; examples: DuplicateGroup[] };
  retiredRelationships: { count: number; examples: QualityRelationship[] };
}

function toQualityCi(row: QualityCiRow): QualityCi {
  return {
    id: Number(row.id),
    class: row.class,
    name: row.name,
    status: row.status,
    owner: row.owner,
    source: row.source,
    lastSeenAt: row.last_seen_at,
  };
}

/**
 * The CMDB's data-quality report: CIs without owner, orphans, CIs their import source stopped
 * reporting, likely duplicates, and relationships to or from retired CIs. Read-only.
 */
export class QualityService {
  constructor(
    private readonly database: SlipwayDatabase,
    private readonly clock: Clock,
  ) {}

  async report(options: QualityOptions): Promise<QualityReport> {
    if (!Number.isInteger(options.staleDays) || options.staleDays < 1 || options.staleDays > 3650) {
      throw new InputError('staleDays must be a whole number of days from 1 to 3650', { field: 'staleDays' });
    }
    if (!Number.isInteger(options.examples) || options.examples < 0 || options.examples > MAX_EXAMPLES) {
      throw new InputError(`examples must be 0–${MAX_EXAMPLES}`, { field: 'examples' });
    }
    registerQualityFunctions(this.database);
    const db = this.database.db;
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - options.staleDays * DAY_MS).toISOString();
    const ignored = [...(options.orphanIgnoreClasses ?? DEFAULT_ORPHAN_IGNORED_CLASSES)];
    const n = options.examples;

    // One category after another: each is a couple of statements, and on PostgreSQL the report
    // then holds at most two pooled connections at a time.
    const totals = await qualityRepository.totals(db);
    const withoutOwner = await qualityRepository.withoutOwner(db, n);
    const orphans = await qualityRepository.orphans(db, ignored, n);
    const notSeen = await qualityRepository.notSeenSince(db, cutoff, n);
    const duplicates = await qualityRepository.duplicates(db, n, MEMBERS_PER_GROUP);
    const retired = await qualityRepository.retiredRelationships(db, n);

    const groups = new Map<string, DuplicateGroup>();
    for (const member of duplicates.members) {
      const key = `${member.class}\u0000${member.normalized}`;
      let group = groups.get(key);
      if (!group) {
        group = { class: member.class, normalizedName: member.normalized, cis: [] };
        groups.set(key, group);
      }
      group.cis.push({ id: Number(member.id), name: member.name, status: member.status });
    }

    return {
      generatedAt: isoNow(this.clock),
      totals,
      withoutOwner: { count: withoutOwner.count, examples: withoutOwner.examples.map(toQualityCi) },
      orphans: { count: orphans.count, ignoredClasses: ignored, examples: orphans.examples.map(toQualityCi) },
      notSeen: {
        count: notSeen.count,
        staleDays: options.staleDays,
        cutoff,
        examples: notSeen.examples.map(toQualityCi),
      },
      duplicates: { count: duplicates.groups, cis: duplicates.cis, examples: [...groups.values()] },
      retiredRelationships: {
        count: retired.count,
        examples: retired.examples.map((r) => ({
          id: Number(r.id),
          type: r.type,
          source: { id: Number(r.source_id), class: r.source_class, name: r.source_name, status: r.source_status },
          target: { id: Number(r.target_id), class: r.target_class, name: r.target_name, status: r.target_status },
        })),
      },
    };
  }
}
