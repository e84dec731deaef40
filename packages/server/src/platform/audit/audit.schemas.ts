import { Type } from 'typebox';
import { PageQuery, Timestamp } from '../http/schemas.js';

export const AuditEntrySchema = Type.Object({
  seq: Type.Integer(),
  at: Timestamp,
  actor: Type.Object({
    id: Type.Union([Type.Integer(), Type.Null()]),
    name: Type.String(),
    breakGlass: Type.Optional(
      Type.Object(
        { id: Type.Integer(), reason: Type.String() },
        { description: 'Present when the actor acted under a break-glass elevation (GET /api/v1/auth/break-glass)' },
      ),
    ),
  }),
  requestId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  objectType: Type.String(),
  objectId: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
  hash: Type.String(),
});

export const AuditListQuery = Type.Object(
  {
    ...PageQuery,
    objectType: Type.Optional(Type.String({ maxLength: 100 })),
    objectId: Type.Optional(Type.String({ maxLength: 100 })),
    actorId: Type.Optional(Type.Integer({ minimum: 1 })),
    breakGlassId: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Only entries written under this break-glass elevation' }),
    ),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

const Problem = Type.Object({
  seq: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.String(),
  message: Type.String(),
});

export const AuditVerificationSchema = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  headSeq: Type.Integer(),
  checkpoints: Type.Object({
    total: Type.Integer(),
    verified: Type.Integer(),
    latest: Type.Union([Type.Object({ seq: Type.Integer(), at: Timestamp }), Type.Null()]),
  }),
  firstBad: Type.Union([Problem, Type.Null()]),
  problems: Type.Array(Problem),
  durationMs: Type.Integer(),
});

export const CheckpointSchema = Type.Object({
  seq: Type.Integer(),
  hash: Type.String(),
  at: Timestamp,
  keyId: Type.String(),
  sig: Type.String(),
});
