import type { Insertable, Selectable, Updateable } from 'kysely';
import { type Db, dialectOf } from '../platform/database.js';
import type {
  HwItemsTable,
  HwModelsTable,
  HwReservationLinesTable,
  HwReservationsTable,
  HwSitesTable,
} from './hardware.table.js';

export type SiteRow = Selectable<HwSitesTable>;
export type ModelRow = Selectable<HwModelsTable>;
export type ItemRow = Selectable<HwItemsTable>;
export type ReservationRow = Selectable<HwReservationsTable>;
export type ReservationLineRow = Selectable<HwReservationLinesTable>;

export interface ItemListFilter {
  modelId?: number | undefined;
  siteId?: number | undefined;
  state?: string | undefined;
  serial?: string | undefined;
  reservationId?: number | undefined;
  afterId?: number | undefined;
  limit: number;
}

export interface StockRow {
  model_id: number;
  site_id: number;
  state: string;
  count: number;
}

/** SQL of the hardware store. Every function takes the caller's handle or transaction. */
export const hardwareRepository = {
  async insertSite(db: Db, values: Insertable<HwSitesTable>): Promise<SiteRow> {
    return db.insertInto('hw_sites').values(values).returningAll().executeTakeFirstOrThrow();
  },
  async findSite(db: Db, id: number): Promise<SiteRow | undefined> {
    return db.selectFrom('hw_sites').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async findSiteByCode(db: Db, code: string): Promise<SiteRow | undefined> {
    return db.selectFrom('hw_sites').selectAll().where('code', '=', code).executeTakeFirst();
  },
  async listSites(db: Db, afterId: number | undefined, limit: number): Promise<SiteRow[]> {
    let query = db.selectFrom('hw_sites').selectAll();
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    return query.orderBy('id').limit(limit).execute();
  },
  async updateSite(
    db: Db,
    id: number,
    expected: number,
    values: Updateable<HwSitesTable>,
  ): Promise<SiteRow | undefined> {
    return db
      .updateTable('hw_sites')
      .set({ ...values, version: expected + 1 })
      .where('id', '=', id)
      .where('version', '=', expected)
      .returningAll()
      .executeTakeFirst();
  },

  async insertModel(db: Db, values: Insertable<HwModelsTable>): Promise<ModelRow> {
    return db.insertInto('hw_models').values(values).returningAll().executeTakeFirstOrThrow();
  },
  async findModel(db: Db, id: number): Promise<ModelRow | undefined> {
    return db.selectFrom('hw_models').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async findModelByName(db: Db, name: string): Promise<ModelRow | undefined> {
    return db.selectFrom('hw_models').selectAll().where('name', '=', name).executeTakeFirst();
  },
  async listModels(db: Db, afterId: number | undefined, limit: number): Promise<ModelRow[]> {
    let query = db.selectFrom('hw_models').selectAll();
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    return query.orderBy('id').limit(limit).execute();
  },
  async updateModel(
    db: Db,
    id: number,
    expected: number,
    values: Updateable<HwModelsTable>,
  ): Promise<ModelRow | undefined> {
    return db
      .updateTable('hw_models')
      .set({ ...values, version: expected + 1 })
      .where('id', '=', id)
      .where('version', '=', expected)
      .returningAll()
      .executeTakeFirst();
  },

  async insertItem(db: Db, values: Insertable<HwItemsTable>): Promise<ItemRow> {
    return db.insertInto('hw_items').values(values).returningAll().executeTakeFirstOrThrow();
  },
  async findItem(db: Db, id: number): Promise<ItemRow | undefined> {
    return db.selectFrom('hw_items').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async findItemBySerial(db: Db, serial: string): Promise<ItemRow | undefined> {
    return db.selectFrom('hw_items').selectAll().where('serial', '=', serial).executeTakeFirst();
  },
  async listItems(db: Db, filter: ItemListFilter): Promise<ItemRow[]> {
    let query = db.selectFrom('hw_items').selectAll();
    if (filter.modelId !== undefined) query = query.where('model_id', '=', filter.modelId);
    if (filter.siteId !== undefined) query = query.where('site_id', '=', filter.siteId);
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.serial) query = query.where('serial', '=', filter.serial);
    if (filter.reservationId !== undefined) query = query.where('reservation_id', '=', filter.reservationId);
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    return query.orderBy('id').limit(filter.limit).execute();
  },
  async updateItem(
    db: Db,
    id: number,
    expected: number,
    values: Updateable<HwItemsTable>,
  ): Promise<ItemRow | undefined> {
    return db
      .updateTable('hw_items')
      .set({ ...values, version: expected + 1 })
      .where('id', '=', id)
      .where('version', '=', expected)
      .returningAll()
      .executeTakeFirst();
  },

  /**
   * Takes up to `quantity` in-stock items of a model at a site for a reservation. On PostgreSQL
   * the candidate rows are locked with FOR UPDATE SKIP LOCKED, so two reservations racing for
   * the last item cannot both take it (the loser sees it locked, skips it, and comes up short);
   * the UPDATE re-checks the state as well. SQLite serialises writers (BEGIN IMMEDIATE), so the
   * plain select is already exclusive there. Returns the ids taken.
   */
  async takeInStock(
    db: Db,
    modelId: number,
    siteId: number,
    quantity: number,
    reservationId: number,
    now: string,
  ): Promise<number[]> {
    let candidates = db
      .selectFrom('hw_items')
      .select('id')
      .where('model_id', '=', modelId)
      .where('site_id', '=', siteId)
      .where('state', '=', 'in_stock')
      .orderBy('id')
      .limit(quantity);
    if (dialectOf(db) === 'postgres') candidates = candidates.forUpdate().skipLocked();
    const ids = (await candidates.execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    const taken = await db
      .updateTable('hw_items')
      .set((eb) => ({
        state: 'reserved',
        reservation_id: reservationId,
        updated_at: now,
        version: eb('version', '+', 1),
      }))
      .where('id', 'in', ids)
      .where('state', '=', 'in_stock')
      .returning('id')
      .execute();
    return taken.map((r) => r.id);
  },

  async countInStock(db: Db, modelId: number, siteId: number): Promise<number> {
    const row = await db
      .selectFrom('hw_items')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('model_id', '=', modelId)
      .where('site_id', '=', siteId)
      .where('state', '=', 'in_stock')
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  },

  /** Returns a reservation's still-reserved items to stock. */
  async returnReserved(db: Db, reservationId: number, now: string): Promise<number> {
    const result = await db
      .updateTable('hw_items')
      .set((eb) => ({ state: 'in_stock', reservation_id: null, updated_at: now, version: eb('version', '+', 1) }))
      .where('reservation_id', '=', reservationId)
      .where('state', '=', 'reserved')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  async stock(db: Db, filter: { modelId?: number | undefined; siteId?: number | undefined }): Promise<StockRow[]> {
    let query = db
      .selectFrom('hw_items')
      .select(['model_id', 'site_id', 'state', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy(['model_id', 'site_id', 'state']);
    if (filter.modelId !== undefined) query = query.where('model_id', '=', filter.modelId);
    if (filter.siteId !== undefined) query = query.where('site_id', '=', filter.siteId);
    return (await query.execute()).map((r) => ({ ...r, count: Number(r.count) }));
  },

  async insertReservation(db: Db, values: Insertable<HwReservationsTable>): Promise<ReservationRow> {
    return db.insertInto('hw_reservations').values(values).returningAll().executeTakeFirstOrThrow();
  },
  async insertLines(db: Db, lines: Insertable<HwReservationLinesTable>[]): Promise<void> {
    if (lines.length > 0) await db.insertInto('hw_reservation_lines').values(lines).execute();
  },
  async findReservation(db: Db, id: number): Promise<ReservationRow | undefined> {
    return db.selectFrom('hw_reservations').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async lines(db: Db, reservationIds: readonly number[]): Promise<ReservationLineRow[]> {
    if (reservationIds.length === 0) return [];
    return db
      .selectFrom('hw_reservation_lines')
      .selectAll()
      .where('reservation_id', 'in', [...reservationIds])
      .orderBy('model_id')
      .orderBy('site_id')
      .execute();
  },
  async reservedItems(db: Db, reservationIds: readonly number[]): Promise<ItemRow[]> {
    if (reservationIds.length === 0) return [];
    return db
      .selectFrom('hw_items')
      .selectAll()
      .where('reservation_id', 'in', [...reservationIds])
      .orderBy('id')
      .execute();
  },
  async listReservations(
    db: Db,
    filter: { releaseId?: number | undefined; state?: string | undefined; afterId?: number | undefined; limit: number },
  ): Promise<ReservationRow[]> {
    let query = db.selectFrom('hw_reservations').selectAll();
    if (filter.releaseId !== undefined) query = query.where('release_id', '=', filter.releaseId);
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    return query.orderBy('id').limit(filter.limit).execute();
  },
  async updateReservation(
    db: Db,
    id: number,
    expected: number,
    values: Updateable<HwReservationsTable>,
  ): Promise<ReservationRow | undefined> {
    return db
      .updateTable('hw_reservations')
      .set({ ...values, version: expected + 1 })
      .where('id', '=', id)
      .where('version', '=', expected)
      .returningAll()
      .executeTakeFirst();
  },
};
