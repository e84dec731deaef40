import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type SlipwayApp } from '../app.js';
import { resolveConfig } from '../platform/config.js';
import { type ReleaseOrg, setupReleaseOrg } from '../test-support/release-kit.js';
import { approvedRelease, desktops, type RolloutJson, waitFor } from '../test-support/rollout-kit.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../test-support/test-app.js';
import { tempDir, testDatabaseKinds } from '../test-support/test-databases.js';

/**
 * Several Slipway instances on one PostgreSQL database share the rollouts: each rollout's driver
 * is a job one instance claims (FOR UPDATE SKIP LOCKED) with a lease, and every step write is
 * fenced by the rollout's token, so no step is executed by two instances.
 */
describe.each(testDatabaseKinds().filter((k) => k === 'postgres'))('rollouts across instances on %s', (kind) => {
  let t: TestApp;
  let others: SlipwayApp[] = [];
  let org: ReleaseOrg;
  const dirs: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind);
    org = await setupReleaseOrg(t);
    for (let i = 0; i < 2; i++) {
      const dataDir = tempDir('slipway-rollout-instance-');
      dirs.push(dataDir);
      // Instances sharing a database share the audit key (docs/operations.md).
      fs.copyFileSync(path.join(t.dataDir, 'audit.key'), path.join(dataDir, 'audit.key'));
      const config = resolveConfig({ db: t.testDb.url, dataDir, port: 0 }, { SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN });
      others.push(await buildApp(config, { logger: false }));
    }
  });
  afterAll(async () => {
    for (const app of others) await app.close();
    others = [];
    await t?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('drives four phased rollouts on three instances: every step once, every target deployed', async () => {
    const rollouts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const fleet = await desktops(t, `MI${i}-DT`, 8, ['AMS', 'RTM'], org.cis.zoomOld);
      const release = await approvedRelease(t, org, fleet, { product: `Tool${i}` });
      const res = await t.request({
        method: 'POST',
        url: `/api/v1/releases/${release.id}/rollouts`,
        token: org.users.rita.token,
        body: {
          environment: 'production',
          strategy: { kind: 'phased', waves: { by: 'percentages', percentages: [25, 25, 50] } },
          executor: { kind: 'simulated', latencyMs: 60, jitterMs: 30 },
          defaults: { concurrency: 3 },
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      rollouts.push((res.json() as RolloutJson).id);
    }
    const drivers = new Set<string>();
    for (const id of rollouts) {
      const done = await waitFor(t, id, (r) => r.state === 'completed', 30_000);
      expect(done.totals.deployed).toBe(8);
      const steps = (await t.request({ method: 'GET', url: `/api/v1/rollouts/${id}/steps?limit=100` })).json()
        .items as {
        targetId: number;
        attempts: number;
        state: string;
      }[];
      expect(steps).toHaveLength(8);
      expect(new Set(steps.map((s) => s.targetId)).size).toBe(8);
      expect(steps.every((s) => s.attempts === 1 && s.state === 'succeeded')).toBe(true);
      const events = (await t.request({ method: 'GET', url: `/api/v1/rollouts/${id}/events/log?limit=1000` })).json()
        .items as {
        type: string;
        data: { driver?: string };
      }[];
      for (const e of events) if (e.type === 'rollout.wave_started' && e.data.driver) drivers.add(e.data.driver);
    }
    // Which instance drove which wave is up to the claims; all of them are this test's instances.
    const workers = new Set([t.slipway.ctx.jobs.workerId, ...others.map((o) => o.ctx.jobs.workerId)]);
    for (const d of drivers) expect(workers.has(d)).toBe(true);
  });
});
