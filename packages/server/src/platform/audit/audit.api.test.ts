import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseText } from '../../test-support/database-text.js';
import { createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';
import { hashSecret } from '../auth/token-format.js';
import type { AuditVerification } from './audit.service.js';

/** Secrets seeded on purpose; none may ever show up in the audit trail. */
const CANARY_PASSWORD = 'Canary-Pa55word-7f3a9c';
const CANARY_NEW_PASSWORD = 'Canary-N3w-Pa55word-c2d8e1';
const CANARY_RESET_PASSWORD = 'Canary-R3set-Pa55word-b6a4f0';

describe.each(testDatabaseKinds())('audit API on %s', (kind) => {
  let t: TestApp;

  async function auditCount(): Promise<number> {
    return t.slipway.ctx.database.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  async function verifyViaApi(): Promise<AuditVerification> {
    const res = await t.request({ method: 'GET', url: '/api/v1/audit/verify' });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as AuditVerification;
  }

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records a write with actor, request id, object and after values, and the chain verifies', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      body: { username: 'audited', roles: ['engineer'], password: null },
      headers: { 'x-request-id': 'req-audited-1' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as number;
    const list = await t.request({ method: 'GET', url: `/api/v1/audit?objectType=user&objectId=${id}` });
    expect(list.statusCode).toBe(200);
    const [entry] = list.json().items;
    expect(entry).toMatchObject({
      action: 'user.create',
      objectType: 'user',
      objectId: String(id),
      requestId: 'req-audited-1',
      actor: { name: 'admin' },
      before: null,
      after: { id, username: 'audited', roles: ['engineer'] },
    });
    const result = await verifyViaApi();
    expect(result.ok).toBe(true);
    expect(result.entries).toBe(await auditCount());
  });

  it('writes no entry for a write that fails', async () => {
    const before = await auditCount();
    const duplicate = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      body: { username: 'audited', roles: ['engineer'], password: null },
    });
    expect(duplicate.statusCode).toBe(409);
    const stale = await t.request({
      method: 'PATCH',
      url: '/api/v1/users/1',
      body: { displayName: 'Never' },
      headers: { 'if-match': '"999"' },
    });
    expect(stale.statusCode).toBe(412);
    expect(await auditCount()).toBe(before);
  });

  it('lets only audit.read holders read and verify the trail', async () => {
    const engineer = await t.userWithRoles('audit-engineer', ['engineer']);
    const auditor = await t.userWithRoles('audit-auditor', ['auditor']);
    for (const url of ['/api/v1/audit', '/api/v1/audit/verify', '/api/v1/audit/checkpoints']) {
      expect((await t.request({ method: 'GET', url, token: engineer.token })).statusCode).toBe(403);
      expect((await t.request({ method: 'GET', url, token: auditor.token })).statusCode).toBe(200);
      expect((await t.request({ method: 'GET', url, token: null })).statusCode).toBe(401);
    }
  });

  it('publishes checkpoints an auditor can check with the public key alone', async () => {
    await t.slipway.ctx.audit.checkpoint(t.slipway.ctx.database.db);
    const res = await t.request({ method: 'GET', url: '/api/v1/audit/checkpoints' });
    expect(res.statusCode).toBe(200);
    const { items, publicKey } = res.json() as {
      items: { seq: number; hash: string; at: string; keyId: string; sig: string }[];
      publicKey: string;
    };
    expect(items.length).toBeGreaterThan(0);
    const key = crypto.createPublicKey(publicKey);
    for (const c of items) {
      const signed = Buffer.from(`slipway-audit-checkpoint\n${c.keyId}\n${c.seq}\n${c.hash}\n${c.at}`);
      expect(crypto.verify(null, signed, key, Buffer.from(c.sig, 'base64'))).toBe(true);
      expect(crypto.verify(null, Buffer.concat([signed, Buffer.from('x')]), key, Buffer.from(c.sig, 'base64'))).toBe(
        false,
      );
    }
  });

  it('never puts passwords, token secrets, hashes or session secrets into the audit trail', async () => {
    const admin = t.adminToken;
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      body: { username: 'songbird', roles: ['engineer'], password: CANARY_PASSWORD },
    });
    expect(created.statusCode, created.body).toBe(201);
    const canaryId = created.json().id as number;

    const failed = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      token: null,
      body: { username: 'songbird', password: `${CANARY_PASSWORD}-wrong` },
    });
    expect(failed.statusCode).toBe(401);
    const login = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      token: null,
      body: { username: 'songbird', password: CANARY_PASSWORD },
    });
    expect(login.statusCode, login.body).toBe(200);
    const sessionCookie = login.cookies.find((c) => c.name === 'slipway_session')?.value ?? '';
    const csrfToken = login.json().csrfToken as string;
    const session = { cookie: `slipway_session=${sessionCookie}`, 'x-csrf-token': csrfToken };

    const token = await t.request({
      method: 'POST',
      url: '/api/v1/tokens',
      token: null,
      headers: session,
      body: { name: 'canary' },
    });
    expect(token.statusCode, token.body).toBe(201);
    const secret = token.json().secret as string;
    const used = await t.request({ method: 'GET', url: '/api/v1/users/me', token: secret });
    expect(used.statusCode).toBe(200);
    const tokenWithKey = await t.request({
      method: 'POST',
      url: '/api/v1/tokens',
      token: secret,
      headers: { 'idempotency-key': 'canary-token-1' },
      body: { name: 'canary-2' },
    });
    expect(tokenWithKey.statusCode, tokenWithKey.body).toBe(201);
    const secret2 = tokenWithKey.json().secret as string;

    const changed = await t.request({
      method: 'PUT',
      url: '/api/v1/users/me/password',
      token: secret,
      body: { currentPassword: CANARY_PASSWORD, newPassword: CANARY_NEW_PASSWORD },
    });
    expect(changed.statusCode, changed.body).toBe(204);
    const reset = await t.request({
      method: 'PUT',
      url: `/api/v1/users/${canaryId}/password`,
      token: admin,
      body: { newPassword: CANARY_RESET_PASSWORD },
    });
    expect(reset.statusCode, reset.body).toBe(204);
    const revoked = await t.request({ method: 'DELETE', url: `/api/v1/tokens/${token.json().id}`, token: admin });
    expect(revoked.statusCode).toBe(200);

    const db = t.slipway.ctx.database.db;
    const { password_hash: passwordHash } = await db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', canaryId)
      .executeTakeFirstOrThrow();
    const auditText = await databaseText(db, ['audit_log']);
    expect(auditText).toContain('user.password_set');
    const secrets = {
      CANARY_PASSWORD,
      CANARY_NEW_PASSWORD,
      CANARY_RESET_PASSWORD,
      tokenSecret: secret,
      tokenSecret2: secret2,
      tokenHash: hashSecret(secret),
      adminTokenSecret: admin,
      adminTokenHash: hashSecret(admin),
      passwordHash: passwordHash ?? 'missing-hash',
      argon2Marker: '$argon2id$',
      sessionCookie,
      sessionId: hashSecret(sessionCookie),
      csrfToken,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThan(8);
      expect(auditText.includes(value), `${name} appears in audit_log`).toBe(false);
    }
    expect((await verifyViaApi()).ok).toBe(true);
  });

  it('reports a row tampered by direct SQL through GET /api/v1/audit/verify, naming it', async () => {
    const db = t.slipway.ctx.database.db;
    const target = 2;
    const row = await db.selectFrom('audit_log').selectAll().where('seq', '=', target).executeTakeFirstOrThrow();
    await db.updateTable('audit_log').set({ actor_name: 'mallory' }).where('seq', '=', target).execute();
    const result = await verifyViaApi();
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ seq: target, reason: 'modified' });
    expect(result.firstBad?.message).toContain(String(target));
    // Undo, so the trail is whole again and verifies.
    await db.updateTable('audit_log').set({ actor_name: row.actor_name }).where('seq', '=', target).execute();
    expect((await verifyViaApi()).ok).toBe(true);
  });

  it('reports a truncated tail with a rewound head through the API, using the signed checkpoint', async () => {
    const db = t.slipway.ctx.database.db;
    const ctx = t.slipway.ctx;
    await ctx.audit.checkpoint(db);
    const head = await db.selectFrom('audit_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
    const keep = head.seq - 2;
    const kept = await db.selectFrom('audit_log').selectAll().where('seq', '=', keep).executeTakeFirstOrThrow();
    await db.deleteFrom('audit_log').where('seq', '>', keep).execute();
    await db.updateTable('audit_head').set({ seq: keep, hash: kept.hash }).where('id', '=', 1).execute();
    const result = await verifyViaApi();
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ seq: keep + 1, reason: 'truncated' });
  });
});
