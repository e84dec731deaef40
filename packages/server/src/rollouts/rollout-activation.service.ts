import {
  type ActivationRequestState,
  findRolloutTransition,
  OPEN_ACTIVATION_STATES,
  type ReleaseType,
  type RolloutAction,
  type RolloutState,
  type RolloutStrategy,
  rolloutActionsFrom,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import type { ChangeServices } from '../changes/changes.module.js';
import { readJson } from '../cmdb/json-column.js';
import { type Actor, actorHolds, sodWaived, systemActor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import {
  ConflictError,
  DomainRuleError,
  ForbiddenError,
  IllegalTransitionError,
  InputError,
  NotFoundError,
  SodViolation,
  StaleVersionError,
} from '../platform/errors.js';
import type { JobRunner } from '../platform/jobs/job-runner.js';
import type { PolicyService } from '../policy/policy.service.js';
import { releaseRepository } from '../releases/release.repository.js';
import { releaseCmdbRepository } from '../releases/release-cmdb.repository.js';
import { type RolloutRow, rolloutRepository } from './rollout.repository.js';
import { type ActivationRow, activationRepository } from './rollout-activation.repository.js';
import { inWindow, type RolloutEngine, type StoredSpec } from './rollout-engine.js';

/** The durable job that activates an approved, scheduled activation at its time. */
export const ACTIVATION_JOB = 'rollout.activate';

const ENGINE: Actor = systemActor('rollout-engine');
const NOTE_MAX = 2000;

/** An activation request as the API shows it. */
export interface ActivationView {
  id: number;
  rolloutId: number;
  state: ActivationRequestState;
  activateAt: string | null;
  requestedBy: string;
  requestedAt: string;
  note: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  activatedAt: string | null;
  closedBy: string | null;
  closedAt: string | null;
  closedReason: string | null;
  version: number;
}

export function toActivationView(row: ActivationRow): ActivationView {
  return {
    id: row.id,
    rolloutId: row.rollout_id,
    state: row.state as ActivationRequestState,
    activateAt: row.activate_at,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    note: row.request_note,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionNote: row.decision_note,
    activatedAt: row.activated_at,
    closedBy: row.closed_by,
    closedAt: row.closed_at,
    closedReason: row.closed_reason,
    version: row.version,
  };
}

/** The state of the open request (pending or scheduled), null when there is none. */
export function openState(row: ActivationRow | undefined): ActivationRequestState | null {
  if (!row) return null;
  const state = row.state as ActivationRequestState;
  return OPEN_ACTIVATION_STATES.includes(state) ? state : null;
}

/**
 * The activation of a dormant rollout as its own, separately approved step (rollouts/README.md,
 * "Activation"). A person with `rollouts.execute` requests it, now or at `activateAt` (inside the
 * rollout's windows and outside every freeze covering its targets); a second person with
 * `rollouts.approve` — neither the requester nor the one who started the rollout — approves or
 * rejects it. Approved for now, the rollout moves to `activating` in the approval's transaction;
 * approved for later, a durable job (`rollout.activate`) due at `activateAt` does it, after
 * checking windows and freezes once more. Every step is one transaction with its event (SSE,
 * webhooks) and audit entry. The open request is unique per rollout (`open_key`), and every
 * move is conditional on the request's and the rollout's state, so a repeated or concurrent job
 * run activates once.
 */
export class RolloutActivationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly engine: RolloutEngine,
    private readonly jobs: JobRunner,
    private readonly deps: { changes: ChangeServices; policy: PolicyService },
  ) {
    jobs.register<{ activationId: number }>(ACTIVATION_JOB, {
      handler: (job) => this.fire(job.payload.activationId),
      maxAttempts: 50,
      leaseMs: 60_000,
      concurrency: 4,
      backoff: { baseMs: 5_000, maxMs: 300_000 },
    });
  }

  #now(): string {
    return isoNow(this.clock);
  }

  async #rollout(id: number, expectedVersion: number | undefined): Promise<RolloutRow> {
    const row = await rolloutRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('rollout', id);
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new StaleVersionError('rollout', id, expectedVersion, row.version);
    }
    return row;
  }

  /** Refuses (422, or IllegalTransition) unless the model allows `action` on this rollout now. */
  #allowed(row: RolloutRow, open: ActivationRow | undefined, action: RolloutAction): void {
    const state = row.state as RolloutState;
    const strategy = row.strategy as RolloutStrategy;
    const request = openState(open);
    if (findRolloutTransition(action, state, request) && rolloutActionsFrom(state, strategy, request).includes(action))
      return;
    if (strategy !== 'dormant' || state !== 'dormant') {
      throw new IllegalTransitionError('rollout', state, action, rolloutActionsFrom(state, strategy, request));
    }
    if (action === 'activate' && open) {
      throw new ConflictError(
        `Rollout ${row.id} already has an activation request (${open.id}, ${open.state}): approve, reject or cancel it first`,
        { activationId: open.id, state: open.state },
      );
    }
    throw new DomainRuleError(
      open
        ? `The activation request ${open.id} of rollout ${row.id} is ${open.state}: it cannot be ${action === 'cancel_activation' ? 'cancelled' : 'decided'} now`
        : `Rollout ${row.id} has no open activation request: request one first (POST /api/v1/rollouts/${row.id}/activate)`,
      { rule: 'rollout.activation_request', state: open?.state ?? null },
    );
  }

  /**
   * May the rollout be activated at `at`? Inside one of its allowed windows (if it has any) and
   * outside every freeze covering its targets — unless the release's type may override freezes
   * with a reason and the release recorded an override covering them (the rollout start's rule).
   */
  async #checkWhen(row: RolloutRow, at: string, field: string): Promise<void> {
    const spec = readJson<StoredSpec>(row.spec);
    const windows = spec.windows ?? [];
    if (!inWindow(windows, at)) {
      throw new DomainRuleError(
        `Rollout ${row.id} may not be activated at ${at}: that is outside its allowed windows`,
        {
          rule: 'rollout.activation_window',
          field,
          at,
          windows,
        },
      );
    }
    const ciIds = (
      await this.db.selectFrom('rollout_targets').select('ci_id').where('rollout_id', '=', row.id).execute()
    ).map((t) => t.ci_id);
    const cis = await releaseCmdbRepository.cisByIds(this.db, ciIds);
    const calendar = await this.deps.changes.freezes.calendar();
    const moment = Date.parse(at);
    const hits = calendar.freezeHits(
      cis.map((c) => ({ id: c.id, class: c.class, environment: c.environment })),
      moment,
      moment + 1,
    );
    if (hits.length === 0) return;
    const freezes = [...new Map(hits.map((h) => [h.freeze.id, h.freeze])).values()];
    const release = await releaseRepository.findById(this.db, row.release_id);
    const policy = (await this.deps.policy.current()).policy;
    const typePolicy = release ? policy.releaseTypes[release.type as ReleaseType] : undefined;
    if (typePolicy?.freeze === 'override-with-reason' && release?.freeze_override) {
      const stored = readJson<{ freezes: { id: number }[] }>(release.freeze_override);
      if (freezes.every((f) => stored.freezes.some((s) => s.id === f.id))) return;
    }
    throw new DomainRuleError(
      `Rollout ${row.id} may not be activated at ${at}: ${freezes.map((f) => `"${f.name}" (${f.kind} freeze, id ${f.id})`).join(', ')} covers its targets`,
      { rule: 'rollout.activation_freeze', field, at, freezes },
    );
  }

  async #log(
    tx: Db,
    actor: Actor,
    rollout: RolloutRow,
    activation: ActivationRow,
    type:
      | 'rollout.activation_requested'
      | 'rollout.activation_approved'
      | 'rollout.activation_rejected'
      | 'rollout.activation_cancelled'
      | 'rollout.activation_blocked',
    action: string,
    before: ActivationRequestState | null,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.engine.event(tx, rollout, type, {
      by: actor.username,
      activationId: activation.id,
      state: rollout.state,
      activation: activation.state,
      activateAt: activation.activate_at,
      ...detail,
    });
    await this.audit.record(tx, actor, {
      action,
      objectType: 'rollout',
      objectId: rollout.id,
      before: before === null ? null : { activationId: activation.id, activation: before },
      after: {
        activationId: activation.id,
        activation: activation.state,
        activateAt: activation.activate_at,
        ...detail,
      },
    });
  }

  /** Bumps the rollout's version (its view shows the request), only while it is still dormant. */
  async #touch(tx: Db, rolloutId: number): Promise<RolloutRow> {
    const row = await rolloutRepository.update(tx, rolloutId, {}, this.#now(), ['dormant']);
    if (!row) throw new ConflictError(`Rollout ${rolloutId} changed state meanwhile: reload and retry`, {});
    return row;
  }

  /** Moves a dormant rollout to `activating` and asks for a driver (inside the caller's transaction). */
  async #start(tx: Db, rolloutId: number): Promise<RolloutRow> {
    // A second activation (after a deactivation) runs every target again: new steps, new keys.
    await rolloutRepository.supersede(tx, rolloutId, 'activate', ['succeeded', 'failed'], null);
    const row = await rolloutRepository.update(tx, rolloutId, { state: 'activating', phase: 'activate' }, this.#now(), [
      'dormant',
    ]);
    if (!row) throw new ConflictError(`Rollout ${rolloutId} changed state meanwhile: reload and retry`, {});
    await this.engine.kick(tx, rolloutId);
    return row;
  }

  /** The requests of a rollout, newest first. */
  async list(rolloutId: number, limit = 100): Promise<ActivationView[]> {
    await this.#rollout(rolloutId, undefined);
    return (await activationRepository.list(this.db, rolloutId, limit)).map(toActivationView);
  }

  /**
   * Requests the activation of a dormant rollout: now (once approved) or at `activateAt`, which
   * must lie in the future (400), inside the rollout's windows and outside freezes (422). A
   * second open request is refused (409); a rollout that is not dormant cannot be activated (422).
   */
  async request(
    actor: Actor,
    rolloutId: number,
    input: { activateAt?: string | undefined; note?: string | undefined },
    expectedVersion?: number,
  ): Promise<ActivationView> {
    const row = await this.#rollout(rolloutId, expectedVersion);
    this.#allowed(row, await activationRepository.findOpen(this.db, rolloutId), 'activate');
    const now = this.#now();
    let activateAt: string | null = null;
    if (input.activateAt !== undefined) {
      const at = Date.parse(input.activateAt);
      if (!Number.isFinite(at)) throw new InputError('activateAt must be an ISO-8601 time', { field: 'activateAt' });
      activateAt = new Date(at).toISOString();
      if (activateAt <= now) {
        throw new InputError(`activateAt must lie in the future (it is ${activateAt}, now is ${now})`, {
          field: 'activateAt',
        });
      }
      await this.#checkWhen(row, activateAt, 'activateAt');
    }
    const note = (input.note ?? '').trim().slice(0, NOTE_MAX);
    return this.db.transaction().execute(async (tx) => {
      let activation: ActivationRow;
      try {
        activation = await activationRepository.insert(tx, {
          rollout_id: rolloutId,
          state: 'pending',
          activate_at: activateAt,
          requested_by: actor.username,
          requested_at: now,
          request_note: note,
          decided_by: null,
          decided_at: null,
          decision_note: null,
          activated_at: null,
          closed_by: null,
          closed_at: null,
          closed_reason: null,
          open_key: rolloutId,
          created_at: now,
          updated_at: now,
          version: 1,
        });
      } catch (error) {
        if (isUnique(error)) throw new ConflictError(`Rollout ${rolloutId} already has an open activation request`, {});
        throw error;
      }
      const rollout = await this.#touch(tx, rolloutId);
      await this.#log(
        tx,
        actor,
        rollout,
        activation,
        'rollout.activation_requested',
        'rollout.activation_request',
        null,
        {
          note,
        },
      );
      return toActivationView(activation);
    });
  }

  /** The decider's checks: the approval permission, and neither the requester nor the rollout's starter. */
  #checkDecider(actor: Actor, row: RolloutRow, open: ActivationRow, verb: 'approve' | 'reject'): void {
    if (actor.userId === null || !actorHolds(actor, 'rollouts.approve')) {
      throw new ForbiddenError(`Only change managers or CAB members (rollouts.approve) may ${verb} an activation`, {
        permission: 'rollouts.approve',
      });
    }
    // Only a break-glass elevation waives the two rules below (and its audit entry is flagged).
    if (sodWaived(actor)) return;
    if (actor.username === open.requested_by) {
      throw new SodViolation(
        `Segregation of duties: ${actor.username} requested activation ${open.id} of rollout ${row.id} and cannot ${verb} it${verb === 'reject' ? ' (cancel it instead)' : ''}`,
        { rule: 'sod.approver_not_requester', activationId: open.id },
      );
    }
    if (actor.username === row.created_by) {
      throw new SodViolation(
        `Segregation of duties: ${actor.username} started rollout ${row.id} and cannot ${verb} its activation`,
        { rule: 'sod.approver_not_rollout_starter', activationId: open.id },
      );
    }
  }

  /**
   * Approves the pending request. Its time (or now) is checked once more against windows and
   * freezes (422, the request stays pending). Due now: the rollout starts activating in this
   * transaction. Later: the request is `scheduled` and a durable job is due at its time.
   */
  async approve(
    actor: Actor,
    rolloutId: number,
    input: { note?: string | undefined },
    expectedVersion?: number,
  ): Promise<ActivationView> {
    const row = await this.#rollout(rolloutId, expectedVersion);
    const open = await activationRepository.findOpen(this.db, rolloutId);
    this.#allowed(row, open, 'approve_activation');
    const pending = open as ActivationRow;
    this.#checkDecider(actor, row, pending, 'approve');
    const now = this.#now();
    const later = pending.activate_at !== null && pending.activate_at > now;
    await this.#checkWhen(row, later ? (pending.activate_at as string) : now, later ? 'activateAt' : 'now');
    const note = (input.note ?? '').trim().slice(0, NOTE_MAX);
    return this.db.transaction().execute(async (tx) => {
      const decided = await activationRepository.update(
        tx,
        pending.id,
        later
          ? { state: 'scheduled', decided_by: actor.username, decided_at: now, decision_note: note }
          : {
              state: 'activated',
              decided_by: actor.username,
              decided_at: now,
              decision_note: note,
              activated_at: now,
              open_key: null,
            },
        now,
        ['pending'],
      );
      if (!decided) throw new ConflictError(`Activation request ${pending.id} changed meanwhile: reload and retry`, {});
      let rollout: RolloutRow;
      if (later) {
        rollout = await this.#touch(tx, rolloutId);
        await this.jobs.enqueue(
          tx,
          ACTIVATION_JOB,
          { activationId: pending.id },
          { runAt: pending.activate_at as string },
        );
      } else {
        rollout = await this.#start(tx, rolloutId);
      }
      await this.#log(
        tx,
        actor,
        rollout,
        decided,
        'rollout.activation_approved',
        'rollout.activation_approve',
        'pending',
        {
          note,
          scheduled: later,
        },
      );
      return toActivationView(decided);
    });
  }

  /** Rejects the pending request with a reason (400 without one). */
  async reject(actor: Actor, rolloutId: number, input: { reason: string }, expectedVersion?: number) {
    const reason = input.reason.trim().slice(0, NOTE_MAX);
    if (!reason) throw new InputError('reason: say why the activation is rejected', { field: 'reason' });
    const row = await this.#rollout(rolloutId, expectedVersion);
    const open = await activationRepository.findOpen(this.db, rolloutId);
    this.#allowed(row, open, 'reject_activation');
    const pending = open as ActivationRow;
    this.#checkDecider(actor, row, pending, 'reject');
    const now = this.#now();
    return this.db.transaction().execute(async (tx) => {
      const decided = await activationRepository.update(
        tx,
        pending.id,
        {
          state: 'rejected',
          decided_by: actor.username,
          decided_at: now,
          decision_note: reason,
          closed_by: actor.username,
          closed_at: now,
          closed_reason: reason,
          open_key: null,
        },
        now,
        ['pending'],
      );
      if (!decided) throw new ConflictError(`Activation request ${pending.id} changed meanwhile: reload and retry`, {});
      const rollout = await this.#touch(tx, rolloutId);
      await this.#log(
        tx,
        actor,
        rollout,
        decided,
        'rollout.activation_rejected',
        'rollout.activation_reject',
        'pending',
        {
          reason,
        },
      );
      return toActivationView(decided);
    });
  }

  /** Withdraws a pending request or calls off a scheduled activation (its job then does nothing). */
  async cancel(actor: Actor, rolloutId: number, input: { reason?: string | undefined }, expectedVersion?: number) {
    const row = await this.#rollout(rolloutId, expectedVersion);
    const open = await activationRepository.findOpen(this.db, rolloutId);
    this.#allowed(row, open, 'cancel_activation');
    const current = open as ActivationRow;
    const reason = (input.reason ?? '').trim().slice(0, NOTE_MAX) || `cancelled by ${actor.username}`;
    const now = this.#now();
    return this.db.transaction().execute(async (tx) => {
      const closed = await activationRepository.update(
        tx,
        current.id,
        { state: 'cancelled', closed_by: actor.username, closed_at: now, closed_reason: reason, open_key: null },
        now,
        OPEN_ACTIVATION_STATES,
      );
      if (!closed) throw new ConflictError(`Activation request ${current.id} changed meanwhile: reload and retry`, {});
      const rollout = await this.#touch(tx, rolloutId);
      await this.#log(
        tx,
        actor,
        rollout,
        closed,
        'rollout.activation_cancelled',
        'rollout.activation_cancel',
        current.state as ActivationRequestState,
        { reason },
      );
      return toActivationView(closed);
    });
  }

  /**
   * The `rollout.activate` job: activates a scheduled request once it is due. Does nothing when
   * the request was cancelled (or already activated: a repeated run); re-queues itself when it
   * runs early. A freeze or a closed window at that moment blocks it (recorded; a new request is
   * needed); a rollout no longer dormant (backed out meanwhile) cancels it.
   */
  async fire(activationId: number): Promise<void> {
    const activation = await activationRepository.findById(this.db, activationId);
    if (activation?.state !== 'scheduled') return;
    const now = this.#now();
    const due = activation.activate_at ?? now;
    if (due > now) {
      await this.jobs.enqueue(this.db, ACTIVATION_JOB, { activationId }, { runAt: due });
      return;
    }
    const row = await rolloutRepository.findById(this.db, activation.rollout_id);
    if (!row) return;
    let blocked: string | null = null;
    if (row.state !== 'dormant') {
      blocked = `the rollout is ${row.state}, no longer dormant`;
    } else {
      try {
        await this.#checkWhen(row, now, 'activateAt');
      } catch (error) {
        if (!(error instanceof DomainRuleError)) throw error;
        blocked = error.message;
      }
    }
    await this.db.transaction().execute(async (tx) => {
      if (blocked !== null) {
        const closed = await activationRepository.update(
          tx,
          activationId,
          {
            state: row.state === 'dormant' ? 'blocked' : 'cancelled',
            closed_by: ENGINE.username,
            closed_at: now,
            closed_reason: blocked,
            open_key: null,
          },
          now,
          ['scheduled'],
        );
        if (!closed) return;
        await this.#log(
          tx,
          ENGINE,
          row,
          closed,
          row.state === 'dormant' ? 'rollout.activation_blocked' : 'rollout.activation_cancelled',
          row.state === 'dormant' ? 'rollout.activation_block' : 'rollout.activation_cancel',
          'scheduled',
          { reason: blocked },
        );
        return;
      }
      const started = await activationRepository.update(
        tx,
        activationId,
        { state: 'activated', activated_at: now, open_key: null },
        now,
        ['scheduled'],
      );
      if (!started) return;
      const rollout = await this.#start(tx, row.id);
      await this.engine.event(tx, rollout, 'rollout.resumed', {
        by: ENGINE.username,
        action: 'activate',
        activationId,
        state: rollout.state,
        reason: `scheduled activation ${activationId} is due (approved by ${activation.decided_by ?? 'unknown'})`,
      });
      await this.audit.record(tx, ENGINE, {
        action: 'rollout.activate',
        objectType: 'rollout',
        objectId: row.id,
        before: { state: 'dormant', activationId, activation: 'scheduled' },
        after: { state: rollout.state, activationId, activation: 'activated' },
      });
    });
  }
}

function isUnique(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint/i.test(e.message ?? '');
}
