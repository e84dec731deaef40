import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReleaseOrg, setupReleaseOrg } from '../test-support/release-kit.js';
import { approvedRelease, desktops, inState, type RolloutJson, waitFor } from '../test-support/rollout-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

/**
 * A drive takes a bounded number of decisions, then hands the rollout to a fresh drive. With the
 * bound set to 2 (SLIPWAY_ROLLOUT_STEPS_PER_DRIVE), a rollout and a back-out the engine started
 * itself must still run to the end, each over several drives.
 */
describe.each(testDatabaseKinds())('rollout drives with a step limit on %s', (kind) => {
  let t: TestApp;
  let org: ReleaseOrg;
  let fleet: number[];

  beforeAll(async () => {
    process.env.SLIPWAY_ROLLOUT_STEPS_PER_DRIVE = '2';
    try {
      t = await createTestApp(kind);
    } finally {
      delete process.env.SLIPWAY_ROLLOUT_STEPS_PER_DRIVE;
    }
    org = await setupReleaseOrg(t);
    fleet = await desktops(t, 'SL-DT', 6, ['AMS', 'RTM'], org.cis.zoomOld);
  });
  afterAll(async () => {
    await t?.close();
  });

  const start = async (releaseId: number, body: Record<string, unknown>) => {
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/releases/${releaseId}/rollouts`,
      token: org.users.rita.token,
      body: { environment: 'production', ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as RolloutJson;
  };
  const drives = async (id: number) =>
    (
      await t.slipway.ctx.database.db
        .selectFrom('jobs')
        .select('id')
        .where('kind', '=', 'rollout.drive')
        .where('payload', '=', JSON.stringify({ rolloutId: id }))
        .execute()
    ).length;

  it('completes a phased rollout over several drives', async () => {
    const release = await approvedRelease(t, org, fleet.slice(0, 3), { product: 'Limit' });
    const created = await start(release.id, {
      strategy: { kind: 'phased', waves: { by: 'attribute', attribute: 'site', order: ['AMS'] } },
      executor: { kind: 'simulated', latencyMs: 2 },
    });
    const done = await waitFor(t, created.id, inState('completed', 'failed', 'paused'));
    expect(done.state).toBe('completed');
    expect(done.totals).toMatchObject({ targets: 3, deployed: 3 });
    expect(await drives(created.id)).toBeGreaterThan(1);
  });

  it('finishes a back-out the engine started itself, each step once', async () => {
    const targets = fleet.slice(3, 6);
    const release = await approvedRelease(t, org, targets, { product: 'LimitBack' });
    const created = await start(release.id, {
      strategy: { kind: 'canary', canary: { count: 2 } },
      executor: { kind: 'simulated', latencyMs: 2, failCis: [targets[1] as number] },
    });
    const done = await waitFor(t, created.id, inState('backed_out', 'failed'));
    expect(done.state).toBe('backed_out');
    const steps = (await t.request({ method: 'GET', url: `/api/v1/rollouts/${created.id}/steps?limit=100` })).json()
      .items as { action: string; attempts: number }[];
    expect(steps.filter((s) => s.action === 'backout').map((s) => s.attempts)).toEqual([1, 1]);
    expect(await drives(created.id)).toBeGreaterThan(1);
  });
});
