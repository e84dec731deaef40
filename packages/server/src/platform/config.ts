import path from 'node:path';

/** Everything the server needs to start, resolved from CLI flags, environment and defaults. */
export interface SlipwayConfig {
  port: number;
  host: string;
  /** `sqlite:/path/file.db`, `sqlite::memory:` or `postgres://…` */
  databaseUrl: string;
  /** Holds the SQLite database (by default), the audit key and checkpoints, artifacts. */
  dataDir: string;
  /** Loads the demo organisation into an empty database. */
  demo: boolean;
  /** On a database with no users, creates `admin` whose API token is this secret. */
  adminToken: string | undefined;
  logLevel: string;
  /** Maximum JSON body size in bytes. */
  bodyLimit: number;
  /** Trust X-Forwarded-* headers (only behind a proxy you control). */
  trustProxy: boolean;
  /** Mark the session cookie Secure and use the __Host- prefix. `auto`: when the request came over https. */
  secureCookies: 'auto' | 'always' | 'never';
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  /** Largest artifact the software library accepts, in bytes (SLIPWAY_ARTIFACT_MAX_BYTES). */
  artifactMaxBytes: number;
  /** Minutes between scheduled full integrity verifications of the library; 0 turns them off. */
  libraryVerifyIntervalMinutes: number;
}

export interface ConfigOverrides {
  port?: number | string | undefined;
  host?: string | undefined;
  db?: string | undefined;
  dataDir?: string | undefined;
  demo?: boolean | undefined;
  logLevel?: string | undefined;
}

function parsePort(value: string | number): number {
  const port = typeof value === 'number' ? value : Number.parseInt(value, 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid port "${value}": expected an integer from 0 to 65535`);
  }
  return port;
}

/**
 * Resolves the configuration. Precedence: explicit overrides (CLI flags), then `SLIPWAY_*`
 * environment variables, then defaults.
 */
export function resolveConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): SlipwayConfig {
  const dataDir = path.resolve(overrides.dataDir ?? env.SLIPWAY_DATA_DIR ?? 'data');
  const databaseUrl = overrides.db ?? env.SLIPWAY_DB ?? `sqlite:${path.join(dataDir, 'slipway.db')}`;
  return {
    port: parsePort(overrides.port ?? env.SLIPWAY_PORT ?? 8080),
    host: overrides.host ?? env.SLIPWAY_HOST ?? '0.0.0.0',
    databaseUrl,
    dataDir,
    demo: overrides.demo ?? env.SLIPWAY_DEMO === '1',
    adminToken: env.SLIPWAY_ADMIN_TOKEN || undefined,
    logLevel: overrides.logLevel ?? env.SLIPWAY_LOG_LEVEL ?? 'info',
    bodyLimit: Number(env.SLIPWAY_BODY_LIMIT ?? 1024 * 1024),
    trustProxy: env.SLIPWAY_TRUST_PROXY === '1',
    secureCookies: (env.SLIPWAY_SECURE_COOKIES as SlipwayConfig['secureCookies']) ?? 'auto',
    sessionIdleMinutes: Number(env.SLIPWAY_SESSION_IDLE_MINUTES ?? 60),
    sessionAbsoluteHours: Number(env.SLIPWAY_SESSION_ABSOLUTE_HOURS ?? 12),
    artifactMaxBytes: Number(env.SLIPWAY_ARTIFACT_MAX_BYTES ?? 16 * 1024 ** 3),
    libraryVerifyIntervalMinutes: Number(env.SLIPWAY_LIBRARY_VERIFY_MINUTES ?? 24 * 60),
  };
}
