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
  /** Largest uploaded test evidence file or JUnit report of a release, in bytes (SLIPWAY_EVIDENCE_MAX_BYTES). */
  evidenceMaxBytes: number;
  /**
   * Lease of every durable job, in seconds (SLIPWAY_JOB_LEASE_SECONDS): how long the running jobs
   * of an instance that died wait before another instance takes them over. Unset: each kind's own
   * (60 s for webhook deliveries).
   */
  jobLeaseSeconds: number | undefined;
  /**
   * This instance's audit checkpoint file (SLIPWAY_AUDIT_CHECKPOINT_FILE; default
   * `<dataDir>/audit-checkpoints.jsonl`). Give each instance its own when they share a data directory.
   */
  auditCheckpointFile: string;
  /** Connections each instance may open to PostgreSQL (SLIPWAY_DB_POOL_SIZE, default 10). */
  databasePoolSize: number;
  /**
   * Load shedding (see platform/http/overload-guard.ts): shed part of the traffic with 503 +
   * Retry-After while the mean event-loop delay or the median response time stays above this
   * many ms (SLIPWAY_OVERLOAD_MAX_DELAY_MS; 0 turns these checks off).
   */
  overloadMaxDelayMs: number;
  /** … or while event-loop utilisation stays above this share, 0–1 (SLIPWAY_OVERLOAD_MAX_UTILIZATION; 0 turns it off). */
  overloadMaxEventLoopUtilization: number;
  /** Answer 503 while this many requests are being handled (SLIPWAY_OVERLOAD_MAX_IN_FLIGHT; 0 turns it off). */
  overloadMaxInFlight: number;
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

function parsePoolSize(value: string): number {
  const size = Number(value);
  if (!Number.isInteger(size) || size < 2 || size > 1000) {
    throw new Error(`Invalid SLIPWAY_DB_POOL_SIZE "${value}": expected an integer from 2 to 1000`);
  }
  return size;
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
    evidenceMaxBytes: Number(env.SLIPWAY_EVIDENCE_MAX_BYTES ?? 25 * 1024 * 1024),
    jobLeaseSeconds: env.SLIPWAY_JOB_LEASE_SECONDS ? Number(env.SLIPWAY_JOB_LEASE_SECONDS) : undefined,
    auditCheckpointFile: path.resolve(
      env.SLIPWAY_AUDIT_CHECKPOINT_FILE ?? path.join(dataDir, 'audit-checkpoints.jsonl'),
    ),
    databasePoolSize: parsePoolSize(env.SLIPWAY_DB_POOL_SIZE ?? '10'),
    overloadMaxDelayMs: Number(env.SLIPWAY_OVERLOAD_MAX_DELAY_MS ?? 100),
    overloadMaxEventLoopUtilization: Number(env.SLIPWAY_OVERLOAD_MAX_UTILIZATION ?? 0.95),
    overloadMaxInFlight: Number(env.SLIPWAY_OVERLOAD_MAX_IN_FLIGHT ?? 512),
  };
}
