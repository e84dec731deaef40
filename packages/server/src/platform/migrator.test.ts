import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { createTestDatabase, type TestDatabase, tempDir, testDatabaseKinds } from '../test-support/test-databases.js';
import { resolveConfig } from './config.js';
import { openDatabase, type SlipwayDatabase } from './database.js';
import { MIGRATIONS } from './migrations/index.js';
import { DatabaseTooNewError, migrateToLatest, migrationStatus } from './migrator.js';

const FUTURE_MIGRATION = '2999-01-01-0001-from-the-future';
const CHILD = fileURLToPath(new URL('../test-support/migrate-child.ts', import.meta.url));

interface ChildOutcome {
  ok: boolean;
  applied?: string[];
  error?: string;
}

/**
 * Migrates one database from this process and from another one at the same instant: the other
 * process starts, opens the database and says "ready"; then both are released together.
 */
async function migrateFromTwoProcesses(url: string): Promise<ChildOutcome[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const next = await lines.next();
    if (next.done) throw new Error('migrate-child ended without an answer');
    return next.value;
  };
  const local = openDatabase(url);
  try {
    expect(await nextLine()).toBe('ready');
    child.stdin.write('go\n');
    const mine = migrateToLatest(local.db).then(
      (applied): ChildOutcome => ({ ok: true, applied }),
      (error: unknown): ChildOutcome => ({ ok: false, error: String(error) }),
    );
    const theirs = nextLine().then((line) => JSON.parse(line) as ChildOutcome);
    return await Promise.all([mine, theirs]);
  } finally {
    if (child.exitCode === null) child.kill();
    await local.close();
  }
}

/** The tests share one database and run in order: fresh → migrated → "migrated by a newer version". */
describe.each(testDatabaseKinds())('migrations on %s', (kind) => {
  let testDb: TestDatabase;
  let database: SlipwayDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    database = testDb.open();
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.cleanup();
  });

  it('applies every known migration once; running again changes nothing', async () => {
    const names = Object.keys(MIGRATIONS);
    expect(await migrateToLatest(database.db)).toEqual(names);
    expect(await migrateToLatest(database.db)).toEqual([]);
    expect(await migrationStatus(database.db)).toEqual(names.map((name) => ({ name, applied: true })));
    const tables = (await database.db.introspection.getTables()).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['users', 'api_tokens', 'sessions', 'audit_log', 'audit_head']));
    const head = await database.db.selectFrom('audit_head').selectAll().execute();
    expect(head).toEqual([{ id: 1, seq: 0, hash: '' }]);
  });

  // Real processes, started together: PostgreSQL serialises migrators with an advisory lock,
  // SQLite with the BEGIN IMMEDIATE transaction the migrations run in (database.ts); the loser
  // waits, then finds nothing left to do. (Two handles in one process cannot show it on SQLite:
  // better-sqlite3 waits for a lock synchronously, blocking the holder too.)
  it('is safe when two processes migrate the same database at once', async () => {
    const fresh = await createTestDatabase(kind);
    try {
      const outcomes = await migrateFromTwoProcesses(fresh.url);
      for (const outcome of outcomes) expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: true });
      expect(outcomes.flatMap((o) => o.applied ?? []).sort()).toEqual(Object.keys(MIGRATIONS).sort());
      const check = fresh.open();
      try {
        expect(await migrationStatus(check.db)).toEqual(
          Object.keys(MIGRATIONS).map((name) => ({ name, applied: true })),
        );
      } finally {
        await check.close();
      }
    } finally {
      await fresh.cleanup();
    }
  });

  it('rolls a failing migration back whole, leaving no half-changed schema', async () => {
    // A throwaway migration history (own bookkeeping tables), on the same kind of handle.
    const migrator = new Migrator({
      db: database.db,
      migrationTableName: 'probe_migration',
      migrationLockTableName: 'probe_migration_lock',
      provider: {
        getMigrations: async () => ({
          '0001-creates': {
            up: async (db) => {
              await db.schema.createTable('probe_half_done').addColumn('id', 'integer').execute();
            },
          },
          '0002-fails': {
            up: async () => {
              throw new Error('this migration fails');
            },
          },
        }),
      },
    });
    const { error } = await migrator.migrateToLatest();
    expect(String(error)).toContain('this migration fails');
    const tables = (await database.db.introspection.getTables()).map((t) => t.name);
    expect(tables).not.toContain('probe_half_done');
  });

  it('refuses a database migrated by a newer Slipway, naming the unknown migration', async () => {
    await sql`insert into kysely_migration (name, timestamp) values (${FUTURE_MIGRATION}, ${new Date().toISOString()})`.execute(
      database.db,
    );
    const error = await migrateToLatest(database.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseTooNewError);
    expect((error as DatabaseTooNewError).unknownMigrations).toEqual([FUTURE_MIGRATION]);
    expect((error as Error).message).toContain(FUTURE_MIGRATION);
    expect((error as Error).message).toMatch(/newer version of Slipway/);
    // Nothing was touched: the known migrations are still all applied, the unknown one still there.
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
    expect(rows.rows.map((r) => r.name)).toEqual([...Object.keys(MIGRATIONS), FUTURE_MIGRATION].sort());
  });

  it('refuses to start the server on a database migrated by a newer Slipway', async () => {
    const dataDir = tempDir('slipway-migrate-');
    try {
      const config = resolveConfig({ db: testDb.url, dataDir, port: 0 }, { SLIPWAY_ADMIN_TOKEN: 'x'.repeat(32) });
      await expect(buildApp(config, { logger: false })).rejects.toBeInstanceOf(DatabaseTooNewError);
      // It refused before creating anything: no bootstrap admin was written.
      expect(await database.db.selectFrom('users').selectAll().execute()).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
