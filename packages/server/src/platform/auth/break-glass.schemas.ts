import {
  BREAK_GLASS_DEFAULT_MINUTES,
  BREAK_GLASS_MAX_MINUTES,
  BREAK_GLASS_REASON_MAX,
  BREAK_GLASS_REASON_MIN,
} from '@slipway/model';
import { Type } from 'typebox';
import { NullableTimestamp, PageQuery, Timestamp } from '../http/schemas.js';

export const BreakGlassSchema = Type.Object(
  {
    id: Type.Integer(),
    userId: Type.Integer(),
    username: Type.String(),
    reason: Type.String(),
    via: Type.String({ description: 'How the admin authenticated when starting it: token or session' }),
    startedAt: Timestamp,
    expiresAt: Timestamp,
    active: Type.Boolean({ description: 'True while it grants permissions' }),
    endedAt: NullableTimestamp,
    endReason: Type.Union([Type.Literal('ended'), Type.Literal('expired'), Type.Null()]),
    endedBy: Type.Union([Type.String(), Type.Null()]),
  },
  { description: 'A break-glass elevation: an admin’s time-boxed, audited emergency access' },
);

export const StartBreakGlassBody = Type.Object(
  {
    reason: Type.String({
      minLength: BREAK_GLASS_REASON_MIN,
      maxLength: BREAK_GLASS_REASON_MAX,
      description: 'The emergency, stated anew each time (incident or change number, what must be done)',
    }),
    minutes: Type.Optional(
      Type.Integer({ minimum: 1, maximum: BREAK_GLASS_MAX_MINUTES, default: BREAK_GLASS_DEFAULT_MINUTES }),
    ),
  },
  { additionalProperties: false },
);

export const BreakGlassListQuery = Type.Object(
  {
    ...PageQuery,
    userId: Type.Optional(Type.Integer({ minimum: 1, description: 'Only this user’s elevations' })),
  },
  { additionalProperties: false },
);

export const BreakGlassOverview = Type.Object({
  current: Type.Union([BreakGlassSchema, Type.Null()], {
    description: 'The caller’s own active elevation, if any',
  }),
  items: Type.Array(BreakGlassSchema, { description: 'Every elevation, newest first' }),
  next: Type.Union([Type.String(), Type.Null()]),
});
