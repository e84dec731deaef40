import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseText } from '../../test-support/database-text.js';
import { createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';
import { ManualClock } from '../clock.js';
import { generateToken, hashSecret, looksLikeSlipwayToken, TOKEN_PREFIX } from './token-format.js';

const DAY_MS = 86_400_000;
/** What a token looks like to the API; never has `secret`, `tokenHash` or `token_hash`. */
const LISTED_FIELDS = [
  'createdAt',
  'expiresAt',
  'id',
  'lastUsedAt',
  'name',
  'prefix',
  'revokedAt',
  'userId',
  'version',
];

describe('token format', () => {
  it('is slw_ + 256 random bits in base62 + a CRC-32 checksum that scanners can check offline', () => {
    const token = generateToken();
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(token).toMatch(/^slw_[0-9A-Za-z]{49}$/);
    expect(looksLikeSlipwayToken(token)).toBe(true);
    // Any single changed character breaks the checksum.
    for (const i of [4, 20, token.length - 7, token.length - 1]) {
      const c = token[i] === 'a' ? 'b' : 'a';
      expect(looksLikeSlipwayToken(`${token.slice(0, i)}${c}${token.slice(i + 1)}`)).toBe(false);
    }
    expect(looksLikeSlipwayToken(token.slice(0, -1))).toBe(false);
    expect(looksLikeSlipwayToken(`ghp_${token.slice(4)}`)).toBe(false);
  });

  it('finds 100 of 100 real tokens and none of 10,000 random look-alikes', () => {
    const real = Array.from({ length: 100 }, generateToken);
    expect(new Set(real).size).toBe(100);
    expect(real.filter(looksLikeSlipwayToken).length).toBe(100);
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    let falseHits = 0;
    for (let i = 0; i < 10_000; i++) {
      const bytes = crypto.randomBytes(49);
      const body = Array.from(bytes, (b) => alphabet[b % 62]).join('');
      if (looksLikeSlipwayToken(`slw_${body}`)) falseHits++;
    }
    expect(falseHits).toBe(0);
  });
});

describe.each(testDatabaseKinds())('API tokens on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock('2026-04-01T10:00:00.000Z');

  async function createToken(token: string, body: Record<string, unknown> = { name: 'ci' }, headers = {}) {
    const res = await t.request({ method: 'POST', url: '/api/v1/tokens', token, body, headers });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: number; secret: string; prefix: string; expiresAt: string; userId: number };
  }

  async function status(token: string, url = '/api/v1/users/me'): Promise<number> {
    return (await t.request({ method: 'GET', url, token })).statusCode;
  }

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a token shown once, in the Slipway format, expiring in 90 days by default', async () => {
    const { token } = await t.userWithRoles('tok-format', ['engineer']);
    const created = await createToken(token);
    expect(looksLikeSlipwayToken(created.secret)).toBe(true);
    expect(created.prefix).toBe(created.secret.slice(0, 10));
    expect(Date.parse(created.expiresAt) - clock.now().getTime()).toBe(90 * DAY_MS);
    expect(await status(created.secret)).toBe(200);
    const again = await t.request({ method: 'GET', url: `/api/v1/tokens/${created.id}`, token });
    expect(again.statusCode).toBe(200);
    expect(again.body).not.toContain(created.secret);
  });

  it('never stores a token secret in plain anywhere in the database, only its hash', async () => {
    const { token } = await t.userWithRoles('tok-storage', ['engineer']);
    const plain = await createToken(token, { name: 'plain' });
    const retried = await createToken(token, { name: 'with-key' }, { 'idempotency-key': 'tok-storage-1' });
    const stored = await databaseText(t.slipway.ctx.database.db);
    for (const secret of [token, plain.secret, retried.secret, t.adminToken]) {
      expect(stored.includes(secret), `a token secret (${secret.slice(0, 10)}…) is stored in plain`).toBe(false);
      // Nor any long piece of it beyond the displayed prefix.
      expect(stored.includes(secret.slice(10, 40))).toBe(false);
    }
    const hashes = await t.slipway.ctx.database.db.selectFrom('api_tokens').select('token_hash').execute();
    expect(hashes.map((h) => h.token_hash)).toEqual(expect.arrayContaining([hashSecret(plain.secret)]));
  });

  it('does not replay a secret-bearing answer to a retried create, and creates one token per key', async () => {
    const { id: userId, token } = await t.userWithRoles('tok-retry', ['engineer']);
    const headers = { 'idempotency-key': 'tok-retry-1' };
    await createToken(token, { name: 'retry' }, headers);
    const retry = await t.request({ method: 'POST', url: '/api/v1/tokens', token, body: { name: 'retry' }, headers });
    expect(retry.statusCode, retry.body).toBe(409);
    expect(retry.json().error.code).toBe('CONFLICT');
    expect(retry.json().error.details).toMatchObject({ location: expect.stringMatching(/^\/api\/v1\/tokens\/\d+$/) });
    const list = await t.request({ method: 'GET', url: `/api/v1/tokens?userId=${userId}`, token });
    expect(list.json().items.filter((i: { name: string }) => i.name === 'retry')).toHaveLength(1);
  });

  it('lists tokens without their secrets or hashes', async () => {
    const { token } = await t.userWithRoles('tok-list', ['engineer']);
    const a = await createToken(token, { name: 'a' });
    const b = await createToken(token, { name: 'b' });
    const res = await t.request({ method: 'GET', url: '/api/v1/tokens', token });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Record<string, unknown>[];
    expect(items.map((i) => i.name)).toEqual(['test', 'a', 'b']);
    for (const item of items) expect(Object.keys(item).sort()).toEqual(LISTED_FIELDS);
    for (const secret of [token, a.secret, b.secret]) {
      expect(res.body).not.toContain(secret);
      expect(res.body).not.toContain(hashSecret(secret));
    }
    const all = await t.request({ method: 'GET', url: '/api/v1/tokens?all=true&includeRevoked=true' });
    expect(all.statusCode).toBe(200);
    expect(all.body).not.toContain(a.secret);
    expect(all.body).not.toContain(hashSecret(a.secret));
  });

  it('rejects a token once it expires', async () => {
    const { token } = await t.userWithRoles('tok-expiry', ['engineer']);
    const short = await createToken(token, { name: 'short', expiresInDays: 1 });
    expect(await status(short.secret)).toBe(200);
    clock.advance(DAY_MS - 2000);
    expect(await status(short.secret)).toBe(200);
    clock.advance(2000);
    const res = await t.request({ method: 'GET', url: '/api/v1/users/me', token: short.secret });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
    // The long-lived token of the same user still works.
    expect(await status(token)).toBe(200);
  });

  it('revokes a token with immediate effect', async () => {
    const { token } = await t.userWithRoles('tok-revoke', ['engineer']);
    const victim = await createToken(token, { name: 'victim' });
    // Used once, so it sits in the verification cache.
    expect(await status(victim.secret)).toBe(200);
    const revoked = await t.request({ method: 'DELETE', url: `/api/v1/tokens/${victim.id}`, token });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json().revokedAt).toBe(clock.now().toISOString());
    expect(await status(victim.secret)).toBe(401);
    // Revoking again changes nothing and is not an error.
    const again = await t.request({ method: 'DELETE', url: `/api/v1/tokens/${victim.id}`, token });
    expect(again.statusCode).toBe(200);
    expect(again.json().version).toBe(revoked.json().version);
    expect(await status(token)).toBe(200);
  });

  it('rejects every token of a disabled user at once, and accepts them again when re-enabled', async () => {
    const { id, token } = await t.userWithRoles('tok-disabled', ['engineer']);
    const second = await createToken(token, { name: 'second' });
    expect(await status(token)).toBe(200);
    expect(await status(second.secret)).toBe(200);
    const disabled = await t.request({ method: 'PATCH', url: `/api/v1/users/${id}`, body: { disabled: true } });
    expect(disabled.statusCode).toBe(200);
    expect(await status(token)).toBe(401);
    expect(await status(second.secret)).toBe(401);
    await t.request({ method: 'PATCH', url: `/api/v1/users/${id}`, body: { disabled: false } });
    expect(await status(token)).toBe(200);
  });

  it("hides another user's tokens from a non-admin: 404 to read or revoke, 403 to list", async () => {
    const owner = await t.userWithRoles('tok-owner', ['engineer']);
    const other = await t.userWithRoles('tok-other', ['release_manager']);
    const auditor = await t.userWithRoles('tok-auditor', ['auditor']);
    const target = await createToken(owner.token, { name: 'owned' });

    const read = await t.request({ method: 'GET', url: `/api/v1/tokens/${target.id}`, token: other.token });
    const revoke = await t.request({ method: 'DELETE', url: `/api/v1/tokens/${target.id}`, token: other.token });
    const missing = await t.request({ method: 'GET', url: '/api/v1/tokens/2147483647', token: other.token });
    for (const res of [read, revoke]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    // Indistinguishable from a token that does not exist, apart from the id in the message.
    expect(read.json().error.message.replace(String(target.id), 'N')).toBe(
      missing.json().error.message.replace('2147483647', 'N'),
    );
    const list = await t.request({ method: 'GET', url: `/api/v1/tokens?userId=${owner.id}`, token: other.token });
    expect(list.statusCode).toBe(403);
    const all = await t.request({ method: 'GET', url: '/api/v1/tokens?all=true', token: other.token });
    expect(all.statusCode).toBe(403);
    const forOther = await t.request({
      method: 'POST',
      url: '/api/v1/tokens',
      token: other.token,
      body: { name: 'sneaky', userId: owner.id },
    });
    expect(forOther.statusCode).toBe(403);

    // An auditor may read it (users.read) but not revoke it.
    expect(
      (await t.request({ method: 'GET', url: `/api/v1/tokens/${target.id}`, token: auditor.token })).statusCode,
    ).toBe(200);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/tokens/${target.id}`, token: auditor.token })).statusCode,
    ).toBe(404);
    expect(await status(target.secret)).toBe(200);

    // An admin may revoke it.
    expect((await t.request({ method: 'DELETE', url: `/api/v1/tokens/${target.id}` })).statusCode).toBe(200);
    expect(await status(target.secret)).toBe(401);
  });

  it('applies a role change to a token at once', async () => {
    const { id, token } = await t.userWithRoles('tok-roles', ['engineer']);
    expect(await status(token, '/api/v1/users')).toBe(403);
    const promoted = await t.request({ method: 'PATCH', url: `/api/v1/users/${id}`, body: { roles: ['auditor'] } });
    expect(promoted.statusCode).toBe(200);
    expect(await status(token, '/api/v1/users')).toBe(200);
    await t.request({ method: 'PATCH', url: `/api/v1/users/${id}`, body: { roles: ['engineer'] } });
    expect(await status(token, '/api/v1/users')).toBe(403);
  });

  it('answers 401 to unknown, malformed and non-bearer credentials', async () => {
    for (const authorization of [
      `Bearer ${generateToken()}`,
      'Bearer',
      'Bearer a b',
      `Basic ${Buffer.from('admin:admin').toString('base64')}`,
      `Token ${t.adminToken}`,
    ]) {
      const res = await t.request({ method: 'GET', url: '/api/v1/users/me', token: null, headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a token for a disabled user and out-of-range lifetimes', async () => {
    const { id } = await t.userWithRoles('tok-limits', ['engineer']);
    for (const expiresInDays of [0, 367, 1.5]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/tokens', body: { name: 'x', expiresInDays } });
      expect(res.statusCode).toBe(400);
    }
    await t.request({ method: 'PATCH', url: `/api/v1/users/${id}`, body: { disabled: true } });
    const res = await t.request({ method: 'POST', url: '/api/v1/tokens', body: { name: 'x', userId: id } });
    expect(res.statusCode).toBe(400);
  });
});
