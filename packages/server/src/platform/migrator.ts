import { type Kysely, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { Database } from './database-schema.js';
import { MIGRATIONS } from './migrations/index.js';

/** The database was migrated by a newer Slipway than this one. */
export class DatabaseTooNewError extends Error {
  constructor(readonly unknownMigrations: string[]) {
    super(
      `This database was migrated by a newer version of Slipway: it has migration(s) ${unknownMigrations.join(', ')} ` +
        'that this version does not know. Run the newer Slipway, or restore a backup taken before the upgrade.',
    );
    this.name = 'DatabaseTooNewError';
  }
}

export class MigrationFailedError extends Error {
  constructor(migration: string | undefined, cause: unknown) {
    super(`Migration ${migration ?? '(unknown)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'MigrationFailedError';
  }
}

function createMigrator(db: Kysely<Database>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
  });
}

async function appliedMigrationNames(db: Kysely<Database>): Promise<string[]> {
  // Kysely hides its own tables from introspection unless asked: without the option this always
  // saw no migrations, so a database from a newer Slipway was never recognised as such.
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration')) return [];
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.rows.map((r) => r.name);
}

/**
 * Brings the schema up to date. Refuses, with a clear message, a database that already has
 * migrations this version does not know (it was migrated by a newer Slipway).
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const known = new Set(Object.keys(MIGRATIONS));
  const unknown = (await appliedMigrationNames(db)).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new DatabaseTooNewError(unknown);

  const { error, results } = await createMigrator(db).migrateToLatest();
  return handleResults(error, results);
}

function handleResults(error: unknown, results: MigrationResultSet['results']): string[] {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationFailedError(failed?.migrationName, error);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations known to this version and whether each has been applied. */
export async function migrationStatus(db: Kysely<Database>): Promise<{ name: string; applied: boolean }[]> {
  const applied = new Set(await appliedMigrationNames(db));
  return Object.keys(MIGRATIONS).map((name) => ({ name, applied: applied.has(name) }));
}
