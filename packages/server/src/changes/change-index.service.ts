import { CALENDAR_CHANGE_STATES } from '@slipway/model';
import type { FastifyBaseLogger } from 'fastify';
import type { SlipwayDatabase } from '../platform/database.js';
import { changeRepository } from './change.repository.js';
import { ChangeIntervalIndex, type IndexedChange } from './change-index.js';

const POLL_INTERVAL_MS = 250;
const SYNC_BATCH = 5_000;
const LOG_RETENTION_MS = 24 * 3_600_000;
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Keeps this instance's change calendar index current, the way ImpactService keeps the graph:
 * loaded in full at start; every write that moves a change on the calendar appends its id to
 * `change_index_log` in the same transaction; each instance replays the log (its own writes
 * right after they commit, other instances' within POLL_INTERVAL_MS) by re-reading those changes.
 * Re-reading makes replay idempotent and order-free: the row's current state is the truth.
 */
export class ChangeIndexService {
  #index = new ChangeIntervalIndex();
  #seq = 0;
  #syncing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastPrune = Date.now();
  #log: FastifyBaseLogger | undefined;

  readonly #database: SlipwayDatabase;

  constructor(database: SlipwayDatabase) {
    this.#database = database;
  }

  private get db() {
    return this.#database.db;
  }

  get index(): ChangeIntervalIndex {
    return this.#index;
  }

  get appliedSeq(): number {
    return this.#seq;
  }

  setLogger(log: FastifyBaseLogger): void {
    this.#log = log;
  }

  /** Loads every change that occupies the calendar. Reads the log head first, so nothing written meanwhile is missed. */
  async load(): Promise<{ changes: number; durationMs: number }> {
    const started = performance.now();
    const head = await changeRepository.indexLogHead(this.db);
    const rows = await changeRepository.calendarRows(this.db, CALENDAR_CHANGE_STATES);
    const cis = new Map<number, number[]>();
    const add = (changeId: number, ciId: number) => {
      const list = cis.get(changeId);
      if (list) list.push(ciId);
      else cis.set(changeId, [ciId]);
    };
    if (this.#database.sqlite) {
      // Hundreds of thousands of links: a raw iterator makes no object per row (like the graph loader).
      const states = CALENDAR_CHANGE_STATES.map(() => '?').join(', ');
      const statement = this.#database.sqlite
        .prepare(
          `select cc.change_id, cc.ci_id from change_cis cc join changes c on c.id = cc.change_id where c.state in (${states})`,
        )
        .raw(true);
      for (const [changeId, ciId] of statement.iterate(...CALENDAR_CHANGE_STATES) as Iterable<[number, number]>) {
        add(changeId, ciId);
      }
    } else {
      for (const link of await changeRepository.calendarLinks(this.db, CALENDAR_CHANGE_STATES))
        add(link.change_id, link.ci_id);
    }
    this.#index = ChangeIntervalIndex.build(
      rows.map((r) => ({
        id: r.id,
        start: Date.parse(r.planned_start),
        end: Date.parse(r.planned_end),
        ciIds: cis.get(r.id) ?? [],
        implementerId: r.implementer_id,
        state: r.state,
      })),
    );
    this.#seq = head;
    await this.sync();
    const durationMs = performance.now() - started;
    this.#log?.info({ changes: this.#index.size, ms: Math.round(durationMs) }, 'change calendar index loaded');
    return { changes: this.#index.size, durationMs };
  }

  startPolling(): void {
    this.#timer = setInterval(() => {
      this.sync().catch((error: unknown) => this.#log?.error({ err: error }, 'change index sync failed'));
    }, POLL_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Applies every logged change since the last sync; a caller arriving mid-run waits for a fresh run. */
  async sync(): Promise<void> {
    const running = this.#syncing;
    if (running) await running.catch(() => undefined);
    if (this.#syncing) return this.#syncing;
    this.#syncing = this.#syncOnce().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #syncOnce(): Promise<void> {
    await this.#prune();
    for (;;) {
      const entries = await changeRepository.indexLogSince(this.db, this.#seq, SYNC_BATCH);
      if (entries.length === 0) return;
      // Entries this instance never saw were pruned (it was away a day): reload in full.
      if (
        this.#seq > 0 &&
        (entries[0]?.seq ?? 0) > this.#seq + 1 &&
        (await changeRepository.indexLogOldest(this.db)) > this.#seq + 1
      ) {
        await this.load();
        return;
      }
      const ids = [...new Set(entries.map((e) => e.change_id))];
      const [rows, cis] = await Promise.all([
        changeRepository.findByIds(this.db, ids),
        changeRepository.ciIdsOf(this.db, ids),
      ]);
      const found = new Map(rows.map((r) => [r.id, r]));
      for (const id of ids) {
        const row = found.get(id);
        const entry = row ? toIndexed(row, cis.get(id) ?? []) : undefined;
        if (entry) this.#index.upsert(entry);
        else this.#index.remove(id);
      }
      this.#seq = (entries.at(-1) as { seq: number }).seq;
      if (entries.length < SYNC_BATCH) return;
    }
  }

  async #prune(): Promise<void> {
    if (Date.now() - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = Date.now();
    await changeRepository.pruneIndexLog(this.db, new Date(Date.now() - LOG_RETENTION_MS).toISOString());
  }
}

/** The index entry for a change row, or undefined when it does not occupy the calendar. */
export function toIndexed(
  row: {
    id: number;
    state: string;
    planned_start: string | null;
    planned_end: string | null;
    implementer_id: number | null;
  },
  ciIds: readonly number[],
): IndexedChange | undefined {
  if (!(CALENDAR_CHANGE_STATES as readonly string[]).includes(row.state)) return undefined;
  if (row.planned_start === null || row.planned_end === null) return undefined;
  return {
    id: row.id,
    start: Date.parse(row.planned_start),
    end: Date.parse(row.planned_end),
    ciIds: [...ciIds],
    implementerId: row.implementer_id,
    state: row.state,
  };
}
