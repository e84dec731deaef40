import crypto from 'node:crypto';
import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { addMs, type Clock, isoNow } from '../clock.js';
import type { Db } from '../database.js';
import type { Database } from '../database-schema.js';
import { type JobRow, jobRepository } from './job.repository.js';

/** A claimed job as its handler sees it. */
export interface Job<P> {
  id: number;
  kind: string;
  payload: P;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** True when a failure now makes the job dead. */
  finalAttempt: boolean;
}

export type JobHandler<P> = (job: Job<P>) => Promise<void>;

export interface BackoffOptions {
  /** Delay before the second attempt. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
}

export interface JobKindOptions<P> {
  handler: JobHandler<P>;
  /** Attempts before the job is dead; enqueue may override it per job. */
  maxAttempts?: number;
  /** How long a claim holds; renewed while the handler runs, so only a dead worker lets it lapse. */
  leaseMs?: number;
  /** Jobs of this kind one instance runs at once. */
  concurrency?: number;
  backoff?: BackoffOptions;
  /** Called once when the job goes dead (after its last failed attempt). */
  onDead?: (job: Job<P>, error: string) => Promise<void>;
}

export interface JobRunnerOptions {
  /** How often an idle runner looks for due jobs. */
  pollMs?: number;
  /** Identifies this runner in leases; defaults to host:pid:random. */
  workerId?: string;
  /** Random source in [0, 1) for the jitter (tests pass a fixed one). */
  random?: () => number;
  /**
   * When set, the lease of every kind (overriding the kind's own `leaseMs`). The operator's
   * choice of how long a dead instance's running jobs wait before another instance takes them
   * over (SLIPWAY_JOB_LEASE_SECONDS); live workers renew every third of it.
   */
  leaseMs?: number;
}

export interface EnqueueOptions {
  runAt?: string;
  maxAttempts?: number;
}

const DEFAULT_MAX_ATTEMPTS = 8;
const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_CONCURRENCY = 4;
const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5_000, maxMs: 3_600_000 };
const DEFAULT_POLL_MS = 500;
const PRUNE_EVERY_MS = 3_600_000;
const KEEP_FINISHED_MS = 30 * 24 * 3_600_000;

/**
 * Exponential backoff with "equal jitter": half the exponential delay is fixed, half random, so
 * retries of many jobs that failed together (a receiver was down) spread out instead of
 * returning in lock step, while no retry comes sooner than half its nominal delay.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}

/**
 * Runs durable jobs kept as rows in Slipway's own database (see README.md beside this file).
 * `enqueue` writes inside the caller's transaction, so a job exists exactly when the write that
 * asked for it committed. Workers on any number of instances claim due jobs with a lease; a
 * crashed worker's lease lapses and another takes the job over. Delivery is at least once:
 * handlers must tolerate a repeat (webhook receivers dedupe by delivery id).
 */
export class JobRunner {
  readonly #kinds = new Map<string, JobKindOptions<unknown>>();
  readonly #running = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #workerId: string;
  readonly #pollMs: number;
  readonly #random: () => number;
  readonly #leaseMs: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #polling: Promise<number> | undefined;
  #lastPrune = 0;
  #log: FastifyBaseLogger | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    options: JobRunnerOptions = {},
  ) {
    this.#workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#random = options.random ?? Math.random;
    if (options.leaseMs !== undefined && !(Number.isFinite(options.leaseMs) && options.leaseMs >= 1000)) {
      throw new Error(`Job lease must be at least 1 s, got ${options.leaseMs} ms`);
    }
    this.#leaseMs = options.leaseMs;
  }

  /** The lease a kind's jobs are claimed with. */
  #leaseOf(options: JobKindOptions<unknown>): number {
    return this.#leaseMs ?? options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  get workerId(): string {
    return this.#workerId;
  }

  /** Jobs this runner is running now, by kind (for /metrics). */
  runningByKind(): Map<string, number> {
    return new Map(this.#running);
  }

  /** Declares a kind of job and what runs it. Kinds are registered before `start`. */
  register<P>(kind: string, options: JobKindOptions<P>): void {
    if (this.#kinds.has(kind)) throw new Error(`Job kind ${kind} is already registered`);
    this.#kinds.set(kind, options as JobKindOptions<unknown>);
    this.#running.set(kind, 0);
  }

  /** Adds a job in the caller's transaction (or autocommit on the root handle). */
  async enqueue(tx: Db, kind: string, payload: unknown, options: EnqueueOptions = {}): Promise<number> {
    const now = isoNow(this.clock);
    return jobRepository.insert(tx, {
      kind,
      payload: JSON.stringify(payload),
      state: 'pending',
      attempts: 0,
      max_attempts: options.maxAttempts ?? this.#kinds.get(kind)?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      run_at: options.runAt ?? now,
      lease_owner: null,
      lease_until: null,
      last_error: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    });
  }

  start(log?: FastifyBaseLogger): void {
    this.#log = log;
    this.#stopped = false;
    this.#timer = setInterval(() => {
      this.poll().catch((error: unknown) => this.#log?.error({ err: error }, 'job poll failed'));
    }, this.#pollMs);
    this.#timer.unref();
  }

  /** Stops claiming and waits for running handlers to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#polling?.catch(() => undefined);
    await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * Wakes the runner soon (after an enqueue that should not wait for the next poll). Called from
   * inside the enqueuing transaction, so it waits a moment for the commit; a poll that comes too
   * early just finds nothing, and the regular poll follows.
   */
  nudge(): void {
    if (this.#stopped) return;
    setTimeout(() => {
      this.poll().catch((error: unknown) => this.#log?.error({ err: error }, 'job poll failed'));
    }, 20).unref();
  }

  /**
   * One round: claims as many due jobs as there are free slots and starts them. Resolves to the
   * number started; concurrent calls share one round.
   */
  async poll(): Promise<number> {
    if (this.#polling) return this.#polling;
    this.#polling = this.#pollOnce().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  /** Runs rounds until nothing is due, waiting for every started job (tests and shutdown drains). */
  async drain(maxRounds = 100): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      // poll() joins a round already under way, which may have looked for due jobs before the
      // caller's jobs were committed and found none: let it finish, so the round below is fresh.
      if (this.#polling) await this.#polling.catch(() => 0);
      const started = await this.poll();
      await Promise.allSettled([...this.#inFlight]);
      if (started === 0 && this.#inFlight.size === 0) return;
    }
  }

  async #pollOnce(): Promise<number> {
    await this.#prune();
    let started = 0;
    for (const [kind, options] of this.#kinds) {
      const free = (options.concurrency ?? DEFAULT_CONCURRENCY) - (this.#running.get(kind) ?? 0);
      if (free <= 0) continue;
      const now = isoNow(this.clock);
      const leaseMs = this.#leaseOf(options);
      const claimed = await jobRepository.claim(this.db, {
        kinds: [kind],
        owner: this.#workerId,
        now,
        leaseUntil: addMs(now, leaseMs),
        limit: free,
      });
      for (const row of claimed) {
        started++;
        this.#track(kind, this.#run(row, options));
      }
    }
    return started;
  }

  #track(kind: string, run: Promise<void>): void {
    this.#running.set(kind, (this.#running.get(kind) ?? 0) + 1);
    const tracked = run
      .catch((error: unknown) => this.#log?.error({ err: error, kind }, 'job bookkeeping failed'))
      .finally(() => {
        this.#running.set(kind, (this.#running.get(kind) ?? 1) - 1);
        this.#inFlight.delete(tracked);
      });
    this.#inFlight.add(tracked);
  }

  async #run(row: JobRow, options: JobKindOptions<unknown>): Promise<void> {
    const job: Job<unknown> = {
      id: row.id,
      kind: row.kind,
      payload: JSON.parse(row.payload) as unknown,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
      finalAttempt: row.attempts >= row.max_attempts,
    };
    // A lapsed lease on the final attempt: the worker died mid-run every time. Stop here
    // rather than loop forever on a job that kills its worker.
    if (row.attempts > row.max_attempts) {
      await this.#failed(job, options, 'the worker running the final attempt stopped (lease lapsed)');
      return;
    }
    const leaseMs = this.#leaseOf(options);
    const heartbeat = setInterval(
      () => {
        jobRepository
          .extendLease(this.db, job.id, this.#workerId, addMs(isoNow(this.clock), leaseMs))
          .catch((error: unknown) => this.#log?.warn({ err: error, job: job.id }, 'job lease renewal failed'));
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      await options.handler(job);
    } catch (error) {
      clearInterval(heartbeat);
      await this.#failed(job, options, errorText(error));
      return;
    }
    clearInterval(heartbeat);
    const done = await jobRepository.complete(this.db, job.id, this.#workerId, isoNow(this.clock));
    if (!done) this.#log?.warn({ job: job.id, kind: job.kind }, 'job finished after its lease was taken over');
  }

  async #failed(job: Job<unknown>, options: JobKindOptions<unknown>, error: string): Promise<void> {
    const now = isoNow(this.clock);
    const dead = job.attempt >= job.maxAttempts;
    const retryAt = dead
      ? null
      : addMs(now, backoffDelay(job.attempt, options.backoff ?? DEFAULT_BACKOFF, this.#random));
    const recorded = await jobRepository.fail(this.db, job.id, this.#workerId, now, error, retryAt);
    if (!recorded) return;
    if (dead) {
      this.#log?.warn({ job: job.id, kind: job.kind, error }, 'job is dead after its last attempt');
      await options.onDead?.(job, error);
    }
  }

  async #prune(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    await jobRepository.pruneFinished(this.db, new Date(now - KEEP_FINISHED_MS).toISOString());
  }
}
