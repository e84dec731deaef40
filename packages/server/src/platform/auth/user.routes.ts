import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { principalOf } from '../http/access-control.js';
import { setEtag, versionFromIfMatch } from '../http/etag.js';
import { decodeIdCursor, pageOf } from '../http/pagination.js';
import { actorOfRequest } from '../http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders, Page } from '../http/schemas.js';
import {
  CreatedUser,
  CreateUserBody,
  OwnPasswordBody,
  ResetPasswordBody,
  UpdateUserBody,
  UserListQuery,
  UserSchema,
} from './auth.schemas.js';

/** User administration, and each user's own account. */
export async function userRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/v1/users',
    {
      config: { access: 'users.read' },
      schema: {
        tags: ['users'],
        summary: 'List users',
        querystring: UserListQuery,
        response: { 200: Page(UserSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await ctx.users.list({
        afterId: decodeIdCursor(request.query.cursor),
        limit: limit + 1,
        role: request.query.role,
        q: request.query.q,
        disabled: request.query.disabled,
      });
      return pageOf(rows, limit, (u) => [u.id]);
    },
  );

  app.post(
    '/api/v1/users',
    {
      config: { access: 'users.write' },
      schema: {
        tags: ['users'],
        summary: 'Create a user; a generated password is returned once',
        headers: IdempotencyHeaders,
        body: CreateUserBody,
        response: { 201: CreatedUser },
      },
    },
    async (request, reply) => {
      const { user, initialPassword } = await ctx.users.create(actorOfRequest(request), request.body);
      setEtag(reply, user.version);
      reply.header('location', `/api/v1/users/${user.id}`);
      if (!initialPassword) return reply.code(201).send(user);
      // The generated password is shown once: no cache, and no idempotent replay, may keep it.
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...user, initialPassword });
    },
  );

  app.get(
    '/api/v1/users/me',
    {
      config: { access: 'self.read' },
      schema: { tags: ['users'], summary: 'The signed-in user', response: { 200: UserSchema } },
    },
    async (request, reply) => {
      const user = await ctx.users.get(principalOf(request).user.id);
      setEtag(reply, user.version);
      return user;
    },
  );

  app.put(
    '/api/v1/users/me/password',
    {
      config: { access: 'self.write' },
      schema: {
        tags: ['users'],
        summary: "Change one's own password (ends every session of the account)",
        body: OwnPasswordBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const actor = actorOfRequest(request);
      await ctx.users.setPassword(
        actor,
        principalOf(request).user.id,
        request.body.newPassword,
        request.body.currentPassword,
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/users/:id',
    {
      config: { access: 'users.read' },
      schema: { tags: ['users'], summary: 'One user', params: IdParams, response: { 200: UserSchema } },
    },
    async (request, reply) => {
      const user = await ctx.users.get(request.params.id);
      setEtag(reply, user.version);
      return user;
    },
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: { access: 'users.write' },
      schema: {
        tags: ['users'],
        summary: "Change a user's name, e-mail, roles or disabled flag (disabling ends their sessions)",
        params: IdParams,
        headers: IfMatchHeaders,
        body: UpdateUserBody,
        response: { 200: UserSchema },
      },
    },
    async (request, reply) => {
      const user = await ctx.users.update(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, user.version);
      return user;
    },
  );

  app.put(
    '/api/v1/users/:id/password',
    {
      config: { access: 'users.write' },
      schema: {
        tags: ['users'],
        summary: "Reset a user's password (admin); ends their sessions",
        params: IdParams,
        body: ResetPasswordBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await ctx.users.setPassword(actorOfRequest(request), request.params.id, request.body.newPassword);
      return reply.code(204).send(null);
    },
  );
}
