import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { decodeCursor, decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders, Page } from '../platform/http/schemas.js';
import {
  BaselineCisQuery,
  BaselineDiffSchema,
  BaselineListQuery,
  BaselineSchema,
  CiSnapshotSchema,
  CreateBaselineBody,
  DiffQuery,
  DiffSectionPage,
  DiffSectionParams,
  DiffSectionQuery,
  RelationshipSnapshotSchema,
} from './baseline.schemas.js';
import { parseAgainst } from './baseline.service.js';

/** Baselines: take, list, read, diff, and (administrators only) delete. There is no update. */
export async function baselineRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { baselines } = ctx.cmdb;

  app.post(
    '/api/v1/baselines',
    {
      config: { access: 'cmdb.write' },
      schema: {
        tags: ['cmdb'],
        summary: 'Take a baseline: an immutable snapshot of the whole CMDB or of a scope',
        description:
          'Without scope: every CI and relationship. With scope: the listed CIs plus their closure ' +
          '(impact, dependencies or both) as the impact index computes it, and the relationships among them.',
        headers: IdempotencyHeaders,
        body: CreateBaselineBody,
        response: { 201: BaselineSchema },
      },
    },
    async (request, reply) => {
      const baseline = await baselines.take(actorOfRequest(request), request.body);
      setEtag(reply, baseline.version);
      reply.header('location', `/api/v1/baselines/${baseline.id}`);
      return reply.code(201).send(baseline);
    },
  );

  app.get(
    '/api/v1/baselines',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'List baselines, newest first',
        querystring: BaselineListQuery,
        response: { 200: Page(BaselineSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await baselines.list({ beforeId: decodeIdCursor(request.query.cursor), limit: limit + 1 });
      return pageOf(rows, limit, (b) => [b.id]);
    },
  );

  app.get(
    '/api/v1/baselines/:id',
    {
      config: { access: 'cmdb.read' },
      schema: { tags: ['cmdb'], summary: 'One baseline', params: IdParams, response: { 200: BaselineSchema } },
    },
    async (request, reply) => {
      const baseline = await baselines.get(request.params.id);
      setEtag(reply, baseline.version);
      return baseline;
    },
  );

  app.delete(
    '/api/v1/baselines/:id',
    {
      config: { access: 'cmdb.schema' },
      schema: {
        tags: ['cmdb'],
        summary: 'Delete a baseline (administrators only; audited)',
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await baselines.delete(
        actorOfRequest(request),
        request.params.id,
        versionFromIfMatch(request.headers['if-match']),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/baselines/:id/cis',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'The CIs a baseline holds, by CI id',
        params: IdParams,
        querystring: BaselineCisQuery,
        response: { 200: Page(CiSnapshotSchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, class: ciClass } = request.query;
      const rows = await baselines.listCis(request.params.id, {
        afterCiId: decodeIdCursor(cursor),
        class: ciClass,
        limit: limit + 1,
      });
      return pageOf(rows, limit, (c) => [c.id]);
    },
  );

  app.get(
    '/api/v1/baselines/:id/relationships',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'The relationships a baseline holds, by (source, type, target)',
        params: IdParams,
        querystring: BaselineListQuery,
        response: { 200: Page(RelationshipSnapshotSchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor } = request.query;
      const key = decodeCursor(cursor, ['number', 'string', 'number']);
      const after = key ? ([key[0], key[1], key[2]] as [number, string, number]) : undefined;
      const rows = await baselines.listRelationships(request.params.id, { after, limit: limit + 1 });
      return pageOf(rows, limit, (r) => [r.sourceId, r.type, r.targetId]);
    },
  );

  app.get(
    '/api/v1/baselines/:id/diff',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'Diff a baseline against another baseline or the live CMDB',
        description:
          'Every section (CIs added, removed, changed attribute by attribute; relationships added, removed) is counted in full; ' +
          'the first `limit` items of each are listed, and `next` continues in GET /api/v1/baselines/{id}/diff/{section}.',
        params: IdParams,
        querystring: DiffQuery,
        response: { 200: BaselineDiffSchema },
      },
    },
    async (request) => {
      const { against, limit = 100 } = request.query;
      return baselines.diff(request.params.id, parseAgainst(against), limit);
    },
  );

  app.get(
    '/api/v1/baselines/:id/diff/:section',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'One section of a diff, page by page',
        params: DiffSectionParams,
        querystring: DiffSectionQuery,
        response: { 200: DiffSectionPage },
      },
    },
    async (request) => {
      const { against, limit = 100, cursor } = request.query;
      return baselines.diffSection(request.params.id, parseAgainst(against), request.params.section, cursor, limit);
    },
  );
}
