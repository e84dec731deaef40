import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutJson } from '../test-support/rollout-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { ROLLOUT_DEMO_UNITS } from './rollout-demo.js';

/**
 * The rollout demo, part of the demo organisation's first start: a phased desktop rollout by site
 * that completes, a canary server rollout that fails and backs itself out, and its own messaging
 * release (Kafka) installed dormant a day ago, its activation requested and approved by two
 * different people, then activated — the KPIs and the CMDB show it.
 */
describe('rollout demo', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('sqlite', { env: { SLIPWAY_DEMO: '1' } });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  it('tells the three rollout stories', { timeout: 240_000 }, async () => {
    // The demo also carries a year of finished rollouts (the KPI history); the three stories are
    // the rollouts of the rollout demo's own releases.
    const ours = new Set<number>();
    const demoUnits: readonly string[] = ROLLOUT_DEMO_UNITS;
    const deadline = Date.now() + 200_000;
    let items: RolloutJson[] = [];
    const finished = (r: RolloutJson) => ['completed', 'backed_out', 'failed', 'paused'].includes(r.state);
    while (Date.now() < deadline) {
      if (ours.size < 3) {
        const releases = (await t.request({ method: 'GET', url: '/api/v1/releases?limit=200' })).json().items as {
          id: number;
          unit: { name: string };
        }[];
        for (const r of releases) if (demoUnits.includes(r.unit.name)) ours.add(r.id);
      }
      items = (await t.request({ method: 'GET', url: '/api/v1/rollouts?limit=200' }))
        .json()
        .items.filter((r: RolloutJson) => ours.has(r.releaseId));
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
    const dormant = byStrategy.dormant as RolloutJson & {
      startedAt: string;
      finishedAt: string;
      activationRequest: { state: string; requestedBy: string; decidedBy: string; requestedAt: string };
      kpis: { onTime: boolean };
    };
    expect(dormant).toMatchObject({ state: 'completed', activation: 'active' });
    // Installed a day before it was switched on; asked for by one person, approved by another.
    expect(Date.parse(dormant.finishedAt) - Date.parse(dormant.startedAt)).toBeGreaterThan(86_400_000);
    expect(dormant.activationRequest).toMatchObject({
      state: 'activated',
      requestedBy: 'demo-rm-sofia',
      decidedBy: 'demo-cm-lars',
    });
    expect(dormant.activationRequest.requestedAt > dormant.startedAt).toBe(true);
    expect(dormant.kpis.onTime).toBe(true);
    const messaging = (await t.request({ method: 'GET', url: `/api/v1/releases/${dormant.releaseId}` })).json();
    expect(messaging).toMatchObject({ state: 'deployed', element: 'messaging', unit: { name: 'kafka-events' } });
    // The CMDB shows Kafka 3.7.0 installed on the brokers by this rollout, and 3.6.1 no longer.
    const targets = (await t.request({ method: 'GET', url: `/api/v1/rollouts/${dormant.id}/targets?limit=50` })).json()
      .items as { ci: { id: number; name: string } }[];
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      const rels = (
        await t.request({
          method: 'GET',
          url: `/api/v1/relationships?targetId=${target.ci.id}&type=installed_on&limit=100`,
        })
      ).json().items as { source: { name: string } }[];
      const kafka = rels.map((r) => r.source.name).filter((n) => n.startsWith('Apache Kafka'));
      expect(kafka, target.ci.name).toEqual(['Apache Kafka 3.7.0']);
    }
    // The events tell the story in order: installed, asked for, approved, activated.
    const log = (await t.request({ method: 'GET', url: `/api/v1/rollouts/${dormant.id}/events/log?limit=1000` })).json()
      .items as { type: string; at: string }[];
    const order = [
      'rollout.completed',
      'rollout.activation_requested',
      'rollout.activation_approved',
      'rollout.activated',
    ];
    const at = order.map((type) => log.find((e) => e.type === type)?.at ?? '');
    expect([...at].sort()).toEqual(at);
    expect(at.every(Boolean)).toBe(true);
  });
});
