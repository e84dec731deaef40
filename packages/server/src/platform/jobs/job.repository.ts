import { type Insertable, type Selectable, sql } from 'kysely';
import { type Db, dialectOf } from '../database.js';
import type { JobsTable } from './jobs.table.js';

export type JobRow = Selectable<JobsTable>;

export interface ClaimRequest {
  kinds: readonly string[];
  owner: string;
  now: string;
  leaseUntil: string;
  limit: number;
}

/** SQL for durable jobs. Every state change is conditional on the lease, so a worker that lost its lease changes nothing. */
export const jobRepository = {
  async insert(db: Db, values: Insertable<JobsTable>): Promise<number> {
    const row = await db.insertInto('jobs').values(values).returning('id').executeTakeFirstOrThrow();
    return row.id;
  },

  async findById(db: Db, id: number): Promise<JobRow | undefined> {
    return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /**
   * Claims up to `limit` due jobs of the given kinds: pending ones whose time has come, and
   * running ones whose lease lapsed (their worker died). One statement, so a job is claimed by
   * exactly one worker: on PostgreSQL the inner select locks with `FOR UPDATE SKIP LOCKED`, so
   * concurrent workers skip each other's rows instead of queueing on them; SQLite runs the
   * statement under its single writer lock.
   */
  async claim(db: Db, request: ClaimRequest): Promise<JobRow[]> {
    if (request.kinds.length === 0 || request.limit <= 0) return [];
    const lock = dialectOf(db) === 'postgres' ? sql`for update skip locked` : sql``;
    const kinds = sql.join(request.kinds.map((k) => sql`${k}`));
    const result = await sql<JobRow>`
      update jobs
         set state = 'running', lease_owner = ${request.owner}, lease_until = ${request.leaseUntil},
             attempts = attempts + 1, updated_at = ${request.now}
       where id in (
         select id from jobs
          where kind in (${kinds})
            and ((state = 'pending' and run_at <= ${request.now})
              or (state = 'running' and lease_until < ${request.now}))
          order by run_at, id
          limit ${request.limit}
          ${lock})
      returning *`.execute(db);
    return result.rows;
  },

  /** Marks a job done; false when this worker no longer holds it. */
  async complete(db: Db, id: number, owner: string, now: string): Promise<boolean> {
    const result = await db
      .updateTable('jobs')
      .set({ state: 'succeeded', lease_owner: null, lease_until: null, updated_at: now, finished_at: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  /** A failed attempt: back to pending at `retryAt`, or dead when `retryAt` is null. */
  async fail(db: Db, id: number, owner: string, now: string, error: string, retryAt: string | null): Promise<boolean> {
    const result = await db
      .updateTable('jobs')
      .set({
        state: retryAt === null ? 'dead' : 'pending',
        run_at: retryAt ?? now,
        lease_owner: null,
        lease_until: null,
        last_error: error,
        updated_at: now,
        finished_at: retryAt === null ? now : null,
      })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  async extendLease(db: Db, id: number, owner: string, leaseUntil: string): Promise<boolean> {
    const result = await db
      .updateTable('jobs')
      .set({ lease_until: leaseUntil })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  async countByState(db: Db, kind?: string): Promise<Record<string, number>> {
    let query = db.selectFrom('jobs').select(['state', (eb) => eb.fn.countAll<number>().as('n')]);
    if (kind) query = query.where('kind', '=', kind);
    const rows = await query.groupBy('state').execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  },

  /** How many jobs there are of each kind in each state. */
  async countByKindAndState(db: Db): Promise<{ kind: string; state: string; n: number }[]> {
    const rows = await db
      .selectFrom('jobs')
      .select(['kind', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['kind', 'state'])
      .execute();
    return rows.map((r) => ({ kind: r.kind, state: r.state, n: Number(r.n) }));
  },

  /** Finished jobs older than `before` are removed (their outcome lives in the domain's own log). */
  async pruneFinished(db: Db, before: string): Promise<number> {
    const result = await db
      .deleteFrom('jobs')
      .where('state', 'in', ['succeeded', 'dead'])
      .where('finished_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  },
};
