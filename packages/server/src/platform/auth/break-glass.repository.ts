import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../database.js';
import type { BreakGlassElevationsTable } from './break-glass.table.js';

export type BreakGlassRow = Selectable<BreakGlassElevationsTable>;

export interface BreakGlassListFilter {
  /** Elevations with id below this (newest first paging). */
  beforeId?: number | undefined;
  userId?: number | undefined;
  limit: number;
}

/** SQL for break-glass elevations. */
export const breakGlassRepository = {
  async insert(db: Db, values: Insertable<BreakGlassElevationsTable>): Promise<BreakGlassRow> {
    return db.insertInto('break_glass_elevations').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async findById(db: Db, id: number): Promise<BreakGlassRow | undefined> {
    return db.selectFrom('break_glass_elevations').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The user's open elevation (not ended), whether or not its time has run out. */
  async findOpen(db: Db, userId: number): Promise<BreakGlassRow | undefined> {
    return db
      .selectFrom('break_glass_elevations')
      .selectAll()
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
  },

  /** The user's elevation that grants permissions at `nowIso`: open and not yet expired. */
  async findActive(db: Db, userId: number, nowIso: string): Promise<BreakGlassRow | undefined> {
    return db
      .selectFrom('break_glass_elevations')
      .selectAll()
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .where('expires_at', '>', nowIso)
      .executeTakeFirst();
  },

  /** Closes an open elevation; undefined when it was already closed (by another instance). */
  async close(
    db: Db,
    id: number,
    values: { ended_at: string; end_reason: string; ended_by: string },
  ): Promise<BreakGlassRow | undefined> {
    return db
      .updateTable('break_glass_elevations')
      .set(values)
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  },

  async list(db: Db, filter: BreakGlassListFilter): Promise<BreakGlassRow[]> {
    let query = db.selectFrom('break_glass_elevations').selectAll();
    if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  },
};
