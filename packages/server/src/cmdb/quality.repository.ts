import type SqliteDatabase from 'better-sqlite3';
import { type RawBuilder, sql } from 'kysely';
import { type Db, dialectOf, type SlipwayDatabase } from '../platform/database.js';

/** A CI as a data-quality example names it. */
export interface QualityCiRow {
  id: number;
  class: string;
  name: string;
  status: string;
  owner: string | null;
  source: string | null;
  last_seen_at: string | null;
}

export interface DuplicateMemberRow {
  id: number;
  class: string;
  name: string;
  status: string;
  normalized: string;
}

export interface RetiredRelationshipRow {
  id: number;
  type: string;
  source_id: number;
  source_class: string;
  source_name: string;
  source_status: string;
  target_id: number;
  target_class: string;
  target_name: string;
  target_status: string;
}

/**
 * The normalised name duplicates are grouped by: lower case, every character that is not a
 * letter or a digit removed ("Web-01", "web_01" and "WEB 01" all become "web01").
 */
export function normalizeCiName(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

const SQLITE_NORMALIZE = 'slipway_normalize_name';
const registered = new WeakSet<SqliteDatabase.Database>();

/**
 * SQLite has no regexp_replace, so the normalisation is a deterministic JavaScript function
 * registered on the connection. It is only ever used in SELECTs (never in an index or a view),
 * so a database file opened without it (the CLI, a backup tool) stays fully usable.
 */
export function registerQualityFunctions(database: SlipwayDatabase): void {
  const sqlite = database.sqlite;
  if (!sqlite || registered.has(sqlite)) return;
  sqlite.function(SQLITE_NORMALIZE, { deterministic: true }, (name: unknown) =>
    typeof name === 'string' ? normalizeCiName(name) : null,
  );
  registered.add(sqlite);
}

/** The normalised-name expression, per dialect (PostgreSQL: [[:alnum:]] is Unicode-aware in UTF-8 databases). */
function normalized(db: Db): RawBuilder<string> {
  return dialectOf(db) === 'postgres'
    ? sql<string>`regexp_replace(lower(name), '[^[:alnum:]]+', '', 'g')`
    : sql<string>`${sql.raw(SQLITE_NORMALIZE)}(name)`;
}

const CI_COLUMNS = sql.raw('id, class, name, status, owner, source, last_seen_at');

function first(rows: { n: number | string | bigint | null }[]): number {
  return Number(rows[0]?.n ?? 0);
}

function classFilter(excluded: readonly string[]): RawBuilder<unknown> {
  return excluded.length === 0 ? sql`` : sql`and class not in (${sql.join([...excluded])})`;
}

/**
 * Data-quality queries. Each is one statement over the whole CMDB (counts are aggregates,
 * examples are top-N), so the report costs a few table scans, never one query per CI.
 */
export const qualityRepository = {
  async totals(db: Db): Promise<{ cis: number; liveCis: number; relationships: number }> {
    const cis = await sql<{ n: number; live: number }>`
      select count(*) as n, coalesce(sum(case when status <> 'retired' then 1 else 0 end), 0) as live from cis`.execute(
      db,
    );
    const relationships = await sql<{ n: number }>`select count(*) as n from relationships`.execute(db);
    return { cis: first(cis.rows), liveCis: Number(cis.rows[0]?.live ?? 0), relationships: first(relationships.rows) };
  },

  /** Live CIs (not retired) with no owner, or a blank one. */
  async withoutOwner(db: Db, examples: number): Promise<{ count: number; examples: QualityCiRow[] }> {
    const where = sql`status <> 'retired' and (owner is null or trim(owner) = '')`;
    const [counted, listed] = await Promise.all([
      sql<{ n: number }>`select count(*) as n from cis where ${where}`.execute(db),
      sql<QualityCiRow>`select ${CI_COLUMNS} from cis where ${where} order by id limit ${examples}`.execute(db),
    ]);
    return { count: first(counted.rows), examples: listed.rows };
  },

  /** Live CIs that are neither the source nor the target of any relationship. */
  async orphans(
    db: Db,
    excludedClasses: readonly string[],
    examples: number,
  ): Promise<{ count: number; examples: QualityCiRow[] }> {
    // Two NOT EXISTS, each served by an index (relationships_edge leads with source_id,
    // relationships_target with target_id): an anti-join, not a scan of relationships per CI.
    const where = sql`status <> 'retired' ${classFilter(excludedClasses)}
      and not exists (select 1 from relationships r where r.source_id = cis.id)
      and not exists (select 1 from relationships r where r.target_id = cis.id)`;
    const [counted, listed] = await Promise.all([
      sql<{ n: number }>`select count(*) as n from cis where ${where}`.execute(db),
      sql<QualityCiRow>`select ${CI_COLUMNS} from cis where ${where} order by id limit ${examples}`.execute(db),
    ]);
    return { count: first(counted.rows), examples: listed.rows };
  },

  /** Live CIs an import source reported once but not since `cutoff`; oldest sighting first. */
  async notSeenSince(db: Db, cutoff: string, examples: number): Promise<{ count: number; examples: QualityCiRow[] }> {
    const where = sql`source is not null and status <> 'retired' and (last_seen_at is null or last_seen_at < ${cutoff})`;
    const [counted, listed] = await Promise.all([
      sql<{ n: number }>`select count(*) as n from cis where ${where}`.execute(db),
      // coalesce: NULL sorts first on SQLite and last on PostgreSQL; never seen is the stalest.
      sql<QualityCiRow>`select ${CI_COLUMNS} from cis where ${where}
                        order by coalesce(last_seen_at, ''), id limit ${examples}`.execute(db),
    ]);
    return { count: first(counted.rows), examples: listed.rows };
  },

  /**
   * Groups of live CIs of one class whose names normalise to the same text, in one statement:
   * one grouping pass (materialised) gives the counts and the first `groups` groups; their
   * members come from one more scan that only tests membership (no second sort), at most
   * `perGroup` per group. The LEFT JOIN keeps the counts row when there are no duplicates.
   */
  async duplicates(
    db: Db,
    groups: number,
    perGroup: number,
  ): Promise<{ groups: number; cis: number; members: DuplicateMemberRow[] }> {
    const key = normalized(db);
    const result = await sql<DuplicateMemberRow & { group_count: number; ci_count: number | string | null }>`
      with g as materialized (
        select class, normalized, count(*) as c
        from (select class, ${key} as normalized from cis where status <> 'retired') k
        where normalized <> ''
        group by class, normalized having count(*) > 1
      ),
      top as materialized (select class, normalized from g order by class, normalized limit ${groups}),
      m as (
        select id, class, name, status, normalized,
               row_number() over (partition by class, normalized order by id) as rn
        from (select id, class, name, status, ${key} as normalized from cis where status <> 'retired') k
        where (class, normalized) in (select class, normalized from top)
      )
      select s.group_count, s.ci_count, m.id, m.class, m.name, m.status, m.normalized
      from (select count(*) as group_count, sum(c) as ci_count from g) s
      left join m on m.rn <= ${perGroup}
      order by m.class, m.normalized, m.id`.execute(db);
    const first = result.rows[0];
    return {
      groups: Number(first?.group_count ?? 0),
      cis: Number(first?.ci_count ?? 0),
      members: result.rows.filter((row) => row.id !== null),
    };
  },

  /** Relationships with a retired CI at either end. */
  async retiredRelationships(db: Db, examples: number): Promise<{ count: number; examples: RetiredRelationshipRow[] }> {
    // Driven from the (few) retired CIs through the two relationship indexes; UNION removes a
    // relationship whose both ends are retired from being counted twice.
    // (SQLite's CROSS JOIN keeps cis as the outer loop; PostgreSQL plans it as any inner join.)
    const ids = sql`
      select r.id from cis c cross join relationships r where r.source_id = c.id and c.status = 'retired'
      union
      select r.id from cis c cross join relationships r where r.target_id = c.id and c.status = 'retired'`;
    const [counted, listed] = await Promise.all([
      sql<{ n: number }>`select count(*) as n from (${ids}) x`.execute(db),
      sql<RetiredRelationshipRow>`
        select r.id, r.type, s.id as source_id, s.class as source_class, s.name as source_name, s.status as source_status,
               t.id as target_id, t.class as target_class, t.name as target_name, t.status as target_status
        from relationships r
        join cis s on s.id = r.source_id
        join cis t on t.id = r.target_id
        where r.id in (${ids})
        order by r.id
        limit ${examples}`.execute(db),
    ]);
    return { count: first(counted.rows), examples: listed.rows };
  },
};
