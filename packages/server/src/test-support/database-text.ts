import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';

/**
 * Every row of every table (or of the named tables) as one JSON text, for tests that prove a
 * secret is stored nowhere in plain: scan the result for the secret.
 */
export async function databaseText(db: Kysely<Database>, onlyTables?: readonly string[]): Promise<string> {
  const tables =
    onlyTables ??
    (dialectOf(db) === 'sqlite'
      ? (
          await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(db)
        ).rows.map((r) => r.name)
      : (
          await sql<{ name: string }>`select table_name as name from information_schema.tables
            where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db)
        ).rows.map((r) => r.name));
  const parts: string[] = [];
  for (const table of tables) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    parts.push(`${table}: ${JSON.stringify(rows.rows)}`);
  }
  return parts.join('\n');
}
