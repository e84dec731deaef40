import {
  ACTIVE_ROLLOUT_STATES,
  DEFAULT_WAVE_SETTINGS,
  type ExecutorSpec,
  findRolloutTransition,
  type HealthGate,
  type PauseReason,
  type PlannedWave,
  type PlanTarget,
  placeholderValues,
  planWaves,
  type ReleaseElement,
  type RolloutAction,
  type RolloutPhase,
  type RolloutState,
  type RolloutStrategy,
  type RolloutStrategySpec,
  renderTemplate,
  rolloutActionsFrom,
  type StepAction,
  type StepState,
  type TargetState,
  WavePlanError,
  type WaveSettings,
  type WaveState,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import type { ChangeServices } from '../changes/changes.module.js';
import type { CmdbServices } from '../cmdb/cmdb.module.js';
import { readJson, writeJson } from '../cmdb/json-column.js';
import type { LibraryServices } from '../library/library.module.js';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import {
  ConflictError,
  DomainRuleError,
  IllegalTransitionError,
  InputError,
  NotFoundError,
  StaleVersionError,
} from '../platform/errors.js';
import type { OutboundClient } from '../platform/outbound/outbound-client.js';
import { OutboundRefusedError } from '../platform/outbound/outbound-policy.js';
import type { Visibility } from '../platform/teams/team-scope.js';
import type { SecretBox } from '../platform/webhooks/secret-box.js';
import type { PolicyService } from '../policy/policy.service.js';
import { releaseRepository } from '../releases/release.repository.js';
import { releaseCmdbRepository } from '../releases/release-cmdb.repository.js';
import { PolicyViolationError } from '../releases/release-gates.js';
import type { ReleaseServices } from '../releases/releases.module.js';
import { allTargetIds, toCandidate } from '../releases/target-resolver.js';
import type { CommandRunner } from './executors.js';
import {
  type RolloutRow,
  rolloutRepository,
  type StepRow,
  type TargetRow,
  type WaveRow,
} from './rollout.repository.js';
import { activationRepository } from './rollout-activation.repository.js';
import { type ActivationView, openState, toActivationView } from './rollout-activation.service.js';
import type { RolloutCmdb, VerificationReport } from './rollout-cmdb.js';
import { inWindow, isRecordedHistory, type RolloutEngine, type StoredSpec } from './rollout-engine.js';

export interface RolloutInput {
  environment: string;
  /** Default: the release's strategy with its default settings. */
  strategy?: RolloutStrategySpec | undefined;
  executor: ExecutorSpec;
  /** Settings of every wave … */
  defaults?: Partial<WaveSettings> | undefined;
  /** … and per wave (by index) where they differ. */
  waves?: (Partial<WaveSettings> | null)[] | undefined;
  /** Start later (the rollout is `scheduled` until then). */
  scheduledAt?: string | undefined;
  /** Allowed windows: steps start only inside one; a window's end pauses the rollout. */
  windows?: { start: string; end: string }[] | undefined;
}

export interface WaveView {
  index: number;
  name: string;
  action: StepAction;
  state: WaveState;
  settings: WaveSettings;
  pointOfNoReturn: boolean;
  targets: number;
  counts: Record<string, number>;
  startedAt: string | null;
  finishedAt: string | null;
  bakeUntil: string | null;
  gatePassedAt: string | null;
  gateResult: unknown;
  impact: unknown;
}

export interface Rollout {
  id: number;
  releaseId: number;
  environment: string;
  strategy: RolloutStrategy;
  strategySpec: RolloutStrategySpec;
  executor: Record<string, unknown>;
  state: RolloutState;
  phase: RolloutPhase;
  pauseReason: PauseReason | null;
  reason: string | null;
  activation: string | null;
  /** Dormant rollouts: the newest activation request (pending, scheduled, or how the last one ended). */
  activationRequest: ActivationView | null;
  windows: { start: string; end: string }[];
  scheduledAt: string | null;
  plannedStart: string | null;
  plannedEnd: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  backoutStartedAt: string | null;
  baselineId: number | null;
  prechecks: Record<string, unknown>;
  waves: WaveView[];
  totals: {
    targets: number;
    deployed: number;
    failed: number;
    backedOut: number;
    pending: number;
    running: number;
    downtimeMs: number;
  };
  kpis: {
    startDelayMs: number | null;
    endDelayMs: number | null;
    onTime: boolean | null;
    durationMs: number | null;
    backedOut: boolean;
  };
  allowedActions: RolloutAction[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface TargetView {
  id: number;
  ci: { id: number; class: string; name: string };
  wave: number;
  state: TargetState;
  changed: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  downtimeMs: number;
  error: string | null;
  facts: unknown;
}

export interface StepView {
  id: number;
  targetId: number;
  wave: number;
  action: StepAction;
  round: number;
  idempotencyKey: string;
  state: StepState;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  exitCode: number | null;
  output: string | null;
  error: string | null;
}

const MAX_WAVES = 200;
const MAX_WINDOWS = 100;
const SECRET_MIN = 16;

function toTarget(row: TargetRow): TargetView {
  return {
    id: row.id,
    ci: { id: row.ci_id, class: row.ci_class, name: row.ci_name },
    wave: row.wave_idx,
    state: row.state as TargetState,
    changed: row.changed === 1,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    downtimeMs: row.downtime_ms,
    error: row.error,
    facts: row.facts === null ? null : readJson(row.facts),
  };
}

function toStep(row: StepRow): StepView {
  return {
    id: row.id,
    targetId: row.target_id,
    wave: row.wave_idx,
    action: row.action as StepAction,
    round: row.round,
    idempotencyKey: row.idempotency_key,
    state: row.state as StepState,
    attempts: row.attempts,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    exitCode: row.exit_code,
    output: row.output,
    error: row.error,
  };
}

/** The default strategy spec for a release's strategy kind. */
export function defaultStrategy(kind: RolloutStrategy): RolloutStrategySpec {
  switch (kind) {
    case 'big_bang':
      return { kind };
    case 'phased':
      return { kind, waves: { by: 'percentages', percentages: [10, 30, 60] } };
    case 'canary':
      return { kind, canary: { count: 1 } };
    case 'staging':
      return { kind };
    case 'dormant':
      return { kind };
  }
}

function durationBetween(a: string | null, b: string | null): number | null {
  return a && b ? Date.parse(b) - Date.parse(a) : null;
}

/**
 * Rollouts: starting one (with every pre-start check), reading it, and the actions people take
 * (pause, resume, abort, back out, confirm, deactivate; the activation of a dormant rollout is
 * RolloutActivationService's). The engine does the work.
 */
/**
 * A recorded past rollout was not run by Slipway: a back-out would mark the release backed out
 * while every target stayed as it was. Refused, with what to do instead.
 */
function refuseRecordedHistory(row: RolloutRow, action: RolloutAction): void {
  if (!isRecordedHistory(row)) return;
  throw new DomainRuleError(
    `Rollout ${row.id} is a record of a past deployment that Slipway did not run, so it cannot ${action} it; ` +
      'to revert that release, roll out the previous one',
    { rule: 'recorded_history', action },
  );
}

export class RolloutService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly engine: RolloutEngine,
    private readonly deps: {
      releases: ReleaseServices;
      cmdb: CmdbServices;
      library: LibraryServices;
      changes: ChangeServices;
      policy: PolicyService;
      commands: CommandRunner;
      outbound: OutboundClient;
      secrets: SecretBox;
      rolloutCmdb: RolloutCmdb;
    },
  ) {}

  #now(): string {
    return isoNow(this.clock);
  }

  async #require(id: number): Promise<RolloutRow> {
    const row = await rolloutRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('rollout', id);
    return row;
  }

  // Reading ----------------------------------------------------------------------------------

  async get(id: number): Promise<Rollout> {
    return (await this.present([await this.#require(id)]))[0] as Rollout;
  }

  async list(filter: {
    releaseId?: number | undefined;
    state?: string | undefined;
    beforeId?: number | undefined;
    limit: number;
    visibility?: Visibility | undefined;
  }) {
    return this.present(await rolloutRepository.list(this.db, filter));
  }

  async present(rows: readonly RolloutRow[]): Promise<Rollout[]> {
    const ids = rows.map((r) => r.id);
    const waves = await rolloutRepository.wavesOf(this.db, ids);
    const counts = await rolloutRepository.targetCounts(this.db, ids);
    const requests = await activationRepository.latestOf(this.db, ids);
    return rows.map((r) => {
      const request = requests.get(r.id);
      const spec = readJson<StoredSpec>(r.spec);
      const mine = counts.filter((c) => c.rollout_id === r.id);
      const total = (state: string) => mine.filter((c) => c.state === state).reduce((s, c) => s + c.n, 0);
      const executor = readJson<Record<string, unknown>>(r.executor);
      delete executor.secretBox;
      const state = r.state as RolloutState;
      const startDelayMs = durationBetween(r.planned_start, r.started_at);
      const endDelayMs = durationBetween(r.planned_end, r.finished_at);
      return {
        id: r.id,
        releaseId: r.release_id,
        environment: r.environment,
        strategy: r.strategy as RolloutStrategy,
        strategySpec: spec.strategy as unknown as RolloutStrategySpec,
        executor,
        state,
        phase: r.phase as RolloutPhase,
        pauseReason: r.pause_reason as PauseReason | null,
        reason: r.reason,
        activation: r.activation,
        activationRequest: request ? toActivationView(request) : null,
        windows: spec.windows ?? [],
        scheduledAt: r.scheduled_at,
        plannedStart: r.planned_start,
        plannedEnd: r.planned_end,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        backoutStartedAt: r.backout_started_at,
        baselineId: r.baseline_id,
        prechecks: readJson<Record<string, unknown>>(r.prechecks),
        waves: waves
          .filter((w) => w.rollout_id === r.id)
          .map((w) =>
            this.#wave(
              w,
              mine.filter((c) => c.wave_idx === w.idx),
            ),
          ),
        totals: {
          targets: mine.reduce((s, c) => s + c.n, 0),
          deployed: total('deployed'),
          failed: total('failed') + total('backout_failed'),
          backedOut: total('backed_out'),
          pending: total('pending'),
          running: total('running') + total('backing_out') + total('awaiting_confirmation'),
          downtimeMs: mine.reduce((s, c) => s + c.downtime, 0),
        },
        kpis: {
          startDelayMs,
          endDelayMs,
          onTime: endDelayMs === null ? null : endDelayMs <= 0 && state === 'completed',
          durationMs: durationBetween(r.started_at, r.finished_at),
          backedOut: state === 'backed_out',
        },
        allowedActions: spec.history
          ? []
          : rolloutActionsFrom(state, r.strategy as RolloutStrategy, openState(request)),
        createdBy: r.created_by,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        version: r.version,
      };
    });
  }

  #wave(w: WaveRow, counts: { state: string; n: number }[]): WaveView {
    return {
      index: w.idx,
      name: w.name,
      action: w.action as StepAction,
      state: w.state as WaveState,
      settings: readJson<WaveSettings>(w.settings),
      pointOfNoReturn: w.point_of_no_return === 1,
      targets: w.target_count,
      counts: Object.fromEntries(counts.map((c) => [c.state, c.n])),
      startedAt: w.started_at,
      finishedAt: w.finished_at,
      bakeUntil: w.bake_until,
      gatePassedAt: w.gate_passed_at,
      gateResult: w.gate_result === null ? null : readJson(w.gate_result),
      impact: w.impact === null ? null : readJson(w.impact),
    };
  }

  async targets(
    id: number,
    filter: { waveIdx?: number | undefined; state?: string | undefined; afterId?: number | undefined; limit: number },
  ) {
    await this.#require(id);
    return (await rolloutRepository.targets(this.db, id, filter)).map(toTarget);
  }

  async steps(id: number, filter: { targetId?: number | undefined; afterId?: number | undefined; limit: number }) {
    await this.#require(id);
    return (await rolloutRepository.steps(this.db, id, filter)).map(toStep);
  }

  async events(id: number, afterId: number, limit: number) {
    await this.#require(id);
    return (await rolloutRepository.events(this.db, id, afterId, limit)).map((e) => ({
      id: e.id,
      type: e.type,
      data: readJson<Record<string, unknown>>(e.data),
      at: e.at,
    }));
  }

  async verification(id: number): Promise<VerificationReport> {
    return this.deps.rolloutCmdb.verify(await this.#require(id));
  }

  /** For the release's evidence pack: every rollout of the release with its waves, totals, failures and back-outs. */
  async recordsFor(releaseId: number): Promise<Record<string, unknown>[]> {
    const rows = await rolloutRepository.forRelease(this.db, releaseId);
    const views = await this.present(rows);
    const failures = await rolloutRepository.failedTargets(
      this.db,
      rows.map((r) => r.id),
    );
    return views.map((v) => ({ ...v, failures: failures.filter((f) => f.rollout_id === v.id).map(toTarget) }));
  }

  // Starting ---------------------------------------------------------------------------------

  #settingsFor(input: RolloutInput, index: number, planned: PlannedWave, strategy: RolloutStrategySpec): WaveSettings {
    const base: WaveSettings = { ...DEFAULT_WAVE_SETTINGS, ...input.defaults };
    const own = input.waves?.[index] ?? {};
    const settings: WaveSettings = { ...base, ...own };
    // A canary is nothing without its gate: its first wave must not fail silently into the rest.
    if (
      strategy.kind === 'canary' &&
      index === 0 &&
      own.onFailure === undefined &&
      input.defaults?.onFailure === undefined
    ) {
      settings.onFailure = 'backout';
    }
    if (planned.pointOfNoReturn && !settings.gates.some((g) => g.kind === 'manual')) {
      settings.gates = [
        ...settings.gates,
        { kind: 'manual', prompt: 'Point of no return: confirm to retire the old set' },
      ];
    }
    if (!Number.isInteger(settings.concurrency) || settings.concurrency < 1 || settings.concurrency > 10_000) {
      throw new InputError('concurrency must be an integer from 1 to 10000', { field: `waves[${index}].concurrency` });
    }
    if (!Number.isInteger(settings.bakeMs) || settings.bakeMs < 0 || settings.bakeMs > 30 * 86_400_000) {
      throw new InputError('bakeMs must be 0 to 30 days in milliseconds', { field: `waves[${index}].bakeMs` });
    }
    return settings;
  }

  async #checkUrl(url: string, field: string): Promise<void> {
    try {
      await this.deps.outbound.precheck(url);
      // A literal host is resolved and checked now: a private address is refused at once.
      await this.deps.outbound.resolveAllowed(await this.deps.outbound.precheck(url));
    } catch (error) {
      if (error instanceof OutboundRefusedError) {
        throw new InputError(`${field}: ${error.message} (rule outbound_allow_list)`, {
          field,
          rule: 'outbound_allow_list',
          reason: error.reason,
        });
      }
      throw error;
    }
  }

  async #checkGates(
    gates: readonly HealthGate[],
    sample: PlanTarget,
    context: Record<string, string>,
    field: string,
  ): Promise<void> {
    for (const [i, gate] of gates.entries()) {
      if (gate.kind === 'command') await this.deps.commands.check(gate.argv, `${field}.gates[${i}].argv`);
      if (gate.kind === 'http') {
        let url: string;
        try {
          url = renderTemplate(gate.url, placeholderValues(sample, context));
        } catch (error) {
          throw new InputError(`${field}.gates[${i}].url: ${(error as Error).message}`, {
            field: `${field}.gates[${i}].url`,
          });
        }
        await this.#checkUrl(url, `${field}.gates[${i}].url`);
      }
    }
  }

  /** Validates the executor; returns what is stored (a webhook secret sealed, never in clear). */
  async #executor(
    spec: ExecutorSpec,
    sample: PlanTarget,
    context: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    switch (spec.kind) {
      case 'simulated': {
        const rate = spec.failureRate ?? 0;
        if (rate < 0 || rate > 1)
          throw new InputError('executor.failureRate must be from 0 to 1', { field: 'executor.failureRate' });
        return { ...spec };
      }
      case 'manual':
        return { ...spec };
      case 'command': {
        await this.deps.commands.check(spec.argv, 'executor.argv');
        if (spec.backoutArgv) await this.deps.commands.check(spec.backoutArgv, 'executor.backoutArgv');
        return { ...spec };
      }
      case 'webhook': {
        if (spec.secret.length < SECRET_MIN) {
          throw new InputError(`executor.secret must be at least ${SECRET_MIN} characters`, {
            field: 'executor.secret',
          });
        }
        let url: string;
        try {
          url = renderTemplate(
            spec.url,
            placeholderValues(sample, { ...context, action: 'deploy', idempotencyKey: 'k' }),
          );
        } catch (error) {
          throw new InputError(`executor.url: ${(error as Error).message}`, { field: 'executor.url' });
        }
        await this.#checkUrl(url, 'executor.url');
        const { secret, ...rest } = spec;
        return { ...rest, secretBox: this.deps.secrets.seal(secret) };
      }
    }
  }

  #checkWindows(windows: { start: string; end: string }[]): { start: string; end: string }[] {
    if (windows.length > MAX_WINDOWS) throw new InputError(`at most ${MAX_WINDOWS} windows`, { field: 'windows' });
    return windows
      .map((w, i) => {
        const start = Date.parse(w.start);
        const end = Date.parse(w.end);
        if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
          throw new InputError(`windows[${i}]: start must be before end (ISO-8601)`, { field: `windows[${i}]` });
        }
        return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
      })
      .sort((a, b) => a.start.localeCompare(b.start));
  }

  /**
   * Starts (or schedules) a rollout of an approved release into an environment. Checks, in
   * order: the release is approved (422), no other active rollout of it there (409), the
   * strategy cuts its targets into waves (400), executor and gates are allowed (400), peaceful
   * coexistence (422), artifact integrity re-verified (422), the release's rollout gates incl.
   * freezes (422). Then, in one transaction: the rollout, waves with their what-if impact,
   * targets, the pre-rollout baseline, the event, the audit entry and the first driver job.
   */
  async create(actor: Actor, releaseId: number, input: RolloutInput): Promise<Rollout> {
    const release = await this.deps.releases.releases.get(releaseId);
    if (release.state !== 'approved' && release.state !== 'scheduled') {
      throw new DomainRuleError(
        `Release ${releaseId} is ${release.state}: only an approved (or scheduled) release may be rolled out`,
        {
          rule: 'rollout.release_approved',
          state: release.state,
        },
      );
    }
    const activeKey = `${releaseId}:${input.environment}`;
    const active = await rolloutRepository.findActive(this.db, activeKey);
    if (active) {
      throw new ConflictError(
        `Rollout ${active.id} of release ${releaseId} into ${input.environment} is still ${active.state}`,
        {
          rolloutId: active.id,
          state: active.state,
        },
      );
    }
    const strategy = input.strategy ?? defaultStrategy(release.rolloutStrategy);
    const resolved = await this.deps.releases.resolver.forRelease(releaseId, input.environment);
    const targetIds = allTargetIds(resolved);
    const cis = (await releaseCmdbRepository.cisByIds(this.db, targetIds)).map(toCandidate);
    const targets: PlanTarget[] = cis.map((c) => ({
      id: c.id,
      class: c.class,
      name: c.name,
      attributes: c.attributes,
    }));
    if (targets.length === 0) {
      throw new DomainRuleError(`Release ${releaseId} has no targets in ${input.environment}`, {
        rule: 'rollout.targets',
        environment: input.environment,
      });
    }
    let planned: PlannedWave[];
    try {
      planned = planWaves(strategy, targets);
    } catch (error) {
      if (error instanceof WavePlanError)
        throw new InputError(`${error.field}: ${error.message}`, { field: error.field });
      throw error;
    }
    if (planned.length > MAX_WAVES) throw new InputError(`at most ${MAX_WAVES} waves`, { field: 'strategy' });
    const settings = planned.map((w, i) => this.#settingsFor(input, i, w, strategy));
    const sample = targets[0] as PlanTarget;
    const context = {
      'release.id': String(releaseId),
      'release.unit': release.unit.name,
      'release.version': release.releaseVersion,
      'rollout.id': '0',
      environment: input.environment,
    };
    const executor = await this.#executor(input.executor, sample, context);
    for (const [i, s] of settings.entries()) await this.#checkGates(s.gates, sample, context, `waves[${i}]`);
    const windows = this.#checkWindows(input.windows ?? []);
    const now = this.#now();
    let scheduledAt: string | null = null;
    if (input.scheduledAt !== undefined) {
      const at = Date.parse(input.scheduledAt);
      if (!Number.isFinite(at)) throw new InputError('scheduledAt must be an ISO-8601 time', { field: 'scheduledAt' });
      scheduledAt = new Date(at).toISOString();
    }

    // Pre-start checks against the live environment.
    const coexistence = await this.deps.releases.analysis.coexistence(releaseId, {
      environment: input.environment,
      limit: 20,
      targets: resolved,
    });
    if (!coexistence.ok) {
      throw new DomainRuleError(
        `Release ${releaseId} clashes with what is installed on ${coexistence.summary.clashing} target(s)`,
        {
          rule: 'coexistence',
          summary: coexistence.summary,
          targets: coexistence.targets.filter((t) => !t.ok).slice(0, 20),
          releaseClashes: coexistence.releaseClashes,
        },
      );
    }
    const contents = await this.deps.releases.content.contents(releaseId);
    const integrity = await this.deps.library.artifacts.verifyForRollout(
      actor,
      contents.artifacts.map((a) => a.id),
      release.element as ReleaseElement,
    );
    if (integrity.length > 0) {
      throw new DomainRuleError(
        `Release ${releaseId}: ${integrity.length} artifact problem(s) found when re-verified before the rollout`,
        {
          rule: 'rollout.artifact_integrity',
          problems: integrity,
        },
      );
    }
    const row = await releaseRepository.findById(this.db, releaseId);
    if (!row) throw new NotFoundError('release', releaseId);
    const policy = await this.deps.policy.current();
    const gate = await this.deps.releases.gates.evaluate(
      row,
      ['window_planned', 'freeze_clear', 'change_approved', 'approval_quorum', 'contents_releasable'],
      policy,
      { now: scheduledAt ?? now, actorName: actor.username, targets: resolved },
    );
    if (gate.violations.length > 0) {
      throw new PolicyViolationError(
        `Release ${releaseId} may not be rolled out now`,
        gate.violations,
        policy.version,
        {
          checks: gate.checks.map((c) => ({ guard: c.guard, met: c.met })),
        },
      );
    }
    const impacts: Record<string, unknown>[] = [];
    for (const w of planned) {
      const { impact } = await this.deps.changes.assessment.impactOf(w.targetIds);
      impacts.push({
        count: impact.count,
        services: impact.services.slice(0, 20),
        servicesTotal: impact.servicesTotal,
        summary: impact.summary,
      });
    }
    const prechecks = {
      at: now,
      targets: targets.length,
      coexistence: { ok: true, summary: coexistence.summary },
      artifactIntegrity: {
        ok: true,
        artifacts: contents.artifacts.map((a) => ({
          id: a.id,
          name: a.name,
          version: a.artifactVersion,
          sha256: a.sha256,
        })),
      },
      gates: gate.checks.map((c) => ({ guard: c.guard, met: c.met })),
      windows: { count: windows.length, nowInside: inWindow(windows, scheduledAt ?? now) },
    };

    if (release.state === 'approved') {
      await this.deps.releases.releases.transition(actor, releaseId, 'scheduled', { comment: 'a rollout was started' });
    }
    const byCi = new Map<number, number>();
    planned.forEach((w, i) => {
      if (w.action !== 'switch') for (const id of w.targetIds) byCi.set(id, i);
    });
    const stored: StoredSpec = { strategy: strategy as unknown as Record<string, unknown>, windows };
    const created = await this.db.transaction().execute(async (tx) => {
      // The checks above ran outside this transaction: a release cancelled (or re-scoped) since
      // gets no rollout, so what runs is always the scope that was approved.
      const current = await rolloutRepository.releaseForRollout(tx, releaseId);
      if (current?.state !== 'scheduled' || current.scope_round !== row.scope_round) {
        throw new DomainRuleError(
          `Release ${releaseId} changed while the rollout was being checked (${current?.state ?? 'deleted'}): only an approved (or scheduled) release, as approved, may be rolled out`,
          { rule: 'rollout.release_approved', state: current?.state ?? null },
        );
      }
      let rollout: RolloutRow;
      try {
        rollout = await rolloutRepository.insert(tx, {
          release_id: releaseId,
          environment: input.environment,
          strategy: strategy.kind,
          spec: writeJson(stored),
          executor_kind: input.executor.kind,
          executor: writeJson(executor),
          state: 'scheduled',
          phase: 'deploy',
          pause_reason: null,
          reason: null,
          activation: strategy.kind === 'dormant' ? 'inactive' : null,
          scheduled_at: scheduledAt,
          planned_start: scheduledAt ?? release.plannedStart ?? now,
          planned_end: release.plannedEnd,
          started_at: null,
          finished_at: null,
          backout_started_at: null,
          baseline_id: null,
          prechecks: writeJson(prechecks),
          active_key: activeKey,
          driver_epoch: 0,
          created_by: actor.username,
          created_at: now,
          updated_at: now,
          version: 1,
        });
      } catch (error) {
        if (isUnique(error))
          throw new ConflictError(`Another rollout of release ${releaseId} into ${input.environment} is active`, {});
        throw error;
      }
      await rolloutRepository.insertWaves(
        tx,
        planned.map((w, i) => ({
          rollout_id: rollout.id,
          idx: i,
          name: w.name,
          action: w.action,
          state: 'pending',
          settings: writeJson(settings[i]),
          point_of_no_return: w.pointOfNoReturn ? 1 : 0,
          target_count: w.targetIds.length,
          started_at: null,
          finished_at: null,
          bake_until: null,
          gate_passed_at: null,
          gate_result: null,
          impact: writeJson(impacts[i]),
        })),
      );
      await rolloutRepository.insertTargets(
        tx,
        targets.map((t) => ({
          rollout_id: rollout.id,
          wave_idx: byCi.get(t.id) ?? 0,
          ci_id: t.id,
          ci_class: t.class,
          ci_name: t.name,
          state: 'pending',
          changed: 0,
          started_at: null,
          finished_at: null,
          downtime_ms: 0,
          error: null,
          facts: null,
        })),
      );
      // The pre-rollout baseline: what a back-out restores. Scoped to the targets and what they
      // depend on (their installed software); the whole CMDB when there are more targets than a scope holds.
      const baseline = await this.deps.cmdb.baselines.take(
        actor,
        {
          name: `pre-rollout ${rollout.id}: release ${releaseId} ${release.unit.name} ${release.releaseVersion} → ${input.environment}`,
          description: `Taken automatically before rollout ${rollout.id}`,
          scope: targetIds.length <= 10_000 ? { ciIds: targetIds, closure: 'dependencies' } : null,
        },
        tx,
      );
      const withBaseline = (await rolloutRepository.update(
        tx,
        rollout.id,
        { baseline_id: baseline.id },
        now,
      )) as RolloutRow;
      await this.engine.event(tx, withBaseline, 'rollout.created', {
        strategy: strategy.kind,
        waves: planned.length,
        targets: targets.length,
        scheduledAt,
      });
      await this.audit.record(tx, actor, {
        action: 'rollout.create',
        objectType: 'rollout',
        objectId: rollout.id,
        after: {
          releaseId,
          environment: input.environment,
          strategy: strategy.kind,
          executor: input.executor.kind,
          waves: planned.length,
          targets: targets.length,
          baselineId: baseline.id,
          scheduledAt,
        },
      });
      await this.engine.kick(tx, rollout.id, scheduledAt && scheduledAt > now ? scheduledAt : undefined);
      return withBaseline;
    });
    return this.get(created.id);
  }

  // Actions ----------------------------------------------------------------------------------

  async #act(
    actor: Actor,
    id: number,
    action: RolloutAction,
    expectedVersion: number | undefined,
    apply: (
      row: RolloutRow,
      tx: Db,
    ) => Promise<{
      fields: Parameters<typeof rolloutRepository.update>[2];
      kick: boolean;
      detail?: Record<string, unknown>;
    }>,
  ): Promise<Rollout> {
    const current = await this.#require(id);
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw new StaleVersionError('rollout', id, expectedVersion, current.version);
    }
    refuseRecordedHistory(current, action);
    const state = current.state as RolloutState;
    if (
      !findRolloutTransition(action, state) ||
      !rolloutActionsFrom(state, current.strategy as RolloutStrategy).includes(action)
    ) {
      throw new IllegalTransitionError(
        'rollout',
        state,
        action,
        rolloutActionsFrom(state, current.strategy as RolloutStrategy),
      );
    }
    await this.db.transaction().execute(async (tx) => {
      const { fields, kick, detail } = await apply(current, tx);
      const updated = await rolloutRepository.update(tx, id, fields, this.#now(), [state]);
      if (!updated) throw new ConflictError(`Rollout ${id} changed state meanwhile: reload and retry`, {});
      const type = (
        {
          pause: 'rollout.paused',
          resume: 'rollout.resumed',
          abort: 'rollout.aborted',
          confirm: 'rollout.resumed',
          deactivate: 'rollout.resumed',
          backout: 'rollout.backout_started',
        } as const satisfies Partial<Record<RolloutAction, string>>
      )[action as 'pause' | 'resume' | 'abort' | 'confirm' | 'deactivate' | 'backout'];
      await this.engine.event(tx, updated, type, { by: actor.username, action, state: updated.state, ...detail });
      await this.audit.record(tx, actor, {
        action: `rollout.${action}`,
        objectType: 'rollout',
        objectId: id,
        before: { state, version: current.version },
        after: { state: updated.state, version: updated.version, ...detail },
      });
      if (kick) await this.engine.kick(tx, id);
    });
    return this.get(id);
  }

  pause(actor: Actor, id: number, expectedVersion?: number): Promise<Rollout> {
    return this.#act(actor, id, 'pause', expectedVersion, async () => ({
      fields: { state: 'paused', pause_reason: 'manual' },
      kick: false,
    }));
  }

  resume(actor: Actor, id: number, expectedVersion?: number): Promise<Rollout> {
    return this.#act(actor, id, 'resume', expectedVersion, async (row, tx) => {
      let retried = 0;
      if (row.phase === 'deploy') {
        const waves = await rolloutRepository.waves(tx, id);
        const wave = waves.find((w) => w.state !== 'passed');
        if (wave && row.pause_reason === 'failure_threshold') {
          // The person accepts the risk: the failed targets of this wave are tried again (new step, new key).
          const targetIds = await rolloutRepository.supersede(
            tx,
            id,
            wave.action === 'switch' ? 'switch' : wave.action,
            ['failed'],
            wave.idx,
          );
          retried = targetIds.length;
          if (wave.action !== 'switch')
            await rolloutRepository.setTargets(tx, targetIds, { state: 'pending', error: null });
          await rolloutRepository.updateWave(tx, wave.id, { state: 'running', finished_at: null });
        } else if (wave && wave.state === 'failed') {
          // A failed gate is checked again now.
          await rolloutRepository.updateWave(tx, wave.id, { state: 'baking', bake_until: this.#now() });
        }
      }
      return {
        // Never started (its start was refused): back to scheduled, so the engine tries the start again.
        fields: {
          state: row.started_at === null ? 'scheduled' : this.engine.stateOf(row.phase as RolloutPhase),
          pause_reason: null,
        },
        kick: true,
        detail: { retried },
      };
    });
  }

  abort(actor: Actor, id: number, reason: string, expectedVersion?: number): Promise<Rollout> {
    return this.#act(actor, id, 'abort', expectedVersion, async () => ({
      fields: { state: 'aborted', reason: reason || 'aborted', finished_at: this.#now(), active_key: null },
      kick: false,
      detail: { reason },
    }));
  }

  async backout(actor: Actor, id: number, reason: string, expectedVersion?: number): Promise<Rollout> {
    const current = await this.#require(id);
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw new StaleVersionError('rollout', id, expectedVersion, current.version);
    }
    refuseRecordedHistory(current, 'backout');
    const state = current.state as RolloutState;
    if (!findRolloutTransition('backout', state)) {
      throw new IllegalTransitionError(
        'rollout',
        state,
        'backout',
        rolloutActionsFrom(state, current.strategy as RolloutStrategy),
      );
    }
    if (!reason.trim()) throw new InputError('reason: say why the rollout is backed out', { field: 'reason' });
    await this.engine.startBackout(actor, id, reason.trim());
    return this.get(id);
  }

  deactivate(actor: Actor, id: number, expectedVersion?: number): Promise<Rollout> {
    return this.#act(actor, id, 'deactivate', expectedVersion, async (_row, tx) => {
      await rolloutRepository.supersede(tx, id, 'deactivate', ['succeeded', 'failed'], null);
      return { fields: { state: 'deactivating', phase: 'deactivate', finished_at: null }, kick: true };
    });
  }

  /**
   * A person's verdict: on the wave's manual health gate, or on manual steps (all waiting ones,
   * or `ciIds`). `passed: false` fails the gate (failure policy applies) or the steps.
   */
  async confirm(
    actor: Actor,
    id: number,
    input: { passed: boolean; ciIds?: number[] | undefined; note?: string | undefined },
  ): Promise<Rollout> {
    const note = (input.note ?? '').slice(0, 2000);
    return this.#act(actor, id, 'confirm', undefined, async (row, tx) => {
      const waves = await rolloutRepository.waves(tx, id);
      const gateWave = waves.find((w) => w.state === 'awaiting_confirmation');
      const verdict = input.passed ? 'passed' : 'failed';
      if (gateWave && row.phase === 'deploy') {
        const previous = gateWave.gate_result ? readJson<Record<string, unknown>>(gateWave.gate_result) : {};
        await rolloutRepository.updateWave(tx, gateWave.id, {
          state: 'baking',
          gate_result: writeJson({
            ...previous,
            manual: verdict,
            confirmedBy: actor.username,
            note,
            confirmedAt: this.#now(),
          }),
        });
        return { fields: { state: 'running' }, kick: true, detail: { wave: gateWave.idx, verdict } };
      }
      let targetIds: number[] | undefined;
      if (input.ciIds) {
        targetIds = (await rolloutRepository.targetsByCi(tx, id, input.ciIds)).map((t) => t.id);
        if (targetIds.length !== new Set(input.ciIds).size)
          throw new InputError('ciIds: not every CI is a target of this rollout', { field: 'ciIds' });
      }
      const steps = await rolloutRepository.awaitingSteps(tx, id, targetIds);
      if (steps.length === 0)
        throw new DomainRuleError(
          `Rollout ${id} has nothing waiting for confirmation${input.ciIds ? ' on these CIs' : ''}`,
          { rule: 'rollout.confirm' },
        );
      const targets = new Map(
        (await rolloutRepository.targetsByIds(tx, id, [...new Set(steps.map((s) => s.target_id))])).map((t) => [
          t.id,
          t,
        ]),
      );

      await this.engine.confirmSteps(
        tx,
        row,
        steps.map((s) => {
          const t = targets.get(s.target_id) as TargetRow;
          return {
            stepId: s.id,
            action: s.action as StepAction,
            item: {
              target_id: t.id,
              ci_id: t.ci_id,
              ci_class: t.ci_class,
              ci_name: t.ci_name,
              wave_idx: t.wave_idx,
              step_id: s.id,
              step_key: s.idempotency_key,
              step_round: s.round,
              superseded: 0,
            },
          };
        }),
        input.passed,
        note ? `${actor.username}: ${note}` : `confirmed by ${actor.username}`,
      );
      const stillWaiting = (await rolloutRepository.awaitingSteps(tx, id)).length;
      return {
        fields: stillWaiting > 0 ? {} : { state: this.engine.stateOf(row.phase as RolloutPhase) },
        kick: stillWaiting === 0,
        detail: { steps: steps.length, verdict, stillWaiting },
      };
    });
  }

  // Executables allow-list ---------------------------------------------------------------------

  async listExecutables() {
    const rows = await this.db.selectFrom('rollout_executables').selectAll().orderBy('path').execute();
    return rows.map((r) => ({
      id: r.id,
      path: r.path,
      note: r.note,
      createdBy: r.created_by,
      createdAt: r.created_at,
    }));
  }

  async addExecutable(actor: Actor, input: { path: string; note?: string | undefined }) {
    const p = input.path;
    if (!p.startsWith('/') || p.includes('\0') || p !== p.trim() || /\/\.\.?(\/|$)/.test(p) || p.includes('//')) {
      throw new InputError('path must be an absolute, normalised file path', { field: 'path' });
    }
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx.selectFrom('rollout_executables').select('id').where('path', '=', p).executeTakeFirst();
      if (existing) throw new ConflictError(`${p} is already on the allow-list`, { id: existing.id });
      const now = this.#now();
      const row = await tx
        .insertInto('rollout_executables')
        .values({ path: p, note: input.note ?? '', created_by: actor.username, created_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(tx, actor, {
        action: 'rollout_executable.add',
        objectType: 'rollout_executable',
        objectId: row.id,
        after: { path: p },
      });
      return { id: row.id, path: row.path, note: row.note, createdBy: row.created_by, createdAt: row.created_at };
    });
  }

  async removeExecutable(actor: Actor, id: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('rollout_executables').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError('rollout executable', id);
      await tx.deleteFrom('rollout_executables').where('id', '=', id).execute();
      await this.audit.record(tx, actor, {
        action: 'rollout_executable.remove',
        objectType: 'rollout_executable',
        objectId: id,
        before: { path: row.path },
      });
    });
  }

  /** States that block a second rollout (for docs and the CLI). */
  static readonly activeStates = ACTIVE_ROLLOUT_STATES;
}

function isUnique(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint/i.test(e.message ?? '');
}
