import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  type Selectable,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Database } from './database-schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/** What repositories accept: the root handle or a transaction; the caller owns the transaction. */
export type Db = Kysely<Database> | Transaction<Database>;

/** An open database: the Kysely handle plus the raw driver handles the bulk paths need. */
export interface SlipwayDatabase {
  kind: DatabaseKind;
  db: Kysely<Database>;
  /** Present for SQLite: used by bulk import and online backup. */
  sqlite?: SqliteDatabase.Database;
  /**
   * Present for a SQLite file: a second, query-only connection that reads the last committed
   * state without waiting for the writer connection (see `selectRowById`).
   */
  sqliteReader?: SqliteDatabase.Database;
  /** Present for PostgreSQL: used by COPY and LISTEN/NOTIFY. */
  pgPool?: pg.Pool;
  /** A redacted description for logs (never the password). */
  description: string;
  close(): Promise<void>;
}

/**
 * Kysely starts SQLite transactions with a deferred `BEGIN`. A deferred transaction that reads
 * and then writes fails with SQLITE_BUSY when another process (the CLI's admin commands) wrote
 * in between, and busy_timeout cannot help. `BEGIN IMMEDIATE` takes the write lock up front, so
 * writers queue on busy_timeout instead of failing.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite runs DDL inside transactions, but Kysely's SQLite adapter says it does not, so its
 * Migrator applied migrations unguarded: a failing migration left a half-changed schema, and two
 * processes migrating one file at once (`slipway migrate` while the server starts) collided.
 * Saying so makes the Migrator run pending migrations in one BEGIN IMMEDIATE transaction. So a
 * migration must not rely on statements that are no-ops in a transaction (PRAGMA foreign_keys)
 * or refused there (VACUUM).
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver() {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * Kysely prepares a new SQLite statement for every query; preparing is ~10 % of a simple GET.
 * This hands Kysely a view of the database whose `prepare` reuses statements by SQL text (the
 * SQL Kysely compiles is parameterised, so the set of texts is small). A statement that is busy
 * (an unfinished iterate()) is never handed out twice.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const MAX_STATEMENTS = 1000;
  const prepare = (source: string) => {
    const cached = cache.get(source);
    if (cached && !cached.busy) return cached;
    const statement = sqlite.prepare(source);
    if (cache.size >= MAX_STATEMENTS) cache.clear();
    cache.set(source, statement);
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Which dialect a handle speaks, for the few places where SQL must differ. */
export function dialectOf(db: Db): DatabaseKind {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  if (adapter instanceof PostgresAdapter) return 'postgres';
  throw new Error('Unsupported database adapter');
}

/**
 * True when a statement failed on a unique constraint, on either driver: a check-then-insert
 * loses a race to a concurrent insert this way, and the caller answers 409 instead of 500.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed/.test(String(message))
  );
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db` */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

// PostgreSQL returns int8 (count(*), bigint columns) as strings by default. Every bigint in
// Slipway's schema fits in a double (ids, counts, byte sizes below 2^53), so parse them as numbers.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export interface OpenDatabaseOptions {
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/** Opens `sqlite:<file>`, `sqlite::memory:` or `postgres://…`. */
export function openDatabase(url: string, options: OpenDatabaseOptions = {}): SlipwayDatabase {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SqliteDatabase(file === ':memory:' ? ':memory:' : path.resolve(file));
    // WAL lets readers run beside the writer; synchronous=FULL makes every acknowledged
    // commit durable (an audit-grade default: see docs/adr/0002-sqlite-durability.md).
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('cache_size = -262144');
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
    const reader = file === ':memory:' ? undefined : openSnapshotReader(path.resolve(file));
    if (reader) snapshotReaders.set(db, { connection: reader, byTable: new Map() });
    return {
      kind: 'sqlite',
      db,
      sqlite,
      ...(reader && { sqliteReader: reader }),
      description: `sqlite:${file}`,
      close: async () => {
        try {
          await db.destroy();
        } finally {
          reader?.close();
          snapshotReaders.delete(db);
        }
      },
    };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
    // An idle client that loses its connection emits 'error' on the pool; without a listener
    // that would crash the process. The next query gets a fresh connection.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      kind: 'postgres',
      db,
      pgPool: pool,
      description: redactUrl(url),
      close: async () => {
        await db.destroy();
      },
    };
  }
  throw new Error(`Unsupported database URL "${redactUrl(url)}": use sqlite:<file> or postgres://…`);
}

/**
 * Kysely serialises every query of a SQLite database on its one connection: a read waits for any
 * transaction in progress (and its fsync) to finish, and pays for the mutex and several promise
 * turns. WAL mode lets a second connection read the last committed state at the same time, so
 * the hottest read of the API — one object by id, outside a transaction — goes there, synchronously.
 * It never sees a write that is not yet committed (the writer connection would), and it sees every
 * write committed before it starts: a client reads its own writes.
 */
interface SnapshotReader {
  connection: SqliteDatabase.Database;
  byTable: Map<string, SqliteDatabase.Statement>;
}
const snapshotReaders = new WeakMap<Db, SnapshotReader>();

function openSnapshotReader(file: string): SqliteDatabase.Database {
  const reader = new SqliteDatabase(file);
  // Refuses any write through this connection: it exists only to read.
  reader.pragma('query_only = ON');
  reader.pragma('busy_timeout = 10000');
  reader.pragma('cache_size = -65536');
  return reader;
}

const rowByIdQueries = new WeakMap<Db, Map<string, CompiledQuery>>();

/**
 * `select * from <table> where id = ?`, its SQL compiled once per database handle: reading one
 * object by id is the hottest query of the API, and building and compiling it through Kysely on
 * every call was a tenth of a `GET /…/{id}`. The compiled query binds only the id.
 */
export async function selectRowById<T extends keyof Database & string>(
  db: Db,
  table: T,
  id: number,
): Promise<Selectable<Database[T]> | undefined> {
  let queries = rowByIdQueries.get(db);
  if (!queries) {
    queries = new Map();
    rowByIdQueries.set(db, queries);
  }
  let compiled = queries.get(table);
  if (!compiled) {
    // Kysely cannot type a select over a table chosen at run time; the row type is restated above.
    const untyped = db as unknown as Kysely<Record<string, { id: number }>>;
    compiled = untyped
      .selectFrom(table)
      .selectAll()
      .where('id', '=', 0 as never)
      .compile();
    queries.set(table, compiled);
  }
  const reader = db.isTransaction ? undefined : snapshotReaders.get(db);
  if (reader) {
    let statement = reader.byTable.get(table);
    if (!statement) {
      statement = reader.connection.prepare(compiled.sql);
      reader.byTable.set(table, statement);
    }
    return statement.get(id) as Selectable<Database[T]> | undefined;
  }
  const result = await db.executeQuery<Selectable<Database[T]>>({ ...compiled, parameters: [id] });
  return result.rows[0];
}
