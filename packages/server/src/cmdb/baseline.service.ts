import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import { type Db, isUniqueViolation } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { ConflictError, InputError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import { decodeCursor, pageOf } from '../platform/http/pagination.js';
import { diffRecords } from './attribute-validation.js';
import {
  BASELINE_CLOSURES,
  type Baseline,
  type BaselineClosure,
  type BaselineScope,
  baselineRepository,
  type CiSnapshot,
  type EdgeKey,
  type RelationshipSnapshot,
  scopeColumn,
  toBaseline,
  toCiSnapshot,
  toRelationshipSnapshot,
} from './baseline.repository.js';
import { baselineDiffRepository, type ChangedCiRow, type DiffSide } from './baseline-diff.repository.js';
import { ciRepository } from './ci.repository.js';
import type { ImpactService } from './impact.service.js';

export type { Baseline, BaselineClosure, BaselineScope, CiSnapshot, RelationshipSnapshot };

/** Largest scope root list; the closure itself is unbounded (it may reach the whole CMDB). */
export const MAX_SCOPE_CIS = 10_000;
const MAX_NAME = 200;
const MAX_DESCRIPTION = 2000;

export interface TakeBaselineInput {
  name: string;
  description?: string | undefined;
  /** Absent or null: the whole CMDB. */
  scope?: { ciIds: number[]; closure?: BaselineClosure | undefined } | null | undefined;
}

export const DIFF_SECTIONS = [
  'cis-added',
  'cis-removed',
  'cis-changed',
  'relationships-added',
  'relationships-removed',
] as const;
export type DiffSection = (typeof DIFF_SECTIONS)[number];

/** A CI present on both sides with different recorded fields, field by field. */
export interface CiChange {
  id: number;
  class: string;
  name: string;
  fromVersion: number;
  toVersion: number;
  /** `name`, `status`, `environment`, `owner`, `criticality`, `attributes.<name>` → { from, to }. */
  changes: Record<string, { from: unknown; to: unknown }>;
}

export interface DiffPage<T> {
  items: T[];
  next: string | null;
}

export interface DiffCounted<T> extends DiffPage<T> {
  count: number;
}

export interface BaselineDiff {
  baseline: { id: number; name: string; createdAt: string };
  /** The other side: a baseline, or `live` (for a scoped baseline: the same scope evaluated now). */
  against: { live: boolean; id: number | null; name: string | null; createdAt: string | null };
  cis: { added: DiffCounted<CiSnapshot>; removed: DiffCounted<CiSnapshot>; changed: DiffCounted<CiChange> };
  relationships: { added: DiffCounted<RelationshipSnapshot>; removed: DiffCounted<RelationshipSnapshot> };
}

export type DiffItem = CiSnapshot | CiChange | RelationshipSnapshot;

/** Parses `?against=`: `live` or a baseline id. */
export function parseAgainst(value: string | undefined): 'live' | number {
  if (value === undefined || value === 'live') return 'live';
  if (/^[1-9][0-9]{0,9}$/.test(value) && Number(value) <= 2_147_483_647) return Number(value);
  throw new InputError('against must be "live" or the id of another baseline', { field: 'against' });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkInput(input: TakeBaselineInput): { name: string; description: string; scope: BaselineScope | null } {
  const name = input.name.trim();
  if (name === '' || name.length > MAX_NAME || CONTROL.test(name)) {
    throw new InputError(`name must be 1–${MAX_NAME} printable characters`, { field: 'name' });
  }
  const description = input.description ?? '';
  if (description.length > MAX_DESCRIPTION) {
    throw new InputError(`description must be at most ${MAX_DESCRIPTION} characters`, { field: 'description' });
  }
  if (!input.scope) return { name, description, scope: null };
  const { ciIds, closure = 'none' } = input.scope;
  if (!Array.isArray(ciIds) || ciIds.length === 0 || ciIds.length > MAX_SCOPE_CIS) {
    throw new InputError(`scope.ciIds must list 1–${MAX_SCOPE_CIS} CI ids (omit scope for the whole CMDB)`, {
      field: 'scope.ciIds',
    });
  }
  const bad = ciIds.find((id) => !Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647);
  if (bad !== undefined)
    throw new InputError(`scope.ciIds holds ${String(bad)}, which is not a CI id`, { field: 'scope.ciIds' });
  if (!(BASELINE_CLOSURES as readonly string[]).includes(closure)) {
    throw new InputError(`scope.closure must be one of: ${BASELINE_CLOSURES.join(', ')}`, { field: 'scope.closure' });
  }
  return { name, description, scope: { ciIds: [...new Set(ciIds)].sort((a, b) => a - b), closure } };
}

function toCiChange(row: ChangedCiRow): CiChange {
  const fields = (ci: CiSnapshot): Record<string, unknown> => ({
    class: ci.class,
    name: ci.name,
    status: ci.status,
    environment: ci.environment,
    owner: ci.owner,
    criticality: ci.criticality,
    ...Object.fromEntries(Object.entries(ci.attributes).map(([k, v]) => [`attributes.${k}`, v])),
  });
  const from = toCiSnapshot(row.from);
  const to = toCiSnapshot(row.to);
  return {
    id: to.id,
    class: to.class,
    name: to.name,
    fromVersion: from.version,
    toVersion: to.version,
    changes: diffRecords(fields(from), fields(to)),
  };
}

/**
 * Baselines: named, immutable snapshots of the whole CMDB or of a scope, and their diffs.
 * Taking one copies rows with INSERT … SELECT inside one transaction, so a million CIs never
 * pass through JavaScript; diffs are computed in SQL, counted in full and listed page by page.
 */
export class BaselineService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly impact: ImpactService,
  ) {}

  /**
   * Takes a baseline. Pass `tx` to take it inside the caller's transaction (a rollout does, so
   * that the baseline and the rollout's first write commit together); the scope closure then
   * comes from the impact index as last synchronised, i.e. it does not include the caller's
   * own uncommitted relationship writes.
   */
  async take(actor: Actor, input: TakeBaselineInput, tx?: Db): Promise<Baseline> {
    const checked = checkInput(input);
    // Outside a caller's transaction, catch up with every committed graph write first. (Inside
    // one this must not run: on SQLite the sync would wait for the connection `tx` holds.)
    if (!tx && checked.scope && checked.scope.closure !== 'none') await this.impact.sync();
    const work = (db: Db) => this.#take(db, actor, checked.name, checked.description, checked.scope);
    if (tx) return work(tx);
    return this.db.transaction().execute(work);
  }

  async #take(db: Db, actor: Actor, name: string, description: string, scope: BaselineScope | null): Promise<Baseline> {
    const existing = await baselineRepository.findByName(db, name);
    if (existing) throw this.#nameTaken(name, existing.id);
    let ids: number[] | undefined;
    if (scope) {
      const found = new Set((await ciRepository.refsByIds(db, scope.ciIds)).map((r) => r.id));
      const missing = scope.ciIds.filter((id) => !found.has(id));
      if (missing.length > 0) {
        throw new InputError(
          `scope.ciIds: no CI with id ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`,
          {
            field: 'scope.ciIds',
            missing: missing.slice(0, 100),
          },
        );
      }
      ids = this.#closure(scope);
    }
    const now = isoNow(this.clock);
    let row: Awaited<ReturnType<typeof baselineRepository.insert>>;
    try {
      row = await baselineRepository.insert(db, {
        name,
        description,
        scope: scopeColumn(scope),
        ci_count: 0,
        relationship_count: 0,
        created_by: actor.username,
        created_at: now,
      });
    } catch (error) {
      // Another request took the same name between our check and our insert.
      if (isUniqueViolation(error)) throw this.#nameTaken(name);
      throw error;
    }
    const copied = ids
      ? await baselineRepository.snapshotCis(db, row.id, ids)
      : await baselineRepository.snapshotAll(db, row.id);
    const baseline = toBaseline(
      await baselineRepository.setCounts(db, row.id, copied.ciCount, copied.relationshipCount),
    );
    await this.audit.record(db, actor, {
      action: 'baseline.create',
      objectType: 'baseline',
      objectId: baseline.id,
      after: baseline,
    });
    return baseline;
  }

  #nameTaken(name: string, existingId?: number): ConflictError {
    return new ConflictError(
      `A baseline named "${name}" already exists${existingId ? ` (id ${existingId})` : ''}: baseline names are unique`,
      {
        field: 'name',
        ...(existingId && { existingId }),
      },
    );
  }

  /** The scope's CIs plus their closure, from the in-memory impact index, sorted. */
  #closure(scope: BaselineScope): number[] {
    if (scope.closure === 'none') return scope.ciIds;
    const directions =
      scope.closure === 'both'
        ? (['impact', 'dependencies'] as const)
        : scope.closure === 'impact'
          ? (['impact'] as const)
          : (['dependencies'] as const);
    const members = new Set<number>(scope.ciIds);
    // Straight from the index, not through ImpactService's traversal cache: these walks are
    // read once, and must not evict the cached answers that impact queries page through.
    const index = this.impact.index;
    for (const direction of directions) {
      const reached = new Set<number>();
      for (const root of scope.ciIds) {
        // A root another root already reaches adds nothing: its closure lies inside that one.
        if (reached.has(root)) continue;
        for (const id of index.traverse(root, direction, {}).order) {
          reached.add(id);
          members.add(id);
        }
      }
    }
    return [...members].sort((a, b) => a - b);
  }

  async get(id: number, db: Db = this.db): Promise<Baseline> {
    const row = await baselineRepository.findById(db, id);
    if (!row) throw new NotFoundError('baseline', id);
    return toBaseline(row);
  }

  async list(filter: { beforeId?: number | undefined; limit: number }): Promise<Baseline[]> {
    return (await baselineRepository.list(this.db, filter)).map(toBaseline);
  }

  async listCis(
    id: number,
    filter: { afterCiId?: number | undefined; class?: string | undefined; limit: number },
  ): Promise<CiSnapshot[]> {
    await this.get(id);
    return (await baselineRepository.listCis(this.db, id, filter)).map(toCiSnapshot);
  }

  async listRelationships(
    id: number,
    filter: { after?: EdgeKey | undefined; limit: number },
  ): Promise<RelationshipSnapshot[]> {
    await this.get(id);
    return (await baselineRepository.listRelationships(this.db, id, filter)).map(toRelationshipSnapshot);
  }

  /** Baselines are immutable; an administrator may delete one (audited with what it held). */
  async delete(actor: Actor, id: number, expectedVersion?: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const baseline = await this.get(id, tx);
      if (expectedVersion !== undefined && expectedVersion !== baseline.version) {
        throw new StaleVersionError('baseline', id, expectedVersion, baseline.version);
      }
      await baselineRepository.delete(tx, id);
      await this.audit.record(tx, actor, {
        action: 'baseline.delete',
        objectType: 'baseline',
        objectId: id,
        before: baseline,
      });
    });
  }

  /** Every section counted, and the first `limit` items of each with a cursor for the rest. */
  async diff(id: number, againstParam: 'live' | number, limit: number): Promise<BaselineDiff> {
    const { baseline, against, from, to } = await this.#sides(id, againstParam);
    // Sections one after the other (a diff holds one pooled connection at a time). The page is
    // read first: when it is not full it has seen every row of the section, and that is the
    // count; only a section longer than one page pays for a second, counting pass.
    const sections: DiffCounted<DiffItem>[] = [];
    for (const section of DIFF_SECTIONS) {
      if (limit === 0) {
        sections.push({ count: await this.#count(section, from, to), items: [], next: null });
        continue;
      }
      const page = await this.#page(section, from, to, undefined, limit);
      const count = page.next === null ? page.items.length : await this.#count(section, from, to);
      sections.push({ count, ...page });
    }
    const [cisAdded, cisRemoved, cisChanged, relationshipsAdded, relationshipsRemoved] = sections;
    return {
      baseline: { id: baseline.id, name: baseline.name, createdAt: baseline.createdAt },
      against,
      cis: {
        added: cisAdded as DiffCounted<CiSnapshot>,
        removed: cisRemoved as DiffCounted<CiSnapshot>,
        changed: cisChanged as DiffCounted<CiChange>,
      },
      relationships: {
        added: relationshipsAdded as DiffCounted<RelationshipSnapshot>,
        removed: relationshipsRemoved as DiffCounted<RelationshipSnapshot>,
      },
    };
  }

  /** One page of one section (the `next` cursors of `diff` continue here). */
  async diffSection(
    id: number,
    againstParam: 'live' | number,
    section: DiffSection,
    cursor: string | undefined,
    limit: number,
  ): Promise<DiffPage<DiffItem>> {
    const { from, to } = await this.#sides(id, againstParam);
    return this.#page(section, from, to, cursor, limit);
  }

  async #sides(id: number, againstParam: 'live' | number) {
    const baseline = await this.get(id);
    const from: DiffSide = { kind: 'baseline', id };
    if (againstParam === 'live') {
      let ciIds: number[] | undefined;
      if (baseline.scope) {
        if (baseline.scope.closure !== 'none') await this.impact.sync();
        ciIds = this.#closure(baseline.scope);
      }
      return {
        baseline,
        from,
        to: { kind: 'live', ciIds } satisfies DiffSide,
        against: { live: true, id: null, name: null, createdAt: null },
      };
    }
    const row = await baselineRepository.findById(this.db, againstParam);
    if (!row) throw new InputError(`against: no baseline with id ${againstParam}`, { field: 'against' });
    const other = toBaseline(row);
    return {
      baseline,
      from,
      to: { kind: 'baseline', id: other.id } satisfies DiffSide,
      against: { live: false, id: other.id, name: other.name, createdAt: other.createdAt },
    };
  }

  #count(section: DiffSection, from: DiffSide, to: DiffSide): Promise<number> {
    switch (section) {
      case 'cis-added':
        return baselineDiffRepository.countCisOnlyIn(this.db, to, from);
      case 'cis-removed':
        return baselineDiffRepository.countCisOnlyIn(this.db, from, to);
      case 'cis-changed':
        return baselineDiffRepository.countChangedCis(this.db, from, to);
      case 'relationships-added':
        return baselineDiffRepository.countRelationshipsOnlyIn(this.db, to, from);
      case 'relationships-removed':
        return baselineDiffRepository.countRelationshipsOnlyIn(this.db, from, to);
    }
  }

  async #page(
    section: DiffSection,
    from: DiffSide,
    to: DiffSide,
    cursor: string | undefined,
    limit: number,
  ): Promise<DiffPage<DiffItem>> {
    const fetch = limit + 1;
    if (section === 'relationships-added' || section === 'relationships-removed') {
      const key = decodeCursor(cursor, ['number', 'string', 'number']);
      const after = key ? ([key[0], key[1], key[2]] as EdgeKey) : undefined;
      const [present, absent] = section === 'relationships-added' ? [to, from] : [from, to];
      const rows = await baselineDiffRepository.relationshipsOnlyIn(this.db, present, absent, { after, limit: fetch });
      return pageOf(rows.map(toRelationshipSnapshot), limit, (r) => [r.sourceId, r.type, r.targetId]);
    }
    const key = decodeCursor(cursor, ['number']);
    const afterId = key ? (key[0] as number) : undefined;
    if (section === 'cis-changed') {
      const rows = await baselineDiffRepository.changedCis(this.db, from, to, { afterId, limit: fetch });
      return pageOf(rows.map(toCiChange), limit, (c) => [c.id]);
    }
    const [present, absent] = section === 'cis-added' ? [to, from] : [from, to];
    const rows = await baselineDiffRepository.cisOnlyIn(this.db, present, absent, { afterId, limit: fetch });
    return pageOf(rows.map(toCiSnapshot), limit, (c) => [c.id]);
  }
}
