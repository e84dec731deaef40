import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../platform/database.js';
import type { RelationshipsTable } from './cmdb.table.js';

export type RelationshipRow = Selectable<RelationshipsTable>;

export interface Relationship {
  id: number;
  sourceId: number;
  type: string;
  targetId: number;
  origin: string;
  createdAt: string;
  lastSeenAt: string | null;
}

export function toRelationship(row: RelationshipRow): Relationship {
  return {
    id: row.id,
    sourceId: row.source_id,
    type: row.type,
    targetId: row.target_id,
    origin: row.origin,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
  };
}

export interface RelationshipListFilter {
  ciId?: number | undefined;
  sourceId?: number | undefined;
  targetId?: number | undefined;
  type?: string | undefined;
  origin?: string | undefined;
  afterId?: number | undefined;
  limit: number;
}

export const relationshipRepository = {
  async findById(db: Db, id: number): Promise<RelationshipRow | undefined> {
    return db.selectFrom('relationships').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async findEdge(db: Db, sourceId: number, type: string, targetId: number): Promise<RelationshipRow | undefined> {
    return db
      .selectFrom('relationships')
      .selectAll()
      .where('source_id', '=', sourceId)
      .where('type', '=', type)
      .where('target_id', '=', targetId)
      .executeTakeFirst();
  },

  async insert(db: Db, values: Insertable<RelationshipsTable>): Promise<RelationshipRow> {
    return db.insertInto('relationships').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async delete(db: Db, id: number): Promise<void> {
    await db.deleteFrom('relationships').where('id', '=', id).execute();
  },

  async list(db: Db, filter: RelationshipListFilter): Promise<RelationshipRow[]> {
    let query = db.selectFrom('relationships').selectAll();
    if (filter.ciId !== undefined) {
      const ciId = filter.ciId;
      query = query.where((eb) => eb.or([eb('source_id', '=', ciId), eb('target_id', '=', ciId)]));
    }
    if (filter.sourceId !== undefined) query = query.where('source_id', '=', filter.sourceId);
    if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId);
    if (filter.type) query = query.where('type', '=', filter.type);
    if (filter.origin) query = query.where('origin', '=', filter.origin);
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  async countForCi(db: Db, ciId: number): Promise<number> {
    const row = await db
      .selectFrom('relationships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => eb.or([eb('source_id', '=', ciId), eb('target_id', '=', ciId)]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },
};
