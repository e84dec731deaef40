import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';

describe.each(testDatabaseKinds())('platform smoke on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers /healthz without a token', async () => {
    const res = await t.request({ method: 'GET', url: '/healthz', token: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('creates a user, audits it, and the chain verifies', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/users',
      body: { username: 'smoke', roles: ['engineer'] },
    });
    expect(res.statusCode).toBe(201);
    const verify = await t.request({ method: 'GET', url: '/api/v1/audit/verify' });
    expect(verify.json()).toMatchObject({ ok: true });
    expect(verify.json().entries).toBeGreaterThanOrEqual(3);
  });
});
