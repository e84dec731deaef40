import {
  type PauseReason,
  type PlanTarget,
  type RolloutEventType,
  type RolloutPhase,
  type RolloutState,
  type StepAction,
  stepIdempotencyKey,
  thresholdExceeded,
  type WaveSettings,
} from '@slipway/model';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { JsonColumn } from '../cmdb/cmdb.table.js';
import { readJson, writeJson } from '../cmdb/json-column.js';
import { type Actor, systemActor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { AppError } from '../platform/errors.js';
import type { JobRunner } from '../platform/jobs/job-runner.js';
import type { EventSink } from '../platform/webhooks/domain-event.js';
import { releaseCmdbRepository } from '../releases/release-cmdb.repository.js';
import type { ReleaseServices } from '../releases/releases.module.js';
import { toCandidate } from '../releases/target-resolver.js';
import type { StepExecutor, StepOutcome, StepRequest } from './executors.js';
import type { GateRunner } from './health-gates.js';
import { type RolloutRow, rolloutRepository, type WaveRow, type WorkItem } from './rollout.repository.js';
import { activationRepository } from './rollout-activation.repository.js';
import type { RolloutCmdb } from './rollout-cmdb.js';

export const ROLLOUT_JOB = 'rollout.drive';

/** The spec stored with a rollout (rollouts.spec). */
export interface StoredSpec {
  strategy: Record<string, unknown>;
  windows: { start: string; end: string }[];
  /**
   * A record of a deployment done before or outside Slipway (the demo's year of history, written
   * by metrics-kpi/history-writer.ts): it has targets but no waves or steps, and nothing for the
   * engine to act on.
   */
  history?: boolean;
}

/** True for a recorded past rollout (see `StoredSpec.history`). */
export function isRecordedHistory(row: { spec: JsonColumn }): boolean {
  return readJson<Partial<StoredSpec>>(row.spec).history === true;
}

export interface EngineDeps {
  db: Kysely<Database>;
  clock: Clock;
  jobs: JobRunner;
  audit: AuditTrail;
  events: EventSink;
  releases: ReleaseServices;
  cmdb: RolloutCmdb;
  gates: GateRunner;
  executorFor: (rollout: RolloutRow) => StepExecutor;
  /** The general back-out procedures of the CI classes (backout/backout.service.ts). */
  backoutProcedures: { classProcedureTexts(): Promise<{ source: string; text: string }[]> };
}

export interface EngineOptions {
  /** How long a driver's claim holds without renewal: after a crash, another instance (or the restarted one) takes over after this. */
  leaseMs?: number;
  /** Rollouts one instance drives at once. */
  concurrency?: number;
  /** How often a running wave re-reads its rollout's state (pause, abort, back-out from any instance). */
  controlPollMs?: number;
  /** Decisions one drive takes before it hands the rollout to a fresh drive (default 10,000). */
  stepsPerDrive?: number;
}

/** The driver lost its claim (another took the rollout over): it stops without writing. */
class LostLeaseError extends Error {
  constructor(id: number) {
    super(`rollout ${id}: another driver took over`);
    this.name = 'LostLeaseError';
  }
}

const PROGRESS_EVERY_MS = 250;
const FORWARD_ACTIONS: readonly StepAction[] = ['deploy', 'install'];
/** Steps a finish may close: in flight, or waiting for a person's confirmation. */
const LIVE_STEP: readonly string[] = ['running', 'awaiting_confirmation'];
const WINDOW_REASONS: readonly string[] = ['window_closed', 'outside_window'];
const ENGINE: Actor = systemActor('rollout-engine');

export interface ReleaseFacts {
  id: number;
  unit: string;
  version: string;
  artifacts: { name: string; version: string; sha256: string }[];
  procedures: { source: string; text: string }[];
}

/** What one drive of one rollout holds: its fencing token and the release it deploys. */
export interface Drive {
  id: number;
  epoch: number;
  release: ReleaseFacts;
  executor: StepExecutor;
  environment: string;
  windows: { start: string; end: string }[];
  lastProgress: number;
}

export type WaveEnd = 'done' | 'stopped' | 'threshold' | 'window' | 'awaiting';

export interface BeginOp {
  kind: 'begin';
  item: WorkItem;
  action: StepAction;
  key: string;
  round: number;
  resolve: (v: { stepId: number; attempts: number }) => void;
  reject: (e: unknown) => void;
}
export interface FinishOp {
  kind: 'finish';
  item: WorkItem;
  action: StepAction;
  stepId: number;
  outcome: StepOutcome;
  resolve: (v: undefined) => void;
  reject: (e: unknown) => void;
}
export type Op = BeginOp | FinishOp;

function successState(action: StepAction): string | null {
  if (action === 'deploy' || action === 'install') return 'deployed';
  if (action === 'backout') return 'backed_out';
  return null;
}

function failureState(action: StepAction): string {
  return action === 'backout' ? 'backout_failed' : 'failed';
}

export function inWindow(windows: readonly { start: string; end: string }[], now: string): boolean {
  return windows.length === 0 || windows.some((w) => w.start <= now && now < w.end);
}

function currentWindowEnd(windows: readonly { start: string; end: string }[], now: string): string | null {
  const w = windows.find((x) => x.start <= now && now < x.end);
  return w ? w.end : null;
}

function nextWindowStart(windows: readonly { start: string; end: string }[], now: string): string | null {
  const starts = windows
    .map((w) => w.start)
    .filter((s) => s > now)
    .sort();
  return starts[0] ?? null;
}

/**
 * Drives rollouts (rollouts/README.md). A rollout's progress lives in the database; the engine is
 * a durable job (`rollout.drive`) that any instance may claim with a lease. On claiming it bumps
 * the rollout's fencing token; every batch of step writes checks the token in its transaction, so
 * a driver whose lease lapsed (a paused VM, a partition) writes nothing more once another took
 * over. Per wave, targets run in a sliding window of `concurrency`; a step is recorded as started
 * (with its idempotency key) before its executor is called, so a crash leaves it `running` and the
 * next driver re-runs exactly those steps with the same key. Waits (bake time, scheduled start, a
 * window) end the job and enqueue a new one for the due time; a person's action (resume, confirm,
 * back out) enqueues one at once.
 */
export class RolloutEngine {
  readonly #leaseMs: number;
  readonly #controlPollMs: number;
  readonly #stepsPerDrive: number;
  #stopping = false;
  #log: FastifyBaseLogger | undefined;

  constructor(
    private readonly deps: EngineDeps,
    options: EngineOptions = {},
  ) {
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#controlPollMs = options.controlPollMs ?? 200;
    this.#stepsPerDrive = options.stepsPerDrive ?? 10_000;
    deps.jobs.register<{ rolloutId: number }>(ROLLOUT_JOB, {
      handler: (job) => this.drive(job.payload.rolloutId),
      // A driver only fails when the database does; many attempts, since each crash uses one.
      maxAttempts: 10_000,
      leaseMs: this.#leaseMs,
      concurrency: options.concurrency ?? 16,
      backoff: { baseMs: 1000, maxMs: 30_000 },
    });
  }

  /**
   * Shutdown: running drivers stop starting steps, let the running ones finish and record, then
   * end their job with an error so it is retried (by the next process) rather than completed.
   */
  stop(): void {
    this.#stopping = true;
  }

  setLogger(log: FastifyBaseLogger): void {
    this.#log = log;
  }

  get #db() {
    return this.deps.db;
  }

  #now(): string {
    return isoNow(this.deps.clock);
  }

  /** Asks for a driver (now, or at `runAt`), unless one is already pending for that time. */
  async kick(db: Db, rolloutId: number, runAt?: string): Promise<void> {
    const payload = JSON.stringify({ rolloutId });
    const due = runAt ?? this.#now();
    // Reads the platform's jobs table only to avoid queueing a second driver for the same moment.
    const pending = await db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', ROLLOUT_JOB)
      .where('state', '=', 'pending')
      .where('payload', '=', payload)
      .where('run_at', '<=', due)
      .executeTakeFirst();
    if (pending) return;
    await this.deps.jobs.enqueue(db, ROLLOUT_JOB, { rolloutId }, runAt ? { runAt } : {});
    if (!runAt) this.deps.jobs.nudge();
  }

  /** Records an event (the SSE stream, KPIs) and, for a named one, tells webhook subscribers. */
  async event(
    db: Db,
    rollout: RolloutRow,
    type: RolloutEventType | 'progress' | 'target_failed',
    data: Record<string, unknown>,
  ): Promise<void> {
    const at = this.#now();
    await rolloutRepository.insertEvents(db, [{ rollout_id: rollout.id, type, data: writeJson(data), at }]);
    if (type !== 'progress' && type !== 'target_failed') {
      await this.deps.events.publish(db, {
        type,
        objectType: 'rollout',
        objectId: rollout.id,
        data: { rolloutId: rollout.id, releaseId: rollout.release_id, environment: rollout.environment, ...data },
      });
    }
  }

  /** Moves the rollout (conditionally), records the event, audits as the engine. */
  async #move(
    id: number,
    from: readonly RolloutState[],
    fields: Parameters<typeof rolloutRepository.update>[2],
    event: RolloutEventType | null,
    data: Record<string, unknown> = {},
  ): Promise<RolloutRow | undefined> {
    return this.#db.transaction().execute(async (tx) => {
      const before = await rolloutRepository.findById(tx, id);
      const row = await rolloutRepository.update(tx, id, fields, this.#now(), from);
      if (!row || !before) return undefined;
      if (event) {
        await this.event(tx, row, event, { state: row.state, ...data });
        await this.deps.audit.record(tx, ENGINE, {
          action: event,
          objectType: 'rollout',
          objectId: id,
          before: { state: before.state },
          after: { state: row.state, ...data },
        });
      }
      return row;
    });
  }

  // Driving ---------------------------------------------------------------------------------

  async drive(id: number): Promise<void> {
    const epoch = await rolloutRepository.takeOver(this.#db, id);
    if (epoch === undefined) return;
    let rollout = await rolloutRepository.findById(this.#db, id);
    if (!rollout) return;
    const spec = readJson<StoredSpec>(rollout.spec);
    const drive: Drive = {
      id,
      epoch,
      release: await this.#releaseFacts(rollout.release_id),
      executor: this.deps.executorFor(rollout),
      environment: rollout.environment,
      windows: spec.windows ?? [],
      lastProgress: 0,
    };
    try {
      for (let step = 0; step < this.#stepsPerDrive; step++) {
        if (this.#stopping) throw new Error(`rollout ${id}: this instance is shutting down; the next one continues`);
        rollout = await rolloutRepository.findById(this.#db, id);
        if (!rollout || rollout.driver_epoch !== epoch) return;
        const next = await this.#step(drive, rollout);
        if (next === 'wait') return;
      }
      // Still work to do after this many decisions (a very long rollout): hand it to a fresh drive
      // rather than end with none asked for (a back-out this driver started asks for none).
      this.#log?.info({ rollout: id }, 'rollout drive reached its step limit; a new drive continues');
      await this.kick(this.#db, id);
    } catch (error) {
      if (error instanceof LostLeaseError) {
        this.#log?.info({ rollout: id }, error.message);
        return;
      }
      throw error;
    }
  }

  /** One decision on the rollout as stored; 'again' to look at it once more, 'wait' to end this drive. */
  async #step(drive: Drive, r: RolloutRow): Promise<'again' | 'wait'> {
    const now = this.#now();
    switch (r.state as RolloutState) {
      case 'scheduled': {
        if (r.scheduled_at && r.scheduled_at > now) {
          await this.kick(this.#db, r.id, r.scheduled_at);
          return 'wait';
        }
        try {
          await this.#startRelease(r);
        } catch (error) {
          // The release's own gates refused the start (a freeze began, the change was withdrawn…):
          // a person decides; resuming tries the start again.
          if (!(error instanceof AppError)) throw error;
          const reason = `the release may not start rolling out: ${error.message}`;
          await this.#move(
            r.id,
            ['scheduled'],
            { state: 'paused', pause_reason: 'gate_failed', reason },
            'rollout.paused',
            {
              reason,
            },
          );
          return 'wait';
        }
        await this.#move(r.id, ['scheduled'], { state: 'running', started_at: now }, 'rollout.started');
        return 'again';
      }
      case 'paused': {
        if (r.pause_reason && WINDOW_REASONS.includes(r.pause_reason) && inWindow(drive.windows, now)) {
          await this.#move(
            r.id,
            ['paused'],
            { state: this.#stateOfPhase(r.phase), pause_reason: null },
            'rollout.resumed',
            {
              reason: 'window opened',
            },
          );
          return 'again';
        }
        return 'wait';
      }
      case 'running':
        return this.#forward(drive, r);
      case 'activating':
      case 'deactivating':
        return this.#activation(drive, r);
      case 'backing_out':
        return this.#backout(drive, r);
      default:
        return 'wait';
    }
  }

  #stateOfPhase(phase: string): RolloutState {
    if (phase === 'activate') return 'activating';
    if (phase === 'deactivate') return 'deactivating';
    if (phase === 'backout') return 'backing_out';
    return 'running';
  }

  async #startRelease(r: RolloutRow): Promise<void> {
    const release = await this.deps.releases.releases.get(r.release_id);
    if (release.state === 'scheduled') {
      await this.deps.releases.releases.transition(ENGINE, r.release_id, 'rolling_out', {
        comment: `rollout ${r.id} started`,
      });
    }
  }

  /** Outside every window: pause until the next one opens (or for good when none is left). */
  async #outsideWindow(drive: Drive, r: RolloutRow, reason: PauseReason): Promise<'wait'> {
    const next = nextWindowStart(drive.windows, this.#now());
    await this.#move(
      r.id,
      [r.state as RolloutState],
      { state: 'paused', pause_reason: next ? reason : 'window_closed' },
      'rollout.paused',
      {
        reason,
        nextWindow: next,
      },
    );
    if (next) await this.kick(this.#db, r.id, next);
    return 'wait';
  }

  async #forward(drive: Drive, r: RolloutRow): Promise<'again' | 'wait'> {
    const now = this.#now();
    if (!inWindow(drive.windows, now)) return this.#outsideWindow(drive, r, 'outside_window');
    const waves = await rolloutRepository.waves(this.#db, r.id);
    const wave = waves.find((w) => w.state !== 'passed');
    if (!wave) return this.#finishForward(r);
    const settings = readJson<WaveSettings>(wave.settings);
    switch (wave.state) {
      case 'pending': {
        // Durable order: a wave starts only when every earlier wave is `passed` (its gates held).
        if (waves.some((w) => w.idx < wave.idx && w.state !== 'passed')) return 'wait';
        await rolloutRepository.updateWave(this.#db, wave.id, { state: 'running', started_at: now });
        await this.event(this.#db, r, 'rollout.wave_started', {
          driver: this.deps.jobs.workerId,
          wave: wave.idx,
          name: wave.name,
          targets: wave.target_count,
        });
        return 'again';
      }
      case 'running': {
        const scope = wave.action === 'switch' ? { waveIdx: null, targetStates: ['deployed'] } : { waveIdx: wave.idx };
        const end = await this.#runWave(drive, r, wave, wave.action as StepAction, settings, scope);
        return this.#afterWave(drive, r, wave, settings, end);
      }
      case 'baking': {
        if (wave.bake_until && wave.bake_until > now) {
          await this.kick(this.#db, r.id, wave.bake_until);
          return 'wait';
        }
        return this.#gate(drive, r, wave, settings);
      }
      case 'awaiting_confirmation':
        // Resumed while its manual gate still waits: the rollout waits with it.
        await this.#move(r.id, ['running'], { state: 'awaiting_confirmation' }, 'rollout.awaiting_confirmation', {
          wave: wave.idx,
          reason: 'a manual health gate waits for confirmation',
        });
        return 'wait';
      default:
        // failed: a person acts (resume re-checks the gate, or back out).
        return 'wait';
    }
  }

  async #afterWave(
    drive: Drive,
    r: RolloutRow,
    wave: WaveRow,
    settings: WaveSettings,
    end: WaveEnd,
  ): Promise<'again' | 'wait'> {
    switch (end) {
      case 'stopped':
        return 'again';
      case 'window':
        return this.#outsideWindow(drive, r, 'window_closed');
      case 'awaiting':
        await this.#move(r.id, ['running'], { state: 'awaiting_confirmation' }, 'rollout.awaiting_confirmation', {
          wave: wave.idx,
          reason: 'manual steps wait for confirmation',
        });
        return 'wait';
      case 'threshold': {
        const failed = await rolloutRepository.countSteps(this.#db, r.id, {
          action: wave.action,
          state: 'failed',
          waveIdx: wave.idx,
        });
        return this.#failWave(
          drive,
          r,
          wave,
          settings,
          `failure threshold exceeded in wave ${wave.idx} (${wave.name}): ${failed} of ${wave.target_count} targets failed`,
          'failure_threshold',
        );
      }
      case 'done': {
        const now = this.#now();
        await rolloutRepository.updateWave(this.#db, wave.id, {
          state: 'baking',
          finished_at: now,
          bake_until: new Date(Date.parse(now) + settings.bakeMs).toISOString(),
        });
        return 'again';
      }
    }
  }

  async #failWave(
    drive: Drive,
    r: RolloutRow,
    wave: WaveRow,
    settings: WaveSettings,
    reason: string,
    pauseReason: PauseReason,
  ): Promise<'again' | 'wait'> {
    await this.#db.transaction().execute(async (tx) => {
      await rolloutRepository.updateWave(tx, wave.id, { state: 'failed', finished_at: this.#now() });
      await this.event(tx, r, 'rollout.wave_failed', { wave: wave.idx, name: wave.name, reason });
    });
    if (settings.onFailure === 'backout') {
      // This driver goes on to the back-out itself ('again'): no second driver is asked for.
      await this.startBackout(ENGINE, r.id, reason, { driverEpoch: drive.epoch });
      return 'again';
    }
    await this.#move(r.id, ['running'], { state: 'paused', pause_reason: pauseReason, reason }, 'rollout.paused', {
      reason,
    });
    return 'wait';
  }

  async #gate(drive: Drive, r: RolloutRow, wave: WaveRow, settings: WaveSettings): Promise<'again' | 'wait'> {
    const previous = wave.gate_result ? readJson<{ manual?: 'passed' | 'failed' }>(wave.gate_result) : {};
    const targets = await this.#planTargets(r.id, wave.action === 'switch' ? null : wave.idx);
    const result = await this.deps.gates.run(settings.gates, targets, this.#context(drive, r), previous.manual);
    const gateResult = writeJson({ ...previous, checks: result.results, at: this.#now() });
    if (result.pending) {
      await rolloutRepository.updateWave(this.#db, wave.id, {
        state: 'awaiting_confirmation',
        gate_result: gateResult,
      });
      await this.#move(r.id, ['running'], { state: 'awaiting_confirmation' }, 'rollout.awaiting_confirmation', {
        wave: wave.idx,
        reason: 'a manual health gate waits for confirmation',
      });
      return 'wait';
    }
    if (!result.passed) {
      await rolloutRepository.updateWave(this.#db, wave.id, { gate_result: gateResult });
      const failed = result.results.filter((x) => !x.ok).map((x) => x.detail);
      return this.#failWave(
        drive,
        r,
        wave,
        settings,
        `health gate failed after wave ${wave.idx} (${wave.name}): ${failed.join('; ')}`,
        'gate_failed',
      );
    }
    await this.#db.transaction().execute(async (tx) => {
      await rolloutRepository.updateWave(tx, wave.id, {
        state: 'passed',
        gate_passed_at: this.#now(),
        gate_result: gateResult,
      });
      await this.event(tx, r, 'rollout.wave_passed', {
        wave: wave.idx,
        name: wave.name,
        checks: result.results.length,
      });
    });
    return 'again';
  }

  async #finishForward(r: RolloutRow): Promise<'again' | 'wait'> {
    if (r.strategy === 'dormant') {
      await this.#move(r.id, ['running'], { state: 'dormant', activation: 'inactive' }, 'rollout.completed', {
        reason: 'installed (inactive) everywhere: activation is the next step',
      });
      return 'wait';
    }
    await this.#complete(r, ['running'], 'rollout.completed');
    return 'wait';
  }

  /** The end of a successful rollout (or first activation): CMDB refreshed, release deployed, rollout completed. */
  async #complete(r: RolloutRow, from: RolloutState[], event: RolloutEventType): Promise<void> {
    const deployed = await this.#deployedCis(r.id);
    const refreshed = await this.deps.cmdb.refresh(r, deployed);
    const release = await this.deps.releases.releases.get(r.release_id);
    if (release.state === 'rolling_out') {
      await this.deps.releases.releases.transition(ENGINE, r.release_id, 'deployed', {
        comment: `rollout ${r.id} completed`,
        deployedTo: r.environment,
      });
    }
    await this.#move(
      r.id,
      from,
      {
        state: 'completed',
        finished_at: this.#now(),
        active_key: null,
        ...(r.strategy === 'dormant' && { activation: 'active' }),
      },
      event,
      { deployed: deployed.length, hardware: refreshed.hardware },
    );
  }

  async #deployedCis(id: number): Promise<number[]> {
    const out: number[] = [];
    let afterId: number | undefined;
    for (;;) {
      const page = await rolloutRepository.targets(this.#db, id, { state: 'deployed', afterId, limit: 5000 });
      out.push(...page.map((t) => t.ci_id));
      if (page.length < 5000) return out;
      afterId = page.at(-1)?.id;
    }
  }

  async #activation(drive: Drive, r: RolloutRow): Promise<'again' | 'wait'> {
    const action: StepAction = r.state === 'activating' ? 'activate' : 'deactivate';
    const waves = await rolloutRepository.waves(this.#db, r.id);
    for (const wave of waves) {
      const settings = readJson<WaveSettings>(wave.settings);
      const end = await this.#runWave(
        drive,
        r,
        wave,
        action,
        { ...settings, failureThreshold: { percent: 100 } },
        { waveIdx: wave.idx },
      );
      if (end !== 'done') return end === 'awaiting' ? this.#awaitSteps(r) : 'again';
    }
    if (action === 'activate') {
      const firstActivation = (await this.deps.releases.releases.get(r.release_id)).state === 'rolling_out';
      if (firstActivation) await this.#complete(r, ['activating'], 'rollout.activated');
      else
        await this.#move(
          r.id,
          ['activating'],
          // Deactivating cleared finished_at: a completed rollout always says when it finished.
          { state: 'completed', activation: 'active', active_key: null, finished_at: this.#now() },
          'rollout.activated',
        );
    } else {
      await this.#move(
        r.id,
        ['deactivating'],
        { state: 'dormant', activation: 'inactive', active_key: `${r.release_id}:${r.environment}` },
        'rollout.deactivated',
      );
    }
    return 'wait';
  }

  async #awaitSteps(r: RolloutRow): Promise<'wait'> {
    await this.#move(
      r.id,
      [r.state as RolloutState],
      { state: 'awaiting_confirmation' },
      'rollout.awaiting_confirmation',
      {
        reason: 'manual steps wait for confirmation',
      },
    );
    return 'wait';
  }

  async #backout(drive: Drive, r: RolloutRow): Promise<'again' | 'wait'> {
    const waves = await rolloutRepository.waves(this.#db, r.id);
    // Reverse wave order: the last targets changed are the first restored.
    for (const wave of [...waves].reverse()) {
      if (wave.action === 'switch') continue;
      const settings = readJson<WaveSettings>(wave.settings);
      const end = await this.#runWave(
        drive,
        r,
        wave,
        'backout',
        { ...settings, failureThreshold: { percent: 100 } },
        { waveIdx: wave.idx, changedOnly: true },
      );
      if (end === 'awaiting') return this.#awaitSteps(r);
      if (end !== 'done') return 'again';
    }
    const failed = await rolloutRepository.countSteps(this.#db, r.id, { action: 'backout', state: 'failed' });
    // Forward steps cut off by the back-out (a crash, a lost lease) are closed, not left running.
    await this.#db
      .updateTable('rollout_steps')
      .set({ state: 'failed', error: 'interrupted by the back-out', finished_at: this.#now() })
      .where('rollout_id', '=', r.id)
      .where('state', '=', 'running')
      .where('action', '<>', 'backout')
      .execute();
    if (failed > 0) {
      await this.#move(
        r.id,
        ['backing_out'],
        { state: 'failed', finished_at: this.#now(), active_key: null },
        'rollout.failed',
        {
          reason: `${failed} back-out step(s) failed: the targets need a person`,
        },
      );
      return 'wait';
    }
    const changed = await this.#db
      .selectFrom('rollout_targets')
      .select('ci_id')
      .where('rollout_id', '=', r.id)
      .where('changed', '=', 1)
      .execute();
    await this.deps.cmdb.restore(
      r,
      changed.map((c) => c.ci_id),
    );
    const release = await this.deps.releases.releases.get(r.release_id);
    if (release.state === 'backing_out') {
      await this.deps.releases.releases.transition(ENGINE, r.release_id, 'backed_out', {
        comment: r.reason ?? `rollout ${r.id} backed out`,
      });
    }
    await this.#move(
      r.id,
      ['backing_out'],
      { state: 'backed_out', finished_at: this.#now(), active_key: null },
      'rollout.backed_out',
      {
        reason: r.reason,
        targets: changed.length,
      },
    );
    return 'wait';
  }

  /**
   * Starts a back-out (by a person or by the failure policy): the rollout moves to backing_out
   * with its reason and the release to backing_out. Steps in flight finish first (the forward
   * driver sees the state and stops dispatching).
   *
   * A driver is asked for (`kick`) unless `driverEpoch` is the caller's own fencing token and
   * still current in this transaction: then the calling driver holds the rollout and drives the
   * back-out next. A second driver would take the rollout over while the first was executing the
   * back-out steps and run every in-flight one again (same key, attempt 2): a real back-out
   * command run twice on each target, for no crash at all.
   */
  async startBackout(
    actor: Actor,
    id: number,
    reason: string,
    options: { driverEpoch?: number } = {},
  ): Promise<RolloutRow> {
    const from: RolloutState[] = ['running', 'paused', 'awaiting_confirmation', 'dormant', 'completed', 'aborted'];
    const row = await this.#db.transaction().execute(async (tx) => {
      const before = await rolloutRepository.findById(tx, id);
      const updated = await rolloutRepository.update(
        tx,
        id,
        {
          state: 'backing_out',
          phase: 'backout',
          reason,
          pause_reason: null,
          backout_started_at: this.#now(),
          finished_at: null,
        },
        this.#now(),
        from,
      );
      if (!updated || !before) return undefined;
      // A dormant rollout's open activation request (pending or scheduled) ends with the back-out:
      // its job, if any, then finds nothing to do.
      const closed = await activationRepository.closeOpen(
        tx,
        id,
        {
          state: 'cancelled',
          closed_by: actor.username,
          closed_at: this.#now(),
          closed_reason: `the rollout is backed out: ${reason}`,
        },
        this.#now(),
      );
      if (closed) {
        await this.event(tx, updated, 'rollout.activation_cancelled', {
          by: actor.username,
          activationId: closed.id,
          activation: 'cancelled',
          reason: `the rollout is backed out: ${reason}`,
        });
      }
      await this.event(tx, updated, 'rollout.backout_started', { reason, by: actor.username });
      await this.deps.audit.record(tx, actor, {
        action: 'rollout.backout',
        objectType: 'rollout',
        objectId: id,
        before: { state: before.state },
        after: { state: 'backing_out', reason },
      });
      // Read after the move, which holds the row: a takeover that committed before changed the
      // epoch (a stale caller kicks as ever); one that commits after finds backing_out.
      const ownDriver =
        options.driverEpoch !== undefined && (await rolloutRepository.epoch(tx, id)) === options.driverEpoch;
      if (!ownDriver) await this.kick(tx, id);
      return updated;
    });
    if (!row) throw new Error(`rollout ${id} cannot be backed out now`);
    const release = await this.deps.releases.releases.get(row.release_id);
    if (release.state === 'rolling_out' || release.state === 'deployed') {
      await this.deps.releases.releases.transition(ENGINE, row.release_id, 'backing_out', { comment: reason });
    }
    return row;
  }

  // One wave ---------------------------------------------------------------------------------

  /**
   * Runs `action` on the wave's remaining targets in a sliding window of `settings.concurrency`:
   * a new target starts the moment one finishes. Stops dispatching (in-flight steps still finish
   * and are recorded) when the rollout leaves its state, a window closes, or failures exceed the
   * threshold.
   */
  async #runWave(
    drive: Drive,
    r: RolloutRow,
    wave: WaveRow,
    action: StepAction,
    settings: WaveSettings,
    scope: { waveIdx: number | null; changedOnly?: boolean; targetStates?: string[] },
  ): Promise<WaveEnd> {
    const work = await rolloutRepository.workList(this.#db, r.id, {
      waveIdx: scope.waveIdx,
      action,
      changedOnly: scope.changedOnly ?? false,
      ...(scope.targetStates && { targetStates: scope.targetStates }),
    });
    if (work.length === 0) return this.#hasAwaiting(r.id, action, wave.idx);
    const attributes = new Map(
      (
        await releaseCmdbRepository.cisByIds(
          this.#db,
          work.map((w) => w.ci_id),
        )
      ).map((c) => [c.id, toCandidate(c).attributes]),
    );
    let failed = await rolloutRepository.countSteps(this.#db, r.id, { action, state: 'failed', waveIdx: wave.idx });
    const total = wave.target_count;
    const batcher = new StepBatcher(this, drive, r);
    let stop: WaveEnd | null = null;
    let lost: unknown;
    const windowEnd = currentWindowEnd(drive.windows, this.#now());
    const control = setInterval(() => {
      rolloutRepository
        .findById(this.#db, r.id)
        .then((now) => {
          if (!now || now.state !== r.state || now.driver_epoch !== drive.epoch) stop ??= 'stopped';
        })
        .catch(() => undefined);
      if (windowEnd && this.#now() >= windowEnd) stop ??= 'window';
      if (this.#stopping) stop ??= 'stopped';
    }, this.#controlPollMs);
    control.unref();

    let next = 0;
    const inFlight = new Set<Promise<void>>();
    const launch = (item: WorkItem) => {
      const round = item.step_round ?? item.superseded;
      const key = item.step_key ?? stepIdempotencyKey(r.id, action, item.ci_id, round);
      const run = (async () => {
        const started = await batcher.begin(item, action, key, round);
        const request: StepRequest = {
          rolloutId: r.id,
          releaseId: r.release_id,
          environment: drive.environment,
          action,
          idempotencyKey: key,
          attempt: started.attempts,
          target: {
            id: item.ci_id,
            class: item.ci_class,
            name: item.ci_name,
            attributes: attributes.get(item.ci_id) ?? {},
          },
          release: {
            id: drive.release.id,
            unit: drive.release.unit,
            version: drive.release.version,
            artifacts: drive.release.artifacts,
          },
          procedures: action === 'backout' ? this.#proceduresFor(drive, item.ci_class) : [],
        };
        let result: StepOutcome;
        try {
          result = await drive.executor.execute(request);
        } catch (error) {
          result = {
            ok: false,
            exitCode: null,
            output: '',
            error: error instanceof Error ? error.message : String(error),
            downtimeMs: 0,
            facts: null,
          };
        }
        await batcher.finish(item, action, started.stepId, result);
        if (!result.ok && !result.pending) {
          failed++;
          if (thresholdExceeded(failed, total, settings.failureThreshold)) stop ??= 'threshold';
        }
      })().catch((error: unknown) => {
        lost ??= error;
        stop ??= 'stopped';
      });
      const tracked = run.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    };
    try {
      while (next < work.length || inFlight.size > 0) {
        while (stop === null && inFlight.size < Math.max(1, settings.concurrency) && next < work.length) {
          launch(work[next++] as WorkItem);
        }
        if (inFlight.size === 0) break;
        await Promise.race(inFlight);
      }
    } finally {
      clearInterval(control);
    }
    await batcher.drain();
    if (lost) throw lost;
    if (stop) return stop;
    return this.#hasAwaiting(r.id, action, wave.idx);
  }

  async #hasAwaiting(id: number, action: StepAction, waveIdx: number): Promise<WaveEnd> {
    const waiting = await rolloutRepository.countSteps(this.#db, id, {
      action,
      state: 'awaiting_confirmation',
      waveIdx,
    });
    return waiting > 0 ? 'awaiting' : 'done';
  }

  #proceduresFor(drive: Drive, ciClass: string): { source: string; text: string }[] {
    return drive.release.procedures.filter(
      (p) => p.source === 'release' || p.source === `class:${ciClass}` || p.source === 'template',
    );
  }

  #context(drive: Drive, r: RolloutRow): Record<string, string> {
    return {
      'release.id': String(drive.release.id),
      'release.unit': drive.release.unit,
      'release.version': drive.release.version,
      'rollout.id': String(r.id),
      environment: r.environment,
    };
  }

  async #planTargets(id: number, waveIdx: number | null): Promise<PlanTarget[]> {
    let q = this.#db
      .selectFrom('rollout_targets')
      .select('ci_id')
      .where('rollout_id', '=', id)
      .where('state', '=', 'deployed');
    if (waveIdx !== null) q = q.where('wave_idx', '=', waveIdx);
    const ids = (await q.execute()).map((t) => t.ci_id);
    return (await releaseCmdbRepository.cisByIds(this.#db, ids)).map((c) => {
      const ci = toCandidate(c);
      return { id: ci.id, class: ci.class, name: ci.name, attributes: ci.attributes };
    });
  }

  async #releaseFacts(releaseId: number): Promise<ReleaseFacts> {
    const release = await this.deps.releases.releases.get(releaseId);
    const contents = await this.deps.releases.content.contents(releaseId);
    const plan = await this.deps.releases.releases.plan(releaseId);
    const backoutPlan = plan.sections.find((s) => s.key === 'backout_plan');
    const procedures: { source: string; text: string }[] = [];
    const template = release.templateId
      ? await this.deps.releases.templates.get(release.templateId).catch(() => undefined)
      : undefined;
    if (template?.backoutProcedure) procedures.push({ source: 'template', text: template.backoutProcedure });
    if (backoutPlan?.content) procedures.push({ source: 'release', text: backoutPlan.content });
    // The class's general procedure (current revision); #proceduresFor keeps each target's own.
    procedures.push(...(await this.deps.backoutProcedures.classProcedureTexts()));
    return {
      id: release.id,
      unit: release.unit.name,
      version: release.releaseVersion,
      artifacts: contents.artifacts.map((a) => ({ name: a.name, version: a.artifactVersion, sha256: a.sha256 })),
      procedures,
    };
  }

  // Batched writes (called by StepBatcher) ---------------------------------------------------

  /** One transaction for a batch of step starts and finishes, fenced by the driver's token. */
  async flush(drive: Drive, r: RolloutRow, ops: Op[]): Promise<Map<string, { id: number; attempts: number }>> {
    const now = this.#now();
    return this.#db.transaction().execute(async (tx) => {
      if ((await rolloutRepository.epoch(tx, r.id)) !== drive.epoch) throw new LostLeaseError(r.id);
      const begins = ops.filter((o): o is BeginOp => o.kind === 'begin');
      const finishes = ops.filter((o): o is FinishOp => o.kind === 'finish');
      let started = new Map<string, { id: number; attempts: number }>();
      if (begins.length > 0) {
        started = await rolloutRepository.startSteps(
          tx,
          begins.map((b) => ({
            rollout_id: r.id,
            target_id: b.item.target_id,
            wave_idx: b.item.wave_idx,
            action: b.action,
            round: b.round,
            idempotency_key: b.key,
            state: 'running',
            attempts: 1,
            started_at: now,
          })),
        );
        const forward = begins.filter((b) => FORWARD_ACTIONS.includes(b.action)).map((b) => b.item.target_id);
        // `changed` is set before the executor runs: a step that crashed mid-way may have changed the target.
        if (forward.length > 0)
          await rolloutRepository.setTargets(tx, forward, { state: 'running', changed: 1, started_at: now });
        const back = begins.filter((b) => b.action === 'backout').map((b) => b.item.target_id);
        if (back.length > 0) await rolloutRepository.setTargets(tx, back, { state: 'backing_out' });
      }
      if (finishes.length > 0) await this.#recordFinishes(tx, r, finishes, now);
      if (Date.now() - drive.lastProgress >= PROGRESS_EVERY_MS && (finishes.length > 0 || begins.length > 0)) {
        drive.lastProgress = Date.now();
        const counts = await rolloutRepository.targetCounts(tx, [r.id]);
        const byWave: Record<string, Record<string, number>> = {};
        for (const c of counts) {
          const key = String(c.wave_idx);
          byWave[key] = { ...byWave[key], [c.state]: c.n };
        }
        await this.event(tx, r, 'progress', { waves: byWave });
      }
      return started;
    });
  }

  async #recordFinishes(tx: Db, r: RolloutRow, finishes: FinishOp[], now: string): Promise<void> {
    const recordOutput = r.executor_kind !== 'simulated';
    const okGroups = new Map<string, FinishOp[]>();
    for (const f of finishes) {
      if (f.outcome.pending) continue;
      if (f.outcome.ok) {
        const k = JSON.stringify([f.action, f.outcome.exitCode, f.outcome.downtimeMs, f.outcome.facts]);
        const list = okGroups.get(k);
        if (list) list.push(f);
        else okGroups.set(k, [f]);
      }
    }
    for (const group of okGroups.values()) {
      const first = group[0] as FinishOp;
      if (recordOutput) {
        for (const f of group) {
          await rolloutRepository.setSteps(
            tx,
            [f.stepId],
            { state: 'succeeded', finished_at: now, exit_code: f.outcome.exitCode, output: f.outcome.output },
            LIVE_STEP,
          );
        }
      } else {
        await rolloutRepository.setSteps(
          tx,
          group.map((f) => f.stepId),
          { state: 'succeeded', finished_at: now, exit_code: first.outcome.exitCode },
          LIVE_STEP,
        );
      }
      const state = successState(first.action);
      await rolloutRepository.setTargets(
        tx,
        group.map((f) => f.item.target_id),
        {
          ...(state && { state, error: null }),
          finished_at: now,
          ...(first.outcome.downtimeMs > 0 && { downtime_ms: first.outcome.downtimeMs }),
          ...(first.outcome.facts && first.action !== 'backout' && { facts: writeJson(first.outcome.facts) }),
        },
        first.action === 'backout'
          ? ['backing_out', 'awaiting_confirmation']
          : state
            ? ['running', 'awaiting_confirmation']
            : undefined,
      );
    }
    for (const f of finishes) {
      if (f.outcome.pending) {
        await rolloutRepository.setSteps(tx, [f.stepId], { state: 'awaiting_confirmation' }, ['running']);
        if (FORWARD_ACTIONS.includes(f.action)) {
          await rolloutRepository.setTargets(tx, [f.item.target_id], { state: 'awaiting_confirmation' });
        }
        continue;
      }
      if (f.outcome.ok) continue;
      const error = f.outcome.error ?? 'failed';
      await rolloutRepository.setSteps(
        tx,
        [f.stepId],
        { state: 'failed', finished_at: now, exit_code: f.outcome.exitCode, output: f.outcome.output, error },
        LIVE_STEP,
      );
      await rolloutRepository.setTargets(tx, [f.item.target_id], {
        state: failureState(f.action),
        finished_at: now,
        error,
      });
      await this.event(tx, r, 'target_failed', {
        ci: { id: f.item.ci_id, class: f.item.ci_class, name: f.item.ci_name },
        action: f.action,
        error,
      });
    }
  }

  /** Records a person's verdict on steps waiting for confirmation (manual executor). */
  async confirmSteps(
    tx: Db,
    r: RolloutRow,
    stepIds: { stepId: number; item: WorkItem; action: StepAction }[],
    ok: boolean,
    note: string,
  ): Promise<void> {
    await this.#recordFinishes(
      tx,
      r,
      stepIds.map((s) => ({
        kind: 'finish',
        item: s.item,
        action: s.action,
        stepId: s.stepId,
        outcome: {
          ok,
          exitCode: null,
          output: note,
          error: ok ? null : `not confirmed: ${note || 'failed by a person'}`,
          downtimeMs: 0,
          facts: null,
        },
        resolve: () => undefined,
        reject: () => undefined,
      })),
      this.#now(),
    );
  }

  /** The phase's running state, for resume. */
  stateOf(phase: RolloutPhase): RolloutState {
    return this.#stateOfPhase(phase);
  }
}

/**
 * Collects step starts and finishes from the wave's concurrent steps and writes them in one
 * transaction per batch: under load one commit covers many steps (the benchmark's 1,000 in
 * flight), idle it commits each at once. A step's start is committed before its executor is
 * called; its finish before the slot is counted free is not needed (the next target is another one).
 */
class StepBatcher {
  #queue: Op[] = [];
  #running: Promise<void> | undefined;

  constructor(
    private readonly engine: RolloutEngine,
    private readonly drive: Drive,
    private readonly rollout: RolloutRow,
  ) {}

  begin(item: WorkItem, action: StepAction, key: string, round: number): Promise<{ stepId: number; attempts: number }> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'begin', item, action, key, round, resolve, reject });
      this.#kick();
    });
  }

  finish(item: WorkItem, action: StepAction, stepId: number, outcome: StepOutcome): Promise<void> {
    return new Promise<undefined>((resolve, reject) => {
      this.#queue.push({ kind: 'finish', item, action, stepId, outcome, resolve, reject });
      this.#kick();
    }).then(() => undefined);
  }

  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  async #loop(): Promise<void> {
    // Let the other steps of this tick queue up first.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) {
      const ops = this.#queue.splice(0);
      try {
        const started = await this.engine.flush(this.drive, this.rollout, ops);
        for (const op of ops) {
          if (op.kind === 'begin') {
            const s = started.get(op.key);
            if (s) op.resolve({ stepId: s.id, attempts: s.attempts });
            else op.reject(new Error(`step ${op.key} was not recorded`));
          } else op.resolve(undefined);
        }
      } catch (error) {
        for (const op of ops) op.reject(error);
      }
    }
  }
}
