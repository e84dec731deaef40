import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders, Page } from '../platform/http/schemas.js';
import { CreateTemplateBody, PatchTemplateBody, TemplateListQuery, TemplateSchema } from './release.schemas.js';

/** Release templates: the six shipped ones (one per element) and the organisation's own. */
export async function releaseTemplateRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { templates } = ctx.releases;
  const tags = ['releases'];

  app.get(
    '/api/v1/release-templates',
    {
      config: { access: 'releases.read' },
      schema: {
        tags,
        summary: 'List release templates',
        querystring: TemplateListQuery,
        response: { 200: Page(TemplateSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await templates.list({
        element: request.query.element,
        afterId: decodeIdCursor(request.query.cursor),
        limit: limit + 1,
      });
      return pageOf(rows, limit, (t) => [t.id]);
    },
  );

  app.post(
    '/api/v1/release-templates',
    {
      config: { access: 'releases.write' },
      schema: {
        tags,
        summary: 'Add a release template',
        headers: IdempotencyHeaders,
        body: CreateTemplateBody,
        response: { 201: TemplateSchema },
      },
    },
    async (request, reply) => {
      const template = await templates.create(actorOfRequest(request), request.body);
      setEtag(reply, template.version);
      reply.header('location', `/api/v1/release-templates/${template.id}`);
      return reply.code(201).send(template);
    },
  );

  app.get(
    '/api/v1/release-templates/:id',
    {
      config: { access: 'releases.read' },
      schema: { tags, summary: 'One release template', params: IdParams, response: { 200: TemplateSchema } },
    },
    async (request, reply) => {
      const template = await templates.get(request.params.id);
      setEtag(reply, template.version);
      return template;
    },
  );

  app.patch(
    '/api/v1/release-templates/:id',
    {
      config: { access: 'releases.write' },
      schema: {
        tags,
        summary: 'Edit a release template (releases already created from it keep what they were planned with)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchTemplateBody,
        response: { 200: TemplateSchema },
      },
    },
    async (request, reply) => {
      const template = await templates.update(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, template.version);
      return template;
    },
  );
}
