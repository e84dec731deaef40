import {
  PLAN_SECTION_KEYS,
  PLAN_SECTION_STATUSES,
  REHEARSAL_OUTCOMES,
  RELEASE_ACTIONS,
  RELEASE_ELEMENTS,
  RELEASE_GUARDS,
  RELEASE_REVIEW_OUTCOMES,
  RELEASE_STATES,
  RELEASE_TYPES,
  ROLES,
  ROLLOUT_STRATEGIES,
  TEST_EVIDENCE_KINDS,
  TEST_OUTCOMES,
  TEST_PROTOCOLS,
} from '@slipway/model';
import { type TSchema, Type } from 'typebox';
import {
  ApprovalSchema as ChangeApprovalSchema,
  ChangeSchema,
  ImpactSchema,
  RiskSchema,
} from '../changes/change.schemas.js';
import { ReservationSchema } from '../hardware/hardware.schemas.js';
import { AuditEntrySchema } from '../platform/audit/audit.schemas.js';
import { NullableTimestamp, PageQuery, StringEnum, Timestamp } from '../platform/http/schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const Text = (max: number) => Type.String({ maxLength: max });
const Environment = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$', description: 'An environment of the policy' });
const DateTimeInput = Type.String({
  format: 'date-time',
  maxLength: 40,
  description: 'ISO-8601 date-time with an offset, e.g. 2026-12-15T22:00:00Z',
});
const CiRefSchema = Type.Object({ id: Type.Integer(), class: Type.String(), name: Type.String() });
const UserRef = Type.Object({ id: Type.Integer(), username: Type.String() });
const Actor = Type.Object({ id: Nullable(Type.Integer()), name: Type.String() });

export const ReleaseStateSchema = StringEnum(RELEASE_STATES);
export const ReleaseTypeSchema = StringEnum(RELEASE_TYPES);
export const ReleaseElementSchema = StringEnum(RELEASE_ELEMENTS);
export const TestProtocolSchema = StringEnum(TEST_PROTOCOLS);
const TestsByEnvironment = Type.Record(Type.String(), Type.Array(TestProtocolSchema));

const FreezeOverrideSchema = Type.Object({
  reason: Type.String(),
  by: Type.String(),
  at: Timestamp,
  freezes: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), kind: Type.String() })),
});

export const ReleaseApprovalStatusSchema = Type.Object({
  board: StringEnum(['cab', 'ecab'] as const),
  required: Type.Integer(),
  round: Type.Integer({ description: 'Bumped by every scope edit; approvals of earlier rounds no longer count' }),
  approvals: Type.Array(
    Type.Object({
      approverId: Type.Integer(),
      approverName: Type.String(),
      roles: Type.Array(StringEnum(ROLES)),
      at: Timestamp,
    }),
  ),
  excluded: Type.Array(Type.Object({ approverName: Type.String(), rule: Type.String(), reason: Type.String() })),
  met: Type.Boolean(),
  missing: Type.Array(Type.String()),
});

export const ReleaseSchema = Type.Object(
  {
    id: Type.Integer(),
    type: ReleaseTypeSchema,
    element: ReleaseElementSchema,
    unit: Type.Object({ name: Type.String(), ci: Nullable(CiRefSchema) }),
    releaseVersion: Type.String({ description: "The release's version label (`version` is the record's revision)" }),
    title: Type.String(),
    description: Type.String(),
    state: ReleaseStateSchema,
    templateId: Nullable(Type.Integer()),
    rolloutStrategy: StringEnum(ROLLOUT_STRATEGIES),
    plannedStart: NullableTimestamp,
    plannedEnd: NullableTimestamp,
    requester: Type.Object({ id: Nullable(Type.Integer()), username: Type.String() }),
    implementer: Nullable(UserRef),
    currentEnvironment: Nullable(Type.String()),
    teamId: Nullable(Type.Integer({ description: 'The owning team; null = organisation-wide' })),
    requiredTests: TestsByEnvironment,
    knownIssues: Type.String(),
    contentsHash: Type.String({ description: 'SHA-256 over the artifacts: test results count for this build' }),
    policyVersion: Nullable(Type.Integer({ description: 'The policy version the last transition was judged by' })),
    freezeOverride: Nullable(FreezeOverrideSchema),
    approval: ReleaseApprovalStatusSchema,
    counts: Type.Object({
      artifacts: Type.Integer(),
      ciChanges: Type.Integer(),
      targets: Type.Integer({ description: 'Explicit targets (saved queries not counted)' }),
      targetQueries: Type.Integer(),
    }),
    acceptedAt: NullableTimestamp,
    approvedAt: NullableTimestamp,
    scheduledAt: NullableTimestamp,
    rolloutStartedAt: NullableTimestamp,
    deployedAt: NullableTimestamp,
    reviewDueAt: NullableTimestamp,
    closedAt: NullableTimestamp,
    allowedTransitions: Type.Array(Type.Object({ action: StringEnum(RELEASE_ACTIONS), to: ReleaseStateSchema })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A release: the unit of rollout' },
);

export const CreateReleaseBody = Type.Object(
  {
    type: ReleaseTypeSchema,
    element: Type.Optional(ReleaseElementSchema),
    templateId: Type.Optional(Id),
    unit: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'The release unit: what is versioned together' }),
    ),
    unitCiId: Type.Optional(Nullable(Id)),
    releaseVersion: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'The version label, per the policy scheme',
    }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text(20_000)),
    plannedStart: Type.Optional(Nullable(DateTimeInput)),
    plannedEnd: Type.Optional(Nullable(DateTimeInput)),
    implementerId: Type.Optional(Nullable(Id)),
    rolloutStrategy: Type.Optional(StringEnum(ROLLOUT_STRATEGIES)),
    knownIssues: Type.Optional(Text(20_000)),
    /** The owning team (one the caller belongs to); null or absent = organisation-wide. */
    teamId: Type.Optional(Nullable(Id)),
  },
  { additionalProperties: false },
);

export const PatchReleaseBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Text(20_000)),
    knownIssues: Type.Optional(Text(20_000)),
    plannedStart: Type.Optional(Nullable(DateTimeInput)),
    plannedEnd: Type.Optional(Nullable(DateTimeInput)),
    implementerId: Type.Optional(Nullable(Id)),
    rolloutStrategy: Type.Optional(StringEnum(ROLLOUT_STRATEGIES)),
    teamId: Type.Optional(Nullable(Id)),
  },
  { additionalProperties: false },
);

export const ReleaseListQuery = Type.Object(
  {
    ...PageQuery,
    state: Type.Optional(Type.String({ maxLength: 300, description: 'Comma-separated states' })),
    type: Type.Optional(ReleaseTypeSchema),
    element: Type.Optional(ReleaseElementSchema),
    unit: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const PlanSchema = Type.Object({
  releaseId: Type.Integer(),
  releaseRevision: Type.Integer({ description: "The release's `version` (its ETag) after this answer" }),
  requiredSections: Type.Array(Type.String()),
  sections: Type.Array(
    Type.Object({
      key: StringEnum(PLAN_SECTION_KEYS),
      title: Type.String(),
      owner: Nullable(Type.String()),
      status: StringEnum(PLAN_SECTION_STATUSES),
      content: Type.String(),
      revision: Type.Integer({ description: 'Bumped by every content edit' }),
      required: Type.Boolean({ description: 'The policy requires it for this release type' }),
      updatedBy: Type.String(),
      updatedAt: Timestamp,
    }),
  ),
});

export const PatchSectionBody = Type.Object(
  {
    owner: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    status: Type.Optional(StringEnum(PLAN_SECTION_STATUSES)),
    content: Type.Optional(Text(50_000)),
  },
  { additionalProperties: false },
);

export const SectionParams = Type.Object({ id: Id, section: Type.String({ maxLength: 64 }) });

const GateViolationSchema = Type.Object({
  id: Type.String({ description: 'The rule, e.g. tests.required or change.approved' }),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

const GateCheckSchema = Type.Object({
  guard: StringEnum(Object.keys(RELEASE_GUARDS) as (keyof typeof RELEASE_GUARDS)[]),
  description: Type.String(),
  met: Type.Boolean(),
  violations: Type.Array(GateViolationSchema),
});

export const ReadinessSchema = Type.Object({
  releaseId: Type.Integer(),
  state: ReleaseStateSchema,
  type: ReleaseTypeSchema,
  policyVersion: Type.Integer(),
  evaluatedAt: Timestamp,
  transitions: Type.Array(
    Type.Object({
      action: StringEnum(RELEASE_ACTIONS),
      to: ReleaseStateSchema,
      ready: Type.Boolean(),
      checks: Type.Array(GateCheckSchema),
    }),
  ),
  approval: Nullable(Type.Object({ open: Type.Boolean(), checks: Type.Array(GateCheckSchema) })),
});

const FreezeOverrideBody = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 2000, description: 'Why the freeze may be broken (audited)' }) },
  { additionalProperties: false },
);

export const ReleaseTransitionBody = Type.Object(
  {
    to: ReleaseStateSchema,
    comment: Type.Optional(Text(4000)),
    freezeOverride: Type.Optional(FreezeOverrideBody),
  },
  { additionalProperties: false },
);

export const FreezeOverrideRequest = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 2000, description: 'Why the freeze may be broken (audited)' }) },
  { additionalProperties: false },
);

export const ApproveBody = Type.Object({ comment: Type.Optional(Text(4000)) }, { additionalProperties: false });

export const ReleaseApprovalSchema = Type.Object({
  id: Type.Integer(),
  approverId: Type.Integer(),
  approverName: Type.String(),
  roles: Type.Array(StringEnum(ROLES), { description: "The approver's roles when they approved" }),
  board: Type.String(),
  comment: Type.String(),
  round: Type.Integer(),
  releaseRevision: Type.Integer({ description: "The release's `version` (its ETag) after this answer" }),
  at: Timestamp,
  voidedAt: NullableTimestamp,
  voidedReason: Nullable(Type.String()),
});

export const HistorySchema = Type.Object({
  id: Type.Integer(),
  from: Nullable(Type.String()),
  to: Type.String(),
  action: Type.String(),
  actor: Actor,
  comment: Nullable(Type.String()),
  policyVersion: Type.Integer({ description: 'The policy version this transition was judged by' }),
  gates: Type.Array(Type.Object({ guard: Type.String(), met: Type.Boolean() })),
  at: Timestamp,
});

export const PromoteBody = Type.Object({ environment: Environment }, { additionalProperties: false });

export const PromotionSchema = Type.Object({
  id: Type.Integer(),
  from: Nullable(Type.String()),
  to: Type.String(),
  actor: Actor,
  policyVersion: Type.Integer(),
  evidence: Type.Object({ testIds: Type.Array(Type.Integer()) }),
  at: Timestamp,
});

export const RehearsalBody = Type.Object(
  {
    environment: Environment,
    outcome: StringEnum(REHEARSAL_OUTCOMES),
    notes: Type.Optional(Text(20_000)),
    evidenceUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const RehearsalSchema = Type.Object({
  id: Type.Integer(),
  environment: Type.String(),
  outcome: StringEnum(REHEARSAL_OUTCOMES),
  notes: Type.String(),
  evidenceUrl: Nullable(Type.String()),
  planRevision: Type.Integer({ description: 'The back-out plan revision that was rehearsed' }),
  recordedBy: Actor,
  recordedAt: Timestamp,
});

export const ReviewBody = Type.Object(
  { outcome: StringEnum(RELEASE_REVIEW_OUTCOMES), notes: Type.Optional(Text(20_000)) },
  { additionalProperties: false },
);

export const ReviewSchema = Type.Object({
  outcome: StringEnum(RELEASE_REVIEW_OUTCOMES),
  notes: Type.String(),
  reviewedBy: Actor,
  reviewedAt: Timestamp,
});

// Contents ------------------------------------------------------------------------------------

export const ContentsSchema = Type.Object({
  releaseId: Type.Integer(),
  releaseRevision: Type.Integer({ description: "The release's `version` (its ETag) after this answer" }),
  contentsHash: Type.String(),
  artifacts: Type.Array(
    Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      artifactVersion: Type.String(),
      sha256: Type.String(),
      size: Type.Integer(),
      license: Type.String(),
      state: Type.String(),
      element: Nullable(Type.String()),
      signature: Nullable(
        Type.Object({ keyId: Nullable(Type.String()), status: StringEnum(['verified', 'failed'] as const) }),
      ),
      problems: Type.Array(Type.Object({ rule: Type.String(), message: Type.String() })),
    }),
  ),
  reservations: Type.Array(ReservationSchema),
  ciChanges: Type.Array(
    Type.Object({
      id: Type.Integer(),
      ci: CiRefSchema,
      attribute: Type.String(),
      current: Type.Unknown({ description: 'What the CMDB holds now' }),
      value: Type.Unknown({ description: 'The planned new value' }),
      note: Type.String(),
      createdBy: Type.String(),
      createdAt: Timestamp,
    }),
  ),
});

export const AddArtifactBody = Type.Object({ artifactId: Id }, { additionalProperties: false });
export const ArtifactParams = Type.Object({ id: Id, artifactId: Id });

export const ReserveBody = Type.Object(
  {
    lines: Type.Array(
      Type.Object(
        { modelId: Id, siteId: Id, quantity: Type.Integer({ minimum: 1, maximum: 100_000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
    note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
);
export const ReservationParams = Type.Object({ id: Id, reservationId: Id });

const AttributeValue = Type.Union([Type.String({ maxLength: 4000 }), Type.Number(), Type.Boolean(), Type.Null()]);

export const CiChangeBody = Type.Object(
  {
    ciId: Id,
    attribute: Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }),
    value: AttributeValue,
    note: Type.Optional(Text(4000)),
  },
  { additionalProperties: false },
);
export const CiChangeParams = Type.Object({ id: Id, changeId: Id });

const Scalar = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]);
const StringOrList = Type.Union([
  Type.String({ minLength: 1, maxLength: 200 }),
  Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 100 }),
]);

/** The saved target query language (see docs/releases.md#target-queries). */
export const TargetQuerySchema = Type.Object(
  {
    class: Type.Optional(StringOrList),
    environment: Type.Optional(StringOrList),
    status: Type.Optional(StringOrList),
    nameContains: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    attributes: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }),
        Type.Union([
          Scalar,
          Type.Object(
            {
              eq: Type.Optional(Scalar),
              ne: Type.Optional(Scalar),
              in: Type.Optional(Type.Array(Scalar, { minItems: 1, maxItems: 500 })),
              lt: Type.Optional(Scalar),
              lte: Type.Optional(Scalar),
              gt: Type.Optional(Scalar),
              gte: Type.Optional(Scalar),
              exists: Type.Optional(Type.Boolean()),
              version: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A semver range' })),
            },
            { additionalProperties: false },
          ),
        ]),
        // Keys that do not match the pattern would otherwise pass with any value.
        { additionalProperties: false },
      ),
    ),
    installed: Type.Optional(
      Type.Array(
        Type.Object(
          {
            product: Type.String({ minLength: 1, maxLength: 200 }),
            version: Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: 'A semver range, e.g. <3.0' }),
            ),
            present: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
    related: Type.Optional(
      Type.Array(
        Type.Object(
          {
            type: Type.String({ maxLength: 64 }),
            direction: Type.Optional(StringEnum(['out', 'in'] as const)),
            ci: Type.Union([Type.String({ minLength: 3, maxLength: 400 }), Id]),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Conditions combine with AND: e.g. { "class": "desktop", "attributes": { "site": "RTM" }, "installed": [{ "product": "Zoom", "version": "<6.0" }] }',
  },
);

export const AddTargetsBody = Type.Object(
  {
    environment: Environment,
    cis: Type.Array(Type.Union([Id, Type.String({ minLength: 3, maxLength: 400, description: 'class/name' })]), {
      minItems: 1,
      maxItems: 10_000,
    }),
  },
  { additionalProperties: false },
);

export const TargetParams = Type.Object({ id: Id, environment: Environment, ciId: Id });
export const EnvironmentParams = Type.Object({ id: Id, environment: Environment });

export const AddTargetQueryBody = Type.Object(
  { environment: Environment, name: Type.Optional(Type.String({ maxLength: 200 })), query: TargetQuerySchema },
  { additionalProperties: false },
);
export const TargetQueryParams = Type.Object({ id: Id, queryId: Id });

export const PreviewBody = Type.Object(
  { query: TargetQuerySchema, limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })) },
  { additionalProperties: false },
);

const TargetQueryViewSchema = Type.Object({
  id: Type.Integer(),
  environment: Type.String(),
  name: Type.String(),
  query: TargetQuerySchema,
  count: Type.Integer({ description: 'How many CIs it selects now' }),
  createdBy: Type.String(),
  createdAt: Timestamp,
});

export const TargetSummarySchema = Type.Object({
  releaseId: Type.Integer(),
  releaseRevision: Type.Integer({ description: "The release's `version` (its ETag) after this answer" }),
  environments: Type.Array(
    Type.Object({
      environment: Type.String(),
      count: Type.Integer({ description: 'Distinct CIs, explicit and by query' }),
      explicit: Type.Integer(),
      queries: Type.Array(TargetQueryViewSchema),
    }),
  ),
});

const ResolvedTargetSchema = Type.Object({
  id: Type.Integer(),
  class: Type.String(),
  name: Type.String(),
  status: Type.String(),
  environment: Nullable(Type.String()),
  sources: Type.Array(Type.String({ description: '`explicit` or `query:<id>`' })),
});

export const TargetPageSchema = Type.Object({
  releaseId: Type.Integer(),
  environment: Type.String(),
  count: Type.Integer(),
  items: Type.Array(ResolvedTargetSchema),
  next: Nullable(Type.String()),
});

export const PreviewSchema = Type.Object({ count: Type.Integer(), items: Type.Array(ResolvedTargetSchema) });

const ClashSchema = Type.Object({
  rule: Type.String(),
  artifact: Type.Object({ id: Type.Integer(), name: Type.String(), version: Type.String() }),
  clause: Type.Object({
    kind: StringEnum(['requires', 'conflicts', 'same_product'] as const),
    name: Type.String(),
    range: Nullable(Type.String()),
  }),
  ci: Nullable(CiRefSchema),
  installedVersion: Nullable(Type.String()),
  via: Nullable(Type.String()),
  otherRelease: Nullable(
    Type.Object({
      id: Type.Integer(),
      unit: Type.String(),
      version: Type.String(),
      title: Type.String(),
      state: Type.String(),
    }),
  ),
  message: Type.String(),
});

export const CoexistenceSchema = Type.Object({
  releaseId: Type.Integer(),
  environment: Nullable(Type.String()),
  ok: Type.Boolean(),
  checkedAt: Timestamp,
  artifacts: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), version: Type.String() })),
  releaseClashes: Type.Array(ClashSchema),
  summary: Type.Object({
    targets: Type.Integer(),
    clean: Type.Integer(),
    clashing: Type.Integer(),
    clashes: Type.Integer(),
  }),
  concurrentReleases: Type.Array(
    Type.Object({
      id: Type.Integer(),
      unit: Type.String(),
      version: Type.String(),
      title: Type.String(),
      state: Type.String(),
    }),
  ),
  targets: Type.Array(Type.Object({ ci: CiRefSchema, ok: Type.Boolean(), clashes: Type.Array(ClashSchema) })),
  truncated: Type.Boolean(),
});

export const AnalysisQuery = Type.Object(
  {
    environment: Type.Optional(Environment),
    limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

export const ReleaseImpactSchema = Type.Object({
  releaseId: Type.Integer(),
  environment: Nullable(Type.String()),
  roots: Type.Object({
    count: Type.Integer(),
    byClass: Type.Array(Type.Object({ class: Type.String(), count: Type.Integer() })),
  }),
  count: Type.Integer({ description: 'CIs reached downstream from the roots (roots not counted)' }),
  summary: ImpactSchema.properties.summary,
  services: ImpactSchema.properties.services,
  servicesTotal: Type.Integer(),
  items: Type.Array(CiRefSchema),
  truncated: Type.Boolean(),
  computedAt: Timestamp,
});

// Tests ---------------------------------------------------------------------------------------

export const JunitSchema = Type.Object({
  suites: Type.Integer(),
  tests: Type.Integer(),
  passed: Type.Integer(),
  failed: Type.Integer(),
  errors: Type.Integer(),
  skipped: Type.Integer(),
  time: Nullable(Type.Number()),
  failures: Type.Array(
    Type.Object({
      suite: Type.String(),
      name: Type.String(),
      classname: Nullable(Type.String()),
      kind: StringEnum(['failure', 'error'] as const),
      message: Type.String(),
    }),
  ),
});

export const TestSchema = Type.Object({
  id: Type.Integer(),
  environment: Type.String(),
  protocol: TestProtocolSchema,
  outcome: StringEnum(TEST_OUTCOMES),
  summary: Type.String(),
  evidence: Type.Object({
    kind: StringEnum(TEST_EVIDENCE_KINDS),
    text: Nullable(Type.String()),
    url: Nullable(Type.String()),
    file: Nullable(
      Type.Object({
        name: Type.String(),
        sha256: Type.String(),
        size: Type.Integer(),
        contentType: Type.String(),
        downloadUrl: Type.String(),
      }),
    ),
    junit: Nullable(JunitSchema),
  }),
  build: Type.Object({ contentsHash: Type.String(), current: Type.Boolean() }),
  current: Type.Boolean({ description: 'The result the gates read for this protocol and environment' }),
  recordedBy: Type.Object({ id: Nullable(Type.Integer()), name: Type.String(), via: Type.String() }),
  recordedAt: Timestamp,
});

export const RecordTestBody = Type.Object(
  {
    environment: Environment,
    protocol: TestProtocolSchema,
    outcome: StringEnum(TEST_OUTCOMES),
    summary: Type.Optional(Text(10_000)),
    evidence: Type.Optional(
      Type.Object(
        { text: Type.Optional(Text(50_000)), url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const JunitQuery = Type.Object(
  { environment: Environment, protocol: TestProtocolSchema, summary: Type.Optional(Text(10_000)) },
  { additionalProperties: false },
);

export const UploadQuery = Type.Object(
  {
    environment: Environment,
    protocol: TestProtocolSchema,
    outcome: StringEnum(TEST_OUTCOMES),
    summary: Type.Optional(Text(10_000)),
    fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    note: Type.Optional(Text(10_000)),
  },
  { additionalProperties: false },
);

export const TestParams = Type.Object({ id: Id, testId: Id });

// Changes -------------------------------------------------------------------------------------

export const CreateChangeBody = Type.Object(
  { submit: Type.Optional(Type.Boolean({ description: 'Also submit it (impact and risk are computed)' })) },
  { additionalProperties: false },
);
export const CreatedChangeSchema = Type.Object({ change: ChangeSchema, risk: RiskSchema });
export const LinkChangeBody = Type.Object({ changeId: Id }, { additionalProperties: false });
export const ChangeParams = Type.Object({ id: Id, changeId: Id });

// Templates -----------------------------------------------------------------------------------

const SectionsInput = Type.Object(
  Object.fromEntries(PLAN_SECTION_KEYS.map((k) => [k, Type.Optional(Text(20_000))])) as Record<
    (typeof PLAN_SECTION_KEYS)[number],
    ReturnType<typeof Type.Optional<ReturnType<typeof Text>>>
  >,
  { additionalProperties: false },
);

export const TemplateSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  element: ReleaseElementSchema,
  description: Type.String(),
  planSections: Type.Array(
    Type.Object({ key: StringEnum(PLAN_SECTION_KEYS), title: Type.String(), content: Type.String() }),
  ),
  requiredTests: TestsByEnvironment,
  backoutProcedure: Type.String(),
  rolloutStrategy: StringEnum(ROLLOUT_STRATEGIES),
  builtin: Type.Boolean({ description: 'Shipped with Slipway (editable like any other)' }),
  active: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer(),
});

// additionalProperties: false because a Record keyed by a pattern accepts keys that do not match
// it with any value at all (TypeBox emits only patternProperties); such a template was stored and
// then failed every read with 500.
const TestsInput = Type.Record(Environment, Type.Array(TestProtocolSchema, { uniqueItems: true, maxItems: 9 }), {
  additionalProperties: false,
});

export const CreateTemplateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    element: ReleaseElementSchema,
    description: Type.Optional(Text(20_000)),
    planSections: Type.Optional(SectionsInput),
    requiredTests: Type.Optional(TestsInput),
    backoutProcedure: Type.Optional(Text(20_000)),
    rolloutStrategy: StringEnum(ROLLOUT_STRATEGIES),
  },
  { additionalProperties: false },
);

export const PatchTemplateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Text(20_000)),
    planSections: Type.Optional(SectionsInput),
    requiredTests: Type.Optional(TestsInput),
    backoutProcedure: Type.Optional(Text(20_000)),
    rolloutStrategy: Type.Optional(StringEnum(ROLLOUT_STRATEGIES)),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const TemplateListQuery = Type.Object(
  { ...PageQuery, element: Type.Optional(ReleaseElementSchema) },
  { additionalProperties: false },
);

export const EnvironmentSchema = Type.Object({
  name: Type.String(),
  order: Type.Integer(),
  last: Type.Boolean({ description: 'The production-like environment: only approved releases reach it' }),
  // An object with one key per type, not Type.Record over the enum: TypeBox turns a record keyed by
  // an Unsafe enum into an object with no properties, and the response serializer would drop them all.
  requiredTests: Type.Object(
    {
      major: Type.Array(TestProtocolSchema),
      minor: Type.Array(TestProtocolSchema),
      emergency: Type.Array(TestProtocolSchema),
    },
    { description: 'Per release type, the tests that must pass here before promotion past it' },
  ),
});

// Evidence ------------------------------------------------------------------------------------

export const EvidenceSchema = Type.Object({
  format: Type.Literal('slipway.release-evidence/1'),
  generatedAt: Timestamp,
  generatedBy: Type.String(),
  release: ReleaseSchema,
  policy: Type.Object({
    current: Type.Integer(),
    judgedBy: Type.Array(Type.Integer(), {
      description: 'Every policy version a transition of the release was judged by',
    }),
  }),
  plan: PlanSchema,
  contents: ContentsSchema,
  targets: TargetSummarySchema,
  changes: Type.Array(Type.Object({ change: ChangeSchema, approvals: Type.Array(ChangeApprovalSchema) })),
  approvals: Type.Array(ReleaseApprovalSchema),
  tests: Type.Array(TestSchema),
  promotions: Type.Array(PromotionSchema),
  rehearsals: Type.Array(RehearsalSchema),
  review: Nullable(ReviewSchema),
  history: Type.Array(HistorySchema),
  rollouts: Type.Object({
    source: Nullable(Type.String({ description: 'The module that recorded rollouts (null: none yet)' })),
    records: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  }),
  audit: Type.Object({
    entries: Type.Array(AuditEntrySchema),
    truncated: Type.Boolean(),
    verification: Type.Object({
      ok: Type.Boolean(),
      entries: Type.Integer(),
      headSeq: Type.Integer(),
      checkpoints: Type.Object({
        total: Type.Integer(),
        verified: Type.Integer(),
        latest: Nullable(Type.Object({ seq: Type.Integer(), at: Timestamp })),
      }),
      firstBad: Nullable(Type.Object({ seq: Nullable(Type.Integer()), reason: Type.String(), message: Type.String() })),
    }),
  }),
});
