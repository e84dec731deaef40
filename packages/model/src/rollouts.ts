/**
 * Rollouts as data: the states of a rollout, its waves, targets and steps; the transitions people
 * may take (pause, resume, abort, back out, confirm, request / approve / reject / cancel an
 * activation, deactivate); the states of an activation request; the strategies and how
 * they cut targets into waves (a pure function); health gates, failure thresholds, executors and
 * the placeholders of argv and URL templates. The server's engine enforces exactly this; the CLI
 * and the UI read it to offer only what is possible.
 */
import type { RolloutStrategy } from './releases.js';

export const ROLLOUT_STATES = [
  /** Created with a future start; the engine starts it at `scheduledAt`. */
  'scheduled',
  'running',
  /** Stopped by a person, a failure threshold, a failed gate (policy `pause`) or a closed window. */
  'paused',
  /** A manual health gate or manual steps wait for a person. */
  'awaiting_confirmation',
  /**
   * Dormant strategy: installed (inactive) everywhere. Activation is the next, separate step: a
   * release manager requests it (now or at a time), a second person with `rollouts.approve`
   * approves it, and only then (or at the time) the engine activates.
   */
  'dormant',
  'activating',
  'deactivating',
  'completed',
  'aborted',
  'backing_out',
  'backed_out',
  /** The back-out itself could not finish (a back-out step failed): a person must intervene. */
  'failed',
] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

/** A rollout in one of these holds its release+environment: a second one is refused (409). */
export const ACTIVE_ROLLOUT_STATES: readonly RolloutState[] = [
  'scheduled',
  'running',
  'paused',
  'awaiting_confirmation',
  'dormant',
  'activating',
  'deactivating',
  'backing_out',
];
export const TERMINAL_ROLLOUT_STATES: readonly RolloutState[] = ['completed', 'aborted', 'backed_out', 'failed'];

export const ROLLOUT_ACTIONS = [
  'pause',
  'resume',
  'abort',
  'backout',
  'confirm',
  /** Request the activation of a dormant rollout (now, or at a time); nothing changes until it is approved. */
  'activate',
  'approve_activation',
  'reject_activation',
  'cancel_activation',
  'deactivate',
] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

/**
 * The life of an activation request (rollout_activations). `pending` waits for an approver;
 * `scheduled` is approved and waits for its time (a durable job); `activated` started the
 * activation; `rejected` and `cancelled` were decided by people; `blocked` was due but a freeze
 * or the rollout's windows refused it at that moment (a new request is needed).
 */
export const ACTIVATION_REQUEST_STATES = [
  'pending',
  'scheduled',
  'activated',
  'rejected',
  'cancelled',
  'blocked',
] as const;
export type ActivationRequestState = (typeof ACTIVATION_REQUEST_STATES)[number];
/** A rollout has at most one request in these states (a second request is refused, 409). */
export const OPEN_ACTIVATION_STATES: readonly ActivationRequestState[] = ['pending', 'scheduled'];

export interface RolloutTransition {
  action: RolloutAction;
  from: readonly RolloutState[];
  /** The state the action leads to (the engine takes it from there). */
  to: RolloutState;
  /**
   * For the activation actions: the state the rollout's open activation request must be in
   * (`none`: there must be no open request). Absent: the request does not matter.
   */
  request?: 'none' | readonly ActivationRequestState[];
  description: string;
}

/** What a person may do in which state. The engine's own moves (start, wave done, …) are not here. */
export const ROLLOUT_TRANSITIONS: readonly RolloutTransition[] = [
  {
    action: 'pause',
    from: ['scheduled', 'running', 'awaiting_confirmation'],
    to: 'paused',
    description: 'Stop starting new targets; running ones finish',
  },
  { action: 'resume', from: ['paused'], to: 'running', description: 'Continue where it stopped' },
  {
    action: 'abort',
    from: ['scheduled', 'running', 'paused', 'awaiting_confirmation'],
    to: 'aborted',
    description: 'Stop for good without backing out (targets already changed stay changed)',
  },
  {
    action: 'backout',
    from: ['running', 'paused', 'awaiting_confirmation', 'dormant', 'completed', 'aborted'],
    to: 'backing_out',
    description: 'Undo every changed target in reverse wave order and restore the pre-rollout CMDB',
  },
  {
    action: 'confirm',
    from: ['awaiting_confirmation'],
    to: 'running',
    description: 'Pass (or fail) a manual health gate, or confirm manual steps',
  },
  {
    action: 'activate',
    from: ['dormant'],
    to: 'dormant',
    request: 'none',
    description: 'Request the activation (now or at a time in an allowed window); a second person approves it',
  },
  {
    action: 'approve_activation',
    from: ['dormant'],
    to: 'activating',
    request: ['pending'],
    description:
      'Approve the requested activation: it starts now, or at its time (neither the requester nor the rollout starter)',
  },
  {
    action: 'reject_activation',
    from: ['dormant'],
    to: 'dormant',
    request: ['pending'],
    description: 'Reject the requested activation, with a reason',
  },
  {
    action: 'cancel_activation',
    from: ['dormant'],
    to: 'dormant',
    request: ['pending', 'scheduled'],
    description: 'Withdraw a pending request or call off a scheduled activation',
  },
  {
    action: 'deactivate',
    from: ['completed'],
    to: 'deactivating',
    description: 'Switch an activated dormant release off again',
  },
];

const DORMANT_ONLY: readonly RolloutAction[] = [
  'activate',
  'approve_activation',
  'reject_activation',
  'cancel_activation',
  'deactivate',
];

function requestMatches(t: RolloutTransition, request: ActivationRequestState | null): boolean {
  if (t.request === undefined) return true;
  if (t.request === 'none') return request === null;
  return request !== null && t.request.includes(request);
}

/**
 * What a person may do now. `request` is the state of the rollout's open activation request
 * (pending or scheduled), null when there is none.
 */
export function rolloutActionsFrom(
  state: RolloutState,
  strategy: RolloutStrategyKind,
  request: ActivationRequestState | null = null,
): RolloutAction[] {
  return ROLLOUT_TRANSITIONS.filter(
    (t) =>
      t.from.includes(state) &&
      requestMatches(t, request) &&
      (!DORMANT_ONLY.includes(t.action) || strategy === 'dormant'),
  ).map((t) => t.action);
}

export function findRolloutTransition(
  action: RolloutAction,
  state: RolloutState,
  request: ActivationRequestState | null = null,
): RolloutTransition | undefined {
  return ROLLOUT_TRANSITIONS.find((t) => t.action === action && t.from.includes(state) && requestMatches(t, request));
}

/** What the engine is doing for a rollout. */
export const ROLLOUT_PHASES = ['deploy', 'activate', 'deactivate', 'backout'] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

export const PAUSE_REASONS = ['manual', 'failure_threshold', 'gate_failed', 'window_closed', 'outside_window'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

export const WAVE_STATES = [
  'pending',
  'running',
  /** All targets done; waiting out the bake time before the gates. */
  'baking',
  'awaiting_confirmation',
  'passed',
  'failed',
] as const;
export type WaveState = (typeof WAVE_STATES)[number];

export const TARGET_STATES = [
  'pending',
  'running',
  /** A manual step waits for a person. */
  'awaiting_confirmation',
  'deployed',
  'failed',
  'backing_out',
  'backed_out',
  'backout_failed',
] as const;
export type TargetState = (typeof TARGET_STATES)[number];

/** `superseded`: a failed step that a resume retries, or an activation step a later cycle repeats (kept as history). */
export const STEP_STATES = ['running', 'awaiting_confirmation', 'succeeded', 'failed', 'superseded'] as const;
export type StepState = (typeof STEP_STATES)[number];

/** What a step does to a target. `install` is the dormant install (inactive). */
export const STEP_ACTIONS = ['deploy', 'install', 'switch', 'activate', 'deactivate', 'backout'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** The strategy kinds are the release's (`ROLLOUT_STRATEGIES` in releases.ts). */
export type RolloutStrategyKind = RolloutStrategy;

/** How a phased rollout cuts its targets into waves. */
export type PhasedWaves =
  | { by: 'groups'; groups: { name?: string; ciIds: number[] }[] }
  /** Per-wave shares in percent, summing to 100 (rounded so every target is in exactly one wave). */
  | { by: 'percentages'; percentages: number[] }
  /** One wave per value of a CI attribute (e.g. site); `order` first, the rest alphabetically. */
  | { by: 'attribute'; attribute: string; order?: string[] };

export interface PilotWave {
  /** Explicit pilot CIs … */
  ciIds?: number[];
  /** … or the first `count` targets (by CI id). */
  count?: number;
}

export type RolloutStrategySpec =
  | { kind: 'big_bang' }
  | { kind: 'phased'; waves: PhasedWaves; pilot?: PilotWave }
  /** A small first wave (count or percent of the targets, at least one), then the rest. */
  | { kind: 'canary'; canary: { count?: number; percent?: number } }
  /**
   * Blue-green: deploy to the staging (green) set, verify, then switch traffic to it. The old set
   * stays until the point of no return (a manual gate after the switch, unless turned off).
   */
  | { kind: 'staging'; pointOfNoReturn?: boolean }
  /** Install inactive everywhere (optionally in phased waves); activation is separate. */
  | { kind: 'dormant'; waves?: PhasedWaves };

export type HealthGate =
  /** GET a URL (template over the wave's targets, or one fixed URL); every answer must be 2xx or `expectStatus`. */
  | { kind: 'http'; url: string; expectStatus?: number; timeoutMs?: number }
  /** Run an allow-listed executable; exit code 0 passes. */
  | { kind: 'command'; argv: string[]; timeoutMs?: number }
  /** A person confirms (or fails) the wave. */
  | { kind: 'manual'; prompt?: string };

/** Exceeded when more targets failed than `count`, or a larger share than `percent`. */
export interface FailureThreshold {
  count?: number;
  percent?: number;
}

export const FAILURE_POLICIES = ['pause', 'backout'] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

export interface WaveSettings {
  /** Targets in flight at once (a sliding window: one finishes, the next starts). */
  concurrency: number;
  bakeMs: number;
  gates: HealthGate[];
  failureThreshold: FailureThreshold;
  onFailure: FailurePolicy;
}

export const DEFAULT_WAVE_SETTINGS: WaveSettings = {
  concurrency: 10,
  bakeMs: 0,
  gates: [],
  failureThreshold: { count: 0 },
  onFailure: 'pause',
};

export type ExecutorSpec =
  | {
      kind: 'simulated';
      latencyMs?: number;
      jitterMs?: number;
      failureRate?: number;
      failCis?: number[];
      downtimeMs?: number;
    }
  | { kind: 'command'; argv: string[]; timeoutMs?: number; backoutArgv?: string[] }
  | { kind: 'webhook'; url: string; secret: string; timeoutMs?: number; retries?: number }
  | { kind: 'manual'; instructions?: string };
export const EXECUTOR_KINDS = ['simulated', 'command', 'webhook', 'manual'] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

/** A target as wave planning sees it. */
export interface PlanTarget {
  id: number;
  class: string;
  name: string;
  attributes: Record<string, unknown>;
}

export interface PlannedWave {
  name: string;
  action: StepAction;
  targetIds: number[];
  /** Staging: the wave after which the point of no return is reached. */
  pointOfNoReturn?: boolean;
}

/** Thrown by `planWaves` for a strategy that cannot cut these targets (the server answers 400). */
export class WavePlanError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'WavePlanError';
  }
}

function byId(targets: readonly PlanTarget[]): PlanTarget[] {
  return [...targets].sort((a, b) => a.id - b.id);
}

/** Splits `ids` into consecutive waves of the given percentage shares (cumulative rounding: no target lost or doubled). */
export function splitByPercent(ids: readonly number[], percentages: readonly number[]): number[][] {
  const total = percentages.reduce((s, p) => s + p, 0);
  if (percentages.length === 0 || percentages.some((p) => !(p > 0)) || Math.abs(total - 100) > 1e-9) {
    throw new WavePlanError('percentages must be positive and sum to 100', 'strategy.waves.percentages');
  }
  const out: number[][] = [];
  let cumulative = 0;
  let start = 0;
  for (let i = 0; i < percentages.length; i++) {
    cumulative += percentages[i] as number;
    const end = i === percentages.length - 1 ? ids.length : Math.round((ids.length * cumulative) / 100);
    out.push(ids.slice(start, Math.max(start, end)));
    start = Math.max(start, end);
  }
  return out;
}

function attributeText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function phased(targets: PlanTarget[], waves: PhasedWaves, action: StepAction): PlannedWave[] {
  const known = new Set(targets.map((t) => t.id));
  switch (waves.by) {
    case 'groups': {
      const seen = new Set<number>();
      const planned: PlannedWave[] = waves.groups.map((g, i) => {
        for (const id of g.ciIds) {
          if (!known.has(id))
            throw new WavePlanError(
              `CI ${id} in group ${i + 1} is not a target of this release`,
              'strategy.waves.groups',
            );
          if (seen.has(id)) throw new WavePlanError(`CI ${id} is in more than one group`, 'strategy.waves.groups');
          seen.add(id);
        }
        return { name: g.name ?? `group ${i + 1}`, action, targetIds: [...g.ciIds].sort((a, b) => a - b) };
      });
      const rest = targets.filter((t) => !seen.has(t.id)).map((t) => t.id);
      if (rest.length > 0) planned.push({ name: 'remaining', action, targetIds: rest });
      return planned;
    }
    case 'percentages':
      return splitByPercent(
        targets.map((t) => t.id),
        waves.percentages,
      ).map((ids, i) => ({ name: `${waves.percentages[i]}%`, action, targetIds: ids }));
    case 'attribute': {
      const groups = new Map<string, number[]>();
      for (const t of targets) {
        const key = attributeText(t.attributes[waves.attribute]);
        const list = groups.get(key);
        if (list) list.push(t.id);
        else groups.set(key, [t.id]);
      }
      const order = waves.order ?? [];
      const keys = [...groups.keys()].sort((a, b) => {
        const ia = order.indexOf(a);
        const ib = order.indexOf(b);
        if (ia !== -1 || ib !== -1)
          return (ia === -1 ? Number.MAX_SAFE_INTEGER : ia) - (ib === -1 ? Number.MAX_SAFE_INTEGER : ib);
        return a.localeCompare(b);
      });
      return keys.map((k) => ({ name: `${waves.attribute}=${k}`, action, targetIds: groups.get(k) as number[] }));
    }
  }
}

/**
 * Cuts the targets into waves for a strategy. Pure and deterministic (targets in CI id order), so
 * a plan can be shown before it is started and re-derived in tests. Every target ends up in
 * exactly one deploying wave; empty waves are dropped. Staging adds a `switch` wave over the same
 * (green) set after the deploy wave.
 */
export function planWaves(strategy: RolloutStrategySpec, input: readonly PlanTarget[]): PlannedWave[] {
  const targets = byId(input);
  if (targets.length === 0) throw new WavePlanError('the release has no targets in this environment', 'environment');
  let waves: PlannedWave[];
  switch (strategy.kind) {
    case 'big_bang':
      waves = [{ name: 'all', action: 'deploy', targetIds: targets.map((t) => t.id) }];
      break;
    case 'phased': {
      let rest = targets;
      const pilotWaves: PlannedWave[] = [];
      if (strategy.pilot) {
        const { ciIds, count } = strategy.pilot;
        let pilotIds: number[];
        if (ciIds && ciIds.length > 0) {
          const known = new Set(targets.map((t) => t.id));
          const missing = ciIds.find((id) => !known.has(id));
          if (missing !== undefined)
            throw new WavePlanError(`pilot CI ${missing} is not a target of this release`, 'strategy.pilot.ciIds');
          pilotIds = [...new Set(ciIds)].sort((a, b) => a - b);
        } else if (count !== undefined && count > 0) {
          pilotIds = targets.slice(0, count).map((t) => t.id);
        } else {
          throw new WavePlanError('pilot needs ciIds or a positive count', 'strategy.pilot');
        }
        const pilotSet = new Set(pilotIds);
        rest = targets.filter((t) => !pilotSet.has(t.id));
        pilotWaves.push({ name: 'pilot', action: 'deploy', targetIds: pilotIds });
      }
      waves = [...pilotWaves, ...(rest.length > 0 ? phased(rest, strategy.waves, 'deploy') : [])];
      break;
    }
    case 'canary': {
      const { count, percent } = strategy.canary;
      let size = count ?? (percent !== undefined ? Math.ceil((targets.length * percent) / 100) : 1);
      size = Math.min(Math.max(1, size), targets.length);
      waves = [
        { name: 'canary', action: 'deploy', targetIds: targets.slice(0, size).map((t) => t.id) },
        { name: 'rest', action: 'deploy', targetIds: targets.slice(size).map((t) => t.id) },
      ];
      break;
    }
    case 'staging': {
      const ids = targets.map((t) => t.id);
      waves = [
        { name: 'deploy to staging set', action: 'deploy', targetIds: ids },
        {
          name: 'switch traffic',
          action: 'switch',
          targetIds: ids,
          pointOfNoReturn: strategy.pointOfNoReturn !== false,
        },
      ];
      break;
    }
    case 'dormant':
      waves = strategy.waves
        ? phased(targets, strategy.waves, 'install')
        : [{ name: 'install (inactive)', action: 'install', targetIds: targets.map((t) => t.id) }];
      break;
  }
  return waves.filter((w) => w.targetIds.length > 0);
}

/** True when `failed` of `total` targets is more than the threshold allows. */
export function thresholdExceeded(failed: number, total: number, threshold: FailureThreshold): boolean {
  if (failed === 0) return false;
  if (threshold.count !== undefined && failed > threshold.count) return true;
  if (threshold.percent !== undefined && total > 0 && (failed * 100) / total > threshold.percent) return true;
  return threshold.count === undefined && threshold.percent === undefined;
}

/**
 * The idempotency key an executor receives for one step. Deterministic from what the step is, so
 * a step re-run after a crash carries the same key; `round` counts back-outs and activations of
 * the same rollout (an activation after a deactivation is a new step).
 */
export function stepIdempotencyKey(rolloutId: number, action: StepAction, targetCiId: number, round = 0): string {
  return `slipway-rollout-${rolloutId}-${action}-ci${targetCiId}-r${round}`;
}

const PLACEHOLDER = /\{([a-zA-Z_][a-zA-Z0-9_.]*)\}/g;

/**
 * The placeholders a step's argv or webhook URL may use, filled per target (executors.ts
 * templateContext + placeholderValues). Health-gate URLs get the same except `{action}` and
 * `{idempotencyKey}`, which belong to a step.
 */
export const STEP_TEMPLATE_PLACEHOLDERS = [
  '{ci.id}',
  '{ci.name}',
  '{ci.class}',
  '{ci.<attribute>}',
  '{release.id}',
  '{release.unit}',
  '{release.version}',
  '{rollout.id}',
  '{environment}',
  '{action}',
  '{idempotencyKey}',
] as const;

/** The placeholder names used in a template (see STEP_TEMPLATE_PLACEHOLDERS). */
export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/** Fills `{name}` placeholders from `values`; unknown names are an error (never silently empty). */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new WavePlanError(`unknown placeholder {${name}}`, 'template');
    return value;
  });
}

/** Placeholder values for a target: `ci.*` from the CI and its attributes, plus the given context. */
export function placeholderValues(
  target: PlanTarget,
  context: Readonly<Record<string, string>>,
): Record<string, string> {
  const values: Record<string, string> = {
    ...context,
    'ci.id': String(target.id),
    'ci.name': target.name,
    'ci.class': target.class,
  };
  for (const [k, v] of Object.entries(target.attributes)) {
    if (v === null || v === undefined || typeof v === 'object') continue;
    values[`ci.${k}`] = String(v);
  }
  return values;
}

/** What a rollout emits (webhooks and the SSE stream). */
export const ROLLOUT_EVENT_TYPES = [
  'rollout.created',
  'rollout.started',
  'rollout.wave_started',
  'rollout.wave_passed',
  'rollout.wave_failed',
  'rollout.paused',
  'rollout.resumed',
  'rollout.awaiting_confirmation',
  'rollout.completed',
  'rollout.aborted',
  'rollout.backout_started',
  'rollout.backed_out',
  'rollout.activation_requested',
  'rollout.activation_approved',
  'rollout.activation_rejected',
  'rollout.activation_cancelled',
  /** A scheduled activation came due while a freeze or the rollout's windows forbade it. */
  'rollout.activation_blocked',
  'rollout.activated',
  'rollout.deactivated',
  'rollout.failed',
] as const;
export type RolloutEventType = (typeof ROLLOUT_EVENT_TYPES)[number];
