import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress, parseIp } from '../platform/outbound/ip-address.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { dnsAnswers, type HostileForm, literalForms, nameForms } from './support/outbound-guard-forms.js';

/**
 * Suite 6 — outbound guards. Every hostile destination form (support/outbound-guard-forms.ts:
 * each forbidden IPv4 address in 18 spellings, IPv6 private / link-local / loopback / multicast
 * literals, scheme and userinfo tricks, and allow-listed names whose stubbed DNS answer is
 * private) is tried through the real webhook path: saving a subscription (refused at save for
 * literals) and, for names, delivering to it (refused at delivery, after DNS). The oracle is at
 * the socket level: Node's `net.Socket#connect` is watched for the whole suite, and no
 * connection may be attempted to anything but the test's own loopback database and receiver;
 * the canary receiver must see no request from any hostile form. Redirects from an allowed
 * receiver to private addresses are never followed. The DNS resolver is a stub: no test ever
 * sends traffic off this machine.
 *
 * Slipway has no separate health-check client: rollout health gates and webhook executors use
 * the same OutboundClient, whose address rules are what this suite exercises through webhooks.
 */

interface Delivery {
  state: string;
  lastError: string | null;
  lastStatus: number | null;
  attemptLog: { error: string | null; address: string | null }[];
}

describe('suite 6: outbound guards (webhook client, socket-level oracle)', () => {
  let t: TestApp;
  let canary: http.Server;
  let canaryPort = 0;
  const canaryHits: string[] = [];
  const guardAttempts: string[] = [];
  const socketConnects: { host: string; port: number }[] = [];
  const resolverCalls: string[] = [];
  const originalConnect = net.Socket.prototype.connect;
  let redirectTo = '';
  let receiverSubscription = 0;

  beforeAll(async () => {
    // Watch every socket the process opens while this suite runs (the app runs in-process).
    net.Socket.prototype.connect = function watched(this: net.Socket, ...args: unknown[]) {
      const options = args[0];
      if (options && typeof options === 'object' && !Array.isArray(options)) {
        const o = options as { host?: string; port?: number; path?: string };
        if (o.path === undefined) socketConnects.push({ host: String(o.host ?? 'localhost'), port: Number(o.port) });
      } else if (typeof options === 'number' || typeof options === 'string') {
        socketConnects.push({ host: String(args[1] ?? 'localhost'), port: Number(options) });
      }
      return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;

    canary = http.createServer((req, res) => {
      canaryHits.push(req.url ?? '');
      if (redirectTo) res.writeHead(302, { location: redirectTo }).end();
      else res.end('ok');
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    canaryPort = (canary.address() as net.AddressInfo).port;

    t = await createTestApp('sqlite', { env: { SLIPWAY_OVERLOAD_MAX_DELAY_MS: '0' } });
    // localhost too: the stub answers it as a real resolver would, so the address rules judge it.
    const answers: Record<string, string[]> = { ...dnsAnswers(), localhost: ['127.0.0.1', '::1'] };
    t.slipway.ctx.webhooks.configureOutbound({
      resolver: async (host) => {
        resolverCalls.push(host);
        const answer = answers[host];
        if (answer === undefined) throw new Error(`ENOTFOUND ${host} (stub resolver)`);
        return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      },
      // The last line of defence in tests: anything but loopback throws before a socket opens.
      connectGuard: (address) => {
        guardAttempts.push(address);
        if (classifyAddress(address) !== 'loopback') throw new Error(`test connect guard: refusing ${address}`);
      },
      timeoutMs: 1000,
    });
    for (const pattern of ['*', '*.fuzz.test']) {
      const res = await t.request({ method: 'POST', url: '/api/v1/webhooks/allow-list', body: { pattern } });
      expect(res.statusCode, res.body).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    net.Socket.prototype.connect = originalConnect;
    await t?.close();
    canary.closeAllConnections();
    await new Promise<void>((resolve) => canary.close(() => resolve()));
  });

  /** Sockets to anything but the loopback PostgreSQL/receiver of this test. */
  function offLoopback(): { host: string; port: number }[] {
    return socketConnects.filter(({ host }) => !['127.0.0.1', '::1', 'localhost'].includes(host));
  }

  async function subscribe(url: string) {
    return t.request({ method: 'POST', url: '/api/v1/webhooks', body: { name: 'guard', url, events: ['change.*'] } });
  }

  async function pingAndWait(id: number): Promise<Delivery> {
    const ping = await t.request({ method: 'POST', url: `/api/v1/webhooks/${id}/ping` });
    expect(ping.statusCode, ping.body).toBe(202);
    await t.slipway.ctx.jobs.drain();
    const deliveryId = (ping.json() as { id: number }).id;
    return (await t.request({ method: 'GET', url: `/api/v1/webhooks/deliveries/${deliveryId}` })).json() as Delivery;
  }

  it('refuses at least 100 hostile address forms before any connection is made', async () => {
    const literals = literalForms(canaryPort);
    const names = nameForms(canaryPort);
    const forms: (HostileForm & { kind: 'literal' | 'name' })[] = [
      ...literals.map((f) => ({ ...f, kind: 'literal' as const })),
      ...names.map((f) => ({ ...f, kind: 'name' as const })),
    ];
    expect(new Set(forms.map((f) => f.url)).size).toBe(forms.length);
    const leaks: string[] = [];
    let refusedAtSave = 0;
    let refusedAtDelivery = 0;
    for (const form of forms) {
      const hitsBefore = canaryHits.length;
      const attemptsBefore = guardAttempts.length;
      const socketsBefore = socketConnects.filter((s) => s.port === canaryPort).length;
      const saved = await subscribe(form.url);
      if (saved.statusCode === 400 || saved.statusCode === 422) {
        refusedAtSave++;
      } else if (saved.statusCode === 201) {
        const delivery = await pingAndWait((saved.json() as { id: number }).id);
        if (delivery.lastError?.startsWith('refused')) refusedAtDelivery++;
        else
          leaks.push(
            `${form.url} (${form.why}): delivered as ${delivery.state} ${delivery.lastError ?? delivery.lastStatus}`,
          );
      } else {
        leaks.push(`${form.url}: saving answered ${saved.statusCode} ${saved.body}`);
      }
      // Literals are judged from the URL alone: no DNS, and no address reaches the connector.
      if (form.kind === 'literal' && guardAttempts.length !== attemptsBefore)
        leaks.push(`${form.url}: reached the connector`);
      if (canaryHits.length !== hitsBefore) leaks.push(`${form.url}: the canary received a request`);
      if (socketConnects.filter((s) => s.port === canaryPort).length !== socketsBefore) {
        leaks.push(`${form.url}: a socket was opened to the canary port`);
      }
    }
    console.log(
      `outbound-guard: ${forms.length} hostile forms (${literals.length} literal, ${names.length} DNS names via stubbed resolver): ` +
        `${refusedAtSave} refused at save, ${refusedAtDelivery} refused at delivery after DNS, ${leaks.length} leaks; ` +
        `${guardAttempts.filter((a) => classifyAddress(a) !== 'loopback').length} non-loopback connect attempts, ${offLoopback().length} off-loopback sockets, canary hits ${canaryHits.length}`,
    );
    expect(forms.length).toBeGreaterThanOrEqual(100);
    expect(leaks).toEqual([]);
    expect(refusedAtSave + refusedAtDelivery).toBe(forms.length);
    expect(guardAttempts).toEqual([]);
    expect(canaryHits).toEqual([]);
    expect(offLoopback()).toEqual([]);
    // Only names went to the (stub) resolver; IP literals were judged without DNS.
    expect(resolverCalls.filter((host) => parseIp(host) !== undefined)).toEqual([]);
    for (const f of names) expect(resolverCalls).toContain(new URL(f.url).hostname);
  }, 120_000);

  it('never follows a redirect from an allowed receiver to a private or metadata address', async () => {
    const allow = await t.request({
      method: 'POST',
      url: '/api/v1/webhooks/allow-list',
      body: { pattern: '127.0.0.1', allowPrivate: true, note: 'the test receiver' },
    });
    expect(allow.statusCode, allow.body).toBe(201);
    const sub = await subscribe(`http://127.0.0.1:${canaryPort}/start`);
    expect(sub.statusCode, sub.body).toBe(201);
    const id = (sub.json() as { id: number }).id;
    receiverSubscription = id;
    const targets = [
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'http://[::ffff:127.0.0.1]:22/',
      `http://127.0.0.1:${canaryPort}/followed`,
      'http://v4-0.fuzz.test/',
    ];
    for (const location of targets) {
      redirectTo = location;
      const before = canaryHits.length;
      const delivery = await pingAndWait(id);
      expect(delivery.lastStatus, location).toBe(302);
      expect(delivery.lastError).toMatch(/redirects are not followed/);
      // Exactly the one request to the receiver; nothing to where it pointed.
      expect(canaryHits.slice(before)).toEqual(['/start']);
    }
    redirectTo = '';
    console.log(`outbound-guard: ${targets.length} redirects to private addresses answered, 0 followed`);
    expect(guardAttempts.every((a) => a === '127.0.0.1')).toBe(true);
    expect(offLoopback()).toEqual([]);
  }, 60_000);

  it('applies allow-list changes at once: a removed private entry refuses the next delivery', async () => {
    const list = (await t.request({ method: 'GET', url: '/api/v1/webhooks/allow-list' })).json() as {
      items: { id: number; pattern: string }[];
    };
    const entry = list.items.find((e) => e.pattern === '127.0.0.1');
    expect(entry).toBeDefined();
    expect(receiverSubscription).toBeGreaterThan(0);
    await t.request({ method: 'DELETE', url: `/api/v1/webhooks/allow-list/${entry?.id}` });
    const before = canaryHits.length;
    const delivery = await pingAndWait(receiverSubscription);
    expect(delivery.lastError).toMatch(/^refused/);
    expect(canaryHits.length).toBe(before);
  });
});
