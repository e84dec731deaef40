import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, Page, PageQuery, StringEnum, Timestamp } from '../platform/http/schemas.js';
import { type BackoutProcedureService, REHEARSAL_OUTCOMES } from './backout.service.js';

const tags = ['rollouts'];
const Outcome = StringEnum(REHEARSAL_OUTCOMES);

const RehearsalSchema = Type.Object({
  id: Type.Integer(),
  outcome: Outcome,
  environment: Type.Union([Type.String(), Type.Null()]),
  notes: Type.String(),
  recordedBy: Type.String(),
  recordedAt: Timestamp,
});

const BackoutProcedureSchema = Type.Object(
  {
    id: Type.Integer(),
    class: Type.String(),
    revision: Type.Integer({ description: 'Revisions count up per class; a change is a new revision' }),
    current: Type.Boolean({ description: "The class's newest revision: the one a back-out runs" }),
    title: Type.String(),
    steps: Type.String(),
    createdBy: Type.String(),
    createdAt: Timestamp,
    rehearsals: Type.Array(RehearsalSchema),
    lastRehearsal: Type.Union([Type.Object({ outcome: Outcome, at: Timestamp }), Type.Null()]),
  },
  { description: "A revision of a CI class's general back-out procedure, with its rehearsal records" },
);

/** The back-out procedure library over HTTP: list, read, add a revision, record a rehearsal. */
export async function backoutRoutes(root: FastifyInstance, options: { backout: BackoutProcedureService }) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { backout } = options;

  app.get(
    '/api/v1/backout-procedures',
    {
      config: { access: 'releases.read' },
      schema: {
        tags,
        summary: 'Back-out procedures of the CI classes, every revision (filter by class)',
        querystring: Type.Object(
          { ...PageQuery, class: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: { 200: Page(BackoutProcedureSchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, class: ciClass } = request.query;
      const rows = await backout.list({ ciClass, afterId: decodeIdCursor(cursor), limit: limit + 1 });
      return pageOf(rows, limit, (p) => [p.id]);
    },
  );
  app.post(
    '/api/v1/backout-procedures',
    {
      config: { access: 'releases.write' },
      schema: {
        tags,
        summary: "Add the next revision of a CI class's back-out procedure",
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            class: Type.String({ minLength: 1, maxLength: 100 }),
            title: Type.String({ minLength: 1, maxLength: 200 }),
            steps: Type.String({ minLength: 1, maxLength: 20_000 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: BackoutProcedureSchema },
      },
    },
    async (request, reply) => {
      const procedure = await backout.create(actorOfRequest(request), request.body);
      reply.header('location', `/api/v1/backout-procedures/${procedure.id}`);
      return reply.code(201).send(procedure);
    },
  );
  app.get(
    '/api/v1/backout-procedures/:id',
    {
      config: { access: 'releases.read' },
      schema: {
        tags,
        summary: 'One revision with its rehearsals',
        params: IdParams,
        response: { 200: BackoutProcedureSchema },
      },
    },
    async (request) => backout.get(request.params.id),
  );
  app.post(
    '/api/v1/backout-procedures/:id/rehearsals',
    {
      config: { access: 'releases.write' },
      schema: {
        tags,
        summary: 'Record a rehearsal of this revision (passed or failed, where, notes)',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            outcome: Outcome,
            environment: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            notes: Type.Optional(Type.String({ maxLength: 5000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: BackoutProcedureSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await backout.rehearse(actorOfRequest(request), request.params.id, request.body)),
  );
}
