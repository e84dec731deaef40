import pg from 'pg';
import type { SlipwayDatabase } from './database.js';

/** Names the PostgreSQL advisory lock that instances of one installation start under. */
const STARTUP_LOCK = 'slipway.startup';

/**
 * Runs an instance's start (migrations, first admin, built-in classes and templates, default
 * policy, demo data, index loads) while holding a PostgreSQL session advisory lock, so replicas
 * that start at the same moment on one database start one after the other. Every first-start
 * step checks whether it already happened; serialised, each happens exactly once instead of
 * failing on a unique key in all but one instance. The lock belongs to a dedicated connection:
 * if the process dies mid-start, PostgreSQL releases it with the session.
 *
 * SQLite needs none of this: one instance per database file, and its writers are serialised.
 */
export async function withStartupLock<T>(target: SlipwayDatabase | string, work: () => Promise<T>): Promise<T> {
  const url = typeof target === 'string' ? target : undefined;
  const pool = typeof target === 'string' ? undefined : target.pgPool;
  const isPostgres = url ? url.startsWith('postgres://') || url.startsWith('postgresql://') : pool !== undefined;
  if (!isPostgres) return work();

  let client: pg.Client | pg.PoolClient;
  if (pool) client = await pool.connect();
  else {
    client = new pg.Client({ connectionString: url });
    // A connection lost while waiting must not crash the process; the query below then fails.
    client.on('error', () => {});
    await client.connect();
  }
  let broken: Error | undefined;
  try {
    await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [STARTUP_LOCK]);
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [STARTUP_LOCK]).catch((error: Error) => {
        broken = error;
      });
    }
  } finally {
    // A connection whose unlock failed is dropped, not returned to the pool: ending the session
    // is what releases the lock then.
    if ('release' in client) client.release(broken ?? false);
    else await client.end().catch(() => undefined);
  }
}
