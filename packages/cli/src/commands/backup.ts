import fs from 'node:fs';
import path from 'node:path';
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
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import { startProgress } from '../progress.js';
import { loadServer } from '../server-module.js';
import {
  integrityProblems,
  missingSlipwayTables,
  openReadOnly,
  sha256OfFile,
  toRollbackJournal,
} from '../sqlite-files.js';
import { formatBytes } from '../table-format.js';

interface BackupOptions extends DatabaseOptions {
  force?: boolean;
  json?: boolean;
}

/**
 * A page count per step large enough that a busy database cannot keep restarting the copy:
 * SQLite restarts an online backup whenever another connection writes between two steps, so
 * after a couple of restarts the rest is copied in one step (a read transaction, which in WAL
 * mode does not hold up the server's writers).
 */
const ALL_REMAINING_PAGES = 0x7fffffff;
const RESTARTS_BEFORE_ONE_STEP = 2;
const MIN_PAGES_PER_STEP = 256;

/** The file is checked before it takes the target's name, so a failed backup never looks like a good one. */
function verifyCopy(file: string): void {
  const copy = openReadOnly(file);
  try {
    const problems = integrityProblems(copy);
    if (problems.length > 0) throw new CliError(`The copy failed PRAGMA integrity_check: ${problems[0]}`);
    const missing = missingSlipwayTables(copy);
    if (missing.length > 0) throw new CliError(`The copy lacks Slipway tables (${missing.join(', ')})`);
  } finally {
    copy.close();
  }
}

/** `slipway backup <file>`: an online, verified copy of the SQLite database. */
export function registerBackup(program: Command, io: CliIo): void {
  withDatabaseOptions(
    program
      .command('backup')
      .description(
        'Copy the SQLite database to <file> while the server keeps serving and writing, then verify the copy (PRAGMA integrity_check). For PostgreSQL use pg_dump',
      )
      .argument('<file>', 'where to write the backup (a single SQLite file)')
      .option('-f, --force', 'overwrite <file> if it exists')
      .option('--json', 'print JSON'),
  ).action(async (file: string, options: BackupOptions) => {
    const config = await adminConfig(options, io);
    const { redactUrl } = await loadServer();
    if (isPostgresUrl(config.databaseUrl)) {
      throw new CliError(
        `${redactUrl(config.databaseUrl)} is PostgreSQL: back it up with pg_dump, e.g. ` +
          `pg_dump --format=custom --file=${file} '<database URL>', and keep ${auditKeyFile(config, io.env)} ` +
          'and the audit-checkpoints.jsonl beside it with the dump',
        2,
      );
    }
    const source = sqliteFileOf(config.databaseUrl);
    if (source === undefined) throw new CliError('An in-memory database cannot be backed up');
    const target = path.resolve(file);
    if (target === source) throw new CliError('The backup file cannot be the database itself');
    if (fs.existsSync(target) && !options.force) {
      throw new CliError(`${target} already exists: choose another file or pass --force to overwrite it`);
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    fs.rmSync(partial, { force: true });

    await withAdminSession(
      config,
      io,
      async (session) => {
        const sqlite = session.ctx.database.sqlite;
        if (!sqlite) throw new CliError('The database handle has no SQLite connection');
        const progress = startProgress(io, { label: 'Backing up', total: 0, unit: 'pages', json: options.json });
        let restarts = 0;
        let lastRemaining = Number.POSITIVE_INFINITY;
        let result: { totalPages: number };
        try {
          result = await sqlite.backup(partial, {
            progress: ({ totalPages, remainingPages }) => {
              if (remainingPages > lastRemaining) restarts++;
              lastRemaining = remainingPages;
              progress.update(totalPages - remainingPages, totalPages);
              if (restarts >= RESTARTS_BEFORE_ONE_STEP) return ALL_REMAINING_PAGES;
              return Math.max(MIN_PAGES_PER_STEP, Math.ceil(totalPages / 50));
            },
          });
          progress.update(result.totalPages, result.totalPages);
        } catch (error) {
          fs.rmSync(partial, { force: true });
          throw error;
        } finally {
          progress.stop();
        }

        try {
          toRollbackJournal(partial);
          verifyCopy(partial);
        } catch (error) {
          fs.rmSync(partial, { force: true });
          throw error;
        }
        fs.renameSync(partial, target);
        const bytes = fs.statSync(target).size;
        const sha256 = sha256OfFile(target);

        // Who copied all the data, when and where to: auditors ask exactly that.
        await session.ctx.database.db.transaction().execute((tx) =>
          session.ctx.audit.record(tx, session.actor, {
            action: 'database.backup',
            objectType: 'database',
            after: { file: target, bytes, sha256 },
          }),
        );

        const keyFile = auditKeyFile(config, io.env);
        if (options.json) {
          printJson(io, {
            file: target,
            bytes,
            sha256,
            pages: result.totalPages,
            integrity: 'ok',
            database: redactUrl(config.databaseUrl),
            auditKeyFile: keyFile,
          });
          return;
        }
        printLines(
          io,
          `Backed up ${redactUrl(config.databaseUrl)} to ${target} (${formatBytes(bytes)}, integrity ok, sha256 ${sha256})`,
          `Keep the audit key ${keyFile} safe as well: without it the backup's audit trail cannot be verified.`,
        );
      },
      { writes: true },
    );
  });
}
