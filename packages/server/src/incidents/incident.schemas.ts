import { INCIDENT_CAUSE_KINDS, INCIDENT_SEVERITIES } from '@slipway/model';
import { Type } from 'typebox';
import { NullableTimestamp, PageQuery, StringEnum, Timestamp } from '../platform/http/schemas.js';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const NullableId = Type.Union([Id, Type.Null()]);

export const IncidentSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    description: Type.String(),
    severity: StringEnum(INCIDENT_SEVERITIES),
    startedAt: Timestamp,
    resolvedAt: NullableTimestamp,
    open: Type.Boolean(),
    durationMinutes: Type.Union([Type.Number(), Type.Null()], { description: 'Start to resolution; null while open' }),
    cause: Type.Union([
      Type.Object({ kind: StringEnum(INCIDENT_CAUSE_KINDS), id: Type.Integer(), title: Type.String() }),
      Type.Null(),
    ]),
    causeNote: Type.Union([Type.String(), Type.Null()]),
    cis: Type.Array(Type.Object({ id: Type.Integer(), class: Type.String(), name: Type.String() })),
    reviewedInChanges: Type.Array(Type.Integer(), {
      description: 'Changes whose post-implementation review lists this incident',
    }),
    createdBy: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'An incident: what broke, which CIs, when, and the release or change that caused it' },
);

const fields = {
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  severity: Type.Optional(StringEnum(INCIDENT_SEVERITIES)),
  resolvedAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  causedByReleaseId: Type.Optional(NullableId),
  causedByChangeId: Type.Optional(NullableId),
  causeNote: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  ciIds: Type.Optional(Type.Array(Id, { maxItems: 200, description: 'Affected CIs' })),
};

export const CreateIncidentBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    startedAt: Type.String({ format: 'date-time' }),
    ...fields,
  },
  { additionalProperties: false },
);

export const PatchIncidentBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    startedAt: Type.Optional(Type.String({ format: 'date-time' })),
    ...fields,
  },
  { additionalProperties: false },
);

export const ResolveIncidentBody = Type.Object(
  { resolvedAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })) },
  { additionalProperties: false },
);

export const IncidentListQuery = Type.Object(
  {
    ...PageQuery,
    open: Type.Optional(Type.Boolean({ description: 'Only open (true) or only resolved (false) incidents' })),
    releaseId: Type.Optional(Id),
    changeId: Type.Optional(Id),
    ciId: Type.Optional(Id),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Started at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Started before' })),
  },
  { additionalProperties: false },
);
