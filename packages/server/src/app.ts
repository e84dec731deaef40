import crypto from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { BREAK_GLASS_EVENTS } from '@slipway/model';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Registry } from 'prom-client';
import { backoutRoutes } from './backout/backout.routes.js';
import { BackoutProcedureService } from './backout/backout.service.js';
import { CalendarRegistry } from './changes/calendar-registry.js';
import { seedChangeDemo } from './changes/change-demo.js';
import { changeModuleRoutes, createChangeServices, startChanges, stopChanges } from './changes/changes.module.js';
import { cmdbRoutes, createCmdbServices, startCmdb } from './cmdb/cmdb.module.js';
import { loadDemoOnFirstStart } from './cmdb/demo/demo-loader.js';
import { createHardwareService, hardwareRoutes } from './hardware/hardware.module.js';
import { createLibraryServices, libraryRoutes, startLibrary } from './library/library.module.js';
import { seedLibraryDemo } from './library/library-demo.js';
import { seedMeasurementDemo } from './metrics-kpi/measurement-demo.js';
import { createMeasurementServices, measurementRoutes } from './metrics-kpi/metrics-kpi.module.js';
import { systemActor } from './platform/actor.js';
import { auditRoutes } from './platform/audit/audit.routes.js';
import { AuditTrail } from './platform/audit/audit.service.js';
import { loadOrCreateAuditKeys } from './platform/audit/audit-keys.js';
import { CheckpointStore } from './platform/audit/checkpoint-store.js';
import { authRoutes } from './platform/auth/auth.routes.js';
import { AuthService } from './platform/auth/auth.service.js';
import { type BootstrapResult, ensureInitialAdmin } from './platform/auth/bootstrap.js';
import { breakGlassRoutes } from './platform/auth/break-glass.routes.js';
import { BreakGlassService } from './platform/auth/break-glass.service.js';
import { tokenRoutes } from './platform/auth/token.routes.js';
import { TokenService } from './platform/auth/token.service.js';
import { userRoutes } from './platform/auth/user.routes.js';
import { UserService } from './platform/auth/user.service.js';
import { type Clock, systemClock } from './platform/clock.js';
import type { SlipwayConfig } from './platform/config.js';
import type { AppContext } from './platform/context.js';
import { openDatabase, type SlipwayDatabase } from './platform/database.js';
import { accessControl } from './platform/http/access-control.js';
import { answerFrameworkError, registerErrorHandling } from './platform/http/error-handler.js';
import { idempotency } from './platform/http/idempotency.js';
import { createMetricsRegistry, requestMetrics } from './platform/http/metrics.js';
import { objectScope } from './platform/http/object-scope.js';
import { overloadGuard } from './platform/http/overload-guard.js';
import { deferredChildLoggerFactory } from './platform/http/request-logger.js';
import { buildSerializer } from './platform/http/schema-compilers.js';
import { ErrorResponse } from './platform/http/schemas.js';
import { securityHeaders } from './platform/http/security-headers.js';
import { systemRoutes } from './platform/http/system.routes.js';
import { registerValidation } from './platform/http/validation.js';
import { webRoutes } from './platform/http/web.routes.js';
import { InstanceRegistry } from './platform/instances/instance-registry.js';
import { JobRunner } from './platform/jobs/job-runner.js';
import { migrateToLatest } from './platform/migrator.js';
import { withStartupLock } from './platform/startup-lock.js';
import { teamRoutes } from './platform/teams/team.routes.js';
import { TeamService } from './platform/teams/team.service.js';
import { webhookRoutes } from './platform/webhooks/webhook.routes.js';
import { WebhookService } from './platform/webhooks/webhook.service.js';
import { policyRoutes } from './policy/policy.routes.js';
import { PolicyService } from './policy/policy.service.js';
import { seedReleaseDemo } from './releases/release-demo.js';
import { createReleaseServices, releaseModuleRoutes, startReleases } from './releases/releases.module.js';
import { rolloutCalendarSource } from './rollouts/rollout-calendar.js';
import { seedRolloutDemo } from './rollouts/rollout-demo.js';
import { createRolloutServices, rolloutModuleRoutes, startRollouts } from './rollouts/rollouts.module.js';
import { registerInstanceMetrics } from './scaleout/instance-metrics.js';
import { SLIPWAY_VERSION } from './version.js';

export interface BuildOptions {
  clock?: Clock;
  /** Pino logger options, or false for silence (tests). */
  logger?: FastifyServerOptions['logger'];
  /** Use an already open database (tests share one per file). */
  database?: SlipwayDatabase;
  /**
   * Where the default (production) logger writes instead of stdout, with its redaction intact:
   * the web-security suite reads it back to prove no secret is ever logged.
   */
  logStream?: { write(line: string): void };
  /**
   * Shed excess load with 503 (platform/http/overload-guard.ts). server.ts sets it: only a server
   * taking network traffic sheds, never the app used in-process (tests via inject, the CLI).
   */
  shedLoad?: boolean;
}

export interface SlipwayApp {
  app: FastifyInstance;
  ctx: AppContext;
  bootstrap: BootstrapResult;
  metrics: Registry;
  /** Stops background work and closes the HTTP server and the database. */
  close(): Promise<void>;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;
/** Error statuses every route may answer; added to each route's response schema for the docs. */
const COMMON_ERROR_STATUSES = [400, 401, 403, 404, 409, 412, 413, 415, 422, 428, 429, 500, 503];
const CHECKPOINT_INTERVAL_MS = 1000;
const ERROR_DESCRIPTION = 'An error: a stable code, a human message, optional details';

/** Wires the services of one Slipway instance. Routes are added by `buildApp`. */
export async function createContext(config: SlipwayConfig, options: BuildOptions = {}): Promise<AppContext> {
  const clock = options.clock ?? systemClock;
  const database = options.database ?? openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  await migrateToLatest(database.db);
  const auditKeys = loadOrCreateAuditKeys(config.dataDir);
  const checkpoints = new CheckpointStore(config.dataDir, config.auditCheckpointFile);
  const audit = new AuditTrail(auditKeys, checkpoints, clock);
  const auth = new AuthService(database.db, audit, clock, config);
  const users = new UserService(database.db, audit, clock, () => auth.invalidateCachedTokens());
  const teams = new TeamService(database.db, audit, clock, () => auth.invalidateCachedTokens());
  const tokens = new TokenService(database.db, audit, clock, () => auth.invalidateCachedTokens());
  const cmdb = createCmdbServices(database, audit, clock);
  const policy = new PolicyService(database.db, audit, clock);
  const library = createLibraryServices(config, database, audit, clock, policy);
  const hardware = createHardwareService(database, audit, clock, cmdb);
  const jobs = new JobRunner(database.db, clock, {
    ...(config.jobLeaseSeconds !== undefined && { leaseMs: config.jobLeaseSeconds * 1000 }),
  });
  const webhooks = new WebhookService(database.db, audit, clock, jobs, auditKeys.macKey);
  webhooks.registerEventTypes(BREAK_GLASS_EVENTS);
  const breakGlass = new BreakGlassService(database.db, audit, clock, jobs, webhooks, () =>
    auth.invalidateCachedTokens(),
  );
  const calendar = new CalendarRegistry();
  const changes = createChangeServices(database, audit, clock, cmdb, policy, webhooks, calendar);
  const releases = createReleaseServices(config, database, audit, clock, {
    policy,
    cmdb,
    library,
    hardware,
    changes,
    webhooks,
    calendar,
  });
  const backout = new BackoutProcedureService(database.db, audit, clock);
  const rollouts = createRolloutServices(database, audit, clock, {
    backout,
    jobs,
    webhooks,
    releases,
    cmdb,
    library,
    changes,
    policy,
    hardware,
    rootKey: auditKeys.macKey,
  });
  calendar.register(rolloutCalendarSource(database.db, clock));
  return {
    config,
    database,
    clock,
    auditKeys,
    audit,
    checkpoints,
    auth,
    users,
    teams,
    tokens,
    cmdb,
    policy,
    library,
    hardware,
    jobs,
    webhooks,
    calendar,
    changes,
    releases,
    rollouts,
    backout,
    breakGlass,
  };
}

/**
 * Builds the Fastify app: migrations, services, plugins, routes. Does not listen (server.ts does).
 * Instances starting together on one PostgreSQL database build one after the other (startup-lock.ts).
 */
export async function buildApp(config: SlipwayConfig, options: BuildOptions = {}): Promise<SlipwayApp> {
  return withStartupLock(options.database ?? config.databaseUrl, () => buildUnlocked(config, options));
}

async function buildUnlocked(config: SlipwayConfig, options: BuildOptions): Promise<SlipwayApp> {
  const ctx = await createContext(config, options);
  const { database, audit } = ctx;
  let ready = false;

  await audit.supersedeStaleCheckpoints(database.db);
  const bootstrap = await ensureInitialAdmin(database.db, audit, ctx.tokens, ctx.clock, config.adminToken);

  const app = Fastify({
    logger: options.logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
      ...(options.logStream && { stream: options.logStream }),
    },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : crypto.randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: answerFrameworkError,
    schemaController: { compilersFactory: { buildSerializer } },
    childLoggerFactory: deferredChildLoggerFactory,
  });
  registerValidation(app);
  registerErrorHandling(app);
  app.addSchema({ ...ErrorResponse, $id: 'ErrorResponse' });

  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) return;
    route.schema ??= {};
    const schema = route.schema;
    schema.response ??= {};
    const response = schema.response as Record<string, unknown>;
    // Errors are always JSON, also on routes that produce text (metrics, iCalendar, Markdown):
    // say so per media type, or the document would list the error envelope under `text/*`.
    const producesText = Array.isArray(schema.produces) && !schema.produces.includes('application/json');
    const errorResponse = producesText
      ? { description: ERROR_DESCRIPTION, content: { 'application/json': { schema: { $ref: 'ErrorResponse#' } } } }
      : { $ref: 'ErrorResponse#' };
    for (const status of COMMON_ERROR_STATUSES) response[status] ??= errorResponse;
    schema.security ??= [{ bearerAuth: [] }, { sessionCookie: [] }];
  });

  await app.register(fastifyCookie);
  await app.register(securityHeaders);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Slipway API',
        version: SLIPWAY_VERSION,
        description:
          'ITIL release management with a CMDB at its centre. Authenticate with `Authorization: Bearer <token>`. ' +
          'Errors have the shape `{ "error": { "code", "message", "details" } }` (see docs/errors.md).',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token (slw_…)' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'slipway_session' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // swagger-ui writes its own policy; keep ours on the two points that matter (ASVS 3.4.3, 3.4.6).
    // (and drop upgrade-insecure-requests, which breaks the docs on a plain-http localhost).
    transformStaticCSP: (header) =>
      header
        .replace("base-uri 'self'", "base-uri 'none'")
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(/\s*upgrade-insecure-requests;?/, ''),
  });

  const metrics = createMetricsRegistry();
  registerInstanceMetrics(metrics, ctx, app.log);
  await app.register(requestMetrics, { registry: metrics });
  // Before authentication: shedding must cost less than serving (platform/http/overload-guard.ts).
  if (options.shedLoad) {
    await app.register(overloadGuard, {
      maxDelayMs: config.overloadMaxDelayMs,
      maxEventLoopUtilization: config.overloadMaxEventLoopUtilization,
      maxInFlight: config.overloadMaxInFlight,
      registry: metrics,
    });
  }
  await app.register(accessControl, { auth: ctx.auth });
  // Team scoping of changes, releases and rollouts: after authentication, before idempotency replays.
  await app.register(objectScope, { db: database.db });
  // This instance in `instances` (heartbeats): lets the others see which in-progress work died with it.
  const instance = new InstanceRegistry(database.db, ctx.clock, ctx.jobs.workerId, SLIPWAY_VERSION);
  await app.register(idempotency, {
    db: database.db,
    clock: ctx.clock,
    owner: instance.id,
    // Marks a key carried out in the write's own transaction (exactly once across crashes).
    audit: ctx.audit,
    // Keyed digests: a stored request digest must not let a database reader test password guesses.
    hashKey: Buffer.from(
      crypto.hkdfSync('sha256', ctx.auditKeys.macKey, Buffer.alloc(0), 'slipway idempotency digest', 32),
    ),
  });

  await app.register(systemRoutes, { registry: metrics, isReady: () => ready, version: SLIPWAY_VERSION });
  await app.register(authRoutes, ctx);
  await app.register(breakGlassRoutes, ctx);
  await app.register(userRoutes, ctx);
  await app.register(teamRoutes, ctx);
  await app.register(tokenRoutes, ctx);
  await app.register(auditRoutes, ctx);
  await app.register(cmdbRoutes, ctx);
  await app.register(policyRoutes, ctx);
  await app.register(libraryRoutes, ctx);
  await app.register(hardwareRoutes, ctx);
  await app.register(changeModuleRoutes, ctx);
  await app.register(releaseModuleRoutes, ctx);
  await app.register(rolloutModuleRoutes, ctx);
  await app.register(backoutRoutes, { backout: ctx.backout });
  await app.register(webhookRoutes, ctx);
  // Incidents, KPIs/DORA and maturity: read-only over the other modules, so wired last.
  const measurement = createMeasurementServices(ctx);
  await app.register(measurementRoutes(measurement, ctx, metrics, app.log));
  await app.register(webRoutes, {});

  await app.ready();
  await startCmdb(ctx.cmdb, app.log);
  await ctx.policy.ensureDefault(systemActor('bootstrap'));
  startLibrary(ctx.library, app.log);
  await startChanges(ctx.changes, app.log);
  await startReleases(ctx.releases, app.log);
  startRollouts(ctx.rollouts, app.log);
  ctx.jobs.start(app.log);
  await instance.start(app.log);
  // Only into an empty CMDB (first start): never mixed with an organisation's own data.
  if (config.demo) await loadDemoOnFirstStart(ctx, app.log);
  if (config.demo) await seedLibraryDemo(ctx, app.log);
  if (config.demo) await seedChangeDemo(ctx, app.log);
  if (config.demo) await seedReleaseDemo(ctx, app.log);
  if (config.demo) await seedMeasurementDemo(ctx, measurement, app.log);
  // Last: its stories run in the background, so they must not compete with the seeding above.
  if (config.demo) await seedRolloutDemo(ctx, app.log);

  // Sign the chain head into the checkpoint file shortly after every change (see audit/README.md).
  const checkpointTimer = setInterval(() => {
    audit.checkpoint(database.db).catch((error: unknown) => app.log.error({ err: error }, 'audit checkpoint failed'));
  }, CHECKPOINT_INTERVAL_MS);
  checkpointTimer.unref();
  ready = true;

  let closed = false;
  return {
    app,
    ctx,
    bootstrap,
    metrics,
    close: async () => {
      if (closed) return;
      closed = true;
      ready = false;
      clearInterval(checkpointTimer);
      ctx.cmdb.impact.stop();
      await ctx.library.scheduler.stop();
      stopChanges(ctx.changes);
      ctx.rollouts.engine.stop();
      await ctx.jobs.stop();
      await app.close();
      await instance.stop().catch(() => undefined);
      await audit.checkpoint(database.db).catch(() => undefined);
      if (!options.database) await database.close();
    },
  };
}
