import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { type TSchema, Type } from 'typebox';
import type { AppContext } from '../context.js';
import { setEtag, versionFromIfMatch } from '../http/etag.js';
import { decodeIdCursor, pageOf } from '../http/pagination.js';
import { actorOfRequest } from '../http/request-actor.js';
import {
  IdempotencyHeaders,
  IdParams,
  IfMatchHeaders,
  NullableTimestamp,
  Page,
  PageQuery,
  StringEnum,
  Timestamp,
} from '../http/schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const WebhookSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    url: Type.String(),
    events: Type.Array(Type.String()),
    active: Type.Boolean(),
    createdBy: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { description: 'A webhook subscription (the signing secret is shown only when created or rotated)' },
);

const WebhookWithSecret = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({ description: 'The HMAC-SHA256 signing secret: shown once, store it in the receiver' }),
});

const EventsField = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  minItems: 1,
  maxItems: 100,
  description: 'Event types (change.approved), families (change.*) or * for all',
});

const CreateWebhookBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'http(s) URL on a host of the outbound allow-list',
    }),
    events: EventsField,
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const PatchWebhookBody = Type.Partial(CreateWebhookBody, { additionalProperties: false });

const DeliverySchema = Type.Object({
  id: Type.Integer(),
  subscriptionId: Type.Integer(),
  eventId: Type.String(),
  eventType: Type.String(),
  state: StringEnum(['pending', 'succeeded', 'dead'] as const),
  attempts: Type.Integer(),
  lastStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deliveredAt: NullableTimestamp,
});

const DeliveryDetailSchema = Type.Object({
  ...DeliverySchema.properties,
  payload: Type.Unknown({ description: 'The body that was signed and sent' }),
  attemptLog: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      at: Timestamp,
      statusCode: Nullable(Type.Integer()),
      error: Nullable(Type.String()),
      durationMs: Type.Integer(),
      address: Nullable(Type.String({ description: 'The address that was checked and connected to' })),
    }),
  ),
});

const AllowListItemSchema = Type.Object({
  id: Type.Integer(),
  pattern: Type.String(),
  allowPrivate: Type.Boolean(),
  note: Type.String(),
  createdBy: Type.String(),
  createdAt: Timestamp,
});

const CreateAllowListBody = Type.Object(
  {
    pattern: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'host.example.com, *.example.com, *, an IP or a CIDR range',
    }),
    allowPrivate: Type.Optional(
      Type.Boolean({ description: 'Let matching hosts reach loopback, RFC 1918, CGNAT, link-local and ULA addresses' }),
    ),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

/** Webhook subscriptions, their delivery log, and the outbound allow-list (all `webhooks.manage`). */
export async function webhookRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const webhooks = ctx.webhooks;
  const tags = ['webhooks'];
  const access = 'webhooks.manage' as const;

  app.get(
    '/api/v1/webhooks',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Webhook subscriptions',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(WebhookSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const items = await webhooks.list(decodeIdCursor(request.query.cursor), limit + 1);
      return pageOf(items, limit, (w) => [w.id]);
    },
  );

  app.post(
    '/api/v1/webhooks',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Subscribe a URL to events; the answer carries the signing secret, once',
        headers: IdempotencyHeaders,
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecret },
      },
    },
    async (request, reply) => {
      const { subscription, secret } = await webhooks.create(actorOfRequest(request), request.body);
      setEtag(reply, subscription.version);
      reply.header('cache-control', 'no-store').header('location', `/api/v1/webhooks/${subscription.id}`);
      return reply.code(201).send({ ...subscription, secret });
    },
  );

  app.get(
    '/api/v1/webhooks/event-types',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The event types subscriptions may name',
        response: { 200: Type.Object({ items: Type.Array(Type.String()) }) },
      },
    },
    async () => ({ items: webhooks.eventTypes }),
  );

  app.get(
    '/api/v1/webhooks/allow-list',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Hosts and ranges webhooks (and other outbound calls) may reach',
        response: { 200: Type.Object({ items: Type.Array(AllowListItemSchema) }) },
      },
    },
    async () => ({ items: await webhooks.listAllowList() }),
  );

  app.post(
    '/api/v1/webhooks/allow-list',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Allow a host, wildcard, IP or CIDR range',
        body: CreateAllowListBody,
        response: { 201: AllowListItemSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await webhooks.addAllowListEntry(actorOfRequest(request), request.body)),
  );

  app.delete(
    '/api/v1/webhooks/allow-list/:id',
    {
      config: { access },
      schema: { tags, summary: 'Remove an allow-list entry', params: IdParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await webhooks.removeAllowListEntry(actorOfRequest(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/webhooks/deliveries/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'One delivery with every attempt and its response status',
        params: IdParams,
        response: { 200: DeliveryDetailSchema },
      },
    },
    async (request) => webhooks.delivery(request.params.id),
  );

  app.post(
    '/api/v1/webhooks/deliveries/:id/redeliver',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Send a finished delivery again (same event id and body)',
        params: IdParams,
        response: { 202: DeliverySchema },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await webhooks.redeliver(actorOfRequest(request), request.params.id)),
  );

  app.get(
    '/api/v1/webhooks/:id',
    {
      config: { access },
      schema: { tags, summary: 'One webhook subscription', params: IdParams, response: { 200: WebhookSchema } },
    },
    async (request, reply) => {
      const subscription = await webhooks.get(request.params.id);
      setEtag(reply, subscription.version);
      return subscription;
    },
  );

  app.patch(
    '/api/v1/webhooks/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Change a subscription',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchWebhookBody,
        response: { 200: WebhookSchema },
      },
    },
    async (request, reply) => {
      const subscription = await webhooks.update(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, subscription.version);
      return subscription;
    },
  );

  app.delete(
    '/api/v1/webhooks/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Delete a subscription and its delivery log',
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await webhooks.delete(actorOfRequest(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/webhooks/:id/rotate-secret',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Replace the signing secret (shown once)',
        params: IdParams,
        response: { 200: WebhookWithSecret },
      },
    },
    async (request, reply) => {
      const { subscription, secret } = await webhooks.rotateSecret(actorOfRequest(request), request.params.id);
      setEtag(reply, subscription.version);
      reply.header('cache-control', 'no-store');
      return { ...subscription, secret };
    },
  );

  app.post(
    '/api/v1/webhooks/:id/ping',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Send a webhook.ping event to test the receiver',
        params: IdParams,
        response: { 202: DeliverySchema },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooks.ping(actorOfRequest(request), request.params.id)),
  );

  app.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The delivery log of a subscription, newest first',
        params: IdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(DeliverySchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const items = await webhooks.deliveries(request.params.id, decodeIdCursor(request.query.cursor), limit + 1);
      return pageOf(items, limit, (d) => [d.id]);
    },
  );
}
