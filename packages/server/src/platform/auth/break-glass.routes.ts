import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { principalOf } from '../http/access-control.js';
import { decodeIdCursor, pageOf } from '../http/pagination.js';
import {
  BreakGlassListQuery,
  BreakGlassOverview,
  BreakGlassSchema,
  StartBreakGlassBody,
} from './break-glass.schemas.js';

/** Break-glass: start, end and list an admin's emergency elevations (docs/security.md). */
export async function breakGlassRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/api/v1/auth/break-glass',
    {
      config: { access: 'break_glass.use' },
      schema: {
        tags: ['auth'],
        summary:
          'Start a break-glass elevation of your own account: every permission, segregation of duties waived, every audit entry flagged; ends by itself after `minutes`',
        description:
          'Admins only. 409 while one is active. Audited as break_glass.start and published to webhooks as break_glass.started.',
        body: StartBreakGlassBody,
        response: { 201: BreakGlassSchema },
      },
    },
    async (request, reply) => {
      const elevation = await ctx.breakGlass.start(principalOf(request), request.id, request.body);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(elevation);
    },
  );

  app.delete(
    '/api/v1/auth/break-glass',
    {
      config: { access: 'break_glass.use' },
      schema: {
        tags: ['auth'],
        summary: 'End your active break-glass elevation now (404 when none is active)',
        response: { 200: BreakGlassSchema },
      },
    },
    async (request) => ctx.breakGlass.end(principalOf(request), request.id),
  );

  app.get(
    '/api/v1/auth/break-glass',
    {
      config: { access: 'break_glass.read' },
      schema: {
        tags: ['auth'],
        summary: 'Your active break-glass elevation, and every elevation newest first (admins and auditors)',
        querystring: BreakGlassListQuery,
        response: { 200: BreakGlassOverview },
      },
    },
    async (request, reply) => {
      const limit = request.query.limit ?? 50;
      const rows = await ctx.breakGlass.list({
        beforeId: decodeIdCursor(request.query.cursor),
        userId: request.query.userId,
        limit: limit + 1,
      });
      reply.header('cache-control', 'no-store');
      return {
        current: await ctx.breakGlass.activeFor(principalOf(request).user.id),
        ...pageOf(rows, limit, (e) => [e.id]),
      };
    },
  );
}
