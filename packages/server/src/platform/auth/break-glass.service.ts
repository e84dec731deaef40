import {
  BREAK_GLASS_DEFAULT_MINUTES,
  BREAK_GLASS_MAX_MINUTES,
  BREAK_GLASS_REASON_MAX,
  BREAK_GLASS_REASON_MIN,
  type BreakGlassEndReason,
  rolesAllow,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import { type Actor, systemActor } from '../actor.js';
import type { AuditTrail } from '../audit/audit.service.js';
import { addMs, type Clock, isoNow } from '../clock.js';
import { type Db, isUniqueViolation } from '../database.js';
import type { Database } from '../database-schema.js';
import { AppError, ConflictError, ForbiddenError, InputError } from '../errors.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { EventSink } from '../webhooks/domain-event.js';
import { type BreakGlassListFilter, type BreakGlassRow, breakGlassRepository } from './break-glass.repository.js';
import { actorOf, type Principal } from './principal.js';

const EXPIRE_JOB = 'break_glass.expire';

/** An elevation as the API shows it. */
export interface BreakGlassElevation {
  id: number;
  userId: number;
  username: string;
  reason: string;
  via: string;
  startedAt: string;
  expiresAt: string;
  /** True while it grants permissions (open and not expired). */
  active: boolean;
  /** When it ended: ended early, or its expiry once that has passed. Null while active. */
  endedAt: string | null;
  endReason: BreakGlassEndReason | null;
  endedBy: string | null;
}

export interface StartBreakGlassInput {
  reason: string;
  minutes?: number | undefined;
}

export function toElevation(row: BreakGlassRow, nowIso: string): BreakGlassElevation {
  const expired = row.ended_at === null && row.expires_at <= nowIso;
  return {
    id: row.id,
    userId: row.user_id,
    username: row.username,
    reason: row.reason,
    via: row.via,
    startedAt: row.started_at,
    expiresAt: row.expires_at,
    active: row.ended_at === null && !expired,
    endedAt: row.ended_at ?? (expired ? row.expires_at : null),
    endReason: (row.end_reason as BreakGlassEndReason | null) ?? (expired ? 'expired' : null),
    endedBy: row.ended_by ?? (expired ? 'system' : null),
  };
}

/**
 * Break-glass: an admin's own, time-boxed elevation for an emergency. While it is active the
 * admin holds every permission and segregation-of-duties checks let them through (AuthService
 * applies it to the principal; services ask `sodWaived(actor)`), and every audit entry they write
 * carries its id and reason. Starting, ending and expiring are audited; starting and ending are
 * published to webhook subscribers. State lives in the database, so every instance agrees; the
 * expiry needs no job to take effect (every check compares with the clock), the job only closes
 * the row and writes the audit entry.
 */
export class BreakGlassService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    private readonly events: EventSink,
    /** Called after a start or an end, to drop this instance's cached principals. */
    private readonly onChanged: () => void = () => {},
  ) {
    jobs.register<{ id: number }>(EXPIRE_JOB, { handler: (job) => this.expire(job.payload.id) });
  }

  async list(filter: BreakGlassListFilter): Promise<BreakGlassElevation[]> {
    const nowIso = isoNow(this.clock);
    return (await breakGlassRepository.list(this.db, filter)).map((row) => toElevation(row, nowIso));
  }

  /** The user's active elevation, or null. */
  async activeFor(userId: number): Promise<BreakGlassElevation | null> {
    const nowIso = isoNow(this.clock);
    const row = await breakGlassRepository.findActive(this.db, userId, nowIso);
    return row ? toElevation(row, nowIso) : null;
  }

  /**
   * Starts an elevation of the caller's own account. Refused for anyone whose roles do not grant
   * `break_glass.use`, without a reason an auditor could check, and while one is active (409).
   */
  async start(
    principal: Principal,
    requestId: string | null,
    input: StartBreakGlassInput,
  ): Promise<BreakGlassElevation> {
    const user = principal.user;
    if (!rolesAllow(user.roles, 'break_glass.use')) {
      throw new ForbiddenError('Only an admin may start a break-glass elevation', { permission: 'break_glass.use' });
    }
    const reason = input.reason.trim().replace(/\s+/g, ' ');
    if (reason.length < BREAK_GLASS_REASON_MIN || reason.length > BREAK_GLASS_REASON_MAX) {
      throw new InputError(
        `State the emergency in ${BREAK_GLASS_REASON_MIN}–${BREAK_GLASS_REASON_MAX} characters (an incident or change number and what must be done): it is copied into every audit entry written under the elevation`,
        { field: 'reason' },
      );
    }
    if (new Set(reason.toLowerCase().replace(/[^a-z0-9]/g, '')).size < 5) {
      throw new InputError('The reason must say what the emergency is, not repeat a few characters', {
        field: 'reason',
      });
    }
    const minutes = input.minutes ?? BREAK_GLASS_DEFAULT_MINUTES;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > BREAK_GLASS_MAX_MINUTES) {
      throw new InputError(`minutes must be a whole number from 1 to ${BREAK_GLASS_MAX_MINUTES}`, {
        field: 'minutes',
      });
    }
    const nowIso = isoNow(this.clock);
    let started: BreakGlassElevation;
    try {
      started = await this.db.transaction().execute(async (tx) => {
        const open = await breakGlassRepository.findOpen(tx, user.id);
        if (open && open.expires_at > nowIso) {
          throw new ConflictError(
            `Break-glass elevation ${open.id} is active until ${open.expires_at}; end it (DELETE /api/v1/auth/break-glass) before starting another`,
            { breakGlassId: open.id, expiresAt: open.expires_at },
          );
        }
        if (open) await this.#closeExpired(tx, open, nowIso);
        const row = await breakGlassRepository.insert(tx, {
          user_id: user.id,
          username: user.username,
          reason,
          via: principal.via,
          token_id: principal.tokenId,
          request_id: requestId,
          started_at: nowIso,
          expires_at: addMs(nowIso, minutes * 60_000),
          ended_at: null,
          end_reason: null,
          ended_by: null,
        });
        const elevation = toElevation(row, nowIso);
        await this.jobs.enqueue(tx, EXPIRE_JOB, { id: row.id }, { runAt: row.expires_at });
        // The start itself is the first entry flagged with the elevation.
        const actor: Actor = { ...actorOf(principal, requestId), breakGlass: { id: row.id, reason } };
        await this.#recordChange(tx, actor, 'break_glass.start', 'break_glass.started', elevation);
        return elevation;
      });
    } catch (error) {
      // Another instance started one for this user at the same moment (one open per user).
      if (isUniqueViolation(error)) {
        throw new ConflictError('A break-glass elevation was started for your account at the same moment', {
          rule: 'one_open_elevation',
        });
      }
      throw error;
    }
    this.onChanged();
    return started;
  }

  /** Ends the caller's active elevation before its expiry. */
  async end(principal: Principal, requestId: string | null): Promise<BreakGlassElevation> {
    const nowIso = isoNow(this.clock);
    const ended = await this.db.transaction().execute(async (tx) => {
      const open = await breakGlassRepository.findOpen(tx, principal.user.id);
      if (!open || open.expires_at <= nowIso) {
        throw new AppError('NOT_FOUND', 'You have no active break-glass elevation to end');
      }
      const row = await breakGlassRepository.close(tx, open.id, {
        ended_at: nowIso,
        end_reason: 'ended',
        ended_by: principal.user.username,
      });
      if (!row) throw new AppError('NOT_FOUND', 'You have no active break-glass elevation to end');
      const elevation = toElevation(row, nowIso);
      const actor: Actor = { ...actorOf(principal, requestId), breakGlass: { id: row.id, reason: row.reason } };
      await this.#recordChange(tx, actor, 'break_glass.end', 'break_glass.ended', elevation, toElevation(open, nowIso));
      return elevation;
    });
    this.onChanged();
    return ended;
  }

  /**
   * Closes an elevation whose time ran out (the expiry job; safe to run twice or on several
   * instances: only the first close writes). A job that runs early, on a clock behind the one
   * that started the elevation, schedules itself again.
   */
  async expire(id: number): Promise<void> {
    const nowIso = isoNow(this.clock);
    await this.db.transaction().execute(async (tx) => {
      const row = await breakGlassRepository.findById(tx, id);
      if (!row || row.ended_at !== null) return;
      if (row.expires_at > nowIso) {
        await this.jobs.enqueue(tx, EXPIRE_JOB, { id }, { runAt: row.expires_at });
        return;
      }
      await this.#closeExpired(tx, row, nowIso);
    });
  }

  async #closeExpired(tx: Db, open: BreakGlassRow, nowIso: string): Promise<void> {
    const row = await breakGlassRepository.close(tx, open.id, {
      ended_at: open.expires_at,
      end_reason: 'expired',
      ended_by: 'system',
    });
    if (!row) return;
    const elevation = toElevation(row, nowIso);
    await this.#recordChange(
      tx,
      systemActor('break-glass-expiry'),
      'break_glass.expire',
      'break_glass.ended',
      elevation,
    );
  }

  /** Audits a change of an elevation (`before` it, when there is one) and publishes its domain event. */
  async #recordChange(
    tx: Db,
    actor: Actor,
    action: 'break_glass.start' | 'break_glass.end' | 'break_glass.expire',
    type: 'break_glass.started' | 'break_glass.ended',
    elevation: BreakGlassElevation,
    before?: BreakGlassElevation,
  ): Promise<void> {
    await this.audit.record(tx, actor, {
      action,
      objectType: 'break_glass',
      objectId: elevation.id,
      ...(before && { before }),
      after: elevation,
    });
    await this.events.publish(tx, { type, objectType: 'break_glass', objectId: elevation.id, data: { ...elevation } });
  }
}
