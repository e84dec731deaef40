import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { principalOf } from '../http/access-control.js';
import { setEtag } from '../http/etag.js';
import { decodeIdCursor, pageOf } from '../http/pagination.js';
import { actorOfRequest } from '../http/request-actor.js';
import { IdempotencyHeaders, IdParams, Page } from '../http/schemas.js';
import { ApiTokenSchema, CreatedToken, CreateTokenBody, TokenListQuery } from './auth.schemas.js';

/** API tokens: one's own for everyone; everyone's for admins (write) and auditors (read). */
export async function tokenRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/v1/tokens',
    {
      config: { access: 'self.read' },
      schema: {
        tags: ['tokens'],
        summary: "List API tokens (never their secrets): one's own, or with users.read another's or all",
        querystring: TokenListQuery,
        response: { 200: Page(ApiTokenSchema) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { userId, all } = request.query;
      const wantsOthers = all === true || (userId !== undefined && userId !== principal.user.id);
      if (wantsOthers && !principal.permissions.has('users.read')) {
        throw new ForbiddenError('Listing other users\' tokens needs "users.read"', { permission: 'users.read' });
      }
      const limit = request.query.limit ?? 50;
      const rows = await ctx.tokens.list({
        userId: all ? undefined : (userId ?? principal.user.id),
        afterId: decodeIdCursor(request.query.cursor),
        limit: limit + 1,
        includeRevoked: request.query.includeRevoked ?? false,
      });
      return pageOf(rows, limit, (t) => [t.id]);
    },
  );

  app.post(
    '/api/v1/tokens',
    {
      config: { access: 'self.write' },
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token; its secret is in this response only',
        headers: IdempotencyHeaders,
        body: CreateTokenBody,
        response: { 201: CreatedToken },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { token, secret } = await ctx.tokens.create(
        actorOfRequest(request),
        request.body,
        principal.permissions.has('users.write'),
      );
      setEtag(reply, token.version);
      reply.header('location', `/api/v1/tokens/${token.id}`).header('cache-control', 'no-store');
      return reply.code(201).send({ ...token, secret });
    },
  );

  app.get(
    '/api/v1/tokens/:id',
    {
      config: { access: 'self.read' },
      schema: {
        tags: ['tokens'],
        summary: 'One API token (without its secret)',
        params: IdParams,
        response: { 200: ApiTokenSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const token = await ctx.tokens.get(request.params.id);
      if (token.userId !== principal.user.id && !principal.permissions.has('users.read')) {
        throw new NotFoundError('token', request.params.id);
      }
      setEtag(reply, token.version);
      return token;
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      config: { access: 'self.write' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke an API token (effective immediately)',
        params: IdParams,
        response: { 200: ApiTokenSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const token = await ctx.tokens.revoke(
        actorOfRequest(request),
        request.params.id,
        principal.permissions.has('users.write'),
      );
      setEtag(reply, token.version);
      return token;
    },
  );
}
