import { type Insertable, type RawBuilder, type Selectable, sql } from 'kysely';
import { type Db, dialectOf } from '../platform/database.js';
import type { BaselineCisTable, BaselinesTable } from './cmdb.table.js';
import { readJson } from './json-column.js';

export type BaselineRow = Selectable<BaselinesTable>;
export type BaselineCiRow = Selectable<BaselineCisTable>;

export const BASELINE_CLOSURES = ['none', 'impact', 'dependencies', 'both'] as const;
export type BaselineClosure = (typeof BASELINE_CLOSURES)[number];

/** Some CIs plus, optionally, everything their changes impact and/or everything they need. */
export interface BaselineScope {
  ciIds: number[];
  closure: BaselineClosure;
}

/**
 * A named, immutable snapshot. Baselines never change after they are taken, so `version` is
 * always 1 and `updatedAt` equals `createdAt` (the API's single-object conventions still hold).
 */
export interface Baseline {
  id: number;
  name: string;
  description: string;
  /** null: the whole CMDB. */
  scope: BaselineScope | null;
  ciCount: number;
  relationshipCount: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** How a scope is stored in `baselines.scope` (a JSON column that cannot be SQL NULL). */
type StoredScope = { kind: 'cmdb' } | { kind: 'cis'; ciIds: number[]; closure: BaselineClosure };

export function scopeColumn(scope: BaselineScope | null): string {
  const stored: StoredScope = scope ? { kind: 'cis', ciIds: scope.ciIds, closure: scope.closure } : { kind: 'cmdb' };
  return JSON.stringify(stored);
}

export function toBaseline(row: BaselineRow): Baseline {
  const stored = readJson<StoredScope>(row.scope);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    scope: stored.kind === 'cis' ? { ciIds: stored.ciIds, closure: stored.closure } : null,
    ciCount: Number(row.ci_count),
    relationshipCount: Number(row.relationship_count),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.created_at,
    version: 1,
  };
}

/** A CI as a baseline recorded it (also the shape of a live CI in a diff). */
export interface CiSnapshot {
  id: number;
  class: string;
  name: string;
  status: string;
  environment: string | null;
  owner: string | null;
  criticality: string | null;
  attributes: Record<string, unknown>;
  version: number;
}

export function toCiSnapshot(row: {
  ci_id: number;
  class: string;
  name: string;
  status: string;
  environment: string | null;
  owner: string | null;
  criticality: string | null;
  attributes: unknown;
  ci_version: number;
}): CiSnapshot {
  return {
    id: Number(row.ci_id),
    class: row.class,
    name: row.name,
    status: row.status,
    environment: row.environment,
    owner: row.owner,
    criticality: row.criticality,
    attributes: readJson<Record<string, unknown>>(row.attributes as string | Record<string, unknown>),
    version: Number(row.ci_version),
  };
}

/** A relationship with both ends named. */
export interface RelationshipSnapshot {
  sourceId: number;
  type: string;
  targetId: number;
  source: { id: number; class: string; name: string };
  target: { id: number; class: string; name: string };
}

export interface RelationshipSnapshotRow {
  source_id: number;
  type: string;
  target_id: number;
  source_class: string;
  source_name: string;
  target_class: string;
  target_name: string;
}

export function toRelationshipSnapshot(row: RelationshipSnapshotRow): RelationshipSnapshot {
  const sourceId = Number(row.source_id);
  const targetId = Number(row.target_id);
  return {
    sourceId,
    type: row.type,
    targetId,
    source: { id: sourceId, class: row.source_class, name: row.source_name },
    target: { id: targetId, class: row.target_class, name: row.target_name },
  };
}

/** Keyset of relationship lists: the (source, type, target) of the last row of a page. */
export type EdgeKey = [number, string, number];

/**
 * `column IN (ids)` with the ids as ONE bound parameter, so a scope of 100,000 CIs is neither
 * a statement with 100,000 placeholders (SQLite allows 32,766) nor a per-row linear scan:
 * PostgreSQL hashes the unnested array, SQLite builds an ephemeral index over json_each.
 */
export function inIdList(db: Db, column: RawBuilder<unknown>, ids: readonly number[]): RawBuilder<unknown> {
  return dialectOf(db) === 'postgres'
    ? sql`${column} in (select unnest(${[...ids]}::int[]))`
    : sql`${column} in (select value from json_each(${JSON.stringify(ids)}))`;
}

function affected(result: { numAffectedRows?: bigint }): number {
  return Number(result.numAffectedRows ?? 0n);
}

const SNAPSHOT_COLUMNS = sql.raw(
  'baseline_id, ci_id, class, name, status, environment, owner, criticality, attributes, ci_version',
);

export const baselineRepository = {
  async findById(db: Db, id: number): Promise<BaselineRow | undefined> {
    return db.selectFrom('baselines').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async findByName(db: Db, name: string): Promise<BaselineRow | undefined> {
    return db.selectFrom('baselines').selectAll().where('name', '=', name).executeTakeFirst();
  },

  /** Newest first; keyset on id. */
  async list(db: Db, filter: { beforeId?: number | undefined; limit: number }): Promise<BaselineRow[]> {
    let query = db.selectFrom('baselines').selectAll();
    if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  },

  async insert(db: Db, values: Insertable<BaselinesTable>): Promise<BaselineRow> {
    return db.insertInto('baselines').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async setCounts(db: Db, id: number, ciCount: number, relationshipCount: number): Promise<BaselineRow> {
    return db
      .updateTable('baselines')
      .set({ ci_count: ciCount, relationship_count: relationshipCount })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /**
   * Copies every CI and every relationship into the baseline, with INSERT … SELECT: no row
   * passes through JavaScript.
   *
   * The snapshot must be closed (no relationship to a CI it lacks) and consistent:
   * - PostgreSQL runs READ COMMITTED, where two statements may see different commits. Both
   *   copies are therefore data-modifying CTEs of ONE statement, which all run on the same
   *   snapshot; the counts are read in that statement from the same snapshot too.
   * - SQLite's write transaction began with BEGIN IMMEDIATE: no other writer can commit between
   *   the two statements, and the foreign keys guarantee both ends of every relationship were
   *   copied. Relationships go in key order (the covering relationships_edge index), so the
   *   primary key is appended to rather than split at random places.
   */
  async snapshotAll(db: Db, baselineId: number): Promise<{ ciCount: number; relationshipCount: number }> {
    if (dialectOf(db) === 'postgres') {
      const result = await sql<{ ci_count: number; relationship_count: number }>`
        with copied_cis as (
          insert into baseline_cis (${SNAPSHOT_COLUMNS})
          select ${baselineId}, id, class, name, status, environment, owner, criticality, attributes, version from cis
        ),
        copied_relationships as (
          insert into baseline_relationships (baseline_id, source_id, type, target_id)
          select ${baselineId}, source_id, type, target_id from relationships
        )
        select (select count(*) from cis) as ci_count, (select count(*) from relationships) as relationship_count`.execute(
        db,
      );
      const row = result.rows[0];
      return { ciCount: Number(row?.ci_count ?? 0), relationshipCount: Number(row?.relationship_count ?? 0) };
    }
    const cis = await sql`
      insert into baseline_cis (${SNAPSHOT_COLUMNS})
      select ${baselineId}, id, class, name, status, environment, owner, criticality, attributes, version
      from cis order by id`.execute(db);
    const relationships = await sql`
      insert into baseline_relationships (baseline_id, source_id, type, target_id)
      select ${baselineId}, source_id, type, target_id from relationships
      order by source_id, type, target_id`.execute(db);
    return { ciCount: affected(cis), relationshipCount: affected(relationships) };
  },

  /**
   * Copies the listed CIs (ids that no longer exist are skipped) and the relationships whose
   * two ends are both listed. Relationships are found from the listed CIs through the source
   * index, so a small scope never scans every relationship (SQLite's CROSS JOIN fixes that
   * join order; PostgreSQL plans it). Both ends exist as CIs (foreign keys), so every copied
   * relationship stays inside the snapshot. PostgreSQL again copies both in one statement.
   */
  async snapshotCis(
    db: Db,
    baselineId: number,
    ids: readonly number[],
  ): Promise<{ ciCount: number; relationshipCount: number }> {
    if (ids.length === 0) return { ciCount: 0, relationshipCount: 0 };
    const listed = (column: string) => inIdList(db, sql.ref(column), ids);
    const ciRows = sql`
      select ${baselineId}, id, class, name, status, environment, owner, criticality, attributes, version
      from cis where ${listed('id')}`;
    const relationshipRows = sql`
      select ${baselineId}, r.source_id, r.type, r.target_id
      from cis s cross join relationships r
      where ${listed('s.id')} and r.source_id = s.id and ${listed('r.target_id')}`;
    if (dialectOf(db) === 'postgres') {
      const result = await sql<{ ci_count: number; relationship_count: number }>`
        with copied_cis as (
          insert into baseline_cis (${SNAPSHOT_COLUMNS}) ${ciRows} returning 1
        ),
        copied_relationships as (
          insert into baseline_relationships (baseline_id, source_id, type, target_id) ${relationshipRows} returning 1
        )
        select (select count(*) from copied_cis) as ci_count, (select count(*) from copied_relationships) as relationship_count`.execute(
        db,
      );
      const row = result.rows[0];
      return { ciCount: Number(row?.ci_count ?? 0), relationshipCount: Number(row?.relationship_count ?? 0) };
    }
    const cis = await sql`insert into baseline_cis (${SNAPSHOT_COLUMNS}) ${ciRows}`.execute(db);
    const relationships = await sql`
      insert into baseline_relationships (baseline_id, source_id, type, target_id) ${relationshipRows}`.execute(db);
    return { ciCount: affected(cis), relationshipCount: affected(relationships) };
  },

  async delete(db: Db, id: number): Promise<void> {
    await db.deleteFrom('baseline_relationships').where('baseline_id', '=', id).execute();
    await db.deleteFrom('baseline_cis').where('baseline_id', '=', id).execute();
    await db.deleteFrom('baselines').where('id', '=', id).execute();
  },

  async listCis(
    db: Db,
    baselineId: number,
    filter: { afterCiId?: number | undefined; class?: string | undefined; limit: number },
  ): Promise<BaselineCiRow[]> {
    let query = db.selectFrom('baseline_cis').selectAll().where('baseline_id', '=', baselineId);
    if (filter.class) query = query.where('class', '=', filter.class);
    if (filter.afterCiId !== undefined) query = query.where('ci_id', '>', filter.afterCiId);
    return query.orderBy('ci_id').limit(filter.limit).execute();
  },

  async listRelationships(
    db: Db,
    baselineId: number,
    filter: { after?: EdgeKey | undefined; limit: number },
  ): Promise<RelationshipSnapshotRow[]> {
    const after = filter.after
      ? sql`and (r.source_id, r.type, r.target_id) > (${filter.after[0]}, ${filter.after[1]}, ${filter.after[2]})`
      : sql``;
    const result = await sql<RelationshipSnapshotRow>`
      select r.source_id, r.type, r.target_id,
             s.class as source_class, s.name as source_name, t.class as target_class, t.name as target_name
      from baseline_relationships r
      join baseline_cis s on s.baseline_id = r.baseline_id and s.ci_id = r.source_id
      join baseline_cis t on t.baseline_id = r.baseline_id and t.ci_id = r.target_id
      where r.baseline_id = ${baselineId} ${after}
      order by r.source_id, r.type, r.target_id
      limit ${filter.limit}`.execute(db);
    return result.rows;
  },
};
