import fs from 'node:fs';
import { type ExecutorSpec, ROLLOUT_EVENT_TYPES } from '@slipway/model';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { BackoutProcedureService } from '../backout/backout.service.js';
import type { ChangeServices } from '../changes/changes.module.js';
import type { CmdbServices } from '../cmdb/cmdb.module.js';
import { readJson } from '../cmdb/json-column.js';
import type { HardwareService } from '../hardware/hardware.service.js';
import type { LibraryServices } from '../library/library.module.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { AppContext } from '../platform/context.js';
import type { SlipwayDatabase } from '../platform/database.js';
import type { JobRunner } from '../platform/jobs/job-runner.js';
import { type ConnectGuard, OutboundClient, type Resolver } from '../platform/outbound/outbound-client.js';
import { SecretBox } from '../platform/webhooks/secret-box.js';
import type { WebhookService } from '../platform/webhooks/webhook.service.js';
import type { PolicyService } from '../policy/policy.service.js';
import type { ReleaseServices } from '../releases/releases.module.js';
import {
  CommandExecutor,
  CommandRunner,
  ManualExecutor,
  SimulatedExecutor,
  type StepExecutor,
  type StepRequest,
  WebhookExecutor,
} from './executors.js';
import { GateRunner } from './health-gates.js';
import type { RolloutRow } from './rollout.repository.js';
import { rolloutRoutes } from './rollout.routes.js';
import { RolloutService } from './rollout.service.js';
import { RolloutActivationService } from './rollout-activation.service.js';
import { RolloutCmdb } from './rollout-cmdb.js';
import { RolloutEngine } from './rollout-engine.js';

/** Rollouts' services, as the routes (and tests) reach them. */
export interface RolloutServices {
  rollouts: RolloutService;
  /** The activation of dormant rollouts: request, approve, reject, cancel, and the scheduled job. */
  activations: RolloutActivationService;
  engine: RolloutEngine;
  cmdb: RolloutCmdb;
  commands: CommandRunner;
}

export interface RolloutModuleOptions {
  /** The driver's lease (SLIPWAY_ROLLOUT_LEASE_MS; default 15 s): how soon another instance takes over after a crash. */
  leaseMs?: number;
  /** Decisions per drive before a fresh drive continues (SLIPWAY_ROLLOUT_STEPS_PER_DRIVE; default 10,000). */
  stepsPerDrive?: number;
  /** Tests: a stub resolver and connect guard for the outbound client. */
  resolver?: Resolver;
  connectGuard?: ConnectGuard;
  /** Called on every simulated executor call (tests; SLIPWAY_SIMULATED_JOURNAL appends them to a file). */
  onSimulatedCall?: (request: StepRequest) => void;
}

/**
 * Reads the rollout settings that only operators and the durability tests change from the
 * environment (they are not part of SlipwayConfig, which the CLI's flags map to).
 */
export function rolloutOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RolloutModuleOptions {
  const options: RolloutModuleOptions = {};
  const lease = Number(env.SLIPWAY_ROLLOUT_LEASE_MS);
  if (Number.isInteger(lease) && lease >= 500) options.leaseMs = lease;
  const steps = Number(env.SLIPWAY_ROLLOUT_STEPS_PER_DRIVE);
  if (Number.isInteger(steps) && steps >= 1) options.stepsPerDrive = steps;
  const journal = env.SLIPWAY_SIMULATED_JOURNAL;
  if (journal) {
    // One line per executor call, written synchronously: the durability test counts calls per
    // idempotency key across kill -9, so a call must be on disk before the step's work begins.
    const fd = fs.openSync(journal, 'a');
    options.onSimulatedCall = (r) => {
      fs.writeSync(
        fd,
        `${JSON.stringify({ key: r.idempotencyKey, action: r.action, ci: r.target.id, attempt: r.attempt, pid: process.pid, procedures: r.procedures.map((p) => p.source) })}\n`,
      );
    };
  }
  return options;
}

/**
 * Wires rollouts on top of releases, the CMDB, the library, change management (impact), the
 * durable jobs and the outbound guard (the webhook allow-list applies to executors and gates).
 */
export function createRolloutServices(
  database: SlipwayDatabase,
  audit: AuditTrail,
  clock: Clock,
  deps: {
    jobs: JobRunner;
    webhooks: WebhookService;
    releases: ReleaseServices;
    cmdb: CmdbServices;
    library: LibraryServices;
    changes: ChangeServices;
    policy: PolicyService;
    hardware: HardwareService;
    backout: BackoutProcedureService;
    rootKey: Buffer;
  },
  options: RolloutModuleOptions = rolloutOptionsFromEnv(),
): RolloutServices {
  const db = database.db;
  const outbound = new OutboundClient({
    allowList: () => deps.webhooks.allowListEntries(),
    ...(options.resolver && { resolver: options.resolver }),
    ...(options.connectGuard && { connectGuard: options.connectGuard }),
    timeoutMs: 30_000,
    maxResponseBytes: 64 * 1024,
    userAgent: 'Slipway-Rollouts/1',
  });
  const secrets = new SecretBox(deps.rootKey, 'rollout executor secrets');
  const commands = new CommandRunner(db);
  const gates = new GateRunner(outbound, commands);
  const rolloutCmdb = new RolloutCmdb(db, deps.cmdb, deps.releases, deps.hardware, deps.policy, () => isoNow(clock));
  const executorFor = (rollout: RolloutRow): StepExecutor => {
    const spec = readJson<Record<string, unknown>>(rollout.executor);
    switch (rollout.executor_kind) {
      case 'simulated':
        return new SimulatedExecutor(spec as Extract<ExecutorSpec, { kind: 'simulated' }>, options.onSimulatedCall);
      case 'command':
        return new CommandExecutor(spec as Extract<ExecutorSpec, { kind: 'command' }>, commands);
      case 'webhook': {
        const secret = secrets.open(String(spec.secretBox));
        return new WebhookExecutor({ ...(spec as Extract<ExecutorSpec, { kind: 'webhook' }>), secret }, outbound, () =>
          Math.floor(clock.now().getTime() / 1000),
        );
      }
      default:
        return new ManualExecutor();
    }
  };
  const engine = new RolloutEngine(
    {
      db,
      clock,
      jobs: deps.jobs,
      audit,
      events: deps.webhooks,
      releases: deps.releases,
      cmdb: rolloutCmdb,
      gates,
      executorFor,
      backoutProcedures: deps.backout,
    },
    {
      ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
      ...(options.stepsPerDrive !== undefined && { stepsPerDrive: options.stepsPerDrive }),
    },
  );
  const rollouts = new RolloutService(db, audit, clock, engine, {
    releases: deps.releases,
    cmdb: deps.cmdb,
    library: deps.library,
    changes: deps.changes,
    policy: deps.policy,
    commands,
    outbound,
    secrets,
    rolloutCmdb,
  });
  const activations = new RolloutActivationService(db, audit, clock, engine, deps.jobs, {
    changes: deps.changes,
    policy: deps.policy,
  });
  deps.webhooks.registerEventTypes(ROLLOUT_EVENT_TYPES);
  deps.releases.rolloutRecords.register({
    name: 'rollouts',
    recordsFor: (releaseId) => rollouts.recordsFor(releaseId),
  });
  return { rollouts, activations, engine, cmdb: rolloutCmdb, commands };
}

export function startRollouts(rollouts: RolloutServices, log: FastifyBaseLogger): void {
  rollouts.engine.setLogger(log);
}

export async function rolloutModuleRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(rolloutRoutes, ctx);
}
