import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { TERMINAL_ROLLOUT_STATES } from '@slipway/model';
import type { FastifyInstance } from 'fastify';
import { type Static, type TSchema, Type } from 'typebox';
import type { Actor } from '../platform/actor.js';
import type { AppContext } from '../platform/context.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { RELEASE_SCOPE, ROLLOUT_SCOPE, visibilityOf } from '../platform/http/object-scope.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders, Page, PageQuery } from '../platform/http/schemas.js';
import {
  ActivationDecisionBody,
  ActivationRejectBody,
  ActivationRequestBody,
  ActivationSchema,
  ConfirmBody,
  CreateExecutableBody,
  CreateRolloutBody,
  EventSchema,
  ExecutableSchema,
  ReasonBody,
  RolloutSchema,
  StepSchema,
  TargetSchema,
  VerificationSchema,
} from './rollout.schemas.js';
import type { RolloutInput } from './rollout.service.js';

const SSE_POLL_MS = 300;
const SSE_HEARTBEAT_MS = 15_000;

/** Rollouts: start, watch (JSON and server-sent events), control, verify; the executables allow-list. */
export async function rolloutRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const service = ctx.rollouts.rollouts;
  const activations = ctx.rollouts.activations;
  const tags = ['rollouts'];

  app.post(
    '/api/v1/releases/:id/rollouts',
    {
      config: { access: 'rollouts.execute', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Start (or schedule) a rollout of an approved release into an environment',
        description:
          'Pre-start checks: release approved (422), no other active rollout of it in the environment (409), strategy and executor valid (400; a command not on the allow-list or a webhook to a private or unlisted address is 400), coexistence, artifact integrity re-verified, freezes (422). Takes the pre-rollout baseline and records a what-if impact per wave.',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: CreateRolloutBody,
        response: { 201: RolloutSchema },
      },
    },
    async (request, reply) => {
      const rollout = await service.create(actorOfRequest(request), request.params.id, request.body as RolloutInput);
      setEtag(reply, rollout.version);
      reply.header('location', `/api/v1/rollouts/${rollout.id}`);
      return reply.code(201).send(rollout);
    },
  );

  app.get(
    '/api/v1/rollouts',
    {
      config: { access: 'rollouts.read' },
      schema: {
        tags,
        summary: 'Rollouts, newest first',
        querystring: Type.Object(
          {
            ...PageQuery,
            releaseId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
            state: Type.Optional(Type.String({ maxLength: 40 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(RolloutSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const items = await service.list({
        releaseId: request.query.releaseId,
        state: request.query.state,
        beforeId: decodeIdCursor(request.query.cursor),
        limit: limit + 1,
        visibility: visibilityOf(request),
      });
      return pageOf(items, limit, (r) => [r.id]);
    },
  );

  app.get(
    '/api/v1/rollouts/:id',
    {
      config: { access: 'rollouts.read', scope: ROLLOUT_SCOPE },
      schema: {
        tags,
        summary: 'A rollout with its waves, totals and KPIs',
        params: IdParams,
        response: { 200: RolloutSchema },
      },
    },
    async (request, reply) => {
      const rollout = await service.get(request.params.id);
      setEtag(reply, rollout.version);
      return rollout;
    },
  );

  app.get(
    '/api/v1/rollouts/:id/targets',
    {
      config: { access: 'rollouts.read', scope: ROLLOUT_SCOPE },
      schema: {
        tags,
        summary: 'The targets of a rollout and how each fared',
        params: IdParams,
        querystring: Type.Object(
          {
            ...PageQuery,
            wave: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
            state: Type.Optional(Type.String({ maxLength: 40 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(TargetSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const items = await service.targets(request.params.id, {
        waveIdx: request.query.wave,
        state: request.query.state,
        afterId: decodeIdCursor(request.query.cursor),
        limit: limit + 1,
      });
      return pageOf(items, limit, (t) => [t.id]);
    },
  );

  app.get(
    '/api/v1/rollouts/:id/steps',
    {
      config: { access: 'rollouts.read', scope: ROLLOUT_SCOPE },
      schema: {
        tags,
        summary: 'Executed steps with their idempotency keys, attempts, exit codes and output',
        params: IdParams,
        querystring: Type.Object(
          { ...PageQuery, targetId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })) },
          { additionalProperties: false },
        ),
        response: { 200: Page(StepSchema) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const items = await service.steps(request.params.id, {
        targetId: request.query.targetId,
        afterId: decodeIdCursor(request.query.cursor),
        limit: limit + 1,
      });
      return pageOf(items, limit, (s) => [s.id]);
    },
  );

  app.get(
    '/api/v1/rollouts/:id/events/log',
    {
      config: { access: 'rollouts.read', scope: ROLLOUT_SCOPE },
      schema: {
        tags,
        summary: 'The event log of a rollout as JSON (the same events the SSE stream sends)',
        params: IdParams,
        querystring: Type.Object(
          {
            after: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(EventSchema) }) },
      },
    },
    async (request) => ({
      items: await service.events(request.params.id, request.query.after ?? 0, request.query.limit ?? 200),
    }),
  );

  app.get(
    '/api/v1/rollouts/:id/events',
    {
      config: { access: 'rollouts.read', scope: ROLLOUT_SCOPE },
      schema: {
        tags,
        summary: 'Live events of a rollout (text/event-stream); resumes after Last-Event-ID or ?after=',
        params: IdParams,
        querystring: Type.Object(
          { after: Type.Optional(Type.Integer({ minimum: 0 })) },
          { additionalProperties: false },
        ),
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 20 })) }),
        response: {
          200: Type.String({
            description:
              'text/event-stream: `id`, `event` (type) and `data` (JSON) per event; ends when the rollout is finished',
          }),
        },
      },
    },
    async (request, reply) => {
      await service.get(request.params.id);
      const header = Number(request.headers['last-event-id']);
      let last = Number.isInteger(header) && header >= 0 ? header : (request.query.after ?? 0);
      const id = request.params.id;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let closed = false;
      request.raw.on('close', () => {
        closed = true;
      });
      let lastWrite = Date.now();
      try {
        while (!closed) {
          const events = await service.events(id, last, 500);
          for (const e of events) {
            raw.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...e.data, at: e.at })}\n\n`);
            last = e.id;
            lastWrite = Date.now();
          }
          if (events.length === 500) continue;
          const rollout = await service.get(id);
          if (TERMINAL_ROLLOUT_STATES.includes(rollout.state)) {
            // Events written with the final state are already read above; one last look for stragglers.
            for (const e of await service.events(id, last, 500)) {
              raw.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...e.data, at: e.at })}\n\n`);
              last = e.id;
            }
            raw.write(`event: end\ndata: ${JSON.stringify({ state: rollout.state })}\n\n`);
            break;
          }
          if (Date.now() - lastWrite > SSE_HEARTBEAT_MS) {
            raw.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          await new Promise((resolve) => setTimeout(resolve, SSE_POLL_MS));
        }
      } catch (error) {
        request.log.error({ err: error }, 'rollout event stream failed');
      }
      raw.end();
    },
  );

  app.get(
    '/api/v1/rollouts/:id/verification',
    {
      config: { access: 'rollouts.read', scope: ROLLOUT_SCOPE },
      schema: {
        tags,
        summary: 'Manifest versus facts: drift and unauthorized software on the deployed targets',
        params: IdParams,
        response: { 200: VerificationSchema },
      },
    },
    async (request) => service.verification(request.params.id),
  );

  const control = (action: 'pause' | 'resume' | 'abort' | 'deactivate' | 'backout', summary: string) =>
    app.post(
      `/api/v1/rollouts/:id/${action}`,
      {
        config: { access: 'rollouts.execute', scope: ROLLOUT_SCOPE },
        schema: {
          tags,
          summary,
          params: IdParams,
          headers: IfMatchHeaders,
          body: Type.Optional(ReasonBody),
          response: { 200: RolloutSchema },
        },
      },
      async (request, reply) => {
        const actor = actorOfRequest(request);
        const version = versionFromIfMatch(request.headers['if-match']);
        const reason = request.body?.reason ?? '';
        const id = request.params.id;
        const rollout =
          action === 'pause'
            ? await service.pause(actor, id, version)
            : action === 'resume'
              ? await service.resume(actor, id, version)
              : action === 'abort'
                ? await service.abort(actor, id, reason, version)
                : action === 'deactivate'
                  ? await service.deactivate(actor, id, version)
                  : await service.backout(actor, id, reason, version);
        setEtag(reply, rollout.version);
        return rollout;
      },
    );
  control('pause', 'Pause: no new targets start; running ones finish');
  control('resume', 'Resume (after a failure-threshold pause the failed targets are tried again)');
  control('abort', 'Abort for good without backing out');
  control(
    'deactivate',
    'Dormant: switch an activated release off again (a new activation needs a new request and approval)',
  );

  // Activation of a dormant rollout: requested by one person, approved by another.
  const activationTags = { tags, params: IdParams, headers: IfMatchHeaders };
  /** A POST on the activation of a dormant rollout: `act` records it, the answer is the rollout as it then stands. */
  const activation = <B extends TSchema>(
    path: string,
    access: 'rollouts.execute' | 'rollouts.approve',
    schema: { summary: string; description: string; body: B },
    act: (actor: Actor, id: number, body: Static<B>, version: number | undefined) => Promise<unknown>,
  ) =>
    app.post(
      path,
      {
        config: { access, scope: ROLLOUT_SCOPE },
        schema: { ...activationTags, ...schema, response: { 200: RolloutSchema } },
      },
      async (request, reply) => {
        const id = request.params.id;
        await act(
          actorOfRequest(request),
          id,
          request.body as Static<B>,
          versionFromIfMatch(request.headers['if-match']),
        );
        const rollout = await service.get(id);
        setEtag(reply, rollout.version);
        return rollout;
      },
    );
  activation(
    '/api/v1/rollouts/:id/activate',
    'rollouts.execute',
    {
      summary:
        'Dormant: request the activation, now or at activateAt; nothing is switched on until someone else approves',
      description:
        'Creates a pending activation request (the rollout stays dormant; its `activationRequest` shows it). `activateAt` must lie in the future (400), inside the rollout windows and outside every freeze covering its targets (422 DOMAIN_RULE, rule rollout.activation_window or rollout.activation_freeze). A rollout that is not dormant: 422 ILLEGAL_TRANSITION. A second open request: 409.',
      body: Type.Optional(ActivationRequestBody),
    },
    (actor, id, body, version) =>
      activations.request(actor, id, { activateAt: body?.activateAt, note: body?.note }, version),
  );
  activation(
    '/api/v1/rollouts/:id/activation/approve',
    'rollouts.approve',
    {
      summary: 'Approve the pending activation: it starts now, or a durable job starts it at its activateAt',
      description:
        'Change managers and CAB members (rollouts.approve). Neither the requester nor the person who started the rollout may approve (403 SOD_VIOLATION). The time is checked again against windows and freezes (422; the request stays pending). No pending request: 422.',
      body: Type.Optional(ActivationDecisionBody),
    },
    (actor, id, body, version) => activations.approve(actor, id, { note: body?.note }, version),
  );
  activation(
    '/api/v1/rollouts/:id/activation/reject',
    'rollouts.approve',
    {
      summary: 'Reject the pending activation, with a reason',
      description:
        'Same people and segregation of duties as approving (the requester withdraws with cancel instead). No pending request: 422.',
      body: ActivationRejectBody,
    },
    (actor, id, body, version) => activations.reject(actor, id, { reason: body.reason }, version),
  );
  activation(
    '/api/v1/rollouts/:id/activation/cancel',
    'rollouts.execute',
    {
      summary: 'Withdraw a pending activation request or call off a scheduled activation',
      description: 'No open (pending or scheduled) request: 422.',
      body: Type.Optional(ReasonBody),
    },
    (actor, id, body, version) => activations.cancel(actor, id, { reason: body?.reason }, version),
  );
  app.get(
    '/api/v1/rollouts/:id/activations',
    {
      config: { access: 'rollouts.read', scope: ROLLOUT_SCOPE },
      schema: {
        tags,
        summary: 'Every activation request of a rollout, newest first, with who decided what and when',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(ActivationSchema) }) },
      },
    },
    async (request) => ({ items: await activations.list(request.params.id) }),
  );
  control(
    'backout',
    'Back out: reverse wave order, changed targets only, CMDB restored to the pre-rollout baseline (reason required)',
  );

  app.post(
    '/api/v1/rollouts/:id/confirm',
    {
      config: { access: 'rollouts.confirm', scope: ROLLOUT_SCOPE },
      schema: {
        tags,
        summary: 'Confirm (or fail) a manual health gate or manual steps',
        params: IdParams,
        body: ConfirmBody,
        response: { 200: RolloutSchema },
      },
    },
    async (request, reply) => {
      const rollout = await service.confirm(actorOfRequest(request), request.params.id, request.body);
      setEtag(reply, rollout.version);
      return rollout;
    },
  );

  app.get(
    '/api/v1/rollout-executables',
    {
      config: { access: 'rollouts.read' },
      schema: {
        tags,
        summary: 'Executables command steps and gates may run',
        response: { 200: Type.Object({ items: Type.Array(ExecutableSchema) }) },
      },
    },
    async () => ({ items: await service.listExecutables() }),
  );

  app.post(
    '/api/v1/rollout-executables',
    {
      config: { access: 'rollouts.executables' },
      schema: {
        tags,
        summary: 'Allow an executable (absolute path) for command steps and gates',
        body: CreateExecutableBody,
        response: { 201: ExecutableSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await service.addExecutable(actorOfRequest(request), request.body)),
  );

  app.delete(
    '/api/v1/rollout-executables/:id',
    {
      config: { access: 'rollouts.executables' },
      schema: {
        tags,
        summary: 'Remove an executable from the allow-list',
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await service.removeExecutable(actorOfRequest(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
