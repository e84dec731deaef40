import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, Page, PageQuery } from '../platform/http/schemas.js';
import {
  CiListQuery,
  CiSchema,
  ContextHeaders,
  CreateCiBody,
  GraphAnswer,
  GraphQuery,
  HistoryEntrySchema,
  PatchCiBody,
} from './cmdb.schemas.js';
import type { Direction } from './graph/impact-index.js';

/** The write context named by the Slipway-Context header, e.g. `change:12`. */
export function contextOf(request: FastifyRequest): string | null {
  const value = request.headers['slipway-context'];
  return typeof value === 'string' ? value : null;
}

function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return parts.length > 0 ? parts : undefined;
}

/** Configuration items: CRUD, history, and the impact and dependency walks. */
export async function ciRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { cis, impact } = ctx.cmdb;

  app.get(
    '/api/v1/cis',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'List and search configuration items',
        querystring: CiListQuery,
        response: { 200: Page(CiSchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      const rows = await cis.list({ ...filter, afterId: decodeIdCursor(cursor), limit: limit + 1 });
      return pageOf(rows, limit, (ci) => [ci.id]);
    },
  );

  app.get(
    '/api/v1/cis/counts',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'How many CIs match the filters of GET /api/v1/cis, in total and by class',
        querystring: Type.Omit(CiListQuery, ['limit', 'cursor']),
        response: {
          200: Type.Object({
            total: Type.Integer(),
            byClass: Type.Array(Type.Object({ class: Type.String(), count: Type.Integer() })),
          }),
        },
      },
    },
    async (request) => cis.count(request.query),
  );

  app.post(
    '/api/v1/cis',
    {
      config: { access: 'cmdb.write' },
      schema: {
        tags: ['cmdb'],
        summary: 'Create a configuration item',
        headers: Type.Object({ ...IdempotencyHeaders.properties, ...ContextHeaders.properties }),
        body: CreateCiBody,
        response: { 201: CiSchema },
      },
    },
    async (request, reply) => {
      const ci = await cis.create(actorOfRequest(request), request.body, contextOf(request));
      setEtag(reply, ci.version);
      reply.header('location', `/api/v1/cis/${ci.id}`);
      return reply.code(201).send(ci);
    },
  );

  app.get(
    '/api/v1/cis/:id',
    {
      config: { access: 'cmdb.read' },
      schema: { tags: ['cmdb'], summary: 'One configuration item', params: IdParams, response: { 200: CiSchema } },
    },
    async (request, reply) => {
      const ci = await cis.get(request.params.id);
      setEtag(reply, ci.version);
      return ci;
    },
  );

  app.patch(
    '/api/v1/cis/:id',
    {
      config: { access: 'cmdb.write' },
      schema: {
        tags: ['cmdb'],
        summary: 'Change a configuration item (attributes are merged; null removes one)',
        params: IdParams,
        headers: ContextHeaders,
        body: PatchCiBody,
        response: { 200: CiSchema },
      },
    },
    async (request, reply) => {
      const ci = await cis.update(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
        contextOf(request),
      );
      setEtag(reply, ci.version);
      return ci;
    },
  );

  app.post(
    '/api/v1/cis/:id/retire',
    {
      config: { access: 'cmdb.write' },
      schema: {
        tags: ['cmdb'],
        summary: 'Retire a configuration item (kept with its relationships and history)',
        params: IdParams,
        headers: ContextHeaders,
        response: { 200: CiSchema },
      },
    },
    async (request, reply) => {
      const ci = await cis.retire(
        actorOfRequest(request),
        request.params.id,
        versionFromIfMatch(request.headers['if-match']),
        contextOf(request),
      );
      setEtag(reply, ci.version);
      return ci;
    },
  );

  app.delete(
    '/api/v1/cis/:id',
    {
      config: { access: 'cmdb.write' },
      schema: {
        tags: ['cmdb'],
        summary: 'Delete a mistaken configuration item that has no relationships (otherwise 409: retire it)',
        params: IdParams,
        headers: ContextHeaders,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await cis.delete(actorOfRequest(request), request.params.id, versionFromIfMatch(request.headers['if-match']));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/cis/:id/history',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'Who changed what on this CI, when, from what to what, and under which change or release',
        params: IdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(HistoryEntrySchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const entries = await cis.history(request.params.id, decodeIdCursor(request.query.cursor), limit + 1);
      return pageOf(entries, limit, (e) => [e.id]);
    },
  );

  for (const direction of ['impact', 'dependencies'] as const satisfies Direction[]) {
    app.get(
      `/api/v1/cis/:id/${direction}`,
      {
        config: { access: 'cmdb.read' },
        schema: {
          tags: ['cmdb'],
          summary:
            direction === 'impact'
              ? 'What breaks if this CI changes: every CI impact propagates to (transitively, cycles allowed)'
              : 'What this CI needs: the reverse walk of impact',
          params: IdParams,
          querystring: GraphQuery,
          response: { 200: GraphAnswer },
        },
      },
      async (request) => {
        const { limit = 100, cursor, depth, types, classes, explain } = request.query;
        return impact.query(request.params.id, direction, {
          limit,
          cursor,
          depth,
          types: splitList(types),
          classes: splitList(classes),
          explain,
        });
      },
    );
  }
}
