import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Actor, AppContext, SlipwayConfig, SlipwayDatabase } from '@slipway/server';
import type { Command } from 'commander';
import { CliError, type CliIo, osUserName } from './cli-io.js';
import { loadServer } from './server-module.js';

/** The flags of every command that works on the database directly. */
export interface DatabaseOptions {
  db?: string | undefined;
  dataDir?: string | undefined;
}

/** Adds `--db` and `--data-dir` to a command. */
export function withDatabaseOptions(command: Command): Command {
  return command
    .option('--db <url>', 'sqlite:/path/file.db or postgres://… (env SLIPWAY_DB, default sqlite:<data-dir>/slipway.db)')
    .option(
      '--data-dir <dir>',
      "the server's data directory, holding the audit key (env SLIPWAY_DATA_DIR, default ./data)",
    );
}

/** Resolves `--db`/`--data-dir` the way `slipway serve` does, so both point at the same database. */
export async function adminConfig(options: DatabaseOptions, io: CliIo): Promise<SlipwayConfig> {
  const { resolveConfig } = await loadServer();
  return resolveConfig({ db: options.db, dataDir: options.dataDir }, io.env);
}

/** The file behind a `sqlite:` URL, or undefined for PostgreSQL and in-memory databases. */
export function sqliteFileOf(databaseUrl: string): string | undefined {
  if (!databaseUrl.startsWith('sqlite:')) return undefined;
  const file = databaseUrl.slice('sqlite:'.length);
  return file === ':memory:' ? undefined : path.resolve(file);
}

export function isPostgresUrl(databaseUrl: string): boolean {
  return databaseUrl.startsWith('postgres://') || databaseUrl.startsWith('postgresql://');
}

/**
 * Where the audit secret lives. Must match `loadOrCreateAuditKeys` in the server
 * (platform/audit/audit-keys.ts): `SLIPWAY_AUDIT_KEY_FILE`, else `<dataDir>/audit.key`.
 */
export function auditKeyFile(config: SlipwayConfig, env: NodeJS.ProcessEnv): string {
  return path.resolve(env.SLIPWAY_AUDIT_KEY_FILE ?? path.join(config.dataDir, 'audit.key'));
}

/** The audit actor of a CLI session: `cli:<os user>`, with a request id that ties its entries together. */
export function cliActor(io: CliIo): Actor {
  return {
    userId: null,
    username: `cli:${osUserName(io.env)}`,
    roles: ['admin'],
    requestId: `cli-${crypto.randomUUID()}`,
    via: 'cli',
  };
}

/** An open admin session on the database: the server's services, and who acts. */
export interface AdminSession {
  ctx: AppContext;
  actor: Actor;
  config: SlipwayConfig;
  /** Closes the database; first signs a checkpoint when the session writes (see `OpenAdminOptions.writes`). */
  close(): Promise<void>;
}

export interface OpenAdminOptions {
  /** Go on when the audit key is missing although the trail has entries (restore --force). */
  allowMissingKey?: boolean;
  /**
   * The session records audit entries: sign the chain head into the checkpoint file on close,
   * so CLI writes are covered even when no server runs. Read-only sessions never sign: a
   * verification must not bless a head it was only asked to look at.
   */
  writes?: boolean;
}

async function auditHeadSeq(database: SlipwayDatabase): Promise<number> {
  try {
    const row = await database.db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirst();
    return row ? Number(row.seq) : 0;
  } catch {
    // Not migrated yet: no trail, so no key to lose.
    return 0;
  }
}

/**
 * Opens the configured database with the server's own services (migrating it, as the server
 * does on start). Refuses two mistakes that would silently damage the audit trail: a missing
 * SQLite file (a typo would create an empty database) and a missing audit key for a trail
 * that already has entries (entries would be signed with a new key and look forged).
 */
export async function openAdminSession(
  config: SlipwayConfig,
  io: CliIo,
  options: OpenAdminOptions = {},
): Promise<AdminSession> {
  const file = sqliteFileOf(config.databaseUrl);
  if (file !== undefined && !fs.existsSync(file)) {
    throw new CliError(
      `No Slipway database at ${file}: point --db or --data-dir (SLIPWAY_DB, SLIPWAY_DATA_DIR) at the server's, ` +
        'or create it with `slipway migrate` or `slipway serve`',
    );
  }
  const { createContext, openDatabase, redactUrl } = await loadServer();
  const database = openDatabase(config.databaseUrl, { poolSize: 2 });
  try {
    const keyFile = auditKeyFile(config, io.env);
    if (!options.allowMissingKey && !fs.existsSync(keyFile) && (await auditHeadSeq(database)) > 0) {
      throw new CliError(
        `No audit key at ${keyFile}, but ${redactUrl(config.databaseUrl)} has an audit trail: ` +
          "point --data-dir (or SLIPWAY_AUDIT_KEY_FILE) at the server's data directory",
      );
    }
    const ctx = await createContext(config, { database });
    const actor = cliActor(io);
    let closed = false;
    return {
      ctx,
      actor,
      config,
      close: async () => {
        if (closed) return;
        closed = true;
        try {
          if (options.writes) await ctx.audit.checkpoint(database.db);
        } finally {
          await database.close();
        }
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Runs `work` with an admin session, closing it whatever happens. */
export async function withAdminSession<T>(
  config: SlipwayConfig,
  io: CliIo,
  work: (session: AdminSession) => Promise<T>,
  options: OpenAdminOptions = {},
): Promise<T> {
  const session = await openAdminSession(config, io, options);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
