import { PERMISSION_NAMES, ROLES } from '@slipway/model';
import { Type } from 'typebox';
import { NullableTimestamp, PageQuery, StringEnum, Timestamp } from '../http/schemas.js';

export const RoleSchema = StringEnum(ROLES, { description: 'A role (packages/model/src/roles.ts)' });
export const PermissionSchema = StringEnum(PERMISSION_NAMES);

export const UserSchema = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    displayName: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    roles: Type.Array(RoleSchema),
    disabled: Type.Boolean(),
    hasPassword: Type.Boolean(),
    lastLoginAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A Slipway user' },
);

export const CreateUserBody = Type.Object(
  {
    username: Type.String({ minLength: 2, maxLength: 63, description: 'Lower-case letters, digits, ".", "_", "-"' }),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 320 }), Type.Null()])),
    roles: Type.Array(RoleSchema, { minItems: 1, maxItems: 6 }),
    password: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()], {
        description:
          'Omit to have Slipway generate one (returned once as initialPassword); null for a token-only account',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CreatedUser = Type.Object({
  ...UserSchema.properties,
  initialPassword: Type.Optional(Type.String({ description: 'Shown once, only when Slipway generated it' })),
});

export const UpdateUserBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 320 }), Type.Null()])),
    roles: Type.Optional(Type.Array(RoleSchema, { minItems: 1, maxItems: 6 })),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UserListQuery = Type.Object(
  {
    ...PageQuery,
    role: Type.Optional(RoleSchema),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the username or display name' })),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const OwnPasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
    newPassword: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const ResetPasswordBody = Type.Object(
  { newPassword: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const SessionInfo = Type.Object({
  user: UserSchema,
  permissions: Type.Array(PermissionSchema),
  via: Type.Union([Type.Literal('token'), Type.Literal('session')]),
  csrfToken: Type.Union([Type.String(), Type.Null()], {
    description: 'Send as X-CSRF-Token on every cookie-authenticated write',
  }),
  breakGlass: Type.Union(
    [
      Type.Object({
        id: Type.Integer(),
        reason: Type.String(),
        startedAt: Timestamp,
        expiresAt: Timestamp,
      }),
      Type.Null(),
    ],
    { description: 'The active break-glass elevation the permissions above include, or null' },
  ),
});

export const LoginResponse = Type.Object({
  ...SessionInfo.properties,
  expiresAt: Timestamp,
});

export const ApiTokenSchema = Type.Object(
  {
    id: Type.Integer(),
    userId: Type.Integer(),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the token, to recognise it' }),
    createdAt: Timestamp,
    expiresAt: NullableTimestamp,
    lastUsedAt: NullableTimestamp,
    revokedAt: NullableTimestamp,
    version: Type.Integer(),
  },
  { description: 'An API token, without its secret' },
);

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 90 })),
    userId: Type.Optional(Type.Integer({ minimum: 1, description: 'Admins only: create for another user' })),
  },
  { additionalProperties: false },
);

export const CreatedToken = Type.Object({
  ...ApiTokenSchema.properties,
  secret: Type.String({ description: 'The token itself. Shown once; Slipway keeps only its hash.' }),
});

export const TokenListQuery = Type.Object(
  {
    ...PageQuery,
    userId: Type.Optional(Type.Integer({ minimum: 1, description: "Another user's tokens (users.read)" })),
    all: Type.Optional(Type.Boolean({ description: "Every user's tokens (users.read)" })),
    includeRevoked: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
