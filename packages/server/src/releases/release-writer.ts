import type { ReleaseState } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { ConflictError, DomainRuleError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import type { DomainEvent, EventSink } from '../platform/webhooks/domain-event.js';
import { type ReleaseRow, releaseRepository } from './release.repository.js';

export interface WriteOptions {
  /** The If-Match version, when the caller sent one. */
  expectedVersion?: number | undefined;
  /** The version the caller's checks (gates) were evaluated on: the write fails if the release moved since. */
  evaluatedVersion?: number | undefined;
  /** States in which this write is allowed; a 422 names them otherwise. */
  states?: readonly ReleaseState[] | undefined;
  /** What the write does, in words, for the 422 ("add artifacts"). */
  what: string;
  /** A scope edit voids standing approvals and starts a new approval round. */
  scopeEdit?: boolean | undefined;
}

export interface WriteContext {
  tx: Db;
  row: ReleaseRow;
  now: string;
  /** Events to publish in the write's transaction (webhooks see them exactly when it commits). */
  events: DomainEvent[];
}

export interface AuditedResult<T> {
  result: T;
  /** The audit entry of the write: action and before/after (objectType release, objectId the release). */
  audit: { action: string; before?: unknown; after?: unknown };
}

/** 422 DOMAIN_RULE naming the states in which `what` is allowed, unless the release is in one of them. */
export function assertState(row: ReleaseRow, states: readonly ReleaseState[], what: string): void {
  if (states.includes(row.state as ReleaseState)) return;
  throw new DomainRuleError(`Release ${row.id} is ${row.state}: ${what} only in ${states.join(', ')}`, {
    rule: 'release.state',
    state: row.state,
    allowedStates: [...states],
  });
}

/**
 * Every write to a release goes through here. The release is the aggregate: a plan section, a
 * target or a test result is a write to it, so each write (1) reads the release in the
 * transaction, (2) answers 412 to a stale If-Match and 422 outside the states that allow it,
 * (3) claims the next version (so concurrent writers serialise, and a write checked against
 * version N commits only while the release is still at N), (4) runs, (5) records its audit entry
 * and events in the same transaction.
 */
export class ReleaseWriter {
  constructor(
    readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly sink: EventSink,
  ) {}

  now(): string {
    return isoNow(this.clock);
  }

  async require(db: Db, id: number): Promise<ReleaseRow> {
    const row = await releaseRepository.findById(db, id);
    if (!row) throw new NotFoundError('release', id);
    return row;
  }

  async write<T>(
    actor: Actor,
    id: number,
    options: WriteOptions,
    fn: (ctx: WriteContext) => Promise<AuditedResult<T>>,
  ): Promise<T> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.require(tx, id);
      if (options.expectedVersion !== undefined && options.expectedVersion !== row.version) {
        throw new StaleVersionError('release', id, options.expectedVersion, row.version);
      }
      if (options.evaluatedVersion !== undefined && options.evaluatedVersion !== row.version) {
        throw new ConflictError(
          `Release ${id} changed while its gates were being evaluated (version ${options.evaluatedVersion} → ${row.version}): retry`,
          { currentVersion: row.version },
        );
      }
      if (options.states) assertState(row, options.states, options.what);
      const now = this.now();
      await this.claim(tx, row, options.expectedVersion, now);
      let current = { ...row, version: row.version + 1, updated_at: now };
      if (options.scopeEdit) {
        const voided = await releaseRepository.voidApprovals(tx, id, now, `scope edited by ${actor.username}`);
        current = await releaseRepository.write(tx, id, { scope_round: row.scope_round + 1, freeze_override: null });
        if (voided.length > 0) {
          await this.audit.record(tx, actor, {
            action: 'release.approvals_voided',
            objectType: 'release',
            objectId: id,
            before: voided.map((a) => ({ approver: a.approver_name, round: a.scope_round, at: a.created_at })),
            after: { reason: 'The scope changed after these approvals', scopeRound: row.scope_round + 1 },
          });
        }
      }
      const ctx: WriteContext = { tx, row: current, now, events: [] };
      const { result, audit } = await fn(ctx);
      await this.audit.record(tx, actor, {
        action: audit.action,
        objectType: 'release',
        objectId: id,
        ...(audit.before !== undefined && { before: audit.before }),
        ...(audit.after !== undefined && { after: audit.after }),
      });
      for (const event of ctx.events) await this.sink.publish(tx, event);
      return result;
    });
  }

  /** Audits a release's creation and publishes release.created, in the creating transaction. */
  async recordCreate(tx: Db, actor: Actor, release: { id: number }): Promise<void> {
    await this.audit.record(tx, actor, {
      action: 'release.create',
      objectType: 'release',
      objectId: release.id,
      after: release,
    });
    await this.sink.publish(tx, {
      type: 'release.created',
      objectType: 'release',
      objectId: release.id,
      data: { release },
    });
  }

  /** Claims the next version, or explains why not: 412 against the caller's If-Match, 409 for a racing writer. */
  async claim(tx: Db, row: ReleaseRow, expectedVersion: number | undefined, now: string): Promise<void> {
    if (await releaseRepository.claimVersion(tx, row.id, row.version, now)) return;
    const current = await releaseRepository.findById(tx, row.id);
    if (expectedVersion !== undefined) {
      throw new StaleVersionError('release', row.id, expectedVersion, current?.version ?? row.version + 1);
    }
    throw new ConflictError(`Release ${row.id} was changed by someone else at the same moment: reload it and retry`, {
      currentVersion: current?.version ?? null,
    });
  }
}
