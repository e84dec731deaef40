import crypto from 'node:crypto';
import fs from 'node:fs';
import SqliteDatabase from 'better-sqlite3';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Tables every Slipway database has since its first migration. */
const SLIPWAY_TABLES = ['kysely_migration', 'users', 'audit_log', 'audit_head'];

/** Whether the file starts with the SQLite header (checked before handing it to SQLite at all). */
export function hasSqliteHeader(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    const read = fs.readSync(fd, header, 0, header.length, 0);
    return read === header.length && header.equals(SQLITE_HEADER);
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens an existing file read-only; never creates one. */
export function openReadOnly(file: string): SqliteDatabase.Database {
  return new SqliteDatabase(file, { readonly: true, fileMustExist: true });
}

/** `PRAGMA integrity_check`: an empty list when the file is sound, else SQLite's findings. */
export function integrityProblems(db: SqliteDatabase.Database): string[] {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  const findings = rows.map((row) => row.integrity_check);
  return findings.length === 1 && findings[0] === 'ok' ? [] : findings;
}

/** The Slipway tables the file lacks (empty for a Slipway database). */
export function missingSlipwayTables(db: SqliteDatabase.Database): string[] {
  const rows = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
  const present = new Set(rows.map((row) => row.name));
  return SLIPWAY_TABLES.filter((table) => !present.has(table));
}

export function appliedMigrations(db: SqliteDatabase.Database): string[] {
  return (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name);
}

/** Entries in the audit chain according to its head row. */
export function auditHead(db: SqliteDatabase.Database): number {
  const row = db.prepare('select seq from audit_head where id = 1').get() as { seq: number } | undefined;
  return row?.seq ?? 0;
}

/**
 * Whether another connection has the database open. In WAL mode every open connection holds a
 * shared lock for as long as it is open, even when idle; a connection in exclusive locking mode
 * cannot start an exclusive transaction beside it and fails at once (busy timeout 0). This sees
 * a running Slipway server, whether in another process or this one.
 */
export function databaseInUse(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const probe = new SqliteDatabase(file, { fileMustExist: true, timeout: 0 });
  try {
    probe.pragma('locking_mode = EXCLUSIVE');
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('COMMIT');
    return false;
  } catch (error) {
    if (error instanceof SqliteDatabase.SqliteError && error.code.startsWith('SQLITE_BUSY')) return true;
    throw error;
  } finally {
    probe.close();
  }
}

/**
 * Makes a copy a self-contained single file: the live database runs in WAL mode, and a copy
 * left in WAL mode needs its -wal/-shm companions beside it once opened.
 */
export function toRollbackJournal(file: string): void {
  const db = new SqliteDatabase(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/** Folds the WAL into the main file so the file alone holds every committed write. */
export function checkpointWal(file: string): void {
  const db = new SqliteDatabase(file, { fileMustExist: true, timeout: 10_000 });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

export function sha256OfFile(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1024 * 1024);
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** A timestamp usable in file names: `2026-11-28T08-12-33-123Z`. */
export function fileTimestamp(at = new Date()): string {
  return at.toISOString().replace(/[:.]/g, '-');
}
