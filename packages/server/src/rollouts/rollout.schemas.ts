import {
  ACTIVATION_REQUEST_STATES,
  FAILURE_POLICIES,
  PAUSE_REASONS,
  ROLLOUT_ACTIONS,
  ROLLOUT_PHASES,
  ROLLOUT_STATES,
  ROLLOUT_STRATEGIES,
  STEP_ACTIONS,
  STEP_STATES,
  STEP_TEMPLATE_PLACEHOLDERS,
  TARGET_STATES,
  WAVE_STATES,
} from '@slipway/model';
import { type TSchema, Type } from 'typebox';
import { NullableTimestamp, StringEnum, Timestamp } from '../platform/http/schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const Ids = Type.Array(Id, { minItems: 1, maxItems: 100_000 });
const Argv = Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
  minItems: 1,
  maxItems: 100,
  description: `Program (an absolute path on the executables allow-list) and arguments; never a shell. Each element is filled separately per target; placeholders: ${STEP_TEMPLATE_PLACEHOLDERS.join(' ')}`,
});

const PhasedWaves = Type.Union([
  Type.Object(
    {
      by: Type.Literal('groups'),
      groups: Type.Array(
        Type.Object(
          { name: Type.Optional(Type.String({ maxLength: 200 })), ciIds: Ids },
          { additionalProperties: false },
        ),
        {
          minItems: 1,
          maxItems: 200,
        },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      by: Type.Literal('percentages'),
      percentages: Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 100 }), { minItems: 1, maxItems: 100 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      by: Type.Literal('attribute'),
      attribute: Type.String({ minLength: 1, maxLength: 100 }),
      order: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 })),
    },
    { additionalProperties: false },
  ),
]);

export const StrategySchema = Type.Union(
  [
    Type.Object({ kind: Type.Literal('big_bang') }, { additionalProperties: false }),
    Type.Object(
      {
        kind: Type.Literal('phased'),
        waves: PhasedWaves,
        pilot: Type.Optional(
          Type.Object(
            { ciIds: Type.Optional(Ids), count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })) },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        kind: Type.Literal('canary'),
        canary: Type.Object(
          {
            count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
            percent: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { kind: Type.Literal('staging'), pointOfNoReturn: Type.Optional(Type.Boolean()) },
      { additionalProperties: false },
    ),
    Type.Object({ kind: Type.Literal('dormant'), waves: Type.Optional(PhasedWaves) }, { additionalProperties: false }),
  ],
  { description: 'How the targets are cut into waves (default: the release strategy with default settings)' },
);

export const HealthGateSchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('http'),
      url: Type.String({
        minLength: 1,
        maxLength: 2048,
        description:
          'URL (template) on an allow-listed host. With a {ci.*} placeholder it is checked once per target of the wave; without, once for the wave',
      }),
      expectStatus: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 300_000 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('command'),
      argv: Argv,
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('manual'), prompt: Type.Optional(Type.String({ maxLength: 2000 })) },
    { additionalProperties: false },
  ),
]);

export const WaveSettingsSchema = Type.Object(
  {
    concurrency: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      description: 'Targets in flight at once (sliding window)',
    }),
    bakeMs: Type.Integer({ minimum: 0, maximum: 30 * 86_400_000, description: 'Wait after the wave before its gates' }),
    gates: Type.Array(HealthGateSchema, { maxItems: 20 }),
    failureThreshold: Type.Object(
      {
        count: Type.Optional(Type.Integer({ minimum: 0 })),
        percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
      },
      {
        additionalProperties: false,
        description: 'Exceeded when more targets fail than count, or a larger share than percent',
      },
    ),
    onFailure: StringEnum(FAILURE_POLICIES, { description: 'pause, or back out automatically' }),
  },
  { additionalProperties: false },
);
const PartialSettings = Type.Partial(WaveSettingsSchema, { additionalProperties: false });

export const ExecutorSchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('simulated'),
      latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
      jitterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
      failureRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
      failCis: Type.Optional(Type.Array(Id, { maxItems: 100_000 })),
      downtimeMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('command'),
      argv: Argv,
      backoutArgv: Type.Optional(Argv),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400_000 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('webhook'),
      url: Type.String({
        minLength: 1,
        maxLength: 2048,
        description: `URL (template) on an allow-listed host, filled per target; placeholders: ${STEP_TEMPLATE_PLACEHOLDERS.join(' ')}`,
      }),
      secret: Type.String({
        minLength: 16,
        maxLength: 200,
        description: 'HMAC-SHA256 key for Slipway-Signature (stored sealed)',
      }),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
      retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('manual'), instructions: Type.Optional(Type.String({ maxLength: 20_000 })) },
    { additionalProperties: false },
  ),
]);

const Window = Type.Object({ start: Timestamp, end: Timestamp }, { additionalProperties: false });

export const CreateRolloutBody = Type.Object(
  {
    environment: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9_-]{0,31}$' }),
    strategy: Type.Optional(StrategySchema),
    executor: ExecutorSchema,
    defaults: Type.Optional(PartialSettings),
    waves: Type.Optional(
      Type.Array(Nullable(PartialSettings), {
        maxItems: 200,
        description: 'Per-wave settings by index (null: the defaults)',
      }),
    ),
    scheduledAt: Type.Optional(Timestamp),
    windows: Type.Optional(
      Type.Array(Window, { maxItems: 100, description: 'Allowed windows; the end of one pauses the rollout' }),
    ),
  },
  { additionalProperties: false },
);

const WaveSchema = Type.Object({
  index: Type.Integer(),
  name: Type.String(),
  action: StringEnum(STEP_ACTIONS),
  state: StringEnum(WAVE_STATES),
  settings: WaveSettingsSchema,
  pointOfNoReturn: Type.Boolean(),
  targets: Type.Integer(),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'Targets of this wave per state' }),
  startedAt: NullableTimestamp,
  finishedAt: NullableTimestamp,
  bakeUntil: NullableTimestamp,
  gatePassedAt: NullableTimestamp,
  gateResult: Type.Unknown(),
  impact: Type.Unknown({ description: 'What-if impact of this wave: CIs and services its targets affect' }),
});

export const ActivationSchema = Type.Object(
  {
    id: Type.Integer(),
    rolloutId: Type.Integer(),
    state: StringEnum(ACTIVATION_REQUEST_STATES, {
      description:
        'pending: waits for an approver; scheduled: approved, due at activateAt; activated; rejected; cancelled; blocked: due while a freeze or closed window forbade it',
    }),
    activateAt: Nullable(Timestamp),
    requestedBy: Type.String(),
    requestedAt: Timestamp,
    note: Type.String(),
    decidedBy: Nullable(Type.String()),
    decidedAt: NullableTimestamp,
    decisionNote: Nullable(Type.String()),
    activatedAt: NullableTimestamp,
    closedBy: Nullable(Type.String()),
    closedAt: NullableTimestamp,
    closedReason: Nullable(Type.String()),
    version: Type.Integer(),
  },
  { description: 'A request to activate a dormant rollout, and how it was decided' },
);

export const ActivationRequestBody = Type.Object(
  {
    activateAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'When to activate (ISO-8601, in the future, inside the rollout windows and outside freezes); omitted: as soon as it is approved',
      }),
    ),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const ActivationDecisionBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

export const ActivationRejectBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why the activation is rejected' }) },
  { additionalProperties: false },
);

export const RolloutSchema = Type.Object(
  {
    id: Type.Integer(),
    releaseId: Type.Integer(),
    environment: Type.String(),
    strategy: StringEnum(ROLLOUT_STRATEGIES),
    strategySpec: Type.Unknown(),
    executor: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Executor settings (never the webhook secret)',
    }),
    state: StringEnum(ROLLOUT_STATES),
    phase: StringEnum(ROLLOUT_PHASES),
    pauseReason: Nullable(StringEnum(PAUSE_REASONS)),
    reason: Nullable(Type.String()),
    activation: Nullable(Type.String()),
    activationRequest: Nullable(ActivationSchema),
    windows: Type.Array(Window),
    scheduledAt: NullableTimestamp,
    plannedStart: NullableTimestamp,
    plannedEnd: NullableTimestamp,
    startedAt: NullableTimestamp,
    finishedAt: NullableTimestamp,
    backoutStartedAt: NullableTimestamp,
    baselineId: Nullable(Type.Integer()),
    prechecks: Type.Record(Type.String(), Type.Unknown()),
    waves: Type.Array(WaveSchema),
    totals: Type.Object({
      targets: Type.Integer(),
      deployed: Type.Integer(),
      failed: Type.Integer(),
      backedOut: Type.Integer(),
      pending: Type.Integer(),
      running: Type.Integer(),
      downtimeMs: Type.Integer(),
    }),
    kpis: Type.Object({
      startDelayMs: Nullable(Type.Integer({ description: 'Actual minus planned start' })),
      endDelayMs: Nullable(Type.Integer({ description: 'Actual minus planned end' })),
      onTime: Nullable(Type.Boolean()),
      durationMs: Nullable(Type.Integer()),
      backedOut: Type.Boolean(),
    }),
    allowedActions: Type.Array(StringEnum(ROLLOUT_ACTIONS)),
    createdBy: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A rollout of a release into an environment' },
);

export const TargetSchema = Type.Object({
  id: Type.Integer(),
  ci: Type.Object({ id: Type.Integer(), class: Type.String(), name: Type.String() }),
  wave: Type.Integer(),
  state: StringEnum(TARGET_STATES),
  changed: Type.Boolean(),
  startedAt: NullableTimestamp,
  finishedAt: NullableTimestamp,
  downtimeMs: Type.Integer(),
  error: Nullable(Type.String()),
  facts: Type.Unknown(),
});

export const StepSchema = Type.Object({
  id: Type.Integer(),
  targetId: Type.Integer(),
  wave: Type.Integer(),
  action: StringEnum(STEP_ACTIONS),
  round: Type.Integer(),
  idempotencyKey: Type.String(),
  state: StringEnum(STEP_STATES),
  attempts: Type.Integer({ description: 'Executor calls: more than 1 only for a step in flight at a crash' }),
  startedAt: Timestamp,
  finishedAt: NullableTimestamp,
  exitCode: Nullable(Type.Integer()),
  output: Nullable(Type.String()),
  error: Nullable(Type.String()),
});

export const EventSchema = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  at: Timestamp,
});

export const ReasonBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

export const ConfirmBody = Type.Object(
  {
    passed: Type.Boolean({ description: 'true: the gate or the steps passed; false: they failed' }),
    ciIds: Type.Optional(Ids),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const ExecutableSchema = Type.Object({
  id: Type.Integer(),
  path: Type.String(),
  note: Type.String(),
  createdBy: Type.String(),
  createdAt: Timestamp,
});

export const CreateExecutableBody = Type.Object(
  { path: Type.String({ minLength: 2, maxLength: 1024 }), note: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);

export const VerificationSchema = Type.Object({
  rolloutId: Type.Integer(),
  checkedAt: Timestamp,
  expected: Type.Array(Type.Object({ product: Type.String(), version: Type.String() })),
  checked: Type.Integer(),
  ok: Type.Integer(),
  drift: Type.Array(
    Type.Object({
      ci: Type.Object({ id: Type.Integer(), class: Type.String(), name: Type.String() }),
      product: Type.String(),
      expected: Type.String(),
      inCmdb: Type.Array(Type.String()),
      reported: Nullable(Type.String()),
    }),
  ),
  unauthorized: Type.Array(
    Type.Object({
      ci: Type.Object({ id: Type.Integer(), class: Type.String(), name: Type.String() }),
      software: Type.Object({ id: Type.Integer(), name: Type.String(), version: Nullable(Type.String()) }),
    }),
  ),
});
