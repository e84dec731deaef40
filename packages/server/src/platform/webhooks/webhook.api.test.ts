import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeClient, expectError, setupChangeOrg, windowAt } from '../../test-support/change-kit.js';
import { createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';
import { ManualClock } from '../clock.js';
import { classifyAddress } from '../outbound/ip-address.js';
import { verifySignature } from './webhook-signature.js';

const NOW = '2026-12-01T08:00:00.000Z';

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Delivery {
  id: number;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  eventType: string;
  attemptLog: { attempt: number; statusCode: number | null; error: string | null; address: string | null }[];
}

describe.each(testDatabaseKinds())('webhooks on %s', (kind) => {
  let t: TestApp;
  let api: ChangeClient;
  let receiver: http.Server;
  let port = 0;
  const received: Received[] = [];
  /** Per path, the statuses the receiver answers next (then 200): no test can take another's. */
  const statuses = new Map<string, number[]>();
  const connects: string[] = [];
  const clock = new ManualClock(NOW);

  const admin = () => t.adminToken;
  const drain = () => t.slipway.ctx.jobs.drain();

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(statuses.get(req.url ?? '')?.shift() ?? 200).end('thanks');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
    t = await createTestApp(kind, { clock });
    api = new ChangeClient(t);
    // No test may send traffic anywhere but loopback.
    t.slipway.ctx.webhooks.configureOutbound({
      connectGuard: (address) => {
        connects.push(address);
        if (classifyAddress(address) !== 'loopback') throw new Error(`test guard: refusing ${address}`);
      },
      resolver: async (host) => {
        if (host === 'hooks.internal.test') return [{ address: '10.0.0.7', family: 4 }];
        throw new Error(`no DNS in tests (${host})`);
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  async function subscribe(events: string[], path = '/hook'): Promise<{ id: number; secret: string }> {
    const res = await api.call(admin(), 'POST', '/api/v1/webhooks', {
      name: `Receiver ${path}`,
      url: `http://127.0.0.1:${port}${path}`,
      events,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    return res.json();
  }

  async function delivery(id: number): Promise<Delivery> {
    return api.ok<Delivery>(admin(), 'GET', `/api/v1/webhooks/deliveries/${id}`);
  }

  it('refuses subscriptions to hosts that are not allow-listed, to private addresses and to hostile URL forms', async () => {
    const target = `http://127.0.0.1:${port}/hook`;
    const notListed = expectError(
      await api.call(admin(), 'POST', '/api/v1/webhooks', { name: 'x', url: target, events: ['change.*'] }),
      422,
      'DOMAIN_RULE',
    );
    expect(notListed).toMatchObject({ rule: 'outbound_allow_list', reason: 'not_allow_listed' });
    const plain = await api.ok<{ id: number }>(admin(), 'POST', '/api/v1/webhooks/allow-list', {
      pattern: '127.0.0.1',
    });
    const loopback = expectError(
      await api.call(admin(), 'POST', '/api/v1/webhooks', { name: 'x', url: target, events: ['change.*'] }),
      422,
      'DOMAIN_RULE',
    );
    expect(loopback.reason).toBe('blocked_address');
    await api.ok(admin(), 'DELETE', `/api/v1/webhooks/allow-list/${plain.id}`);
    await api.ok(admin(), 'POST', '/api/v1/webhooks/allow-list', {
      pattern: '127.0.0.1',
      allowPrivate: true,
      note: 'test receiver',
    });
    expectError(
      await api.call(admin(), 'POST', '/api/v1/webhooks/allow-list', { pattern: '*', allowPrivate: true }),
      400,
      'INVALID_INPUT',
    );
    expectError(
      await api.call(admin(), 'POST', '/api/v1/webhooks/allow-list', { pattern: '127.0.0.1', allowPrivate: true }),
      409,
      'CONFLICT',
    );
    for (const url of [
      'file:///etc/passwd',
      `http://0x7f.1:${port}/`,
      `http://2130706433:${port}/`,
      `http://a@127.0.0.1:${port}/`,
      'gopher://127.0.0.1/',
    ]) {
      expectError(
        await api.call(admin(), 'POST', '/api/v1/webhooks', { name: 'x', url, events: ['change.*'] }),
        400,
        'INVALID_INPUT',
      );
    }
    expectError(
      await api.call(admin(), 'POST', '/api/v1/webhooks', { name: 'x', url: target, events: ['change.exploded'] }),
      400,
      'INVALID_INPUT',
    );
    const engineer = await t.userWithRoles('webhook-engineer', ['engineer']);
    expectError(await api.call(engineer.token, 'GET', '/api/v1/webhooks'), 403, 'FORBIDDEN');
    expectError(
      await api.call(engineer.token, 'POST', '/api/v1/webhooks', { name: 'x', url: target, events: ['*'] }),
      403,
      'FORBIDDEN',
    );
  });

  it('signs every delivery so a receiver can verify it, for the events the subscription asked for', async () => {
    const all = await subscribe(['change.*'], '/all');
    const approvedOnly = await subscribe(['change.approved'], '/approved');
    const org = await setupChangeOrg(t, 'wh-');
    const created = await api.create(org.users.rita.token, {
      type: 'normal',
      title: 'Webhook me',
      ciIds: [org.cis.web01],
      ...windowAt(NOW, 48),
      backoutPlan: 'Back',
    });
    await api.act(org.users.rita.token, created.id, 'submit');
    await api.act(org.users.maria.token, created.id, 'assess');
    await api.ok(org.users.carl.token, 'POST', `/api/v1/changes/${created.id}/approve`, {});
    await drain();
    // Deliveries run in parallel: receivers get no ordering promise (payloads carry occurredAt).
    const toAll = received.filter((r) => r.url === '/all');
    expect(toAll.map((r) => r.headers['slipway-event']).sort()).toEqual([
      'change.approved',
      'change.created',
      'change.submitted',
    ]);
    expect(received.filter((r) => r.url === '/approved').map((r) => r.headers['slipway-event'])).toEqual([
      'change.approved',
    ]);
    const nowSeconds = Math.floor(clock.now().getTime() / 1000);
    for (const r of toAll) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(verifySignature(all.secret, r.body, String(r.headers['slipway-signature']), nowSeconds)).toBe(true);
      // The wrong secret, a changed body or a stale timestamp must all fail.
      expect(verifySignature(approvedOnly.secret, r.body, String(r.headers['slipway-signature']), nowSeconds)).toBe(
        false,
      );
      expect(verifySignature(all.secret, `${r.body} `, String(r.headers['slipway-signature']), nowSeconds)).toBe(false);
      expect(verifySignature(all.secret, r.body, String(r.headers['slipway-signature']), nowSeconds + 3600)).toBe(
        false,
      );
      const payload = JSON.parse(r.body) as { id: string; type: string; data: { change: { id: number } } };
      expect(payload.id).toBe(r.headers['slipway-event-id']);
      expect(payload.type).toBe(r.headers['slipway-event']);
      expect(payload.data.change.id).toBe(created.id);
    }
    // The log lists deliveries newest first, in the order the events happened.
    const log = await api.ok<{ items: Delivery[] }>(admin(), 'GET', `/api/v1/webhooks/${all.id}/deliveries`);
    expect(log.items.map((d) => [d.eventType, d.state, d.attempts, d.lastStatus])).toEqual([
      ['change.approved', 'succeeded', 1, 200],
      ['change.submitted', 'succeeded', 1, 200],
      ['change.created', 'succeeded', 1, 200],
    ]);
    const detail = await delivery(log.items[0]?.id as number);
    expect(detail.attemptLog).toMatchObject([{ attempt: 1, statusCode: 200, error: null, address: '127.0.0.1' }]);
    expect(connects.every((a) => a === '127.0.0.1')).toBe(true);
    await api.ok(admin(), 'DELETE', `/api/v1/webhooks/${all.id}`);
    await api.ok(admin(), 'DELETE', `/api/v1/webhooks/${approvedOnly.id}`);
  });

  it('retries after 500s with backoff, sending the same event and body, until the receiver takes it', async () => {
    const sub = await subscribe(['webhook.ping'], '/flaky');
    statuses.set('/flaky', [500, 503]);
    const before = received.length;
    const ping = await api.ok<{ id: number }>(admin(), 'POST', `/api/v1/webhooks/${sub.id}/ping`);
    await drain();
    expect(await delivery(ping.id)).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastStatus: 500,
      lastError: 'HTTP 500',
    });
    // Not before the backoff has passed.
    await drain();
    expect((await delivery(ping.id)).attempts).toBe(1);
    clock.advance(3_600_000);
    await drain();
    expect(await delivery(ping.id)).toMatchObject({ state: 'pending', attempts: 2, lastStatus: 503 });
    clock.advance(3_600_000);
    await drain();
    const done = await delivery(ping.id);
    expect(done).toMatchObject({ state: 'succeeded', attempts: 3, lastStatus: 200, lastError: null });
    expect(done.attemptLog.map((a) => a.statusCode)).toEqual([500, 503, 200]);
    const attempts = received.slice(before);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.headers['slipway-event-id'])).size).toBe(1);
    for (const a of attempts) {
      const signedAt = Number(/t=(\d+)/.exec(String(a.headers['slipway-signature']))?.[1]);
      expect(verifySignature(sub.secret, a.body, String(a.headers['slipway-signature']), signedAt)).toBe(true);
    }
  });

  it('goes dead after the last attempt, keeps the log, and can be delivered again', async () => {
    const sub = await subscribe(['webhook.ping'], '/down');
    statuses.set(
      '/down',
      Array.from({ length: 8 }, () => 500),
    );
    const ping = await api.ok<{ id: number }>(admin(), 'POST', `/api/v1/webhooks/${sub.id}/ping`);
    for (let i = 0; i < 10; i++) {
      await drain();
      clock.advance(3_600_000);
    }
    const dead = await delivery(ping.id);
    expect(dead).toMatchObject({ state: 'dead', attempts: 8 });
    expect(dead.attemptLog).toHaveLength(8);
    const again = await api.call(admin(), 'POST', `/api/v1/webhooks/deliveries/${ping.id}/redeliver`);
    expect(again.statusCode, again.body).toBe(202);
    await drain();
    expect(await delivery(ping.id)).toMatchObject({ state: 'succeeded', attempts: 9, lastStatus: 200 });
  });

  it('refuses at delivery time a name that resolves to a private address (10.0.0.7) it may not reach: no connection made', async () => {
    await api.ok(admin(), 'POST', '/api/v1/webhooks/allow-list', {
      pattern: 'hooks.internal.test',
      allowPrivate: false,
    });
    const created = await api.call(admin(), 'POST', '/api/v1/webhooks', {
      name: 'Internal',
      url: `http://hooks.internal.test:${port}/internal`,
      events: ['webhook.ping'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const connectsBefore = connects.length;
    const hitsBefore = received.length;
    const ping = await api.ok<{ id: number }>(admin(), 'POST', `/api/v1/webhooks/${created.json().id}/ping`);
    await drain();
    const refused = await delivery(ping.id);
    expect(refused.attempts).toBe(1);
    expect(refused.lastStatus).toBeNull();
    expect(refused.lastError).toContain('refused');
    expect(refused.lastError).toContain('private address');
    expect(connects.length).toBe(connectsBefore);
    expect(received.length).toBe(hitsBefore);
  });

  it('rotates the secret: later deliveries verify with the new one only', async () => {
    const sub = await subscribe(['webhook.ping'], '/rotate');
    const rotated = await api.ok<{ secret: string }>(admin(), 'POST', `/api/v1/webhooks/${sub.id}/rotate-secret`);
    expect(rotated.secret).not.toBe(sub.secret);
    const before = received.length;
    await api.ok(admin(), 'POST', `/api/v1/webhooks/${sub.id}/ping`);
    await drain();
    const hit = received[before] as Received;
    const nowSeconds = Math.floor(clock.now().getTime() / 1000);
    expect(verifySignature(rotated.secret, hit.body, String(hit.headers['slipway-signature']), nowSeconds)).toBe(true);
    expect(verifySignature(sub.secret, hit.body, String(hit.headers['slipway-signature']), nowSeconds)).toBe(false);
    const audit = await api.ok<{ items: { action: string; after: unknown }[] }>(
      admin(),
      'GET',
      `/api/v1/audit?objectType=webhook&objectId=${sub.id}`,
    );
    expect(audit.items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['webhook.create', 'webhook.rotate_secret']),
    );
    expect(JSON.stringify(audit.items)).not.toContain(rotated.secret);
  });
});
