import { type RawBuilder, sql } from 'kysely';
import { type Db, dialectOf } from '../platform/database.js';
import { type EdgeKey, inIdList, type RelationshipSnapshotRow } from './baseline.repository.js';

/**
 * One side of a diff: a baseline, or the live CMDB (optionally restricted to a set of CI ids,
 * for comparing a scoped baseline with the same scope evaluated now).
 */
export type DiffSide = { kind: 'baseline'; id: number } | { kind: 'live'; ciIds?: readonly number[] | undefined };

/** A CI row of either side, with the columns a diff compares. */
export interface SideCiRow {
  ci_id: number;
  class: string;
  name: string;
  status: string;
  environment: string | null;
  owner: string | null;
  criticality: string | null;
  attributes: unknown;
  ci_version: number;
}

/** A CI present on both sides whose recorded fields differ: both versions of the row. */
export interface ChangedCiRow {
  from: SideCiRow;
  to: SideCiRow;
}

/**
 * CIs of one side as a derived table with uniform columns. Both dialects flatten these simple
 * subqueries into the enclosing query, so lookups still use `cis`' primary key and
 * `baseline_cis`' (baseline_id, ci_id) primary key.
 */
function ciSide(db: Db, side: DiffSide): RawBuilder<unknown> {
  if (side.kind === 'baseline') {
    return sql`(select ci_id, class, name, status, environment, owner, criticality, attributes, ci_version
                from baseline_cis where baseline_id = ${side.id})`;
  }
  const filter = side.ciIds ? sql`where ${inIdList(db, sql.ref('id'), side.ciIds)}` : sql``;
  return sql`(select id as ci_id, class, name, status, environment, owner, criticality, attributes, version as ci_version
              from cis ${filter})`;
}

/**
 * Relationships of one side, as a derived table to scan. A scoped live side keeps those with
 * both ends in the scope, found from the scope's CIs through the source index (SQLite's CROSS
 * JOIN fixes that join order: a small scope never scans every relationship).
 */
function relationshipRows(db: Db, side: DiffSide): RawBuilder<unknown> {
  if (side.kind === 'baseline') {
    return sql`(select source_id, type, target_id from baseline_relationships where baseline_id = ${side.id})`;
  }
  if (!side.ciIds) return sql`(select source_id, type, target_id from relationships)`;
  return sql`(select r.source_id, r.type, r.target_id
              from cis s cross join relationships r
              where ${inIdList(db, sql.ref('s.id'), side.ciIds)} and r.source_id = s.id
                and ${inIdList(db, sql.ref('r.target_id'), side.ciIds)})`;
}

/** True when the relationship `p` (source_id, type, target_id) is on this side. */
function relationshipOnSide(db: Db, side: DiffSide): RawBuilder<boolean> {
  const same = sql`q.source_id = p.source_id and q.type = p.type and q.target_id = p.target_id`;
  if (side.kind === 'baseline') {
    return sql<boolean>`exists (select 1 from baseline_relationships q where q.baseline_id = ${side.id} and ${same})`;
  }
  const live = sql<boolean>`exists (select 1 from relationships q where ${same})`;
  if (!side.ciIds) return live;
  return sql<boolean>`(${inIdList(db, sql.ref('p.source_id'), side.ciIds)} and ${inIdList(db, sql.ref('p.target_id'), side.ciIds)} and ${live})`;
}

/**
 * True when two rows of the same CI differ in a field a baseline records. A CI's version is
 * bumped by every write that changes it and ids are never reused, so equal versions mean equal
 * rows and the comparison only runs for CIs written in between.
 *
 * Attributes are compared as JSON values, not as text: PostgreSQL's jsonb equality ignores key
 * order; SQLite compares member by member with json_each. Null-valued members count as absent,
 * as in CI history (diffRecords).
 */
function rowsDiffer(db: Db): RawBuilder<boolean> {
  if (dialectOf(db) === 'postgres') {
    return sql<boolean>`(a.ci_version <> b.ci_version and (
      (a.class, a.name, a.status, a.environment, a.owner, a.criticality)
        is distinct from (b.class, b.name, b.status, b.environment, b.owner, b.criticality)
      or jsonb_strip_nulls(a.attributes) <> jsonb_strip_nulls(b.attributes)))`;
  }
  return sql<boolean>`(a.ci_version <> b.ci_version and (
    a.class is not b.class or a.name is not b.name or a.status is not b.status
    or a.environment is not b.environment or a.owner is not b.owner or a.criticality is not b.criticality
    or (a.attributes <> b.attributes and (
      exists (select 1 from json_each(a.attributes) x where x.type <> 'null' and not exists (
        select 1 from json_each(b.attributes) y where y.key = x.key and y.type = x.type and y.value is x.value))
      or exists (select 1 from json_each(b.attributes) y where y.type <> 'null' and not exists (
        select 1 from json_each(a.attributes) x where x.key = y.key and x.type = y.type and x.value is y.value))))))`;
}

const afterCi = (column: string, afterId: number | undefined) =>
  afterId === undefined ? sql`` : sql`and ${sql.ref(column)} > ${afterId}`;

const afterEdge = (after: EdgeKey | undefined) =>
  after === undefined ? sql`` : sql`and (p.source_id, p.type, p.target_id) > (${after[0]}, ${after[1]}, ${after[2]})`;

function count(rows: { n: number | string | bigint }[]): number {
  return Number(rows[0]?.n ?? 0);
}

/**
 * The diff of two sides, computed in SQL: counts are streaming aggregates and pages are keyset
 * queries of at most `limit` rows, so a diff of a million CIs never holds more than one page in
 * memory. "Added" means present in `to` and absent from `from`.
 */
export const baselineDiffRepository = {
  async countCisOnlyIn(db: Db, present: DiffSide, absent: DiffSide): Promise<number> {
    const result = await sql<{ n: number }>`
      select count(*) as n from ${ciSide(db, present)} p
      where not exists (select 1 from ${ciSide(db, absent)} q where q.ci_id = p.ci_id)`.execute(db);
    return count(result.rows);
  },

  async cisOnlyIn(
    db: Db,
    present: DiffSide,
    absent: DiffSide,
    page: { afterId?: number | undefined; limit: number },
  ): Promise<SideCiRow[]> {
    const result = await sql<SideCiRow>`
      select p.* from ${ciSide(db, present)} p
      where not exists (select 1 from ${ciSide(db, absent)} q where q.ci_id = p.ci_id) ${afterCi('p.ci_id', page.afterId)}
      order by p.ci_id
      limit ${page.limit}`.execute(db);
    return result.rows;
  },

  async countChangedCis(db: Db, from: DiffSide, to: DiffSide): Promise<number> {
    const result = await sql<{ n: number }>`
      select count(*) as n from ${ciSide(db, from)} a join ${ciSide(db, to)} b on b.ci_id = a.ci_id
      where ${rowsDiffer(db)}`.execute(db);
    return count(result.rows);
  },

  async changedCis(
    db: Db,
    from: DiffSide,
    to: DiffSide,
    page: { afterId?: number | undefined; limit: number },
  ): Promise<ChangedCiRow[]> {
    const result = await sql<Record<string, unknown>>`
      select a.ci_id, a.class as a_class, a.name as a_name, a.status as a_status, a.environment as a_environment,
             a.owner as a_owner, a.criticality as a_criticality, a.attributes as a_attributes, a.ci_version as a_version,
             b.class as b_class, b.name as b_name, b.status as b_status, b.environment as b_environment,
             b.owner as b_owner, b.criticality as b_criticality, b.attributes as b_attributes, b.ci_version as b_version
      from ${ciSide(db, from)} a join ${ciSide(db, to)} b on b.ci_id = a.ci_id
      where ${rowsDiffer(db)} ${afterCi('a.ci_id', page.afterId)}
      order by a.ci_id
      limit ${page.limit}`.execute(db);
    const side = (row: Record<string, unknown>, p: 'a' | 'b'): SideCiRow => ({
      ci_id: Number(row.ci_id),
      class: row[`${p}_class`] as string,
      name: row[`${p}_name`] as string,
      status: row[`${p}_status`] as string,
      environment: row[`${p}_environment`] as string | null,
      owner: row[`${p}_owner`] as string | null,
      criticality: row[`${p}_criticality`] as string | null,
      attributes: row[`${p}_attributes`],
      ci_version: Number(row[`${p}_version`]),
    });
    return result.rows.map((row) => ({ from: side(row, 'a'), to: side(row, 'b') }));
  },

  async countRelationshipsOnlyIn(db: Db, present: DiffSide, absent: DiffSide): Promise<number> {
    const result = await sql<{ n: number }>`
      select count(*) as n from ${relationshipRows(db, present)} p
      where not ${relationshipOnSide(db, absent)}`.execute(db);
    return count(result.rows);
  },

  /** Relationships of `present` missing from `absent`, their ends named as `present` records them. */
  async relationshipsOnlyIn(
    db: Db,
    present: DiffSide,
    absent: DiffSide,
    page: { after?: EdgeKey | undefined; limit: number },
  ): Promise<RelationshipSnapshotRow[]> {
    const ends = ciSide(db, present);
    const result = await sql<RelationshipSnapshotRow>`
      select p.source_id, p.type, p.target_id,
             s.class as source_class, s.name as source_name, t.class as target_class, t.name as target_name
      from ${relationshipRows(db, present)} p
      join ${ends} s on s.ci_id = p.source_id
      join ${ends} t on t.ci_id = p.target_id
      where not ${relationshipOnSide(db, absent)} ${afterEdge(page.after)}
      order by p.source_id, p.type, p.target_id
      limit ${page.limit}`.execute(db);
    return result.rows;
  },
};
