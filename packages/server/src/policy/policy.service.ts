import { DEFAULT_POLICY_YAML, type ReleasePolicy } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { AppError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import { type PolicyVersionRow, policyRepository } from './policy.repository.js';
import { type PolicyProblem, parsePolicy } from './policy-document.js';

/** One applied version of the policy. */
export interface PolicyVersion {
  version: number;
  yaml: string;
  policy: ReleasePolicy;
  comment: string;
  createdBy: string;
  createdAt: string;
}

/** A refused policy document: 400 with every problem's path and line. */
export class InvalidPolicyError extends AppError {
  constructor(readonly problems: PolicyProblem[]) {
    const first = problems[0];
    const where = first
      ? `${first.line !== null ? `line ${first.line}` : ''}${first.path ? ` (${first.path})` : ''}`
      : '';
    super(
      'VALIDATION_FAILED',
      `The policy is invalid${where ? ` at ${where.trim()}` : ''}: ${first?.message ?? 'unknown problem'}`,
      {
        problems,
      },
    );
  }
}

/** How long an instance trusts its cached current policy before checking the database again. */
const CACHE_MS = 1000;

function toVersion(row: PolicyVersionRow): PolicyVersion {
  const parsed = parsePolicy(row.yaml);
  // Stored versions were valid when applied; a document that no longer parses means the schema
  // changed incompatibly in an upgrade, which a migration must handle, so fail loudly.
  if (!parsed.ok)
    throw new Error(`Stored policy version ${row.version} no longer validates: ${parsed.problems[0]?.message}`);
  return {
    version: row.version,
    yaml: row.yaml,
    policy: parsed.policy,
    comment: row.comment,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/**
 * The release policy as code: the current version every gate is judged by, its history, and
 * applying a new version (validated, audited, never overwriting an old one).
 */
export class PolicyService {
  #cached: { version: PolicyVersion; until: number } | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  /** Applies the shipped default as version 1 on a database that has no policy yet. */
  async ensureDefault(actor: Actor): Promise<void> {
    if ((await policyRepository.latestVersion(this.db)) > 0) return;
    await this.db.transaction().execute(async (tx) => {
      if ((await policyRepository.latestVersion(tx)) > 0) return;
      await this.#insert(tx, actor, 1, DEFAULT_POLICY_YAML, 'Slipway default policy');
    });
  }

  /** The current policy (cached for a second; `fresh` asks the database). */
  async current(options: { fresh?: boolean; db?: Db } = {}): Promise<PolicyVersion> {
    const now = this.clock.now().getTime();
    if (!options.fresh && !options.db && this.#cached && this.#cached.until > now) return this.#cached.version;
    const row = await policyRepository.latest(options.db ?? this.db);
    if (!row) throw new NotFoundError('policy', 'current');
    const version = toVersion(row);
    if (!options.db) this.#cached = { version, until: now + CACHE_MS };
    return version;
  }

  async get(version: number): Promise<PolicyVersion> {
    const row = await policyRepository.find(this.db, version);
    if (!row) throw new NotFoundError('policy version', version);
    return toVersion(row);
  }

  async history(beforeVersion: number | undefined, limit: number): Promise<Omit<PolicyVersion, 'policy' | 'yaml'>[]> {
    const rows = await policyRepository.list(this.db, beforeVersion, limit);
    return rows.map((r) => ({
      version: r.version,
      comment: r.comment,
      createdBy: r.created_by,
      createdAt: r.created_at,
    }));
  }

  /** Validates without applying. */
  check(yaml: string): { valid: boolean; problems: PolicyProblem[] } {
    const parsed = parsePolicy(yaml);
    return parsed.ok ? { valid: true, problems: [] } : { valid: false, problems: parsed.problems };
  }

  /**
   * Applies a new version. `expectedVersion` (If-Match) guards against applying over a version
   * the author has not seen.
   */
  async apply(actor: Actor, yaml: string, comment: string, expectedVersion?: number): Promise<PolicyVersion> {
    const parsed = parsePolicy(yaml);
    if (!parsed.ok) throw new InvalidPolicyError(parsed.problems);
    const applied = await this.db.transaction().execute(async (tx) => {
      const latest = await policyRepository.latestVersion(tx);
      if (expectedVersion !== undefined && expectedVersion !== latest) {
        throw new StaleVersionError('policy', 'current', expectedVersion, latest);
      }
      return this.#insert(tx, actor, latest + 1, yaml, comment);
    });
    this.#cached = undefined;
    return applied;
  }

  async #insert(tx: Db, actor: Actor, version: number, yaml: string, comment: string): Promise<PolicyVersion> {
    const now = isoNow(this.clock);
    await policyRepository.insert(tx, { version, yaml, comment, created_by: actor.username, created_at: now });
    const applied = toVersion({ version, yaml, comment, created_by: actor.username, created_at: now });
    await this.audit.record(tx, actor, {
      action: 'policy.apply',
      objectType: 'policy',
      objectId: version,
      after: { version, comment, yaml },
    });
    return applied;
  }
}
