import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { RELATIONSHIP_TYPE_NAMES, RELATIONSHIP_TYPES } from '@slipway/model';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, Page } from '../platform/http/schemas.js';
import { contextOf } from './ci.routes.js';
import {
  ContextHeaders,
  CreateRelationshipBody,
  RelationshipListQuery,
  RelationshipSchema,
  RelationshipTypeInfo,
} from './cmdb.schemas.js';

/** Relationships between CIs and the relationship type catalogue. */
export async function relationshipRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { relationships } = ctx.cmdb;

  app.get(
    '/api/v1/relationship-types',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'The relationship catalogue: types, inverse names and how impact propagates',
        response: { 200: Type.Object({ items: Type.Array(RelationshipTypeInfo) }) },
      },
    },
    async () => ({ items: RELATIONSHIP_TYPE_NAMES.map((name) => ({ name, ...RELATIONSHIP_TYPES[name] })) }),
  );

  app.get(
    '/api/v1/relationships',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'List relationships (filter by CI, end, type or origin)',
        querystring: RelationshipListQuery,
        response: { 200: Page(RelationshipSchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      const rows = await relationships.list({ ...filter, afterId: decodeIdCursor(cursor), limit: limit + 1 });
      return pageOf(rows, limit, (r) => [r.id]);
    },
  );

  app.post(
    '/api/v1/relationships',
    {
      config: { access: 'cmdb.write' },
      schema: {
        tags: ['cmdb'],
        summary: 'Relate two CIs',
        headers: Type.Object({ ...IdempotencyHeaders.properties, ...ContextHeaders.properties }),
        body: CreateRelationshipBody,
        response: { 201: RelationshipSchema },
      },
    },
    async (request, reply) => {
      const relationship = await relationships.create(actorOfRequest(request), request.body, contextOf(request));
      reply.header('location', `/api/v1/relationships/${relationship.id}`);
      return reply.code(201).send(relationship);
    },
  );

  app.get(
    '/api/v1/relationships/:id',
    {
      config: { access: 'cmdb.read' },
      schema: { tags: ['cmdb'], summary: 'One relationship', params: IdParams, response: { 200: RelationshipSchema } },
    },
    async (request) => relationships.get(request.params.id),
  );

  app.delete(
    '/api/v1/relationships/:id',
    {
      config: { access: 'cmdb.write' },
      schema: {
        tags: ['cmdb'],
        summary: 'Remove a relationship',
        params: IdParams,
        headers: ContextHeaders,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await relationships.delete(actorOfRequest(request), request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
}
