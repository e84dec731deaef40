import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  listen,
  slipway,
  startTestServer,
  type TestServer,
  tempDir,
} from '../test-support/cli-harness.js';

function countUsers(file: string): number {
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('select count(*) as n from users').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * Writes through the API as fast as it answers until stopped, so the backup runs while the
 * server is busy writing (each write is a user plus its audit entry, in one transaction).
 */
function startWriter(server: TestServer): { stop(): Promise<number> } {
  let running = true;
  let written = 0;
  const loop = (async () => {
    while (running) {
      const response = await fetch(`${server.url}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ username: `load-${written}`, roles: ['engineer'], password: null }),
      });
      await response.arrayBuffer();
      if (response.status !== 201) throw new Error(`write failed with ${response.status}`);
      written++;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return written;
    },
  };
}

describe('backup and restore on SQLite', () => {
  let server: TestServer;
  let dbFile: string;
  let work: string;
  let backupFile: string;
  let usersInBackup: number;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    dbFile = server.testDb.url.slice('sqlite:'.length);
    work = tempDir('slipway-cli-backup-');
    backupFile = path.join(work, 'nightly', 'slipway-backup.db');
    // ~16 MiB of filler, so the online backup takes many steps and the writer gets between them.
    const filler = new SqliteDatabase(dbFile);
    try {
      filler.exec('create table test_filler (data blob)');
      const insert = filler.prepare('insert into test_filler (data) values (?)');
      filler.transaction(() => {
        for (let i = 0; i < 256; i++) insert.run(crypto.randomBytes(64 * 1024));
      })();
    } finally {
      filler.close();
    }
  });
  afterAll(async () => {
    await server?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('backs up while the server is serving and writing, and the copy is sound', async () => {
    const writer = startWriter(server);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const run = await slipway(['backup', backupFile, '--json', ...server.dbArgs]);
    const written = await writer.stop();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(written).toBeGreaterThan(0);
    const result = run.json<{ file: string; bytes: number; sha256: string; integrity: string; pages: number }>();
    expect(result).toMatchObject({ file: backupFile, integrity: 'ok' });
    expect(result.bytes).toBe(fs.statSync(backupFile).size);
    expect(result.bytes).toBeGreaterThan(16 * 1024 * 1024);
    expect(result.sha256).toBe(crypto.createHash('sha256').update(fs.readFileSync(backupFile)).digest('hex'));

    const copy = new SqliteDatabase(backupFile, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      // A single self-contained file: no -wal companion needed.
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    } finally {
      copy.close();
    }
    expect(fs.readdirSync(path.dirname(backupFile))).toEqual(['slipway-backup.db']);
    usersInBackup = countUsers(backupFile);
    expect(usersInBackup).toBeGreaterThan(1);

    // The backup is in the audit trail: who copied all the data, and where to.
    const audit = await fetch(`${server.url}/api/v1/audit?action=database.backup`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const entries = ((await audit.json()) as { items: { actor: { name: string }; after: { sha256: string } }[] }).items;
    expect(entries).toHaveLength(1);
    expect(entries[0]?.actor.name).toMatch(/^cli:/);
    expect(entries[0]?.after.sha256).toBe(result.sha256);
  });

  it('backup refuses to overwrite a file unless --force; human output names the audit key', async () => {
    const refused = await slipway(['backup', backupFile, ...server.dbArgs]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `slipway: ${backupFile} already exists: choose another file or pass --force to overwrite it\n`,
    );

    const other = path.join(work, 'second.db');
    const run = await slipway(['backup', other, ...server.dbArgs]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^Backed up sqlite:.* to ${other} \\([\\d.]+ MiB, integrity ok, sha256 [0-9a-f]{64}\\)`),
    );
    expect(run.stdout).toContain(`Keep the audit key ${path.join(server.dataDir, 'audit.key')} safe as well`);
  });

  it('restore refuses while the server has the database open', async () => {
    const run = await slipway(['restore', backupFile, ...server.dbArgs]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^slipway: .* is in use \(a Slipway server is probably running on it\): stop the server first\./,
    );
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('restore refuses files that are not sound Slipway databases', async () => {
    const text = path.join(work, 'notes.txt');
    fs.writeFileSync(text, 'not a database at all, just some text that is long enough');
    const notSqlite = await slipway(['restore', text, ...server.dbArgs]);
    expect(notSqlite.code).toBe(1);
    expect(notSqlite.stderr).toBe(`slipway: ${text} is not a SQLite database, so not a Slipway backup\n`);

    const other = path.join(work, 'other.db');
    const db = new SqliteDatabase(other);
    db.exec('create table things (id integer primary key)');
    db.close();
    const notSlipway = await slipway(['restore', other, ...server.dbArgs]);
    expect(notSlipway.code).toBe(1);
    expect(notSlipway.stderr).toMatch(
      /^slipway: .*other\.db is not a Slipway database \(it has no kysely_migration, users/,
    );

    // Damage a page in the middle of a copy of the backup.
    const damaged = path.join(work, 'damaged.db');
    fs.copyFileSync(backupFile, damaged);
    const fd = fs.openSync(damaged, 'r+');
    fs.writeSync(fd, crypto.randomBytes(4096 * 3), 0, 4096 * 3, 4096 * 2);
    fs.closeSync(fd);
    const broken = await slipway(['restore', damaged, '--force', ...server.dbArgs]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^slipway: .*damaged\.db fails PRAGMA integrity_check \(.*\): refusing to restore a damaged file\n$/,
    );
  });

  it('restores the backup once the server is stopped, keeping the old database, and the trail verifies', async () => {
    await server.stop();
    const usersBefore = countUsers(dbFile);
    expect(usersBefore).toBeGreaterThan(usersInBackup);

    const run = await slipway(['restore', backupFile, '--json', ...server.dbArgs]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = run.json<{
      restored: string;
      previousDatabase: string;
      previousCheckpoints: string | null;
      checkpoints: { kept: number; setAside: number };
      audit: { ok: boolean; entries: number };
    }>();
    expect(result.restored).toBe(dbFile);
    expect(result.previousDatabase).toMatch(/\.before-restore-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect(countUsers(result.previousDatabase)).toBe(usersBefore);
    expect(countUsers(dbFile)).toBe(usersInBackup);
    expect(result.audit.ok).toBe(true);
    expect(fs.readdirSync(path.dirname(dbFile)).filter((f) => f.startsWith('.slipway-restore-'))).toEqual([]);

    const verify = await slipway(['audit', 'verify', ...server.dbArgs]);
    expect(verify.code).toBe(0);

    // A server starts on the restored database and serves what the backup held.
    const { slipway: restarted, url } = await listen(server.config);
    try {
      const response = await fetch(`${url}/api/v1/audit/verify`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(await response.json()).toMatchObject({ ok: true });
      const restore = await fetch(`${url}/api/v1/audit?action=database.restore`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const entries = ((await restore.json()) as { items: { after: { from: string } }[] }).items;
      expect(entries.map((e) => e.after.from)).toEqual([backupFile]);
    } finally {
      await restarted.close();
    }
  });

  it('refuses a backup whose audit trail was tampered with, unless --force', async () => {
    const tampered = path.join(work, 'tampered.db');
    fs.copyFileSync(backupFile, tampered);
    const db = new SqliteDatabase(tampered);
    db.prepare("update audit_log set actor_name = 'someone-else' where seq = 1").run();
    db.close();

    const refused = await slipway(['restore', tampered, ...server.dbArgs]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^slipway: The backup's audit trail does not verify with this installation's audit key \(Entry 1 was modified after it was written\): not restoring\./,
    );
    expect(countUsers(dbFile)).toBe(usersInBackup);

    const forced = await slipway(['restore', tampered, '--force', '--json', ...server.dbArgs]);
    expect(forced.code).toBe(0);
    expect(forced.json()).toMatchObject({ forced: true, audit: { ok: false, firstBad: { seq: 1 } } });
    expect(forced.stderr).toContain('warning: the restored audit trail does not verify');
    const verify = await slipway(['audit', 'verify', ...server.dbArgs]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('first bad entry 1');
  });
});

describe('backup and restore on PostgreSQL', () => {
  it('point to pg_dump and pg_restore and exit 2, without printing the password', async () => {
    const db = ['--db', 'postgres://slipway:s3cret@127.0.0.1:1/slipway', '--data-dir', '/srv/slipway'];
    const backup = await slipway(['backup', 'out.dump', ...db]);
    expect(backup.code).toBe(2);
    expect(backup.stderr).toMatch(
      /^slipway: postgres:\/\/slipway:\*\*\*@127\.0\.0\.1:1\/slipway is PostgreSQL: back it up with pg_dump, e\.g\. pg_dump --format=custom --file=out\.dump/,
    );
    expect(backup.stderr).toContain('/srv/slipway/audit.key');

    const restore = await slipway(['restore', 'out.dump', ...db]);
    expect(restore.code).toBe(2);
    expect(restore.stderr).toMatch(
      /is PostgreSQL: restore a pg_dump archive with pg_restore while every Slipway server is stopped/,
    );
    for (const run of [backup, restore]) {
      expect(run.stderr).not.toContain('s3cret');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
