import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { isoNow } from '../clock.js';
import type { Database } from '../database-schema.js';
import { instanceRepository } from './instance.repository.js';

/** How often a running instance says it is alive. */
export const HEARTBEAT_MS = 3000;
/**
 * An instance silent this long is taken for dead (five missed heartbeats: far longer than any
 * event-loop stall the load shedding lets through, so a live instance is not declared dead).
 */
export const DEAD_AFTER_MS = 15_000;
/** Rows of instances dead this long are removed. */
const FORGET_AFTER_MS = 24 * 3_600_000;

/**
 * This instance's entry in `instances`: written at start, a heartbeat every HEARTBEAT_MS, removed
 * at a graceful stop. Other instances read it to tell whether this one still runs the requests
 * it claimed (idempotency keys); operators see it on /metrics. Heartbeats use the database's
 * clock, so clock differences between hosts do not matter.
 */
export class InstanceRegistry {
  #timer: NodeJS.Timeout | undefined;
  #log: FastifyBaseLogger | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    readonly id: string,
    private readonly version: string,
  ) {}

  async start(log?: FastifyBaseLogger): Promise<void> {
    this.#log = log;
    await this.#register();
    await instanceRepository.pruneSilent(this.db, FORGET_AFTER_MS);
    this.#timer = setInterval(() => {
      this.#beat().catch((error: unknown) => this.#log?.warn({ err: error }, 'instance heartbeat failed'));
    }, HEARTBEAT_MS);
    this.#timer.unref();
  }

  async #register(): Promise<void> {
    await instanceRepository.upsert(this.db, {
      id: this.id,
      hostname: os.hostname(),
      pid: process.pid,
      version: this.version,
      started_at: isoNow(this.clock),
    });
  }

  async #beat(): Promise<void> {
    // A row pruned while this instance was stalled for a day comes back.
    if (!(await instanceRepository.beat(this.db, this.id))) await this.#register();
  }

  /** Stops the heartbeat and removes the entry: after a graceful stop nothing of this instance is in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await instanceRepository.remove(this.db, this.id);
  }
}
