import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { type ObjectScope, visibilityOf } from '../platform/http/object-scope.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders, Page } from '../platform/http/schemas.js';
import {
  CreateIncidentBody,
  IncidentListQuery,
  IncidentSchema,
  PatchIncidentBody,
  ResolveIncidentBody,
} from './incident.schemas.js';
import { type Incident, type IncidentService, unknownCause } from './incident.service.js';

const tags = ['incidents'];
/** A cause named in the body must be a change or release the caller may see (platform/http/object-scope.ts). */
const CAUSE_SCOPES: readonly ObjectScope[] = [
  { object: 'change', param: 'causedByChangeId', in: 'body', unknown: (id) => unknownCause('change', id) },
  { object: 'release', param: 'causedByReleaseId', in: 'body', unknown: (id) => unknownCause('release', id) },
];

function send(reply: FastifyReply, object: { id: number; version: number }, status = 200) {
  setEtag(reply, object.version);
  if (status === 201) reply.header('location', `/api/v1/incidents/${object.id}`);
  return reply.code(status).send(object);
}

/** Lets a POST whose body is optional arrive without one. */
async function optionalBody(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

/** Incidents over HTTP: CRUD, resolve, list newest first with a cursor. */
export async function incidentRoutes(root: FastifyInstance, options: { incidents: IncidentService }) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { incidents } = options;
  const viewed = async (request: FastifyRequest, incident: Incident) =>
    (await incidents.forViewer([incident], visibilityOf(request)))[0] as Incident;

  app.get(
    '/api/v1/incidents',
    {
      config: { access: 'incidents.read' },
      schema: {
        tags,
        summary: 'Incidents, newest first; filter by open, cause, affected CI or start',
        querystring: IncidentListQuery,
        response: { 200: Page(IncidentSchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      const rows = await incidents.list({ ...filter, beforeId: decodeIdCursor(cursor), limit: limit + 1 });
      return pageOf(await incidents.forViewer(rows, visibilityOf(request)), limit, (i) => [i.id]);
    },
  );
  app.post(
    '/api/v1/incidents',
    {
      config: { access: 'incidents.write', scope: CAUSE_SCOPES },
      schema: {
        tags,
        summary: 'Record an incident (affected CIs, start, optional resolution and cause)',
        headers: IdempotencyHeaders,
        body: CreateIncidentBody,
        response: { 201: IncidentSchema },
      },
    },
    async (request, reply) =>
      send(reply, await viewed(request, await incidents.create(actorOfRequest(request), request.body)), 201),
  );
  app.get(
    '/api/v1/incidents/:id',
    {
      config: { access: 'incidents.read' },
      schema: { tags, summary: 'One incident', params: IdParams, response: { 200: IncidentSchema } },
    },
    async (request, reply) => send(reply, await viewed(request, await incidents.get(request.params.id))),
  );
  app.patch(
    '/api/v1/incidents/:id',
    {
      config: { access: 'incidents.write', scope: CAUSE_SCOPES },
      schema: {
        tags,
        summary: 'Correct an incident: title, times, cause, affected CIs (setting one cause clears the other)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchIncidentBody,
        response: { 200: IncidentSchema },
      },
    },
    async (request, reply) =>
      send(
        reply,
        await viewed(
          request,
          await incidents.update(
            actorOfRequest(request),
            request.params.id,
            request.body,
            versionFromIfMatch(request.headers['if-match']),
          ),
        ),
      ),
  );
  app.post(
    '/api/v1/incidents/:id/resolve',
    {
      config: { access: 'incidents.write' },
      preValidation: optionalBody,
      schema: {
        tags,
        summary: 'Resolve an open incident (now, or at resolvedAt)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: ResolveIncidentBody,
        response: { 200: IncidentSchema },
      },
    },
    async (request, reply) =>
      send(
        reply,
        await viewed(
          request,
          await incidents.resolve(
            actorOfRequest(request),
            request.params.id,
            request.body.resolvedAt,
            versionFromIfMatch(request.headers['if-match']),
          ),
        ),
      ),
  );
  app.delete(
    '/api/v1/incidents/:id',
    {
      config: { access: 'incidents.write' },
      schema: {
        tags,
        summary: 'Delete an incident recorded in error (audited with its content)',
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await incidents.delete(
        actorOfRequest(request),
        request.params.id,
        versionFromIfMatch(request.headers['if-match']),
      );
      return reply.code(204).send(null);
    },
  );
}
