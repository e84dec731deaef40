import {
  CHANGE_ACTIONS,
  CHANGE_STATES,
  CHANGE_TYPES,
  CONFLICT_KINDS,
  FREEZE_KINDS,
  REVIEW_OUTCOMES,
  RISK_LEVELS,
} from '@slipway/model';
import { type TSchema, Type } from 'typebox';
import { NullableTimestamp, PageQuery, StringEnum, Timestamp } from '../platform/http/schemas.js';
import { RISK_FACTORS } from './risk.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const DateTimeInput = Type.String({
  format: 'date-time',
  maxLength: 40,
  description: 'ISO-8601 date-time with an offset, e.g. 2026-12-15T22:00:00Z',
});

export const ChangeTypeSchema = StringEnum(CHANGE_TYPES);
export const ChangeStateSchema = StringEnum(CHANGE_STATES);
const CiRef = Type.Object({ id: Type.Integer(), class: Type.String(), name: Type.String() });
const UserRef = Type.Object({ id: Type.Integer(), username: Type.String() });

export const ImpactSchema = Type.Object(
  {
    count: Type.Integer({ description: "CIs reached downstream from the change's CIs (those not counted)" }),
    summary: Type.Array(Type.Object({ class: Type.String(), count: Type.Integer() })),
    services: Type.Array(
      Type.Object({
        id: Type.Integer(),
        name: Type.String(),
        owner: Nullable(Type.String()),
        criticality: Nullable(Type.String()),
      }),
    ),
    servicesTotal: Type.Integer(),
    computedAt: Timestamp,
  },
  { description: 'Impacted CIs and services, from the CMDB impact index' },
);

export const RiskSchema = Type.Object(
  {
    score: Type.Integer({ minimum: 0, maximum: 100 }),
    level: StringEnum(RISK_LEVELS),
    factors: Type.Array(
      Type.Object({
        factor: StringEnum(RISK_FACTORS),
        weight: Type.Number(),
        fraction: Type.Number(),
        contribution: Type.Number(),
        reason: Type.String(),
      }),
    ),
    thresholds: Type.Object({ moderate: Type.Number(), high: Type.Number(), very_high: Type.Number() }),
    computedAt: Timestamp,
    policyVersion: Type.Integer(),
  },
  { description: 'Explainable risk: each factor with its weight (from the policy), fraction and reason' },
);

const ApprovalStatusSchema = Type.Object({
  board: StringEnum(['cab', 'ecab', 'none'] as const),
  required: Type.Integer(),
  serviceOwnerRequired: Type.Boolean(),
  serviceOwners: Type.Array(Type.String()),
  round: Type.Integer({ description: 'Bumped by every edit of CIs, window or implementer' }),
  approvals: Type.Array(
    Type.Object({
      approverId: Type.Integer(),
      approverName: Type.String(),
      at: Timestamp,
      asServiceOwner: Type.Boolean(),
    }),
  ),
  serviceOwnerApproved: Type.Boolean(),
  met: Type.Boolean(),
  missing: Type.Array(Type.String()),
});

const ReviewSchema = Type.Object({
  outcome: StringEnum(REVIEW_OUTCOMES),
  incidentIds: Type.Array(Type.Integer()),
  lessons: Type.String(),
  reviewedBy: Type.Object({ id: Nullable(Type.Integer()), username: Type.String() }),
  reviewedAt: Timestamp,
});

export const ChangeSchema = Type.Object(
  {
    id: Type.Integer(),
    type: ChangeTypeSchema,
    state: ChangeStateSchema,
    title: Type.String(),
    description: Type.String(),
    justification: Type.String(),
    templateId: Nullable(Type.Integer()),
    ciIds: Type.Array(Type.Integer()),
    cis: Type.Array(CiRef),
    plannedStart: NullableTimestamp,
    plannedEnd: NullableTimestamp,
    implementer: Nullable(UserRef),
    requester: Type.Object({ id: Nullable(Type.Integer()), username: Type.String() }),
    backoutPlan: Nullable(Type.String()),
    releaseId: Nullable(Type.Integer()),
    teamId: Nullable(Type.Integer({ description: 'The owning team; null = organisation-wide' })),
    impact: Nullable(ImpactSchema),
    risk: Nullable(RiskSchema),
    approval: ApprovalStatusSchema,
    freezeOverride: Nullable(
      Type.Object({
        reason: Type.String(),
        by: Type.String(),
        at: Timestamp,
        freezes: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String() })),
      }),
    ),
    review: Nullable(ReviewSchema),
    reviewDueAt: NullableTimestamp,
    submittedAt: NullableTimestamp,
    scheduledAt: NullableTimestamp,
    startedAt: NullableTimestamp,
    completedAt: NullableTimestamp,
    closedAt: NullableTimestamp,
    allowedTransitions: Type.Array(Type.Object({ action: StringEnum(CHANGE_ACTIONS), to: ChangeStateSchema })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A request for change (RFC)' },
);

const Text = (max: number) => Type.String({ maxLength: max });

export const CreateChangeBody = Type.Object(
  {
    type: ChangeTypeSchema,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text(20_000)),
    justification: Type.Optional(Text(20_000)),
    templateId: Type.Optional(Nullable(Id)),
    ciIds: Type.Optional(Type.Array(Id, { maxItems: 1000, uniqueItems: true })),
    plannedStart: Type.Optional(Nullable(DateTimeInput)),
    plannedEnd: Type.Optional(Nullable(DateTimeInput)),
    implementerId: Type.Optional(Nullable(Id)),
    backoutPlan: Type.Optional(Nullable(Text(20_000))),
    releaseId: Type.Optional(Nullable(Id)),
    /** The owning team (one the caller belongs to); null or absent = organisation-wide. */
    teamId: Type.Optional(Nullable(Id)),
  },
  { additionalProperties: false },
);

export const PatchChangeBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Text(20_000)),
    justification: Type.Optional(Text(20_000)),
    ciIds: Type.Optional(Type.Array(Id, { maxItems: 1000, uniqueItems: true })),
    plannedStart: Type.Optional(Nullable(DateTimeInput)),
    plannedEnd: Type.Optional(Nullable(DateTimeInput)),
    implementerId: Type.Optional(Nullable(Id)),
    backoutPlan: Type.Optional(Nullable(Text(20_000))),
    releaseId: Type.Optional(Nullable(Id)),
    /** The owning team (one the caller belongs to); null or absent = organisation-wide. */
    teamId: Type.Optional(Nullable(Id)),
  },
  { additionalProperties: false },
);

const FreezeOverrideBody = Type.Object(
  {
    reason: Type.String({ minLength: 3, maxLength: 2000, description: 'Why the soft freeze may be broken (audited)' }),
  },
  { additionalProperties: false },
);

export const TransitionBody = Type.Object(
  {
    to: ChangeStateSchema,
    comment: Type.Optional(Text(4000)),
    freezeOverride: Type.Optional(FreezeOverrideBody),
  },
  { additionalProperties: false },
);

export const ActionBody = Type.Object(
  { comment: Type.Optional(Text(4000)), freezeOverride: Type.Optional(FreezeOverrideBody) },
  { additionalProperties: false },
);

export const DecisionBody = Type.Object({ comment: Type.Optional(Text(4000)) }, { additionalProperties: false });

export const ReviewBody = Type.Object(
  {
    outcome: StringEnum(REVIEW_OUTCOMES),
    incidentIds: Type.Optional(Type.Array(Id, { maxItems: 100, uniqueItems: true })),
    lessons: Type.Optional(Text(20_000)),
  },
  { additionalProperties: false },
);

export const ChangeListQuery = Type.Object(
  {
    ...PageQuery,
    state: Type.Optional(Type.String({ maxLength: 200, description: 'One state or a comma-separated list' })),
    type: Type.Optional(ChangeTypeSchema),
    ciId: Type.Optional(Id),
    requesterId: Type.Optional(Id),
    implementerId: Type.Optional(Id),
    from: Type.Optional(DateTimeInput),
    to: Type.Optional(DateTimeInput),
  },
  { additionalProperties: false },
);

export const HistoryItemSchema = Type.Object({
  id: Type.Integer(),
  from: Nullable(Type.String()),
  to: Type.String(),
  action: Type.String(),
  actor: Type.Object({ id: Nullable(Type.Integer()), name: Type.String() }),
  comment: Nullable(Type.String()),
  at: Timestamp,
});

export const ApprovalSchema = Type.Object({
  id: Type.Integer(),
  approverId: Type.Integer(),
  approverName: Type.String(),
  decision: StringEnum(['approved', 'rejected'] as const),
  comment: Type.String(),
  asServiceOwner: Type.Boolean(),
  round: Type.Integer(),
  scopeHash: Type.String({ description: 'SHA-256 of the CIs, window and implementer this decision was about' }),
  changeVersion: Type.Integer({ description: 'The version of the change that was decided on' }),
  at: Timestamp,
  voidedAt: NullableTimestamp,
  voidedReason: Nullable(Type.String()),
});

const ConflictChangeRef = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  state: Type.String(),
  plannedStart: NullableTimestamp,
  plannedEnd: NullableTimestamp,
});

export const ConflictSchema = Type.Object({
  kind: StringEnum(CONFLICT_KINDS),
  severity: StringEnum(['blocking', 'warning'] as const),
  message: Type.String(),
  changes: Type.Array(ConflictChangeRef),
  cis: Type.Array(CiRef),
  freeze: Nullable(
    Type.Object({ id: Type.Integer(), name: Type.String(), kind: Type.String(), start: Timestamp, end: Timestamp }),
  ),
  maintenanceWindows: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String() })),
  nextFit: Nullable(Type.Object({ start: Timestamp, end: Timestamp })),
  implementer: Nullable(UserRef),
  sharedImpact: Nullable(Type.Integer()),
});

export const ChangeConflictsSchema = Type.Object({
  changeId: Type.Integer(),
  plannedStart: NullableTimestamp,
  plannedEnd: NullableTimestamp,
  conflicts: Type.Array(ConflictSchema),
  truncated: Type.Boolean(),
});

const Counts = Type.Object(
  Object.fromEntries(CONFLICT_KINDS.map((k) => [k, Type.Integer()])) as Record<
    (typeof CONFLICT_KINDS)[number],
    ReturnType<typeof Type.Integer>
  >,
);

export const ConflictReportSchema = Type.Object({
  from: Timestamp,
  to: Timestamp,
  changes: Type.Integer(),
  counts: Counts,
  items: Type.Array(ConflictSchema),
  truncated: Type.Boolean(),
  durationMs: Type.Integer(),
});

export const RangeQuery = Type.Object(
  {
    from: Type.Optional(DateTimeInput),
    to: Type.Optional(DateTimeInput),
  },
  { additionalProperties: false },
);

export const ConflictReportQuery = Type.Object(
  {
    from: Type.Optional(DateTimeInput),
    to: Type.Optional(DateTimeInput),
    impact: Type.Optional(Type.Boolean({ description: 'Include impact-closure overlaps (default true)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })),
  },
  { additionalProperties: false },
);

export const AgendaSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      reason: StringEnum(['approve', 'assess', 'schedule', 'implement', 'review', 'close'] as const),
      task: Type.String(),
      change: ChangeSchema,
    }),
  ),
});

export const AssessmentSchema = Type.Object({ impact: ImpactSchema, risk: RiskSchema });

// Templates --------------------------------------------------------------------------------------

export const TemplateSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    allowedCiClasses: Type.Array(Type.String()),
    maxImpactedCis: Type.Integer(),
    maxDurationMinutes: Type.Integer(),
    backoutPlan: Nullable(Type.String()),
    active: Type.Boolean(),
    createdBy: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A standard-change template: within its limits a change needs no CAB' },
);

export const CreateTemplateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text(4000)),
    allowedCiClasses: Type.Array(Type.String({ minLength: 1, maxLength: 63 }), {
      minItems: 1,
      maxItems: 100,
      uniqueItems: true,
    }),
    maxImpactedCis: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    maxDurationMinutes: Type.Integer({ minimum: 1, maximum: 527_040 }),
    backoutPlan: Type.Optional(Nullable(Text(20_000))),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PatchTemplateBody = Type.Partial(CreateTemplateBody, { additionalProperties: false });

// Freezes and maintenance windows ------------------------------------------------------------------

const RecurrenceFields = {
  startsAt: DateTimeInput,
  endsAt: DateTimeInput,
  rrule: Type.Optional(
    Nullable(
      Type.String({
        maxLength: 500,
        description: 'RFC 5545 RRULE, e.g. FREQ=YEARLY or FREQ=MONTHLY;BYDAY=3SA (subset: see docs/changes.md)',
      }),
    ),
  ),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone; default UTC' })),
};

const FreezeScopeSchema = Type.Object(
  {
    environments: Type.Array(Type.String({ maxLength: 32 })),
    ciClasses: Type.Array(Type.String({ maxLength: 63 })),
    ciIds: Type.Array(Type.Integer()),
    serviceIds: Type.Array(Type.Integer(), { description: 'A service covers the CIs it depends on' }),
  },
  { description: 'Every non-empty list must match a CI for the freeze to cover it; all empty: everything' },
);

export const FreezeSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  kind: StringEnum(FREEZE_KINDS),
  startsAt: Timestamp,
  endsAt: Timestamp,
  rrule: Nullable(Type.String()),
  timezone: Type.String(),
  scope: FreezeScopeSchema,
  active: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer(),
});

const FreezeScopeInput = Type.Object(
  {
    environments: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 50, uniqueItems: true })),
    ciClasses: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 100, uniqueItems: true })),
    ciIds: Type.Optional(Type.Array(Id, { maxItems: 10_000, uniqueItems: true })),
    serviceIds: Type.Optional(Type.Array(Id, { maxItems: 1000, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const CreateFreezeBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text(4000)),
    kind: StringEnum(FREEZE_KINDS),
    ...RecurrenceFields,
    scope: Type.Optional(FreezeScopeInput),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PatchFreezeBody = Type.Partial(CreateFreezeBody, { additionalProperties: false });

export const MaintenanceWindowSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  startsAt: Timestamp,
  endsAt: Timestamp,
  rrule: Nullable(Type.String()),
  timezone: Type.String(),
  ciIds: Type.Array(Type.Integer()),
  serviceIds: Type.Array(Type.Integer()),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Type.Integer(),
});

export const CreateMaintenanceWindowBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Text(4000)),
    ...RecurrenceFields,
    ciIds: Type.Optional(Type.Array(Id, { maxItems: 10_000, uniqueItems: true })),
    serviceIds: Type.Optional(Type.Array(Id, { maxItems: 1000, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const PatchMaintenanceWindowBody = Type.Partial(CreateMaintenanceWindowBody, { additionalProperties: false });

export const OccurrencesSchema = Type.Object({
  items: Type.Array(Type.Object({ start: Timestamp, end: Timestamp })),
});

// Calendar -----------------------------------------------------------------------------------------

export const CalendarEventSchema = Type.Object({
  uid: Type.String({ description: 'Stable per event (and per occurrence of a recurring window)' }),
  source: Type.String({
    description: 'The calendar source: changes, freezes, maintenance … (releases and rollouts plug in)',
  }),
  kind: Type.String(),
  objectType: Type.String(),
  objectId: Type.Integer(),
  title: Type.String(),
  description: Type.String(),
  start: Timestamp,
  end: Timestamp,
  status: Type.String(),
  url: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  updatedAt: Timestamp,
  version: Type.Integer(),
});

export const CalendarQuery = Type.Object(
  {
    from: Type.Optional(DateTimeInput),
    to: Type.Optional(DateTimeInput),
    sources: Type.Optional(Type.String({ maxLength: 200, description: 'Comma-separated source names; default all' })),
    conflicts: Type.Optional(Type.Boolean({ description: 'Also return the conflict report for the range' })),
  },
  { additionalProperties: false },
);

export const CalendarSchema = Type.Object({
  from: Timestamp,
  to: Timestamp,
  sources: Type.Array(Type.String()),
  events: Type.Array(CalendarEventSchema),
  conflicts: Nullable(ConflictReportSchema),
});

export const IcsQuery = Type.Object(
  {
    token: Type.Optional(
      Type.String({ maxLength: 200, description: 'A calendar feed token (read-only, for calendar clients)' }),
    ),
    from: Type.Optional(DateTimeInput),
    to: Type.Optional(DateTimeInput),
    sources: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const FeedTokenSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: NullableTimestamp,
  revokedAt: NullableTimestamp,
});

export const CreatedFeedTokenSchema = Type.Object({
  ...FeedTokenSchema.properties,
  token: Type.String({ description: 'Shown once; Slipway keeps only its hash' }),
  url: Type.String({ description: 'The subscription URL for a calendar client' }),
});

export const CreateFeedTokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
