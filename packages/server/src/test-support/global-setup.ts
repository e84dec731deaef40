import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server database tests use, or null when it is unreachable. */
    pgAdminUrl: string | null;
  }
}

/**
 * Decides once per run whether the PostgreSQL variants of the database tests run.
 * `SLIPWAY_REQUIRE_PG=1` (set by CI) turns an unreachable server into a failed run: CI must never
 * skip PostgreSQL silently. Locally, an unreachable server prints a loud warning instead.
 */
export default async function setup(project: TestProject) {
  const url = process.env.SLIPWAY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    project.provide('pgAdminUrl', url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.SLIPWAY_REQUIRE_PG === '1') {
      throw new Error(`PostgreSQL is required (SLIPWAY_REQUIRE_PG=1) but ${url} is unreachable: ${reason}`);
    }
    process.stderr.write(
      `\n*** WARNING: PostgreSQL at ${url} is unreachable (${reason}).\n` +
        '*** The PostgreSQL variants of the database tests are SKIPPED. Set SLIPWAY_TEST_PG_URL to run them.\n\n',
    );
    project.provide('pgAdminUrl', null);
  } finally {
    await client.end().catch(() => undefined);
  }
}
