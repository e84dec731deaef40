import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../platform/context.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders, Page } from '../platform/http/schemas.js';
import {
  CreateModelBody,
  CreateReservationBody,
  CreateSiteBody,
  DeployBody,
  ItemListQuery,
  ItemSchema,
  ModelSchema,
  MoveBody,
  PatchItemBody,
  PatchModelBody,
  PatchSiteBody,
  ReceiveItemBody,
  ReservationListQuery,
  ReservationSchema,
  RetireItemBody,
  SimplePageQuery,
  SiteSchema,
  StockQuery,
  StockSchema,
} from './hardware.schemas.js';

function send(reply: FastifyReply, object: { id: number; version: number }, status = 200, location?: string) {
  setEtag(reply, object.version);
  if (location) reply.header('location', location);
  return reply.code(status).send(object);
}

const tags = ['hardware'];

/** Lets a POST whose body is optional arrive without one (the body schema then sees `{}`). */
async function optionalBody(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

/** The Definitive Hardware Store over HTTP. */
export async function hardwareRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const hw = ctx.hardware;

  // Sites.
  app.get(
    '/api/v1/hardware/sites',
    {
      config: { access: 'hardware.read' },
      schema: {
        tags,
        summary: 'Sites of the hardware store',
        querystring: SimplePageQuery,
        response: { 200: Page(SiteSchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor } = request.query;
      return pageOf(await hw.listSites(decodeIdCursor(cursor), limit + 1), limit, (s) => [s.id]);
    },
  );
  app.post(
    '/api/v1/hardware/sites',
    {
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: 'Add a site (linked to the CMDB site CI with the same code, if any)',
        headers: IdempotencyHeaders,
        body: CreateSiteBody,
        response: { 201: SiteSchema },
      },
    },
    async (request, reply) => {
      const site = await hw.createSite(actorOfRequest(request), request.body);
      return send(reply, site, 201, `/api/v1/hardware/sites/${site.id}`);
    },
  );
  app.get(
    '/api/v1/hardware/sites/:id',
    {
      config: { access: 'hardware.read' },
      schema: { tags, summary: 'One site', params: IdParams, response: { 200: SiteSchema } },
    },
    async (request, reply) => send(reply, await hw.getSite(request.params.id)),
  );
  app.patch(
    '/api/v1/hardware/sites/:id',
    {
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: 'Change a site',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchSiteBody,
        response: { 200: SiteSchema },
      },
    },
    async (request, reply) =>
      send(
        reply,
        await hw.updateSite(
          actorOfRequest(request),
          request.params.id,
          request.body,
          versionFromIfMatch(request.headers['if-match']),
        ),
      ),
  );

  // Models.
  app.get(
    '/api/v1/hardware/models',
    {
      config: { access: 'hardware.read' },
      schema: { tags, summary: 'Hardware models', querystring: SimplePageQuery, response: { 200: Page(ModelSchema) } },
    },
    async (request) => {
      const { limit = 50, cursor } = request.query;
      return pageOf(await hw.listModels(decodeIdCursor(cursor), limit + 1), limit, (m) => [m.id]);
    },
  );
  app.post(
    '/api/v1/hardware/models',
    {
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: 'Add a hardware model (optionally linked to a CMDB hardware_model CI)',
        headers: IdempotencyHeaders,
        body: CreateModelBody,
        response: { 201: ModelSchema },
      },
    },
    async (request, reply) => {
      const model = await hw.createModel(actorOfRequest(request), request.body);
      return send(reply, model, 201, `/api/v1/hardware/models/${model.id}`);
    },
  );
  app.get(
    '/api/v1/hardware/models/:id',
    {
      config: { access: 'hardware.read' },
      schema: { tags, summary: 'One hardware model', params: IdParams, response: { 200: ModelSchema } },
    },
    async (request, reply) => send(reply, await hw.getModel(request.params.id)),
  );
  app.patch(
    '/api/v1/hardware/models/:id',
    {
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: 'Change a model (e.g. its low-stock threshold)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchModelBody,
        response: { 200: ModelSchema },
      },
    },
    async (request, reply) =>
      send(
        reply,
        await hw.updateModel(
          actorOfRequest(request),
          request.params.id,
          request.body,
          versionFromIfMatch(request.headers['if-match']),
        ),
      ),
  );

  // Items.
  app.get(
    '/api/v1/hardware/items',
    {
      config: { access: 'hardware.read' },
      schema: { tags, summary: 'Stock items', querystring: ItemListQuery, response: { 200: Page(ItemSchema) } },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      return pageOf(
        await hw.listItems({ ...filter, afterId: decodeIdCursor(cursor), limit: limit + 1 }),
        limit,
        (i) => [i.id],
      );
    },
  );
  app.post(
    '/api/v1/hardware/items',
    {
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: 'Receive an item into stock (serial unique)',
        headers: IdempotencyHeaders,
        body: ReceiveItemBody,
        response: { 201: ItemSchema },
      },
    },
    async (request, reply) => {
      const item = await hw.receive(actorOfRequest(request), request.body);
      return send(reply, item, 201, `/api/v1/hardware/items/${item.id}`);
    },
  );
  app.get(
    '/api/v1/hardware/items/:id',
    {
      config: { access: 'hardware.read' },
      schema: { tags, summary: 'One stock item', params: IdParams, response: { 200: ItemSchema } },
    },
    async (request, reply) => send(reply, await hw.getItem(request.params.id)),
  );
  app.patch(
    '/api/v1/hardware/items/:id',
    {
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: "Change an item's warranty end or notes",
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchItemBody,
        response: { 200: ItemSchema },
      },
    },
    async (request, reply) =>
      send(
        reply,
        await hw.updateItem(
          actorOfRequest(request),
          request.params.id,
          request.body,
          versionFromIfMatch(request.headers['if-match']),
        ),
      ),
  );
  app.post(
    '/api/v1/hardware/items/:id/move',
    {
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: 'Move an item in stock to another site',
        params: IdParams,
        headers: IfMatchHeaders,
        body: MoveBody,
        response: { 200: ItemSchema },
      },
    },
    async (request, reply) =>
      send(
        reply,
        await hw.move(
          actorOfRequest(request),
          request.params.id,
          request.body.siteId,
          versionFromIfMatch(request.headers['if-match']),
        ),
      ),
  );
  app.post(
    '/api/v1/hardware/items/:id/retire',
    {
      preValidation: optionalBody,
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: 'Retire an item (in stock or deployed)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: RetireItemBody,
        response: { 200: ItemSchema },
      },
    },
    async (request, reply) =>
      send(
        reply,
        await hw.retire(
          actorOfRequest(request),
          request.params.id,
          request.body.reason ?? null,
          versionFromIfMatch(request.headers['if-match']),
        ),
      ),
  );
  app.post(
    '/api/v1/hardware/items/:id/deploy',
    {
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: "Deploy an item: it becomes a CMDB CI of its model's class, located_in its site",
        params: IdParams,
        body: DeployBody,
        response: { 200: ItemSchema },
      },
    },
    async (request, reply) => send(reply, await hw.deploy(actorOfRequest(request), request.params.id, request.body)),
  );

  // Stock levels.
  app.get(
    '/api/v1/hardware/stock',
    {
      config: { access: 'hardware.read' },
      schema: {
        tags,
        summary: 'Stock by site and model, with low-stock flags',
        querystring: StockQuery,
        response: { 200: StockSchema },
      },
    },
    async (request) =>
      hw.stock({ modelId: request.query.modelId, siteId: request.query.siteId, lowOnly: request.query.low }),
  );

  // Reservations.
  app.get(
    '/api/v1/hardware/reservations',
    {
      config: { access: 'hardware.read' },
      schema: {
        tags,
        summary: 'Reservations of stock for releases',
        querystring: ReservationListQuery,
        response: { 200: Page(ReservationSchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      return pageOf(
        await hw.listReservations({ ...filter, afterId: decodeIdCursor(cursor), limit: limit + 1 }),
        limit,
        (r) => [r.id],
      );
    },
  );
  app.post(
    '/api/v1/hardware/reservations',
    {
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: 'Reserve stock for a release: all lines or nothing; 409 with every shortage',
        headers: IdempotencyHeaders,
        body: CreateReservationBody,
        response: { 201: ReservationSchema },
      },
    },
    async (request, reply) => {
      const reservation = await hw.reserve(actorOfRequest(request), request.body);
      return send(reply, reservation, 201, `/api/v1/hardware/reservations/${reservation.id}`);
    },
  );
  app.get(
    '/api/v1/hardware/reservations/:id',
    {
      config: { access: 'hardware.read' },
      schema: { tags, summary: 'One reservation', params: IdParams, response: { 200: ReservationSchema } },
    },
    async (request, reply) => send(reply, await hw.getReservation(request.params.id)),
  );
  app.post(
    '/api/v1/hardware/reservations/:id/release',
    {
      config: { access: 'hardware.write' },
      schema: {
        tags,
        summary: 'Release a reservation: its items go back to stock',
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 200: ReservationSchema },
      },
    },
    async (request, reply) =>
      send(
        reply,
        await hw.release(actorOfRequest(request), request.params.id, versionFromIfMatch(request.headers['if-match'])),
      ),
  );
}
