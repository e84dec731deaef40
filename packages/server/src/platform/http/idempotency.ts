import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/audit.service.js';
import { canonicalJson } from '../audit/canonical-json.js';
import { addMs, type Clock, isoNow } from '../clock.js';
import type { Database } from '../database-schema.js';
import { AppError, InputError } from '../errors.js';
import { type CommittedObject, type IdempotencyRow, idempotencyRepository } from './idempotency.repository.js';
import { appendRouteHook } from './route-hooks.js';

/** How long a key is remembered, and how long a first request may run before its key is taken over. */
const RETENTION_MS = 24 * 3_600_000;
const LEASE_MS = 5 * 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Response headers worth replaying. */
const REPLAYED_HEADERS = ['content-type', 'etag', 'location'];

interface IdempotencyState {
  principal: string;
  key: string;
  /** The request's id: only writes audited under it mark the key (not background work it started). */
  requestId: string;
  /** The claim's lease_until: the fence a write checks in its transaction (a takeover changes it). */
  lease: string;
  /** True from the claim until the answer is being stored; writes mark the key only meanwhile. */
  open: boolean;
}

/** The claim of the request being served, for the writes it runs (see `markCommitted`). */
const claims = new AsyncLocalStorage<IdempotencyState>();

/**
 * The canonical GET route of each object type a write audits: where a retry finds the object
 * whose answer was lost (see `recover`). Types missing here are answered with 409 naming the object.
 */
const OBJECT_ROUTES: Record<string, string> = {
  artifact: '/api/v1/artifacts/:id',
  backout_procedure: '/api/v1/backout-procedures/:id',
  baseline: '/api/v1/baselines/:id',
  change: '/api/v1/changes/:id',
  change_template: '/api/v1/change-templates/:id',
  ci: '/api/v1/cis/:id',
  ci_class: '/api/v1/ci-classes/:name',
  freeze: '/api/v1/freezes/:id',
  hardware_item: '/api/v1/hardware/items/:id',
  hardware_model: '/api/v1/hardware/models/:id',
  hardware_reservation: '/api/v1/hardware/reservations/:id',
  hardware_site: '/api/v1/hardware/sites/:id',
  incident: '/api/v1/incidents/:id',
  maintenance_window: '/api/v1/maintenance-windows/:id',
  maturity_assessment: '/api/v1/maturity/assessments/:id',
  relationship: '/api/v1/relationships/:id',
  release: '/api/v1/releases/:id',
  release_template: '/api/v1/release-templates/:id',
  rollout: '/api/v1/rollouts/:id',
  team: '/api/v1/teams/:id',
  trusted_key: '/api/v1/library/keys/:id',
  user: '/api/v1/users/:id',
};

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: IdempotencyState | null;
  }
}

/** Expired keys are swept from the table at most this often. */
const PRUNE_INTERVAL_MS = 60_000;

function isStream(body: unknown): boolean {
  return typeof (body as { pipe?: unknown } | null)?.pipe === 'function';
}

function requestHash(request: FastifyRequest, hashKey: Buffer | undefined): string {
  const body = request.body === undefined ? '' : canonicalJson(request.body);
  const text = `${request.method} ${request.url}\n${body}`;
  // Bodies may hold passwords; with a server-side key, the stored digest cannot be used to
  // guess them offline. Without one it is a plain SHA-256.
  const digest = hashKey ? crypto.createHmac('sha256', hashKey) : crypto.createHash('sha256');
  return digest.update(text).digest('hex');
}

export interface IdempotencyOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** Key for the stored request digests (HMAC-SHA-256); kept outside the database. */
  hashKey?: Buffer;
  /**
   * This instance's id in `instances` (platform/instances): recorded with each key it runs, so a
   * retry sent to another instance after this one died takes the key over at once instead of
   * waiting for the lease.
   */
  owner?: string;
  /**
   * The audit trail: every write audits in its own transaction, and the claim is marked
   * `committed` there, atomically with the write. Without it (bare tests) keys are only
   * completed after the answer.
   */
  audit?: Pick<AuditTrail, 'onRecord'>;
}

/** The answer a route gives on success (the lowest 2xx of its response schema), as schema text. */
function successOf(request: FastifyRequest): { status: number; schema: string } | undefined {
  const responses = (request.routeOptions.schema?.response ?? {}) as Record<string, unknown>;
  const status = Object.keys(responses)
    .map(Number)
    .filter((code) => code >= 200 && code < 300)
    .sort((a, b) => a - b)[0];
  return status === undefined ? undefined : { status, schema: JSON.stringify(responses[String(status)]) };
}

/**
 * `Idempotency-Key` on POST (IETF draft semantics, Stripe's behaviour): the first request's
 * answer is stored and replayed to retries with the same key and body; the same key with another
 * body → 422; a retry while the first still runs → 409. Keys are scoped per user and kept 24 h.
 * Server faults (5xx) before any write committed are not stored, so the client may retry them
 * (after a write committed, the key stays `committed`: see below). Answers marked
 * `Cache-Control: no-store` (they hold a secret) are not stored either: a retry gets 409 CONFLICT
 * pointing at the object the first request created.
 *
 * Exactly once across crashes: the write's own transaction marks the key `committed` (through
 * the audit trail's hook, which every write passes in its transaction), fenced by the claim's
 * lease. A process that dies after the commit and before the answer is stored leaves a
 * `committed` key: a retry never runs the write again but answers with the object it wrote
 * (`recover`). A write whose key a retry took over meanwhile rolls back (409).
 */
export const idempotency = fp<IdempotencyOptions>(
  async (app: FastifyInstance, { db, clock, hashKey, owner, audit }) => {
    app.decorateRequest('idempotency', null);
    let nextPruneAt = 0;

    // The response schema of each object's GET route, to check a recovered answer has the shape the
    // lost one had (a request whose later transaction never ran has not written its own object).
    const objectSchemas = new Map<string, string>();
    const objectRoutes = new Set(Object.values(OBJECT_ROUTES));
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (!methods.includes('GET') || !objectRoutes.has(route.url)) return;
      const response = (route.schema?.response ?? {}) as Record<string, unknown>;
      if (response['200'] !== undefined) objectSchemas.set(route.url, JSON.stringify(response['200']));
    });

    audit?.onRecord(async (tx, actor, event) => {
      // Work the request set off (a job nudged from its handler) inherits its async context but
      // writes under its own actor: only the request's own writes mark its key.
      const state = claims.getStore();
      if (!state?.open || actor.requestId !== state.requestId) return;
      const object: CommittedObject = {
        type: event.objectType,
        id: event.objectId === undefined || event.objectId === null ? null : String(event.objectId),
      };
      if (!(await idempotencyRepository.markCommitted(tx, state.principal, state.key, state.lease, object))) {
        throw new AppError(
          'IDEMPOTENCY_IN_PROGRESS',
          'A retry with this Idempotency-Key took it over while this request ran; the retry carries the write out',
        );
      }
    });

    /**
     * The answer to a retry whose first request committed its write and died before its answer was
     * stored: the object it wrote, read through the object's GET route as the retry's caller, with
     * the status the route answers on success; stored, so later retries replay it. When that object
     * is not what the route answers with (a request cut short between two transactions), 409
     * CONFLICT names it instead. Never the write again.
     */
    async function recover(request: FastifyRequest, reply: FastifyReply, existing: IdempotencyRow) {
      const { principal, key } = existing;
      const object = (JSON.parse(existing.response_headers ?? '{}') as { object?: CommittedObject }).object;
      const route = object && OBJECT_ROUTES[object.type];
      const success = successOf(request);
      if (object?.id && route && success && objectSchemas.get(route) === success.schema) {
        const url = route.replace(/:\w+/, encodeURIComponent(object.id));
        const found = await app.inject({
          method: 'GET',
          url,
          headers: {
            ...(request.headers.authorization !== undefined && { authorization: request.headers.authorization }),
            ...(request.headers.cookie !== undefined && { cookie: request.headers.cookie }),
          },
        });
        if (found.statusCode === 200) {
          const headers: Record<string, string> = {};
          for (const name of ['content-type', 'etag']) {
            const value = found.headers[name];
            if (value !== undefined) headers[name] = String(value);
          }
          if (success.status === 201) headers.location = url;
          await idempotencyRepository.complete(
            db,
            principal,
            key,
            { statusCode: success.status, body: found.payload, headers: JSON.stringify(headers) },
            { state: 'committed' },
          );
          reply.headers({ ...headers, 'idempotent-replayed': 'true' });
          reply.code(success.status);
          return reply.send(found.payload);
        }
      }
      throw new AppError(
        'CONFLICT',
        'A request with this Idempotency-Key was carried out, but the server stopped before its answer was stored; it is not run again',
        { ...(object && { objectType: object.type, objectId: object.id }) },
      );
    }

    const claimKey = async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method !== 'POST') return;
      const key = request.headers['idempotency-key'];
      if (key === undefined || !request.principal) return;
      // Streamed bodies (NDJSON imports, uploads) are not buffered, so they cannot be compared or
      // replayed; those routes are idempotent by design (upsert, content addressing).
      if (isStream(request.body)) return;
      if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
        throw new InputError('Idempotency-Key must be 1–255 printable ASCII characters', { header: 'idempotency-key' });
      }
      const principal = `user:${request.principal.user.id}`;
      const hash = requestHash(request, hashKey);
      const now = isoNow(clock);
      // Keys are remembered for RETENTION_MS only: an expired key starts afresh, and expired
      // records are swept now and then so the table does not grow without bound.
      if (Date.parse(now) >= nextPruneAt) {
        nextPruneAt = Date.parse(now) + PRUNE_INTERVAL_MS;
        await idempotencyRepository.deleteExpired(db, now);
      } else {
        await idempotencyRepository.deleteExpiredKey(db, principal, key, now);
      }
      const inserted = await idempotencyRepository.tryInsert(db, {
        principal,
        key,
        method: request.method,
        path: request.url,
        request_hash: hash,
        state: 'in_progress',
        status_code: null,
        response_body: null,
        response_headers: null,
        created_at: now,
        lease_until: addMs(now, LEASE_MS),
        expires_at: addMs(now, RETENTION_MS),
        owner: owner ?? null,
      });
      if (inserted) {
        request.idempotency = { principal, key, requestId: request.id, lease: addMs(now, LEASE_MS), open: true };
        return;
      }
      const existing = await idempotencyRepository.find(db, principal, key);
      if (!existing)
        throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'The Idempotency-Key is being reused concurrently; retry');
      if (existing.request_hash !== hash) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request', {
          firstPath: existing.path,
        });
      }
      if (existing.state === 'in_progress') {
        const lease = addMs(now, LEASE_MS);
        if (await idempotencyRepository.takeOver(db, principal, key, now, lease, owner ?? null)) {
          request.idempotency = { principal, key, requestId: request.id, lease, open: true };
          return;
        }
        throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed');
      }
      if (existing.state === 'committed') {
        if (await idempotencyRepository.isAbandoned(db, principal, key, now)) return recover(request, reply, existing);
        throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed');
      }
      const headers = JSON.parse(existing.response_headers ?? '{}') as Record<string, string>;
      if (existing.response_body === null) {
        throw new AppError(
          'CONFLICT',
          'A request with this Idempotency-Key already succeeded, but its answer held a secret that is shown only once, so it is not replayed',
          { firstStatus: existing.status_code, ...(headers.location !== undefined && { location: headers.location }) },
        );
      }
      reply.headers({ ...headers, 'idempotent-replayed': 'true' });
      reply.code(existing.status_code ?? 200);
      return reply.send(existing.response_body ?? '');
    };

    // The handler runs with the claim in reach of its writes' transactions (the audit hook above).
    const runWithClaim = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      if (request.idempotency) claims.run(request.idempotency, done);
      else done();
    };

    const storeAnswer = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const state = request.idempotency;
      if (!state) return payload;
      request.idempotency = null;
      state.open = false;
      if (reply.statusCode >= 500) {
        // Nothing committed: the client may retry. Something did: a retry recovers it at once.
        await idempotencyRepository.deleteUncommitted(db, state.principal, state.key, state.lease);
        await idempotencyRepository.expireLease(db, state.principal, state.key, state.lease, addMs(isoNow(clock), -1));
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      // An answer marked `Cache-Control: no-store` carries a secret shown once (a new token, a
      // generated password): storing it would keep that secret in plain in the database. Only the
      // fact that the request succeeded is kept; a retry learns that, not the secret.
      const noStore = /\bno-store\b/i.test(String(reply.getHeader('cache-control') ?? ''));
      await idempotencyRepository.complete(
        db,
        state.principal,
        state.key,
        {
          statusCode: reply.statusCode,
          body: noStore
            ? null
            : typeof payload === 'string'
              ? payload
              : payload === null || payload === undefined
                ? ''
                : String(payload),
          headers: JSON.stringify(headers),
        },
        { lease: state.lease },
      );
      return payload;
    };

    // Only POST routes carry these hooks (route-level, after every app-wide preHandler, so access
    // and object scope are checked before a key is claimed): reads pay nothing for idempotency.
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (!methods.includes('POST')) return;
      appendRouteHook(route, 'preHandler', claimKey);
      appendRouteHook(route, 'preHandler', runWithClaim);
      appendRouteHook(route, 'onSend', storeAnswer);
    });
  },
);
