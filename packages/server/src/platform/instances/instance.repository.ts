import { type RawBuilder, sql } from 'kysely';
import { type Db, dialectOf } from '../database.js';
import type { InstancesTable } from './instances.table.js';

/**
 * The database's clock in milliseconds since the epoch. Instances judge each other's heartbeats
 * by this one clock, never by their own (which may differ, or be a test's manual clock).
 */
export function databaseNowMs(db: Db): RawBuilder<number> {
  return dialectOf(db) === 'postgres'
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
}

export const instanceRepository = {
  /** Registers (or re-registers) an instance with a fresh heartbeat. */
  async upsert(db: Db, row: Omit<InstancesTable, 'heartbeat_ms'>): Promise<void> {
    const now = databaseNowMs(db);
    await db
      .insertInto('instances')
      .values({ ...row, heartbeat_ms: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_ms: now }))
      .execute();
  },

  /** Records a heartbeat; false when the row is gone (pruned while this instance was stalled). */
  async beat(db: Db, id: string): Promise<boolean> {
    const result = await db
      .updateTable('instances')
      .set({ heartbeat_ms: databaseNowMs(db) })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  },

  async remove(db: Db, id: string): Promise<void> {
    await db.deleteFrom('instances').where('id', '=', id).execute();
  },

  /** Instances whose last heartbeat is at most `withinMs` old, oldest first. */
  async live(db: Db, withinMs: number): Promise<InstancesTable[]> {
    return db
      .selectFrom('instances')
      .selectAll()
      .where('heartbeat_ms', '>=', sql<number>`${databaseNowMs(db)} - ${withinMs}`)
      .orderBy('started_at')
      .execute();
  },

  /** Forgets instances silent for longer than `silentMs` (they died long ago). */
  async pruneSilent(db: Db, silentMs: number): Promise<number> {
    const result = await db
      .deleteFrom('instances')
      .where('heartbeat_ms', '<', sql<number>`${databaseNowMs(db)} - ${silentMs}`)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  },
};
