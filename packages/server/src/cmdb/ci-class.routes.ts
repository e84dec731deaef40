import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IfMatchHeaders } from '../platform/http/schemas.js';
import { CiClassSchema, CreateCiClassBody, PatchCiClassBody } from './cmdb.schemas.js';

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) });

/** The CI class catalogue; admins add classes and attributes. */
export async function ciClassRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { classes } = ctx.cmdb;

  app.get(
    '/api/v1/ci-classes',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary: 'Every CI class with its attribute schema',
        response: { 200: Type.Object({ items: Type.Array(CiClassSchema) }) },
      },
    },
    async () => ({ items: await classes.list() }),
  );

  app.post(
    '/api/v1/ci-classes',
    {
      config: { access: 'cmdb.schema' },
      schema: {
        tags: ['cmdb'],
        summary: 'Add a CI class',
        headers: IdempotencyHeaders,
        body: CreateCiClassBody,
        response: { 201: CiClassSchema },
      },
    },
    async (request, reply) => {
      const created = await classes.create(actorOfRequest(request), request.body);
      setEtag(reply, created.version);
      reply.header('location', `/api/v1/ci-classes/${created.name}`);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/api/v1/ci-classes/:name',
    {
      config: { access: 'cmdb.read' },
      schema: { tags: ['cmdb'], summary: 'One CI class', params: NameParams, response: { 200: CiClassSchema } },
    },
    async (request, reply) => {
      const found = await classes.get(request.params.name);
      setEtag(reply, found.version);
      return found;
    },
  );

  app.patch(
    '/api/v1/ci-classes/:name',
    {
      config: { access: 'cmdb.schema' },
      schema: {
        tags: ['cmdb'],
        summary: "Change a class's label or description, or add attributes",
        params: NameParams,
        headers: IfMatchHeaders,
        body: PatchCiClassBody,
        response: { 200: CiClassSchema },
      },
    },
    async (request, reply) => {
      const updated = await classes.update(
        actorOfRequest(request),
        request.params.name,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, updated.version);
      return updated;
    },
  );
}
