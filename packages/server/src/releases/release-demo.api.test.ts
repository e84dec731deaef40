import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { ROLLOUT_DEMO_UNITS } from '../rollouts/rollout-demo.js';
import { errorOf, type Json, ReleaseClient, ruleIds } from '../test-support/release-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';

interface DemoRelease {
  id: number;
  type: string;
  state: string;
  title: string;
  currentEnvironment: string | null;
  unit: { name: string };
  counts: { artifacts: number; targetQueries: number };
}

/**
 * The demo organisation comes with releases a newcomer can carry on: a minor one in testing, a
 * major one built, an emergency one waiting for the ECAB. A fixed clock keeps the windows clear of
 * the demo's recurring freezes.
 */
describe('release management demo', () => {
  let t: TestApp;
  let api: ReleaseClient;
  let releases: DemoRelease[];

  beforeAll(async () => {
    t = await createTestApp('sqlite', {
      env: { SLIPWAY_DEMO: '1' },
      clock: new ManualClock('2026-10-01T08:00:00.000Z'),
    });
    api = new ReleaseClient(t);
    // The demo also carries a year of finished releases (the KPI history) and the rollout demo's
    // releases (rollouts/rollout-demo.ts, on their way through the engine); these are the open ones
    // of the release demo.
    const finished = new Set(['deployed', 'reviewed', 'closed', 'backed_out', 'cancelled']);
    const rolloutDemo: readonly string[] = ROLLOUT_DEMO_UNITS;
    releases = (await api.ok<{ items: DemoRelease[] }>(t.adminToken, 'GET', '/api/v1/releases?limit=200')).items.filter(
      (r) => !finished.has(r.state) && !rolloutDemo.includes(r.unit.name),
    );
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  const byType = (type: string) => releases.find((r) => r.type === type) as DemoRelease;

  it('seeds a minor release in testing, a major one built and an emergency one in testing, each with contents and targets', async () => {
    expect(releases.map((r) => `${r.type}:${r.state}`).sort()).toEqual([
      'emergency:in_test',
      'major:built',
      'minor:in_test',
    ]);
    for (const release of releases) {
      expect(release.counts, release.title).toMatchObject({ artifacts: 1, targetQueries: 1 });
      const targets = await api.ok<{ environments: { environment: string; count: number }[] }>(
        t.adminToken,
        'GET',
        `/api/v1/releases/${release.id}/targets`,
      );
      expect(targets.environments.find((e) => e.environment === 'production')?.count, release.title).toBeGreaterThan(0);
    }
    expect(byType('minor').currentEnvironment).toBe('test');
  });

  it('shows the minor release what still blocks it, by rule', async () => {
    const minor = byType('minor');
    const readiness = await api.ok<{
      transitions: { to: string; ready: boolean; checks: { violations: { id: string; message: string }[] }[] }[];
    }>(t.adminToken, 'GET', `/api/v1/releases/${minor.id}/readiness`);
    const accept = readiness.transitions.find((tr) => tr.to === 'accepted');
    expect(accept?.ready).toBe(false);
    const messages = accept?.checks.flatMap((c) => c.violations.map((v) => `${v.id}: ${v.message}`)).join('\n');
    expect(messages).toMatch(/tests\.required: .*integration in test/);
    expect(messages).toMatch(/tests\.required: .*acceptance in staging/);
    const coexistence = await api.ok<{ ok: boolean; summary: { targets: number } }>(
      t.adminToken,
      'GET',
      `/api/v1/releases/${minor.id}/coexistence`,
    );
    expect(coexistence.summary.targets).toBeGreaterThan(0);
  });

  it('takes the emergency release to approved with one ECAB approval once its change is approved', async () => {
    const emergency = byType('emergency');
    const ecab = await t.userWithRoles('erin', ['cab_member']);
    const changes = await api.ok<{ items: (Json & { id: number; type: string; state: string })[] }>(
      t.adminToken,
      'GET',
      `/api/v1/releases/${emergency.id}/changes`,
    );
    expect(changes.items.map((c) => `${c.type}:${c.state}`)).toEqual(['emergency:authorize']);
    const early = await api.call(ecab.token, 'POST', `/api/v1/releases/${emergency.id}/approve`, {});
    expect(ruleIds(early)).toEqual(['change.approved']);
    errorOf(early, 422, 'POLICY_VIOLATION');
    await api.ok(ecab.token, 'POST', `/api/v1/changes/${changes.items[0]?.id}/approve`, {});
    const approved = await api.ok<DemoRelease & { approval: Json }>(
      ecab.token,
      'POST',
      `/api/v1/releases/${emergency.id}/approve`,
      {},
    );
    expect(approved.state).toBe('approved');
    expect(approved.approval).toMatchObject({ board: 'ecab', required: 1, met: true });
  });
});
