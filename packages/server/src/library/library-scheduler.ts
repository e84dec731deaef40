import crypto from 'node:crypto';
import os from 'node:os';
import type { Kysely } from 'kysely';
import { systemActor } from '../platform/actor.js';
import { addMs, type Clock, isoNow } from '../platform/clock.js';
import type { Database } from '../platform/database-schema.js';
import { AppError } from '../platform/errors.js';
import type { ArtifactService } from './artifact.service.js';
import { libraryRepository } from './library.repository.js';

export const VERIFY_ALL_TASK = 'verify-all';
/** A run that has not finished by then is presumed dead (its instance crashed); another may take over. */
const LEASE_MS = 6 * 3_600_000;
const POLL_MS = 60_000;

export interface VerificationStatus {
  intervalMinutes: number;
  nextRunAt: string | null;
  running: boolean;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastResult: Record<string, unknown> | null;
}

type VerifyAllResult = Awaited<ReturnType<ArtifactService['verifyAll']>>;

/**
 * The scheduled full integrity verification. Durable jobs (platform/jobs) did not exist when
 * this was built, so the schedule is a row in `library_tasks` with a lease: every instance polls,
 * and a single conditional UPDATE lets exactly one of them claim a due run (on SQLite and
 * PostgreSQL alike). A crashed run's lease expires and the next poll takes over.
 */
export class LibraryScheduler {
  readonly #owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly artifacts: ArtifactService,
    private readonly intervalMinutes: number,
  ) {}

  /** Polls for due runs; `onError` hears about failed runs (the next poll tries again). */
  start(onError: (error: unknown) => void = () => undefined): void {
    if (this.intervalMinutes <= 0 || this.#timer) return;
    const tick = () => {
      // stop() may have run before the first (immediate) tick fired: the database may be closed.
      if (!this.#timer) return;
      this.#running ??= this.runIfDue()
        .catch(onError)
        .finally(() => {
          this.#running = undefined;
        });
    };
    this.#timer = setInterval(tick, POLL_MS);
    this.#timer.unref();
    setImmediate(tick);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  async #ensureRow(): Promise<void> {
    // The first run is one interval after the library first starts, not at once on every start.
    const first = addMs(isoNow(this.clock), Math.max(1, this.intervalMinutes) * 60_000);
    await libraryRepository.ensureTask(this.db, VERIFY_ALL_TASK, first);
  }

  /** Runs the verification when it is due and no other instance holds the lease. */
  async runIfDue(): Promise<VerifyAllResult | undefined> {
    await this.#ensureRow();
    return this.#run(false);
  }

  /** Runs now (the API's "verify everything"); 409 when another run holds the lease. */
  async runNow(): Promise<VerifyAllResult> {
    await this.#ensureRow();
    const result = await this.#run(true);
    if (!result) {
      throw new AppError('CONFLICT', 'A full library verification is already running; try again when it has finished');
    }
    return result;
  }

  async #run(force: boolean): Promise<VerifyAllResult | undefined> {
    const now = isoNow(this.clock);
    const claimed = await libraryRepository.claimTask(
      this.db,
      VERIFY_ALL_TASK,
      this.#owner,
      now,
      addMs(now, LEASE_MS),
      force,
    );
    if (!claimed) return undefined;
    let result: VerifyAllResult | undefined;
    let failure: string | undefined;
    try {
      result = await this.artifacts.verifyAll(systemActor('library-verification'));
      return result;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      const finished = isoNow(this.clock);
      await libraryRepository.finishTask(this.db, VERIFY_ALL_TASK, this.#owner, {
        last_finished_at: finished,
        next_run_at: addMs(finished, Math.max(1, this.intervalMinutes) * 60_000),
        last_result: JSON.stringify(result ?? { error: failure }),
      });
    }
  }

  async status(): Promise<VerificationStatus> {
    const row = await libraryRepository.findTask(this.db, VERIFY_ALL_TASK);
    const now = isoNow(this.clock);
    return {
      intervalMinutes: this.intervalMinutes,
      nextRunAt: this.intervalMinutes > 0 ? (row?.next_run_at ?? null) : null,
      running: row?.lease_until != null && row.lease_until > now,
      lastStartedAt: row?.last_started_at ?? null,
      lastFinishedAt: row?.last_finished_at ?? null,
      lastResult:
        row?.last_result == null
          ? null
          : ((typeof row.last_result === 'string' ? JSON.parse(row.last_result) : row.last_result) as Record<
              string,
              unknown
            >),
    };
  }
}
