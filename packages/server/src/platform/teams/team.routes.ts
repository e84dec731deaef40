import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { principalOf } from '../http/access-control.js';
import { setEtag, versionFromIfMatch } from '../http/etag.js';
import { actorOfRequest } from '../http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders } from '../http/schemas.js';
import { CreateTeamBody, PatchTeamBody, SetMembersBody, TeamMemberSchema, TeamSchema } from './team.schemas.js';

/** Teams: every signed-in user may list them; admins (`teams.admin`) create, rename and staff them. */
export async function teamRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['teams'];

  app.get(
    '/api/v1/teams',
    {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Every team, with its member count and whether I belong to it',
        response: { 200: Type.Object({ items: Type.Array(TeamSchema) }) },
      },
    },
    async (request) => ({ items: await ctx.teams.list(principalOf(request).user.id) }),
  );

  app.post(
    '/api/v1/teams',
    {
      config: { access: 'teams.admin' },
      schema: {
        tags,
        summary: 'Create a team (names are unique regardless of case)',
        headers: IdempotencyHeaders,
        body: CreateTeamBody,
        response: { 201: TeamSchema },
      },
    },
    async (request, reply) => {
      const team = await ctx.teams.create(actorOfRequest(request), request.body.name);
      setEtag(reply, team.version);
      reply.header('location', `/api/v1/teams/${team.id}`);
      return reply.code(201).send(team);
    },
  );

  app.get(
    '/api/v1/teams/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'One team', params: IdParams, response: { 200: TeamSchema } },
    },
    async (request, reply) => {
      const team = await ctx.teams.get(request.params.id, principalOf(request).user.id);
      setEtag(reply, team.version);
      return team;
    },
  );

  app.patch(
    '/api/v1/teams/:id',
    {
      config: { access: 'teams.admin' },
      schema: {
        tags,
        summary: 'Rename a team',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchTeamBody,
        response: { 200: TeamSchema },
      },
    },
    async (request, reply) => {
      const team = await ctx.teams.rename(
        actorOfRequest(request),
        request.params.id,
        request.body.name,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, team.version);
      return team;
    },
  );

  app.get(
    '/api/v1/teams/:id/members',
    {
      config: { access: 'users.read' },
      schema: {
        tags,
        summary: 'The members of a team',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(TeamMemberSchema) }) },
      },
    },
    async (request) => ({ items: await ctx.teams.members(request.params.id) }),
  );

  app.put(
    '/api/v1/teams/:id/members',
    {
      config: { access: 'teams.admin' },
      schema: {
        tags,
        summary: 'Set the members of a team (replaces the list; applies to their next request)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: SetMembersBody,
        response: { 200: TeamSchema },
      },
    },
    async (request, reply) => {
      const team = await ctx.teams.setMembers(
        actorOfRequest(request),
        request.params.id,
        request.body.userIds,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, team.version);
      return team;
    },
  );
}
