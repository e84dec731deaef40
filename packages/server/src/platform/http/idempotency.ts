import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import { canonicalJson } from '../audit/canonical-json.js';
import { addMs, type Clock, isoNow } from '../clock.js';
import type { Database } from '../database-schema.js';
import { AppError, InputError } from '../errors.js';
import { idempotencyRepository } from './idempotency.repository.js';

/** How long a key is remembered, and how long a first request may run before its key is taken over. */
const RETENTION_MS = 24 * 3_600_000;
const LEASE_MS = 5 * 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Response headers worth replaying. */
const REPLAYED_HEADERS = ['content-type', 'etag', 'location'];

interface IdempotencyState {
  principal: string;
  key: string;
}

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
}

/**
 * `Idempotency-Key` on POST (IETF draft semantics, Stripe's behaviour): the first request's
 * answer is stored and replayed to retries with the same key and body; the same key with another
 * body → 422; a retry while the first still runs → 409. Keys are scoped per user and kept 24 h.
 * Server faults (5xx) are not stored, so the client may retry them. Answers marked
 * `Cache-Control: no-store` (they hold a secret) are not stored either: a retry gets 409 CONFLICT
 * pointing at the object the first request created.
 */
export const idempotency = fp<IdempotencyOptions>(async (app: FastifyInstance, { db, clock, hashKey, owner }) => {
  app.decorateRequest('idempotency', null);
  let nextPruneAt = 0;

  app.addHook('preHandler', async (request, reply) => {
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
      request.idempotency = { principal, key };
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
      if (await idempotencyRepository.takeOver(db, principal, key, now, addMs(now, LEASE_MS), owner ?? null)) {
        request.idempotency = { principal, key };
        return;
      }
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
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const state = request.idempotency;
    if (!state) return payload;
    request.idempotency = null;
    if (reply.statusCode >= 500) {
      await idempotencyRepository.delete(db, state.principal, state.key);
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
    await idempotencyRepository.complete(db, state.principal, state.key, {
      statusCode: reply.statusCode,
      body: noStore
        ? null
        : typeof payload === 'string'
          ? payload
          : payload === null || payload === undefined
            ? ''
            : String(payload),
      headers: JSON.stringify(headers),
    });
    return payload;
  });
});
