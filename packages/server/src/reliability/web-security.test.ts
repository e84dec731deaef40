import fs from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { ManualClock } from '../platform/clock.js';
import { resolveConfig } from '../platform/config.js';
import { fetchOpenApi } from '../test-support/openapi.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../test-support/test-app.js';
import { createTestDatabase, tempDir, testDatabaseKinds } from '../test-support/test-databases.js';
import { type FuzzOperation, operationsOf } from './support/fuzz-openapi.js';
import { dataFingerprint } from './support/fuzz-seed.js';
import { PUBLIC_OPERATIONS, probeUrl } from './support/sod-matrix-oracle.js';
import { headerProblems, sessionCookieOf } from './support/web-security-checks.js';

/**
 * Suite 9 — web security.
 * - CSRF: every state-changing route the OpenAPI document lists for cookie authentication is
 *   called with a real session cookie and (a) no X-CSRF-Token, (b) a wrong one, (c) the right one
 *   from a cross-site context (Sec-Fetch-Site), (d) the right one with a foreign Origin: each
 *   refused with 403 CSRF_FAILED and no data changed; (e) the right token same-site is let
 *   through CSRF (it may still fail validation).
 * - Security headers on every kind of response (every documented GET, errors, 404, bad URLs,
 *   the docs UI, the web UI, health, metrics): CSP with frame-ancestors 'none', base-uri 'none'
 *   and object-src 'none', HSTS ≥ 1 year, nosniff, Referrer-Policy, X-Frame-Options; no CORS
 *   grant to a foreign Origin.
 * - Login throttling and lockout (NIST 800-63B: at most 100 consecutive failures).
 * - Secrets never logged: the production logger's output during a whole session is searched
 *   for every token, cookie, CSRF token, password and webhook secret used.
 */
const PASSWORD = 'Quartz-Lantern-Harbour-1984!';

async function login(t: TestApp, username: string, password: string): Promise<LightMyRequestResponse> {
  return t.slipway.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ username, password }),
  });
}

describe.each(testDatabaseKinds())('suite 9: web security on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock('2027-01-04T09:00:00.000Z');

  beforeAll(async () => {
    t = await createTestApp(kind, { clock, env: { SLIPWAY_OVERLOAD_MAX_DELAY_MS: '0' } });
    for (const [username, roles] of [
      ['websec-admin', ['admin']],
      ['victim', ['engineer']],
      ['bystander', ['engineer']],
    ] as const) {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/users',
        body: { username, roles, password: PASSWORD },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('refuses every cookie-authenticated write without a valid same-site CSRF token, changing nothing', async () => {
    const signedIn = await login(t, 'websec-admin', PASSWORD);
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const cookie = sessionCookieOf(signedIn);
    const csrf = (signedIn.json() as { csrfToken: string }).csrfToken;
    const doc = await fetchOpenApi(t);
    const writes = operationsOf(doc)
      .filter((op) => op.method !== 'GET' && !PUBLIC_OPERATIONS.has(`${op.method} ${op.template}`))
      .filter((op) => {
        const security = (doc.paths[op.template]?.[op.method.toLowerCase()] as { security?: Record<string, unknown>[] })
          ?.security;
        return security?.some((s) => 'sessionCookie' in s) ?? true;
      })
      // Signing out ends the session the other cases use: last.
      .sort((a, b) => Number(a.template.endsWith('/logout')) - Number(b.template.endsWith('/logout')));
    const fingerprint = await dataFingerprint(t);
    const attacks: [string, Record<string, string>][] = [
      ['no token', {}],
      ['wrong token', { 'x-csrf-token': `${csrf.slice(0, -2)}xx` }],
      ['cross-site', { 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' }],
      ['same-site (sibling domain)', { 'x-csrf-token': csrf, 'sec-fetch-site': 'same-site' }],
      ['foreign Origin', { 'x-csrf-token': csrf, origin: 'https://evil.example' }],
      ['null Origin', { 'x-csrf-token': csrf, origin: 'null' }],
    ];
    const problems: string[] = [];
    let refused = 0;
    const send = (op: FuzzOperation, headers: Record<string, string>) =>
      t.slipway.app.inject({
        method: op.method,
        url: probeUrl(op),
        headers: { cookie, 'content-type': 'application/json', ...headers },
        payload: '{}',
      });
    for (const op of writes) {
      const name = `${op.method} ${op.template}`;
      const before = await fingerprint();
      for (const [attack, headers] of attacks) {
        const res = await send(op, headers);
        const code = res.statusCode === 403 ? (res.json() as { error: { code: string } }).error.code : undefined;
        if (code === 'CSRF_FAILED') refused++;
        else problems.push(`${name} with ${attack}: ${res.statusCode} ${res.body.slice(0, 120)}`);
      }
      if ((await fingerprint()) !== before) problems.push(`${name}: a refused cross-site request changed data`);
      // The control: the session's own token, same origin, passes the CSRF check.
      const control = await send(op, { 'x-csrf-token': csrf, 'sec-fetch-site': 'same-origin' });
      if (control.statusCode === 403 && (control.json() as { error: { code: string } }).error.code === 'CSRF_FAILED') {
        problems.push(`${name}: refused its own same-origin token`);
      }
    }
    console.log(
      `web-security (${kind}): CSRF — ${writes.length} cookie-authenticated write routes × ${attacks.length} forged variants: ` +
        `${refused}/${writes.length * attacks.length} refused with 403 CSRF_FAILED, 0 data changes expected`,
    );
    expect(writes.length).toBeGreaterThan(50);
    expect(problems).toEqual([]);
    expect(refused).toBe(writes.length * attacks.length);
  }, 180_000);

  it('throttles and then locks a name after repeated failures, without locking out anyone else', async () => {
    let failures = 0;
    let lockedAfter = 0;
    let lockSeconds = 0;
    for (let attempt = 0; attempt < 100 && lockedAfter === 0; attempt++) {
      const res = await login(t, 'victim', `wrong-${attempt}`);
      if (res.statusCode === 401) {
        failures++;
        continue;
      }
      expect(res.statusCode, res.body).toBe(429);
      const retry = Number(res.headers['retry-after']);
      expect(retry).toBeGreaterThan(0);
      if (retry >= 600) {
        lockedAfter = failures;
        lockSeconds = retry;
      } else clock.advance(retry * 1000 + 100);
    }
    expect(lockedAfter, 'locked within 100 failures (NIST SP 800-63B)').toBeGreaterThan(0);
    expect(lockedAfter).toBeLessThanOrEqual(100);

    // While locked: 100 more guesses all refused, the right password too.
    let refusedWhileLocked = 0;
    for (let i = 0; i < 100; i++) if ((await login(t, 'victim', `guess-${i}`)).statusCode === 429) refusedWhileLocked++;
    expect(refusedWhileLocked).toBe(100);
    expect((await login(t, 'victim', PASSWORD)).statusCode).toBe(429);
    // Someone else is not locked out by the attack on the victim.
    expect((await login(t, 'bystander', PASSWORD)).statusCode).toBe(200);
    // An unknown name is throttled the same way: the lockout does not reveal which names exist.
    let unknownFailures = 0;
    for (let i = 0; i < lockedAfter + 5; i++) {
      const res = await login(t, 'nobody-here', `wrong-${i}`);
      if (res.statusCode === 401) unknownFailures++;
      else if (Number(res.headers['retry-after']) < 600) clock.advance(Number(res.headers['retry-after']) * 1000 + 100);
      else break;
    }
    expect(unknownFailures).toBe(lockedAfter);

    clock.advance(lockSeconds * 1000 + 1000);
    expect((await login(t, 'victim', PASSWORD)).statusCode).toBe(200);
    console.log(
      `web-security (${kind}): login — throttled from failure 5, locked for ${lockSeconds} s after ${lockedAfter} failures; ` +
        `${refusedWhileLocked}/100 guesses refused while locked; right password refused while locked; bystander unaffected; unknown names treated alike; unlocked after the lock`,
    );
  }, 120_000);

  it.runIf(kind === 'sqlite')(
    'sends the security headers on every kind of response',
    async () => {
      const doc = await fetchOpenApi(t);
      const responses: [string, LightMyRequestResponse][] = [];
      for (const op of operationsOf(doc).filter((o) => o.method === 'GET')) {
        responses.push([`GET ${op.template}`, await t.request({ method: 'GET', url: probeUrl(op) })]);
      }
      const extra: [string, string, Record<string, string>, string | undefined][] = [
        ['unknown route', '/api/v1/nope', {}, undefined],
        ['bad percent-encoding', '/api/v1/cis/%FF%FE', {}, undefined],
        ['over-long parameter', `/api/v1/cis/${'9'.repeat(300)}`, {}, undefined],
        ['no token', '/api/v1/cis', { authorization: '' }, undefined],
        ['bad token', '/api/v1/cis', { authorization: 'Bearer nope' }, undefined],
        ['web UI', '/', {}, undefined],
        ['web UI deep link', '/changes/1', {}, undefined],
        ['docs UI', '/docs', {}, undefined],
        ['docs static', '/docs/static/index.html', {}, undefined],
        ['health', '/healthz', {}, undefined],
        ['bad JSON', '/api/v1/cis', { 'content-type': 'application/json' }, '{'],
        ['wrong media type', '/api/v1/cis', { 'content-type': 'text/plain' }, 'x'],
      ];
      for (const [name, url, headers, payload] of extra) {
        const res = await t.slipway.app.inject({
          method: payload === undefined ? 'GET' : 'POST',
          url,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
          ...(payload !== undefined && { payload }),
        });
        responses.push([name, res]);
      }
      const cors = await t.request({ method: 'GET', url: '/api/v1/cis', headers: { origin: 'https://evil.example' } });
      responses.push(['foreign Origin', cors]);
      const preflight = await t.slipway.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/cis',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      responses.push(['CORS pre-flight', preflight]);

      const problems = responses.flatMap(([name, res]) =>
        headerProblems(res).map((p) => `${name} (${res.statusCode}): ${p}`),
      );
      const statuses = new Set(responses.map(([, res]) => res.statusCode));
      console.log(
        `web-security: headers checked on ${responses.length} responses (statuses ${[...statuses].sort().join(', ')}): ${problems.length} problems`,
      );
      expect(problems).toEqual([]);
    },
    120_000,
  );
});

describe('suite 9: secrets never logged', () => {
  it('keeps every token, cookie, CSRF token, password and webhook secret out of the production log', async () => {
    const lines: string[] = [];
    const testDb = await createTestDatabase('sqlite');
    const dataDir = tempDir('slipway-log-');
    // The production logger (its redaction included) at its most talkative level.
    const config = resolveConfig(
      { db: testDb.url, dataDir, port: 0, host: '127.0.0.1' },
      { SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN, SLIPWAY_LOG_LEVEL: 'trace', SLIPWAY_OVERLOAD_MAX_DELAY_MS: '0' },
    );
    const slipway = await buildApp(config, { logStream: { write: (line: string) => lines.push(line) } });
    const secrets = new Map<string, string>([['bootstrap admin token', ADMIN_TOKEN]]);
    const call = async (
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      url: string,
      headers: Record<string, string>,
      body?: unknown,
    ) =>
      slipway.app.inject({
        method,
        url,
        headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    try {
      const user = await call('POST', '/api/v1/users', admin, {
        username: 'logger',
        roles: ['admin'],
        password: PASSWORD,
      });
      expect(user.statusCode, user.body).toBe(201);
      secrets.set('password', PASSWORD);
      const wrong = 'Wrong-Password-Typed-Into-Login-7';
      expect((await call('POST', '/api/v1/auth/login', {}, { username: 'logger', password: wrong })).statusCode).toBe(
        401,
      );
      secrets.set('a mistyped password', wrong);
      const signedIn = await call('POST', '/api/v1/auth/login', {}, { username: 'logger', password: PASSWORD });
      expect(signedIn.statusCode).toBe(200);
      const cookie = sessionCookieOf(signedIn);
      const csrf = (signedIn.json() as { csrfToken: string }).csrfToken;
      secrets.set('session cookie', cookie.split('=')[1] as string);
      secrets.set('CSRF token', csrf);
      const viaCookie = await call(
        'POST',
        '/api/v1/cis',
        { cookie, 'x-csrf-token': csrf },
        { class: 'server', name: 'log-1' },
      );
      expect(viaCookie.statusCode, viaCookie.body).toBe(201);
      const token = await call('POST', '/api/v1/tokens', admin, { name: 'pipeline' });
      const apiToken = (token.json() as { secret: string }).secret;
      secrets.set('new API token', apiToken);
      expect((await call('GET', '/api/v1/cis', { authorization: `Bearer ${apiToken}` })).statusCode).toBe(200);
      const badToken = `${apiToken.slice(0, -4)}AAAA`;
      secrets.set('a wrong API token', badToken);
      expect((await call('GET', '/api/v1/cis', { authorization: `Bearer ${badToken}` })).statusCode).toBe(401);
      const feed = await call('POST', '/api/v1/calendar/feed-tokens', admin, { name: 'phone' });
      const feedToken =
        (feed.json() as { token?: string; secret?: string }).token ?? (feed.json() as { secret: string }).secret;
      secrets.set('calendar feed token', feedToken);
      expect((await call('GET', `/api/v1/calendar.ics?token=${encodeURIComponent(feedToken)}`, {})).statusCode).toBe(
        200,
      );
      await call('POST', '/api/v1/webhooks/allow-list', admin, { pattern: 'hooks.example.com' });
      const hook = await call('POST', '/api/v1/webhooks', admin, {
        name: 'h',
        url: 'https://hooks.example.com/x',
        events: ['change.*'],
      });
      expect(hook.statusCode, hook.body).toBe(201);
      secrets.set('webhook secret', (hook.json() as { secret: string }).secret);
      const rotated = await call('POST', `/api/v1/webhooks/${(hook.json() as { id: number }).id}/rotate-secret`, admin);
      secrets.set('rotated webhook secret', (rotated.json() as { secret: string }).secret);
      const newPassword = 'Another-Long-Passphrase-2031';
      const changed = await call(
        'PUT',
        '/api/v1/users/me/password',
        { cookie, 'x-csrf-token': csrf },
        { currentPassword: PASSWORD, newPassword },
      );
      expect(changed.statusCode, changed.body).toBe(204);
      secrets.set('new password', newPassword);
    } finally {
      await slipway.close();
      await testDb.cleanup();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const log = lines.join('');
    const leaked = [...secrets].filter(([, value]) => value.length >= 8 && log.includes(value)).map(([name]) => name);
    const requestsLogged = lines.filter((l) => l.includes('"incoming request"')).length;
    console.log(
      `web-security: ${lines.length} log lines (${requestsLogged} requests) searched for ${secrets.size} secrets: ${leaked.length} found`,
    );
    expect(requestsLogged).toBeGreaterThan(10);
    expect(log).toContain('/api/v1/calendar.ics');
    expect(leaked).toEqual([]);
  }, 60_000);
});
