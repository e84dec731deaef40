import crypto from 'node:crypto';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-databases.js';
import { canonicalJson } from '../audit/canonical-json.js';
import { principalFor } from '../auth/principal.js';
import { systemClock } from '../clock.js';
import type { SlipwayDatabase } from '../database.js';
import { migrateToLatest } from '../migrator.js';
import { idempotency } from './idempotency.js';

/**
 * The idempotency plugin alone, on a bare Fastify: what it stores. Request digests cover bodies
 * that may hold passwords, so with a server-side key they are HMACs that cannot be used to test
 * password guesses offline.
 */
describe('idempotency request digests', () => {
  let testDb: TestDatabase;
  let database: SlipwayDatabase;
  const body = { username: 'digest', password: 'a long and secret passphrase' };

  async function storedDigest(hashKey: Buffer | undefined, key: string): Promise<string> {
    const app = Fastify();
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request) => {
      request.principal = principalFor(
        {
          id: 7,
          username: 'digest',
          displayName: 'Digest',
          email: null,
          roles: ['admin'],
          disabled: false,
          hasPassword: true,
          lastLoginAt: null,
          createdAt: '2026-01-01T00:00:00.000Z',
          updatedAt: '2026-01-01T00:00:00.000Z',
          version: 1,
        },
        'token',
      );
    });
    await app.register(idempotency, { db: database.db, clock: systemClock, ...(hashKey && { hashKey }) });
    app.post('/things', async (_request, reply) => reply.code(201).send({ ok: true }));
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/things',
        payload: body,
        headers: { 'idempotency-key': key },
      });
      expect(res.statusCode).toBe(201);
      const again = await app.inject({
        method: 'POST',
        url: '/things',
        payload: body,
        headers: { 'idempotency-key': key },
      });
      expect(again.headers['idempotent-replayed']).toBe('true');
    } finally {
      await app.close();
    }
    const row = await database.db
      .selectFrom('idempotency_keys')
      .select('request_hash')
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    return row.request_hash;
  }

  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite');
    database = testDb.open();
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.cleanup();
  });

  it('is an HMAC under the server key when one is configured, not a guessable plain hash', async () => {
    const hashKey = crypto.randomBytes(32);
    const text = `POST /things\n${canonicalJson(body)}`;
    const digest = await storedDigest(hashKey, 'digest-keyed');
    expect(digest).toBe(crypto.createHmac('sha256', hashKey).update(text).digest('hex'));
    expect(digest).not.toBe(crypto.createHash('sha256').update(text).digest('hex'));
  });

  it('is a plain SHA-256 without a key (the app does not pass one yet)', async () => {
    const text = `POST /things\n${canonicalJson(body)}`;
    expect(await storedDigest(undefined, 'digest-plain')).toBe(crypto.createHash('sha256').update(text).digest('hex'));
  });
});
