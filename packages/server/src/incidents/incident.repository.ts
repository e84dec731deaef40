import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import { readJson } from '../cmdb/json-column.js';
import { type Db, dialectOf } from '../platform/database.js';
import type { IncidentsTable } from './incidents.table.js';

export type IncidentRow = Selectable<IncidentsTable>;

export interface IncidentListFilter {
  open?: boolean | undefined;
  releaseId?: number | undefined;
  changeId?: number | undefined;
  ciId?: number | undefined;
  /** Started at or after / before. */
  from?: string | undefined;
  to?: string | undefined;
  /** Newest first: ids below this one. */
  beforeId?: number | undefined;
  limit: number;
}

const CHUNK = 5000;

/** SQL of incidents. Reads of other modules' tables here are read-only look-ups. */
export const incidentRepository = {
  async find(db: Db, id: number): Promise<IncidentRow | undefined> {
    return db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async insert(db: Db, values: Insertable<IncidentsTable>) {
    return db.insertInto('incidents').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /** Writes only when the row is still at `version`; undefined when it moved on (or is gone). */
  async update(db: Db, id: number, version: number, values: Updateable<IncidentsTable>) {
    return db
      .updateTable('incidents')
      .set({ ...values, version: version + 1 })
      .where('id', '=', id)
      .where('version', '=', version)
      .returningAll()
      .executeTakeFirst();
  },

  async delete(db: Db, id: number, version: number): Promise<boolean> {
    await db.deleteFrom('incident_cis').where('incident_id', '=', id).execute();
    const result = await db
      .deleteFrom('incidents')
      .where('id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  async list(db: Db, filter: IncidentListFilter) {
    let query = db.selectFrom('incidents').selectAll();
    if (filter.open === true) query = query.where('resolved_at', 'is', null);
    if (filter.open === false) query = query.where('resolved_at', 'is not', null);
    if (filter.releaseId !== undefined) query = query.where('caused_by_release_id', '=', filter.releaseId);
    if (filter.changeId !== undefined) query = query.where('caused_by_change_id', '=', filter.changeId);
    if (filter.from !== undefined) query = query.where('started_at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('started_at', '<', filter.to);
    if (filter.ciId !== undefined) {
      const ciId = filter.ciId;
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('incident_cis')
            .select('incident_cis.ci_id')
            .whereRef('incident_cis.incident_id', '=', 'incidents.id')
            .where('incident_cis.ci_id', '=', ciId),
        ),
      );
    }
    if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  },

  /** Every incident (KPIs read them all within a period, so no paging). */
  async startedBefore(db: Db, to: string) {
    return db.selectFrom('incidents').selectAll().where('started_at', '<', to).orderBy('id').execute();
  },

  async setCis(db: Db, incidentId: number, ciIds: readonly number[]): Promise<void> {
    await db.deleteFrom('incident_cis').where('incident_id', '=', incidentId).execute();
    if (ciIds.length > 0) {
      await db
        .insertInto('incident_cis')
        .values(ciIds.map((ciId) => ({ incident_id: incidentId, ci_id: ciId })))
        .execute();
    }
  },

  /** The affected CIs of several incidents, with class and name, in one query per chunk. */
  async cisOf(db: Db, incidentIds: readonly number[]) {
    const out: { incident_id: number; id: number; class: string; name: string }[] = [];
    for (let i = 0; i < incidentIds.length; i += CHUNK) {
      out.push(
        ...(await db
          .selectFrom('incident_cis')
          .innerJoin('cis', 'cis.id', 'incident_cis.ci_id')
          .select(['incident_cis.incident_id', 'cis.id', 'cis.class', 'cis.name'])
          .where('incident_cis.incident_id', 'in', incidentIds.slice(i, i + CHUNK))
          .orderBy('cis.id')
          .execute()),
      );
    }
    return out;
  },

  async existingCiIds(db: Db, ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await db
      .selectFrom('cis')
      .select('id')
      .where('id', 'in', [...ids])
      .execute();
    return new Set(rows.map((r) => r.id));
  },

  async releaseRef(db: Db, id: number) {
    return db
      .selectFrom('releases')
      .select(['id', 'title', 'unit_name', 'version_label'])
      .where('id', '=', id)
      .executeTakeFirst();
  },

  async releaseRefs(db: Db, ids: readonly number[]) {
    if (ids.length === 0) return [];
    return db
      .selectFrom('releases')
      .select(['id', 'title', 'unit_name', 'version_label'])
      .where('id', 'in', [...ids])
      .execute();
  },

  async changeRefs(db: Db, ids: readonly number[]) {
    if (ids.length === 0) return [];
    return db
      .selectFrom('changes')
      .select(['id', 'title'])
      .where('id', 'in', [...ids])
      .execute();
  },

  async changeRef(db: Db, id: number) {
    return db.selectFrom('changes').select(['id', 'title', 'release_id']).where('id', '=', id).executeTakeFirst();
  },

  /**
   * Post-implementation reviews of changes that list incidents (change_reviews.incident_ids):
   * the change module's way to say "this change caused these incidents". Only reviews with a
   * non-empty list are read.
   */
  async reviewIncidentLinks(db: Db): Promise<{ changeId: number; incidentIds: number[] }[]> {
    const length =
      dialectOf(db) === 'postgres'
        ? sql<number>`jsonb_array_length(incident_ids)`
        : sql<number>`json_array_length(incident_ids)`;
    const rows = await db
      .selectFrom('change_reviews')
      .select(['change_id', 'incident_ids'])
      .where(length, '>', 0)
      .orderBy('change_id')
      .execute();
    return rows.map((r) => ({ changeId: r.change_id, incidentIds: readJson<number[]>(r.incident_ids) }));
  },
};
