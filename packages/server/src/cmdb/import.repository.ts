import type SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import type { Db, SlipwayDatabase } from '../platform/database.js';

/** The stored state of a CI that an import compares a line against. */
export interface ExistingCi {
  id: number;
  class: string;
  name: string;
  status: string;
  environment: string | null;
  owner: string | null;
  criticality: string | null;
  /** JSON text (SQLite) or parsed object (PostgreSQL). */
  attributes: unknown;
  version: number;
  last_seen_at: string | null;
}

export interface NewCiRow {
  class: string;
  name: string;
  status: string;
  environment: string | null;
  owner: string | null;
  criticality: string | null;
  attributes: string;
  source: string | null;
  at: string;
}

export interface EdgeRow {
  sourceId: number;
  type: string;
  targetId: number;
}

export interface CreatedEdge extends EdgeRow {
  id: number;
}

export interface HistoryRowInput {
  ciId: number;
  at: string;
  actorId: number | null;
  actorName: string;
  requestId: string | null;
  context: string | null;
  action: string;
  changes: string;
}

/**
 * The bulk paths of the import. They must run inside the caller's transaction (`tx`): on SQLite
 * the raw prepared statements execute on the one connection the Kysely transaction holds, so they
 * are part of it; on PostgreSQL each call is one statement over `unnest` arrays.
 */
export interface ImportWriter {
  lookupCis(refs: readonly { class: string; name: string }[]): Promise<Map<string, ExistingCi>>;
  insertCis(rows: readonly NewCiRow[]): Promise<number[]>;
  /** Marks CIs as seen by `source` now (no version bump: a sighting is not a change). */
  touchCis(ids: readonly number[], source: string | null, at: string): Promise<void>;
  insertHistory(rows: readonly HistoryRowInput[]): Promise<void>;
  /** Inserts edges that do not exist yet; returns the ones it created. */
  insertEdges(edges: readonly EdgeRow[], origin: string, at: string): Promise<CreatedEdge[]>;
  /** Records that `origin` still asserts these edges (for pruning what it no longer does). */
  markEdgesSeen(edges: readonly EdgeRow[], origin: string, at: string): Promise<void>;
}

/**
 * The key of a CI in the import's maps: its reference as written in relationship lines
 * ("class/name"). Unambiguous: class names cannot contain "/" (`CI_CLASS_NAME_PATTERN`) and a
 * reference splits at its first "/", so a relationship line's `source`/`target` string is its
 * end's key as is, with no string built per line. Built with `join`, which gives one flat string:
 * a `+` concatenation leaves a rope, and comparing a million such keys in the import's map (one
 * per relationship end) walks every rope again.
 */
export const ciKey = (ciClass: string, name: string) => [ciClass, name].join('/');

const CI_COLUMNS = 'id, class, name, status, environment, owner, criticality, attributes, version, last_seen_at';

class SqliteImportWriter implements ImportWriter {
  readonly #lookup: SqliteDatabase.Statement;
  readonly #insertCi: SqliteDatabase.Statement;
  readonly #touch: SqliteDatabase.Statement;
  readonly #history: SqliteDatabase.Statement;
  readonly #insertEdge: SqliteDatabase.Statement;
  readonly #seen: SqliteDatabase.Statement;

  constructor(sqlite: SqliteDatabase.Database) {
    this.#lookup = sqlite.prepare(`select ${CI_COLUMNS} from cis where class = ? and name = ?`);
    this.#insertCi = sqlite.prepare(
      `insert into cis (class, name, status, environment, owner, criticality, attributes, source, last_seen_at, created_at, updated_at, version)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    );
    this.#touch = sqlite.prepare('update cis set source = ?, last_seen_at = ? where id = ?');
    this.#history = sqlite.prepare(
      'insert into ci_history (ci_id, at, actor_id, actor_name, request_id, context, action, changes) values (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#insertEdge = sqlite.prepare(
      `insert into relationships (source_id, type, target_id, origin, created_at, last_seen_at) values (?, ?, ?, ?, ?, ?)
       on conflict (source_id, type, target_id) do nothing`,
    );
    this.#seen = sqlite.prepare(
      'update relationships set last_seen_at = ? where source_id = ? and type = ? and target_id = ? and origin = ?',
    );
  }

  async lookupCis(refs: readonly { class: string; name: string }[]): Promise<Map<string, ExistingCi>> {
    const found = new Map<string, ExistingCi>();
    for (const ref of refs) {
      const row = this.#lookup.get(ref.class, ref.name) as ExistingCi | undefined;
      if (row) found.set(ciKey(ref.class, ref.name), row);
    }
    return found;
  }

  async insertCis(rows: readonly NewCiRow[]): Promise<number[]> {
    return rows.map((r) =>
      Number(
        this.#insertCi.run(
          r.class,
          r.name,
          r.status,
          r.environment,
          r.owner,
          r.criticality,
          r.attributes,
          r.source,
          r.at,
          r.at,
          r.at,
        ).lastInsertRowid,
      ),
    );
  }

  async touchCis(ids: readonly number[], source: string | null, at: string): Promise<void> {
    for (const id of ids) this.#touch.run(source, at, id);
  }

  async insertHistory(rows: readonly HistoryRowInput[]): Promise<void> {
    for (const r of rows)
      this.#history.run(r.ciId, r.at, r.actorId, r.actorName, r.requestId, r.context, r.action, r.changes);
  }

  async insertEdges(edges: readonly EdgeRow[], origin: string, at: string): Promise<CreatedEdge[]> {
    const created: CreatedEdge[] = [];
    for (const e of edges) {
      const result = this.#insertEdge.run(e.sourceId, e.type, e.targetId, origin, at, at);
      if (result.changes === 1)
        created.push({ sourceId: e.sourceId, type: e.type, targetId: e.targetId, id: Number(result.lastInsertRowid) });
    }
    return created;
  }

  async markEdgesSeen(edges: readonly EdgeRow[], origin: string, at: string): Promise<void> {
    for (const e of edges) this.#seen.run(at, e.sourceId, e.type, e.targetId, origin);
  }
}

class PostgresImportWriter implements ImportWriter {
  constructor(private readonly tx: Db) {}

  async lookupCis(refs: readonly { class: string; name: string }[]): Promise<Map<string, ExistingCi>> {
    const found = new Map<string, ExistingCi>();
    if (refs.length === 0) return found;
    const result = await sql<ExistingCi>`
      select ${sql.raw(CI_COLUMNS)} from cis
      where (class, name) in (select * from unnest(${refs.map((r) => r.class)}::text[], ${refs.map((r) => r.name)}::text[]))`.execute(
      this.tx,
    );
    for (const row of result.rows) found.set(ciKey(row.class, row.name), row);
    return found;
  }

  async insertCis(rows: readonly NewCiRow[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const col = <K extends keyof NewCiRow>(key: K) => rows.map((r) => r[key]);
    const result = await sql<{ id: number; ord: number }>`
      insert into cis (class, name, status, environment, owner, criticality, attributes, source, last_seen_at, created_at, updated_at, version)
      select c, n, s, e, o, cr, a::jsonb, src, t, t, t, 1
      from unnest(${col('class')}::text[], ${col('name')}::text[], ${col('status')}::text[], ${col('environment')}::text[],
                  ${col('owner')}::text[], ${col('criticality')}::text[], ${col('attributes')}::text[], ${col('source')}::text[],
                  ${col('at')}::text[]) with ordinality as u(c, n, s, e, o, cr, a, src, t, ord)
      order by ord
      returning id`.execute(this.tx);
    return result.rows.map((r) => Number(r.id));
  }

  async touchCis(ids: readonly number[], source: string | null, at: string): Promise<void> {
    if (ids.length === 0) return;
    await sql`update cis set source = ${source}, last_seen_at = ${at} where id = any(${ids}::int[])`.execute(this.tx);
  }

  async insertHistory(rows: readonly HistoryRowInput[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof HistoryRowInput>(key: K) => rows.map((r) => r[key]);
    await sql`
      insert into ci_history (ci_id, at, actor_id, actor_name, request_id, context, action, changes)
      select ci, t, a, an, r, c, ac, ch::jsonb
      from unnest(${col('ciId')}::int[], ${col('at')}::text[], ${col('actorId')}::int[], ${col('actorName')}::text[],
                  ${col('requestId')}::text[], ${col('context')}::text[], ${col('action')}::text[], ${col('changes')}::text[])
           as u(ci, t, a, an, r, c, ac, ch)`.execute(this.tx);
  }

  async insertEdges(edges: readonly EdgeRow[], origin: string, at: string): Promise<CreatedEdge[]> {
    if (edges.length === 0) return [];
    const result = await sql<{ id: number; source_id: number; type: string; target_id: number }>`
      insert into relationships (source_id, type, target_id, origin, created_at, last_seen_at)
      select s, ty, t, ${origin}, ${at}, ${at}
      from unnest(${edges.map((e) => e.sourceId)}::int[], ${edges.map((e) => e.type)}::text[], ${edges.map((e) => e.targetId)}::int[]) as u(s, ty, t)
      on conflict (source_id, type, target_id) do nothing
      returning id, source_id, type, target_id`.execute(this.tx);
    return result.rows.map((r) => ({
      id: Number(r.id),
      sourceId: Number(r.source_id),
      type: r.type,
      targetId: Number(r.target_id),
    }));
  }

  async markEdgesSeen(edges: readonly EdgeRow[], origin: string, at: string): Promise<void> {
    if (edges.length === 0) return;
    await sql`
      update relationships r set last_seen_at = ${at}
      from unnest(${edges.map((e) => e.sourceId)}::int[], ${edges.map((e) => e.type)}::text[], ${edges.map((e) => e.targetId)}::int[]) as u(s, ty, t)
      where r.source_id = u.s and r.type = u.ty and r.target_id = u.t and r.origin = ${origin}`.execute(this.tx);
  }
}

const sqliteWriters = new WeakMap<SqliteDatabase.Database, SqliteImportWriter>();

/** The writer for this database, bound to the caller's transaction. */
export function importWriter(database: SlipwayDatabase, tx: Db): ImportWriter {
  const sqlite = database.sqlite;
  if (!sqlite) return new PostgresImportWriter(tx);
  let writer = sqliteWriters.get(sqlite);
  if (!writer) {
    writer = new SqliteImportWriter(sqlite);
    sqliteWriters.set(sqlite, writer);
  }
  return writer;
}

/** Removes relationships of `origin` not seen since `seenSince`; returns what it removed. */
export async function pruneRelationships(tx: Db, origin: string, seenSince: string): Promise<CreatedEdge[]> {
  const rows = await tx
    .deleteFrom('relationships')
    .where('origin', '=', origin)
    .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', seenSince)]))
    .returning(['id', 'source_id', 'type', 'target_id'])
    .execute();
  return rows.map((r) => ({ id: r.id, sourceId: r.source_id, type: r.type, targetId: r.target_id }));
}
