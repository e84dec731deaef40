import type { Insertable, Selectable, Updateable } from 'kysely';
import { type Db, selectRowById } from '../platform/database.js';
import type { CisTable } from './cmdb.table.js';
import { containsPattern, likeOperator, readJson } from './json-column.js';

export type CiRow = Selectable<CisTable>;

/** A configuration item as services and the API see it. */
export interface Ci {
  id: number;
  class: string;
  name: string;
  status: string;
  environment: string | null;
  owner: string | null;
  criticality: string | null;
  attributes: Record<string, unknown>;
  source: string | null;
  lastSeenAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function toCi(row: CiRow): Ci {
  return {
    id: row.id,
    class: row.class,
    name: row.name,
    status: row.status,
    environment: row.environment,
    owner: row.owner,
    criticality: row.criticality,
    attributes: readJson<Record<string, unknown>>(row.attributes),
    source: row.source,
    lastSeenAt: row.last_seen_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

export interface CiListFilter {
  class?: string | undefined;
  name?: string | undefined;
  environment?: string | undefined;
  status?: string | undefined;
  owner?: string | undefined;
  criticality?: string | undefined;
  /** Substring of the name, case-insensitive. */
  q?: string | undefined;
  /** Keyset: rows with id above this. */
  afterId?: number | undefined;
  limit: number;
}

/** A CI's identity and label, for graph answers and relationship ends. */
export interface CiRef {
  id: number;
  class: string;
  name: string;
}

/** The CIs a list filter selects (shared by listing and counting). */
function filtered(db: Db, filter: Omit<CiListFilter, 'afterId' | 'limit'>) {
  let query = db.selectFrom('cis');
  if (filter.class) query = query.where('class', '=', filter.class);
  if (filter.name) query = query.where('name', '=', filter.name);
  if (filter.environment) query = query.where('environment', '=', filter.environment);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.owner) query = query.where('owner', '=', filter.owner);
  if (filter.criticality) query = query.where('criticality', '=', filter.criticality);
  if (filter.q) query = query.where('name', likeOperator(db), containsPattern(filter.q));
  return query;
}

export const ciRepository = {
  async findById(db: Db, id: number): Promise<CiRow | undefined> {
    return selectRowById(db, 'cis', id);
  },

  async findByRef(db: Db, ciClass: string, name: string): Promise<CiRow | undefined> {
    return db.selectFrom('cis').selectAll().where('class', '=', ciClass).where('name', '=', name).executeTakeFirst();
  },

  async refsByIds(db: Db, ids: readonly number[]): Promise<CiRef[]> {
    if (ids.length === 0) return [];
    const out: CiRef[] = [];
    // Chunked: SQLite allows at most 32,766 bound parameters per statement.
    for (let i = 0; i < ids.length; i += 10_000) {
      const chunk = ids.slice(i, i + 10_000);
      out.push(...(await db.selectFrom('cis').select(['id', 'class', 'name']).where('id', 'in', chunk).execute()));
    }
    return out;
  },

  async insert(db: Db, values: Insertable<CisTable>): Promise<CiRow> {
    return db.insertInto('cis').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /** Updates only if still at `expectedVersion`; undefined when someone else wrote first. */
  async update(db: Db, id: number, expectedVersion: number, values: Updateable<CisTable>): Promise<CiRow | undefined> {
    return db
      .updateTable('cis')
      .set({ ...values, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  },

  async delete(db: Db, id: number): Promise<void> {
    await db.deleteFrom('cis').where('id', '=', id).execute();
  },

  async list(db: Db, filter: CiListFilter): Promise<CiRow[]> {
    let query = filtered(db, filter).selectAll();
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  /** How many CIs match the filter, by class (one GROUP BY). */
  async countMatching(
    db: Db,
    filter: Omit<CiListFilter, 'afterId' | 'limit'>,
  ): Promise<{ class: string; count: number }[]> {
    const rows = await filtered(db, filter)
      .select(['class', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('class')
      .execute();
    return rows.map((r) => ({ class: r.class, count: Number(r.count) }));
  },

  async maxId(db: Db): Promise<number> {
    const row = await db
      .selectFrom('cis')
      .select((eb) => eb.fn.max<number | null>('id').as('m'))
      .executeTakeFirst();
    return Number(row?.m ?? 0);
  },
};
