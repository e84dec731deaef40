import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type SlipwayDatabase } from '../platform/database.js';

export type TestDbKind = 'sqlite' | 'postgres';

/**
 * The databases every database test runs on: SQLite always, PostgreSQL when the run has one
 * (always in CI). Use with `describe.each(testDatabaseKinds())`.
 */
export function testDatabaseKinds(): TestDbKind[] {
  return inject('pgAdminUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A fresh temporary directory, removed by `cleanup`. */
export function tempDir(prefix = 'slipway-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestDatabase {
  kind: TestDbKind;
  url: string;
  /** Opens a new handle on the test database (each call a new pool/connection). */
  open(): SlipwayDatabase;
  /** Drops the database (PostgreSQL) or deletes its files (SQLite). */
  cleanup(): Promise<void>;
}

/** Creates an empty database of the given kind: a temp file, or a new PostgreSQL database. */
export async function createTestDatabase(kind: TestDbKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = tempDir('slipway-db-');
    const url = `sqlite:${path.join(dir, 'test.db')}`;
    return {
      kind,
      url,
      open: () => openDatabase(url),
      cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = inject('pgAdminUrl');
  if (!adminUrl) throw new Error('PostgreSQL is not available in this test run');
  const name = `slipway_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  return {
    kind,
    url,
    open: () => openDatabase(url, { poolSize: 5 }),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
