import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type SlipwayApp } from '../app.js';
import { resolveConfig } from '../platform/config.js';
import { ADMIN_TOKEN } from '../test-support/test-app.js';
import { createTestDatabase, type TestDatabase, tempDir, testDatabaseKinds } from '../test-support/test-databases.js';

/** Two instances on one database: each one's impact index follows the other's writes. */
describe.each(testDatabaseKinds())('two instances sharing one %s database', (kind) => {
  let testDb: TestDatabase;
  let a: SlipwayApp;
  let b: SlipwayApp;
  const dirs: string[] = [];

  async function instance(): Promise<SlipwayApp> {
    const dataDir = tempDir();
    dirs.push(dataDir);
    // Instances sharing a database share the audit key (docs/operations.md).
    if (dirs.length > 1) fs.copyFileSync(path.join(dirs[0] as string, 'audit.key'), path.join(dataDir, 'audit.key'));
    const config = resolveConfig({ db: testDb.url, dataDir, port: 0 }, { SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN });
    return buildApp(config, { logger: false });
  }
  const call = (app: SlipwayApp, method: 'GET' | 'POST', url: string, body?: unknown) =>
    app.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    a = await instance();
    b = await instance();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await testDb.cleanup();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers on B an impact question about a relationship written on A within a second', async () => {
    const lib = (await call(a, 'POST', '/api/v1/cis', { class: 'software', name: 'libfoo' })).json();
    const app = (await call(a, 'POST', '/api/v1/cis', { class: 'application', name: 'uses-libfoo' })).json();
    const rel = await call(a, 'POST', '/api/v1/relationships', {
      sourceId: app.id,
      type: 'depends_on',
      targetId: lib.id,
    });
    expect(rel.statusCode).toBe(201);
    const started = Date.now();
    let seen: number[] = [];
    while (Date.now() - started < 1000) {
      seen = (await call(b, 'GET', `/api/v1/cis/${lib.id}/impact`)).json().items.map((i: { id: number }) => i.id);
      if (seen.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(seen).toEqual([app.id]);
    // And the audit trail written by both instances is one valid chain.
    await call(b, 'POST', '/api/v1/cis', { class: 'server', name: 'written-on-b' });
    const verify = (await call(a, 'GET', '/api/v1/audit/verify')).json();
    expect(verify.ok).toBe(true);
  });
});
