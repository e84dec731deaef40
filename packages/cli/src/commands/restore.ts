import fs from 'node:fs';
import path from 'node:path';
import type { AuditVerification, Checkpoint } from '@slipway/server';
import type { Command } from 'commander';
import {
  adminConfig,
  auditKeyFile,
  type DatabaseOptions,
  isPostgresUrl,
  sqliteFileOf,
  withAdminSession,
  withDatabaseOptions,
} from '../admin-context.js';
import { CliError, type CliIo, printJson, printLines, printNote } from '../cli-io.js';
import { loadServer } from '../server-module.js';
import {
  appliedMigrations,
  auditHead,
  checkpointWal,
  databaseInUse,
  fileTimestamp,
  hasSqliteHeader,
  integrityProblems,
  missingSlipwayTables,
  openReadOnly,
  sha256OfFile,
  toRollbackJournal,
} from '../sqlite-files.js';

interface RestoreOptions extends DatabaseOptions {
  force?: boolean;
  json?: boolean;
}

const IN_USE_MESSAGE =
  'is in use (a Slipway server is probably running on it): stop the server first. ' +
  '--force skips this check; use it only when you are sure no process has the database open, ' +
  'because a running server would go on writing to the old database and lose those writes';

/** Names of the migrations this version knows, read off a scratch in-memory database. */
async function knownMigrations(): Promise<Set<string>> {
  const { migrationStatus, openDatabase } = await loadServer();
  const scratch = openDatabase('sqlite::memory:');
  try {
    return new Set((await migrationStatus(scratch.db)).map((m) => m.name));
  } finally {
    await scratch.close();
  }
}

/** Checks that `file` is a sound Slipway database this version can run; returns its audit head. */
async function inspectBackup(file: string): Promise<{ auditEntries: number }> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError(`No such file: ${file}`);
  if (!hasSqliteHeader(file)) throw new CliError(`${file} is not a SQLite database, so not a Slipway backup`);
  let db: ReturnType<typeof openReadOnly>;
  try {
    db = openReadOnly(file);
  } catch (error) {
    throw new CliError(`${file} cannot be opened as a SQLite database: ${(error as Error).message}`);
  }
  try {
    let problems: string[];
    try {
      problems = integrityProblems(db);
    } catch (error) {
      // SQLite gives up on some damage outright ("database disk image is malformed").
      problems = [(error as Error).message];
    }
    if (problems.length > 0) {
      throw new CliError(`${file} fails PRAGMA integrity_check (${problems[0]}): refusing to restore a damaged file`);
    }
    const missing = missingSlipwayTables(db);
    if (missing.length > 0) {
      throw new CliError(`${file} is not a Slipway database (it has no ${missing.join(', ')} table)`);
    }
    const known = await knownMigrations();
    const unknown = appliedMigrations(db).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new CliError(
        `${file} was written by a newer Slipway (migrations ${unknown.join(', ')}): restore it with that version`,
      );
    }
    return { auditEntries: auditHead(db) };
  } finally {
    db.close();
  }
}

/** Renames `file` and its SQLite companions (-wal, -shm, -journal) to `aside`. */
function moveDatabaseAside(file: string, aside: string): void {
  fs.renameSync(file, aside);
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
  }
}

function writeCheckpoints(file: string, checkpoints: readonly Checkpoint[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = checkpoints.map((c) => `${JSON.stringify(c)}\n`).join('');
  fs.writeFileSync(file, text, { mode: 0o600 });
}

/**
 * Verifies the staged copy's audit trail with this installation's audit key and the signed
 * checkpoints that cover it (those up to the backup's last entry; later ones describe entries
 * the restore deliberately drops). Migrates the staged copy on the way, as the server would.
 */
async function verifyStagedCopy(stagedDb: string, stagedDataDir: string): Promise<AuditVerification> {
  const { createContext, resolveConfig } = await loadServer();
  const config = resolveConfig({ db: `sqlite:${stagedDb}`, dataDir: stagedDataDir }, {});
  const ctx = await createContext(config);
  try {
    return await ctx.audit.verify(ctx.database.db);
  } finally {
    await ctx.database.close();
  }
}

/** `slipway restore <file>`: replace the SQLite database with a verified backup, keeping the old one. */
export function registerRestore(program: Command, io: CliIo): void {
  withDatabaseOptions(
    program
      .command('restore')
      .description(
        'Replace the SQLite database with a backup made by `slipway backup`. Refuses a file that is not a sound Slipway database, ' +
          'a database a server is using, and a backup whose audit trail does not verify; keeps the old database as <name>.before-restore-<time>. ' +
          'For PostgreSQL use pg_restore',
      )
      .argument('<file>', 'the backup to restore')
      .option(
        '-f, --force',
        'restore even when the database seems in use or the backup does not verify with this audit key (never skips the integrity check)',
      )
      .option('--json', 'print JSON'),
  ).action(async (file: string, options: RestoreOptions) => {
    const config = await adminConfig(options, io);
    const { CheckpointStore, redactUrl } = await loadServer();
    if (isPostgresUrl(config.databaseUrl)) {
      throw new CliError(
        `${redactUrl(config.databaseUrl)} is PostgreSQL: restore a pg_dump archive with pg_restore while every Slipway server is stopped, ` +
          `e.g. pg_restore --clean --if-exists --dbname='<database URL>' ${file}, and put back the audit key and checkpoints kept with the dump`,
        2,
      );
    }
    const target = sqliteFileOf(config.databaseUrl);
    if (target === undefined) throw new CliError('An in-memory database cannot be restored into');
    const source = path.resolve(file);
    if (source === target) throw new CliError('The backup file is the database itself');

    const { auditEntries } = await inspectBackup(source);
    const force = options.force === true;
    if (!force && databaseInUse(target)) throw new CliError(`${target} ${IN_USE_MESSAGE}`);
    const keyFile = auditKeyFile(config, io.env);
    const keyExists = fs.existsSync(keyFile);
    if (!keyExists && auditEntries > 0 && !force) {
      throw new CliError(
        `No audit key at ${keyFile}: the backup's audit trail can only be verified with the key of the installation it came from. ` +
          'Put that audit.key there (or point --data-dir at its data directory), or pass --force to restore without verifying',
      );
    }

    const stamp = fileTimestamp();
    const sha256 = sha256OfFile(source);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Staged beside the target, so the final move is a rename on one file system.
    const staging = fs.mkdtempSync(path.join(path.dirname(target), '.slipway-restore-'));
    const checkpointStore = new CheckpointStore(config.dataDir);
    let aside: string | null = null;
    let checkpointsAside: string | null = null;
    let kept: Checkpoint[] = [];
    let dropped = 0;
    try {
      const stagedDb = path.join(staging, 'slipway.db');
      const stagedDataDir = path.join(staging, 'data');
      fs.mkdirSync(stagedDataDir, { mode: 0o700 });
      const reader = openReadOnly(source);
      try {
        await reader.backup(stagedDb);
      } finally {
        reader.close();
      }
      if (keyExists) fs.copyFileSync(keyFile, path.join(stagedDataDir, 'audit.key'));
      const { checkpoints } = checkpointStore.readAll();
      kept = checkpoints.filter((c) => c.seq <= auditEntries);
      dropped = checkpoints.length - kept.length;
      writeCheckpoints(new CheckpointStore(stagedDataDir).file, kept);

      const staged = await verifyStagedCopy(stagedDb, stagedDataDir);
      if (!staged.ok && !force) {
        throw new CliError(
          `The backup's audit trail does not verify with this installation's audit key (${staged.firstBad?.message ?? 'see audit verify'}): ` +
            'not restoring. --force restores it anyway; `slipway audit verify` will then report the same',
        );
      }
      toRollbackJournal(stagedDb);

      // The server may have started while the copy was staged.
      if (!force && databaseInUse(target)) throw new CliError(`${target} ${IN_USE_MESSAGE}`);
      if (fs.existsSync(target)) {
        checkpointWal(target);
        aside = `${target}.before-restore-${stamp}`;
        moveDatabaseAside(target, aside);
      }
      try {
        fs.renameSync(stagedDb, target);
      } catch (error) {
        if (aside) moveDatabaseAside(aside, target);
        aside = null;
        throw error;
      }
      if (fs.existsSync(checkpointStore.file)) {
        checkpointsAside = checkpointStore.file.replace(/\.jsonl$/, `.before-restore-${stamp}.jsonl`);
        fs.renameSync(checkpointStore.file, checkpointsAside);
      }
      writeCheckpoints(checkpointStore.file, kept);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }

    // The restore itself goes into the restored trail, signed like any other write.
    const audit = await withAdminSession(
      config,
      io,
      async (session) => {
        await session.ctx.database.db.transaction().execute((tx) =>
          session.ctx.audit.record(tx, session.actor, {
            action: 'database.restore',
            objectType: 'database',
            after: {
              from: source,
              sha256,
              restoredEntries: auditEntries,
              previousDatabase: aside,
              previousCheckpoints: checkpointsAside,
              checkpointsKept: kept.length,
              checkpointsSetAside: dropped,
              forced: force,
            },
          }),
        );
        return session.ctx.audit.verify(session.ctx.database.db);
      },
      { writes: true, allowMissingKey: force },
    );

    if (options.json) {
      printJson(io, {
        restored: target,
        from: source,
        sha256,
        previousDatabase: aside,
        previousCheckpoints: checkpointsAside,
        checkpoints: { kept: kept.length, setAside: dropped },
        audit: { ok: audit.ok, entries: audit.entries, firstBad: audit.firstBad },
        forced: force,
      });
    } else {
      printLines(
        io,
        `Restored ${source} into ${target} (${auditEntries} audit entries in the backup).`,
        aside ? `The previous database is kept as ${aside}.` : 'There was no database here before.',
        audit.ok
          ? `Audit trail verified: ${audit.entries} entries.`
          : `Audit trail does NOT verify: ${audit.firstBad?.message ?? 'run slipway audit verify'}`,
        'Start the server again: slipway serve',
      );
    }
    if (!audit.ok) printNote(io, 'slipway: warning: the restored audit trail does not verify (see above)');
  });
}
