import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';
import { databaseNowMs, instanceRepository } from './instance.repository.js';
import { DEAD_AFTER_MS, InstanceRegistry } from './instance-registry.js';

describe.each(testDatabaseKinds())('instances and their heartbeats on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });
  const db = () => t.slipway.ctx.database.db;

  it('registers a running instance, and removes it at a graceful stop', async () => {
    // The app's own instance registered itself at start, under its job worker id.
    const live = await instanceRepository.live(db(), DEAD_AFTER_MS);
    expect(live.map((i) => i.id)).toContain(t.slipway.ctx.jobs.workerId);
    expect(live.find((i) => i.id === t.slipway.ctx.jobs.workerId)?.pid).toBe(process.pid);

    const other = new InstanceRegistry(db(), t.slipway.ctx.clock, 'test-host:1:cafe', '0.0.0-test');
    await other.start();
    expect((await instanceRepository.live(db(), DEAD_AFTER_MS)).map((i) => i.id)).toContain('test-host:1:cafe');
    await other.stop();
    expect((await instanceRepository.live(db(), DEAD_AFTER_MS)).map((i) => i.id)).not.toContain('test-host:1:cafe');
  });

  it('lets a retry take over at once an Idempotency-Key whose instance died mid-request', async () => {
    const call = (url: string, key: string, body?: unknown) =>
      t.slipway.app.inject({
        method: 'POST',
        url,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'idempotency-key': key,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
    expect(
      (await call('/api/v1/webhooks/allow-list', 'allow-1', { pattern: '127.0.0.1', allowPrivate: true })).statusCode,
    ).toBe(201);
    const hook = await call('/api/v1/webhooks', 'hook-1', {
      name: 'takeover',
      url: 'http://127.0.0.1:9/hook',
      events: ['change.created'],
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const url = `/api/v1/webhooks/${hook.json().id}/ping`;
    const first = await call(url, 'ping-1');
    expect(first.statusCode).toBe(202);

    // Make the record look as if its first request were still running, on an instance that died
    // 60 s ago (and whose lease would not lapse for hours).
    await db()
      .insertInto('instances')
      .values({
        id: 'dead-host:2:dead',
        hostname: 'dead-host',
        pid: 2,
        version: '0.0.0-test',
        started_at: '2026-01-01T00:00:00.000Z',
        heartbeat_ms: sql<number>`${databaseNowMs(db())} - 60000`,
      })
      .execute();
    const stillRunning = (owner: string) =>
      db()
        .updateTable('idempotency_keys')
        .set({
          state: 'in_progress',
          status_code: null,
          response_body: null,
          lease_until: '2999-01-01T00:00:00.000Z',
          owner,
        })
        .where('key', '=', 'ping-1')
        .execute();

    // Owned by a live instance (this one): the retry must wait, as before.
    await stillRunning(t.slipway.ctx.jobs.workerId);
    const waiting = await call(url, 'ping-1');
    expect(waiting.statusCode).toBe(409);
    expect(waiting.json().error.code).toBe('IDEMPOTENCY_IN_PROGRESS');

    // Owned by the dead one: the retry runs now (a new delivery), and owns the key from then on.
    await stillRunning('dead-host:2:dead');
    const retried = await call(url, 'ping-1');
    expect(retried.statusCode, retried.body).toBe(202);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(retried.json().id).not.toBe(first.json().id);
    const record = await db()
      .selectFrom('idempotency_keys')
      .select(['state', 'owner'])
      .where('key', '=', 'ping-1')
      .executeTakeFirstOrThrow();
    expect(record).toEqual({ state: 'done', owner: t.slipway.ctx.jobs.workerId });
    // And a later retry replays that answer.
    const replay = await call(url, 'ping-1');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().id).toBe(retried.json().id);
  });

  it('forgets instances silent for a day', async () => {
    await db()
      .insertInto('instances')
      .values({
        id: 'ancient:3:old',
        hostname: 'ancient',
        pid: 3,
        version: '0.0.0-test',
        started_at: '2026-01-01T00:00:00.000Z',
        heartbeat_ms: sql<number>`${databaseNowMs(db())} - ${25 * 3_600_000}`,
      })
      .execute();
    expect(await instanceRepository.pruneSilent(db(), 24 * 3_600_000)).toBeGreaterThanOrEqual(1);
    const left = await db().selectFrom('instances').select('id').where('id', '=', 'ancient:3:old').execute();
    expect(left).toEqual([]);
  });
});
