import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type SlipwayApp } from '../app.js';
import { loadOrCreateAuditKeys } from '../platform/audit/audit-keys.js';
import { resolveConfig } from '../platform/config.js';
import { ADMIN_TOKEN } from '../test-support/test-app.js';
import { createTestDatabase, type TestDatabase, tempDir, testDatabaseKinds } from '../test-support/test-databases.js';

/**
 * Several replicas of a new deployment start at the same moment on one empty database and one
 * empty shared data directory: each first-start step (audit key, migrations, first admin, default
 * policy, built-in templates) must happen exactly once, and no instance may fail to start.
 */
describe.runIf(testDatabaseKinds().includes('postgres'))(
  'four instances starting at once on one empty database',
  () => {
    let testDb: TestDatabase;
    let shared: string;
    let apps: SlipwayApp[] = [];

    beforeAll(async () => {
      testDb = await createTestDatabase('postgres');
      shared = tempDir('slipway-shared-');
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      await testDb.cleanup();
      fs.rmSync(shared, { recursive: true, force: true });
    });

    it('all start, and every first-start step happened once', async () => {
      const results = await Promise.allSettled(
        [1, 2, 3, 4].map((n) =>
          buildApp(
            resolveConfig(
              { db: testDb.url, dataDir: shared, port: 0 },
              {
                SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN,
                SLIPWAY_AUDIT_CHECKPOINT_FILE: path.join(shared, `checkpoints-${n}.jsonl`),
                SLIPWAY_LIBRARY_VERIFY_MINUTES: '0',
                // Four instances share this one process's event loop here: its delay says nothing.
                SLIPWAY_OVERLOAD_MAX_DELAY_MS: '0',
                SLIPWAY_OVERLOAD_MAX_UTILIZATION: '0',
              },
            ),
            { logger: false },
          ),
        ),
      );
      apps = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      expect(failures).toEqual([]);

      const db = apps[0]?.ctx.database.db;
      if (!db) throw new Error('no instance started');
      const admins = await db.selectFrom('users').select('id').where('username', '=', 'admin').execute();
      expect(admins).toHaveLength(1);
      const policies = await db.selectFrom('policy_versions').select('version').execute();
      expect(policies.map((p) => p.version)).toEqual([1]);
      // One key for all: every instance derived the same audit key from the one file.
      expect(new Set(apps.map((a) => a.ctx.auditKeys.keyId)).size).toBe(1);
      expect(loadOrCreateAuditKeys(shared, {}).keyId).toBe(apps[0]?.ctx.auditKeys.keyId);
      for (const app of apps) {
        const verify = await app.app.inject({
          method: 'GET',
          url: '/api/v1/audit/verify',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        expect(verify.json().ok, verify.body).toBe(true);
      }
    });
  },
);
