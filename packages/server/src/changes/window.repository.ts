import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../platform/database.js';
import type { FreezesTable, MaintenanceWindowsTable } from './changes.table.js';

export type FreezeRow = Selectable<FreezesTable>;
export type MaintenanceWindowRow = Selectable<MaintenanceWindowsTable>;

export interface WindowListFilter {
  afterId?: number | undefined;
  limit: number;
}

/** Freezes (blackout windows). */
export const freezeRepository = {
  async findById(db: Db, id: number): Promise<FreezeRow | undefined> {
    return db.selectFrom('freezes').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async list(
    db: Db,
    filter: WindowListFilter & { kind?: string | undefined; active?: boolean | undefined },
  ): Promise<FreezeRow[]> {
    let query = db.selectFrom('freezes').selectAll();
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (filter.active !== undefined) query = query.where('active', '=', filter.active ? 1 : 0);
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  /** Every active freeze: a calendar has tens of them, not thousands. */
  async listActive(db: Db): Promise<FreezeRow[]> {
    return db.selectFrom('freezes').selectAll().where('active', '=', 1).orderBy('id').execute();
  },

  async insert(db: Db, values: Insertable<FreezesTable>): Promise<FreezeRow> {
    return db.insertInto('freezes').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async update(
    db: Db,
    id: number,
    expectedVersion: number,
    values: Updateable<FreezesTable>,
  ): Promise<FreezeRow | undefined> {
    return db
      .updateTable('freezes')
      .set({ ...values, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  },

  async delete(db: Db, id: number): Promise<void> {
    await db.deleteFrom('freezes').where('id', '=', id).execute();
  },
};

/** Maintenance windows: when a CI (or the CIs a service depends on) may be changed. */
export const maintenanceWindowRepository = {
  async findById(db: Db, id: number): Promise<MaintenanceWindowRow | undefined> {
    return db.selectFrom('maintenance_windows').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async list(db: Db, filter: WindowListFilter): Promise<MaintenanceWindowRow[]> {
    let query = db.selectFrom('maintenance_windows').selectAll();
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  async listAll(db: Db): Promise<MaintenanceWindowRow[]> {
    return db.selectFrom('maintenance_windows').selectAll().orderBy('id').execute();
  },

  async insert(db: Db, values: Insertable<MaintenanceWindowsTable>): Promise<MaintenanceWindowRow> {
    return db.insertInto('maintenance_windows').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async update(
    db: Db,
    id: number,
    expectedVersion: number,
    values: Updateable<MaintenanceWindowsTable>,
  ): Promise<MaintenanceWindowRow | undefined> {
    return db
      .updateTable('maintenance_windows')
      .set({ ...values, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  },

  async delete(db: Db, id: number): Promise<void> {
    await db.deleteFrom('maintenance_windows').where('id', '=', id).execute();
  },
};
