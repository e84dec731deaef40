import type { Role } from '@slipway/model';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseText } from '../../test-support/database-text.js';
import { createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';
import { systemActor } from '../actor.js';
import { ManualClock } from '../clock.js';

const PASSWORD = 'correct horse battery staple 42';
const HOST = 'slipway.test';
const ORIGIN = `http://${HOST}`;

interface Session {
  /** The Cookie header value. */
  cookie: string;
  /** The raw cookie value (the session secret). */
  secret: string;
  csrf: string;
}

describe.each(testDatabaseKinds())('password login, sessions and CSRF on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');

  /** A user with a password (argon2 costs ~20 ms a hash, so only a handful are made). */
  async function passwordUser(username: string, roles: Role[] = ['engineer']): Promise<number> {
    const { user } = await t.slipway.ctx.users.create(systemActor('test'), { username, roles, password: PASSWORD });
    return user.id;
  }

  function login(username: string, password = PASSWORD): Promise<LightMyRequestResponse> {
    return t.request({ method: 'POST', url: '/api/v1/auth/login', token: null, body: { username, password } });
  }

  async function session(username: string): Promise<Session> {
    const res = await login(username);
    expect(res.statusCode, res.body).toBe(200);
    const secret = res.cookies.find((c) => c.name === 'slipway_session')?.value;
    if (!secret) throw new Error('no session cookie');
    return { cookie: `slipway_session=${secret}`, secret, csrf: res.json().csrfToken as string };
  }

  /** A request carrying only the session cookie (no bearer token), from the site itself. */
  function withCookie(
    s: Session,
    options: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown },
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    return t.request({ ...options, token: null, headers: { host: HOST, cookie: s.cookie, ...headers } });
  }

  function expectCode(res: LightMyRequestResponse, status: number, code: string): void {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().error.code).toBe(code);
  }

  async function tokenCount(): Promise<number> {
    const row = await t.slipway.ctx.database.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'gina', 'hank']) await passwordUser(name);
    await t.slipway.ctx.users.update(
      systemActor('test'),
      (await t.slipway.ctx.users.list({ q: 'dave', limit: 1 }))[0]?.id ?? 0,
      {
        disabled: true,
      },
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('login', () => {
    it('sets an HttpOnly SameSite=Strict session cookie and returns the CSRF token', async () => {
      const res = await login('alice');
      expect(res.statusCode, res.body).toBe(200);
      const cookie = res.cookies.find((c) => c.name === 'slipway_session');
      expect(cookie).toBeDefined();
      expect(cookie?.httpOnly).toBe(true);
      expect(cookie?.sameSite).toBe('Strict');
      expect(cookie?.path).toBe('/');
      expect(cookie?.value.length).toBeGreaterThanOrEqual(43);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body.user.username).toBe('alice');
      expect(body.via).toBe('session');
      expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.permissions).toContain('cmdb.write');
      expect(Date.parse(body.expiresAt)).toBeGreaterThan(clock.now().getTime());
      // The readable sign-in hint for the web app: no secret in it.
      const hint = res.cookies.find((c) => c.name === 'slipway_signed_in');
      expect(hint).toMatchObject({ value: '1', sameSite: 'Strict', path: '/' });
      expect(hint?.httpOnly).toBeFalsy();
    });

    it('starts a new session on every login and keeps only the hash of the cookie', async () => {
      const first = await session('alice');
      const second = await session('alice');
      expect(second.secret).not.toBe(first.secret);
      expect(second.csrf).not.toBe(first.csrf);
      const me = await withCookie(first, { method: 'GET', url: '/api/v1/auth/session' });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ via: 'session', user: { username: 'alice' }, csrfToken: first.csrf });
      const stored = await databaseText(t.slipway.ctx.database.db);
      expect(stored.includes(first.secret)).toBe(false);
      expect(stored.includes(second.secret)).toBe(false);
    });

    it('answers wrong password, unknown user and disabled user with the identical 401', async () => {
      const wrong = await login('hank', `${PASSWORD}!`);
      const unknown = await login('nobody-here', PASSWORD);
      const disabled = await login('dave', PASSWORD);
      for (const res of [wrong, unknown, disabled]) expectCode(res, 401, 'INVALID_CREDENTIALS');
      expect(unknown.body).toBe(wrong.body);
      expect(disabled.body).toBe(wrong.body);
      expect(unknown.headers['set-cookie']).toBeUndefined();
      expect(disabled.headers['set-cookie']).toBeUndefined();
    });

    it('throttles a name after 5 failures, whether or not the account exists', async () => {
      for (const name of ['bob', 'ghost-account']) {
        for (let i = 1; i <= 5; i++) expectCode(await login(name, `wrong-${i}`), 401, 'INVALID_CREDENTIALS');
        const throttled = await login(name, 'wrong-6');
        expectCode(throttled, 429, 'LOGIN_THROTTLED');
        expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      }
      // The same answer for both, so throttling does not reveal which name is real.
      const real = await login('bob', 'wrong-7');
      const ghost = await login('ghost-account', 'wrong-7');
      expect(ghost.statusCode).toBe(real.statusCode);
      expect(ghost.body).toBe(real.body);
      expect(ghost.headers['retry-after']).toBe(real.headers['retry-after']);
      // Even the right password is refused while throttled.
      expectCode(await login('bob'), 429, 'LOGIN_THROTTLED');
      // Other names are not affected.
      expect((await login('alice')).statusCode).toBe(200);
      clock.advance(61_000);
      expect((await login('bob')).statusCode).toBe(200);
    });

    it('locks a name for 15 minutes after 10 failures; the right password works after that and resets', async () => {
      for (let i = 1; i <= 10; i++) {
        expectCode(await login('carol', `wrong-${i}`), 401, 'INVALID_CREDENTIALS');
        clock.advance(61_000); // past every short throttle, so only the lockout remains
      }
      clock.advance(-61_000);
      const locked = await login('carol');
      expectCode(locked, 429, 'LOGIN_THROTTLED');
      const retryAfter = Number(locked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(14 * 60);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      clock.advance(14 * 60_000);
      expectCode(await login('carol'), 429, 'LOGIN_THROTTLED');
      clock.advance(60_000 + 1000);
      expect((await login('carol')).statusCode).toBe(200);
      // Success reset the count: the next failures start again from one.
      expectCode(await login('carol', 'wrong-again'), 401, 'INVALID_CREDENTIALS');
      expect((await login('carol')).statusCode).toBe(200);
    });

    it('resets the failure count on success', async () => {
      for (let i = 1; i <= 4; i++) expectCode(await login('erin', `wrong-${i}`), 401, 'INVALID_CREDENTIALS');
      expect((await login('erin')).statusCode).toBe(200);
      for (let i = 1; i <= 5; i++) expectCode(await login('erin', `wrong-${i}`), 401, 'INVALID_CREDENTIALS');
      expectCode(await login('erin', 'wrong-6'), 429, 'LOGIN_THROTTLED');
      clock.advance(61_000);
    });

    it('does not let a burst of parallel guesses past the throttle', async () => {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => login('burst-target', `guess-${i}`)));
      const statuses = results.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 401).length, statuses.join(',')).toBe(5);
      expect(statuses.filter((s) => s === 429).length, statuses.join(',')).toBe(7);
      expectCode(await login('burst-target', 'one-more'), 429, 'LOGIN_THROTTLED');
      clock.advance(61_000);
    });

    it('audits failed and successful logins without the password', async () => {
      await login('hank', 'Hank-Secret-Guess-991');
      await login('hank');
      const res = await t.request({ method: 'GET', url: '/api/v1/audit?objectType=session&action=auth.login_failed' });
      expect(res.json().items.some((e: { actor: { name: string } }) => e.actor.name === 'hank')).toBe(true);
      expect(res.body).not.toContain('Hank-Secret-Guess-991');
      const ok = await t.request({ method: 'GET', url: '/api/v1/audit?action=auth.login' });
      expect(ok.json().items[0].actor.name).toBe('hank');
    });
  });

  describe('CSRF protection of cookie-authenticated writes', () => {
    const create = { method: 'POST' as const, url: '/api/v1/tokens', body: { name: 'csrf-probe' } };

    it('refuses a write without X-CSRF-Token, with a wrong one, or from another site; changes nothing', async () => {
      const s = await session('alice');
      const before = await tokenCount();
      const attempts: Record<string, Record<string, string>> = {
        'no token': {},
        'wrong token': { 'x-csrf-token': `${s.csrf.slice(0, -1)}x` },
        'empty token': { 'x-csrf-token': '' },
        'cross-site fetch': { 'x-csrf-token': s.csrf, 'sec-fetch-site': 'cross-site' },
        'same-site (sibling subdomain) fetch': { 'x-csrf-token': s.csrf, 'sec-fetch-site': 'same-site' },
        'foreign Origin': { 'x-csrf-token': s.csrf, origin: 'https://evil.example' },
        'opaque Origin': { 'x-csrf-token': s.csrf, origin: 'null' },
        'same host on another port': { 'x-csrf-token': s.csrf, origin: `http://${HOST}:8443` },
      };
      for (const [label, headers] of Object.entries(attempts)) {
        const res = await withCookie(s, create, headers);
        expect(res.statusCode, `${label}: ${res.body}`).toBe(403);
        expect(res.json().error.code, label).toBe('CSRF_FAILED');
      }
      expect(await tokenCount()).toBe(before);
    });

    it('accepts the write with the session’s token from the same origin', async () => {
      const s = await session('alice');
      const before = await tokenCount();
      const plain = await withCookie(s, create, { 'x-csrf-token': s.csrf });
      expect(plain.statusCode, plain.body).toBe(201);
      const browser = await withCookie(s, create, {
        'x-csrf-token': s.csrf,
        'sec-fetch-site': 'same-origin',
        origin: ORIGIN,
      });
      expect(browser.statusCode, browser.body).toBe(201);
      expect(await tokenCount()).toBe(before + 2);
    });

    it('does not accept another session’s CSRF token', async () => {
      const mine = await session('alice');
      const theirs = await session('hank');
      expectCode(await withCookie(mine, create, { 'x-csrf-token': theirs.csrf }), 403, 'CSRF_FAILED');
    });

    it('guards PATCH, PUT and DELETE as well, and never GET', async () => {
      const s = await session('alice');
      const token = await withCookie(s, create, { 'x-csrf-token': s.csrf });
      const id = token.json().id as number;
      expectCode(await withCookie(s, { method: 'DELETE', url: `/api/v1/tokens/${id}` }), 403, 'CSRF_FAILED');
      expectCode(
        await withCookie(s, {
          method: 'PUT',
          url: '/api/v1/users/me/password',
          body: { currentPassword: PASSWORD, newPassword: 'another long password 1' },
        }),
        403,
        'CSRF_FAILED',
      );
      expect((await withCookie(s, { method: 'GET', url: `/api/v1/tokens/${id}` })).statusCode).toBe(200);
      const revoked = await withCookie(
        s,
        { method: 'DELETE', url: `/api/v1/tokens/${id}` },
        { 'x-csrf-token': s.csrf },
      );
      expect(revoked.statusCode, revoked.body).toBe(200);
    });

    it('does not apply to bearer-token calls, which a browser never sends on its own', async () => {
      const { token } = await t.userWithRoles('csrf-bearer', ['engineer']);
      const res = await t.request({ ...create, token, headers: { 'sec-fetch-site': 'cross-site' } });
      expect(res.statusCode, res.body).toBe(201);
    });
  });

  describe('sessions', () => {
    it('logout ends the session (a replayed cookie gets 401) and needs the CSRF token', async () => {
      const s = await session('alice');
      expectCode(await withCookie(s, { method: 'POST', url: '/api/v1/auth/logout' }), 403, 'CSRF_FAILED');
      expect((await withCookie(s, { method: 'GET', url: '/api/v1/auth/session' })).statusCode).toBe(200);
      const out = await withCookie(s, { method: 'POST', url: '/api/v1/auth/logout' }, { 'x-csrf-token': s.csrf });
      expect(out.statusCode).toBe(204);
      const cleared = out.cookies.find((c) => c.name === 'slipway_session');
      expect(cleared?.value).toBe('');
      expect(out.cookies.find((c) => c.name === 'slipway_signed_in')?.value).toBe('');
      const ended = await withCookie(s, { method: 'GET', url: '/api/v1/auth/session' });
      expectCode(ended, 401, 'UNAUTHENTICATED');
      // A request with an ended session also clears the hint, so the app stops asking.
      expect(ended.cookies.find((c) => c.name === 'slipway_signed_in')?.value).toBe('');
      expectCode(await withCookie(s, create(), { 'x-csrf-token': s.csrf }), 401, 'UNAUTHENTICATED');
    });

    it('ends after an hour idle, and after 12 hours however active', async () => {
      const idle = await session('alice');
      clock.advance(61 * 60_000);
      expectCode(await withCookie(idle, { method: 'GET', url: '/api/v1/auth/session' }), 401, 'UNAUTHENTICATED');

      const busy = await session('alice');
      for (let minutes = 0; minutes < 12 * 60 - 50; minutes += 50) {
        clock.advance(50 * 60_000);
        expect((await withCookie(busy, { method: 'GET', url: '/api/v1/auth/session' })).statusCode).toBe(200);
      }
      clock.advance(60 * 60_000);
      expectCode(await withCookie(busy, { method: 'GET', url: '/api/v1/auth/session' }), 401, 'UNAUTHENTICATED');
    });

    it('rejects the sessions of a disabled user at once', async () => {
      const s = await session('gina');
      const id = (await withCookie(s, { method: 'GET', url: '/api/v1/users/me' })).json().id as number;
      const disabled = await t.request({ method: 'PATCH', url: `/api/v1/users/${id}`, body: { disabled: true } });
      expect(disabled.statusCode, disabled.body).toBe(200);
      expectCode(await withCookie(s, { method: 'GET', url: '/api/v1/users/me' }), 401, 'UNAUTHENTICATED');
      expectCode(await login('gina'), 401, 'INVALID_CREDENTIALS');
    });

    it('ends every session of a user who changes their password', async () => {
      const other = await session('hank');
      const s = await session('hank');
      const res = await withCookie(
        s,
        {
          method: 'PUT',
          url: '/api/v1/users/me/password',
          body: { currentPassword: PASSWORD, newPassword: 'a completely new passphrase 7' },
        },
        { 'x-csrf-token': s.csrf },
      );
      expect(res.statusCode, res.body).toBe(204);
      expectCode(await withCookie(other, { method: 'GET', url: '/api/v1/auth/session' }), 401, 'UNAUTHENTICATED');
      expectCode(await login('hank'), 401, 'INVALID_CREDENTIALS');
      expect((await login('hank', 'a completely new passphrase 7')).statusCode).toBe(200);
    });

    it('applies a role change to a live session at once', async () => {
      const s = await session('alice');
      const id = (await withCookie(s, { method: 'GET', url: '/api/v1/users/me' })).json().id as number;
      expectCode(await withCookie(s, { method: 'GET', url: '/api/v1/users' }), 403, 'FORBIDDEN');
      const promoted = await t.request({ method: 'PATCH', url: `/api/v1/users/${id}`, body: { roles: ['auditor'] } });
      expect(promoted.statusCode).toBe(200);
      expect((await withCookie(s, { method: 'GET', url: '/api/v1/users' })).statusCode).toBe(200);
      await t.request({ method: 'PATCH', url: `/api/v1/users/${id}`, body: { roles: ['engineer'] } });
      expectCode(await withCookie(s, { method: 'GET', url: '/api/v1/users' }), 403, 'FORBIDDEN');
    });
  });

  function create(): { method: 'POST'; url: string; body: unknown } {
    return { method: 'POST', url: '/api/v1/tokens', body: { name: 'after-logout' } };
  }
});

describe('secure session cookie', () => {
  it('uses the __Host- prefix and Secure when cookies must be secure', async () => {
    const t = await createTestApp('sqlite', { env: { SLIPWAY_SECURE_COOKIES: 'always' } });
    try {
      await t.slipway.ctx.users.create(systemActor('test'), {
        username: 'sec',
        roles: ['engineer'],
        password: PASSWORD,
      });
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        token: null,
        body: { username: 'sec', password: PASSWORD },
      });
      expect(res.statusCode, res.body).toBe(200);
      const cookie = res.cookies.find((c) => c.name === '__Host-slipway_session');
      expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(cookie?.domain).toBeUndefined();
      const me = await t.request({
        method: 'GET',
        url: '/api/v1/auth/session',
        token: null,
        headers: { cookie: `__Host-slipway_session=${cookie?.value}` },
      });
      expect(me.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
