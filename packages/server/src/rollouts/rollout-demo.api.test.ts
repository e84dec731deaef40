import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutJson } from '../test-support/rollout-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';

/**
 * The rollout demo (SLIPWAY_DEMO_ROLLOUTS=1 next to --demo): a phased desktop rollout by site
 * that completes, a canary server rollout that fails and backs itself out, and the demo's
 * emergency messaging release installed dormant and activated.
 */
describe('rollout demo', () => {
  let t: TestApp;
  // The demo also carries a year of finished rollouts (the KPI history, created in the past);
  // the three stories are the rollouts created after the start.
  let startedAt = '';

  beforeAll(async () => {
    startedAt = new Date().toISOString();
    process.env.SLIPWAY_DEMO_ROLLOUTS = '1';
    t = await createTestApp('sqlite', { env: { SLIPWAY_DEMO: '1' } });
  }, 180_000);
  afterAll(async () => {
    delete process.env.SLIPWAY_DEMO_ROLLOUTS;
    await t?.close();
  });

  it('tells the three rollout stories', { timeout: 240_000 }, async () => {
    const deadline = Date.now() + 200_000;
    let items: RolloutJson[] = [];
    const finished = (r: RolloutJson) => ['completed', 'backed_out', 'failed', 'paused'].includes(r.state);
    while (Date.now() < deadline) {
      items = (await t.request({ method: 'GET', url: '/api/v1/rollouts?limit=200' }))
        .json()
        .items.filter((r: RolloutJson & { createdAt: string }) => r.createdAt >= startedAt);
      if (items.length === 3 && items.every(finished)) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const byStrategy = Object.fromEntries(items.map((r) => [r.strategy as string, r]));
    const phased = byStrategy.phased as RolloutJson;
    expect(phased.state).toBe('completed');
    expect(phased.waves[0]?.name).toBe('pilot');
    expect(phased.waves.slice(1).every((w) => w.name.startsWith('site='))).toBe(true);
    expect(phased.totals.deployed).toBe(phased.totals.targets);
    const canary = byStrategy.canary as RolloutJson;
    expect(canary.state).toBe('backed_out');
    expect(canary.reason).toMatch(/failure threshold exceeded in wave 0 \(canary\)/);
    const canaryRelease = (await t.request({ method: 'GET', url: `/api/v1/releases/${canary.releaseId}` })).json();
    expect(canaryRelease.state).toBe('backed_out');
    const dormant = byStrategy.dormant as RolloutJson;
    expect(dormant).toMatchObject({ state: 'completed', activation: 'active' });
    const messaging = (await t.request({ method: 'GET', url: `/api/v1/releases/${dormant.releaseId}` })).json();
    expect(messaging).toMatchObject({ state: 'deployed', element: 'messaging' });
  });
});
