import { TEAM_NAME_MAX } from '@slipway/model';
import { Type } from 'typebox';
import { Timestamp } from '../http/schemas.js';
import { TEAM_MEMBERS_MAX } from './team.service.js';

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const TeamSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    memberCount: Type.Integer(),
    isMember: Type.Boolean({ description: 'Whether the caller is a member' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { additionalProperties: false },
);

export const TeamMemberSchema = Type.Object(
  { id: Type.Integer(), username: Type.String(), displayName: Type.String() },
  { additionalProperties: false },
);

export const CreateTeamBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: TEAM_NAME_MAX }) },
  { additionalProperties: false },
);

export const PatchTeamBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: TEAM_NAME_MAX }) },
  { additionalProperties: false },
);

export const SetMembersBody = Type.Object(
  { userIds: Type.Array(Id, { maxItems: TEAM_MEMBERS_MAX, description: 'Every member: replaces the list' }) },
  { additionalProperties: false },
);
