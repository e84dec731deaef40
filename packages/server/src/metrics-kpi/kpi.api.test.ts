import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { type PastRelease, writePastChange, writePastRelease, writePastRollout } from './history-writer.js';

const MAY = 'from=2026-05-01T00:00:00Z&to=2026-06-01T00:00:00Z';

/**
 * A hand-counted May (docs/metrics.md has the definitions):
 * - service shop depends_on server web-1; web-2 serves no service.
 * - release A (minor/server, planned 04-20) reached production 05-10T10:00, on time, downtime
 *   web-1 6 min + web-2 4 min; release B (major/desktop) backed out 05-20 (web-1 10 min);
 *   release C's rollout is still running.
 * - incidents: I1 caused by A on web-1 (90 min); I2 without cause; I3 caused by change X;
 *   I4 without own cause but listed in change Y's review (the change module's link).
 * - changes X (normal, succeeded by review but caused I3) and Y (emergency, review failed).
 */
describe.each(testDatabaseKinds())('KPIs and DORA on %s', (kind) => {
  let t: TestApp;
  let reader: string;
  const clock = new ManualClock('2026-06-01T00:00:00.000Z');
  const get = (url: string, token = reader) => t.request({ method: 'GET', url, token });
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    reader = (await t.userWithRoles('lead', ['auditor'])).token;
    const ci = async (cls: string, name: string) =>
      (await t.request({ method: 'POST', url: '/api/v1/cis', body: { class: cls, name } })).json().id as number;
    ids.shop = await ci('service', 'shop');
    ids.web1 = await ci('server', 'web-1');
    ids.web2 = await ci('server', 'web-2');
    const rel = await t.request({
      method: 'POST',
      url: '/api/v1/relationships',
      body: { sourceId: ids.shop, type: 'depends_on', targetId: ids.web1 },
    });
    expect(rel.statusCode, rel.body).toBe(201);

    const db = t.slipway.ctx.database.db;
    const release = (over: Partial<PastRelease>): PastRelease => ({
      type: 'minor',
      element: 'server',
      unitName: 'shop',
      unitCiId: null,
      version: '1.0.0',
      title: 'Shop',
      state: 'deployed',
      createdAt: '2026-04-20T00:00:00.000Z',
      approvedAt: '2026-05-01T00:00:00.000Z',
      deployedAt: null,
      planComplete: true,
      passedProtocols: ['functionality'],
      rehearsedBackout: true,
      review: null,
      requester: 'rita',
      ...over,
    });
    const web1 = { ciId: ids.web1, ciClass: 'server', ciName: 'web-1' };
    const web2 = { ciId: ids.web2, ciClass: 'server', ciName: 'web-2' };
    ids.A = await writePastRelease(db, release({ version: '1.0.0', deployedAt: '2026-05-10T10:00:00.000Z' }));
    await writePastRollout(db, {
      releaseId: ids.A,
      environment: 'production',
      state: 'completed',
      plannedStart: '2026-05-10T08:00:00.000Z',
      plannedEnd: '2026-05-10T12:00:00.000Z',
      startedAt: '2026-05-10T08:00:00.000Z',
      finishedAt: '2026-05-10T10:00:00.000Z',
      backoutStartedAt: null,
      targets: [
        { ...web1, downtimeMs: 6 * 60_000 },
        { ...web2, downtimeMs: 4 * 60_000 },
      ],
      createdBy: 'rita',
    });
    ids.B = await writePastRelease(
      db,
      release({
        type: 'major',
        element: 'desktop',
        version: '2.0.0',
        state: 'backed_out',
        createdAt: '2026-05-01T00:00:00.000Z',
      }),
    );
    await writePastRollout(db, {
      releaseId: ids.B,
      environment: 'production',
      state: 'backed_out',
      plannedStart: '2026-05-20T08:00:00.000Z',
      plannedEnd: '2026-05-20T12:00:00.000Z',
      startedAt: '2026-05-20T08:00:00.000Z',
      finishedAt: '2026-05-20T14:00:00.000Z',
      backoutStartedAt: '2026-05-20T11:00:00.000Z',
      targets: [{ ...web1, downtimeMs: 10 * 60_000 }],
      createdBy: 'rita',
    });
    ids.C = await writePastRelease(
      db,
      release({ version: '3.0.0', state: 'rolling_out', createdAt: '2026-05-25T00:00:00.000Z' }),
    );
    await writePastRollout(db, {
      releaseId: ids.C,
      environment: 'production',
      state: 'running',
      plannedStart: '2026-05-31T08:00:00.000Z',
      plannedEnd: '2026-06-02T12:00:00.000Z',
      startedAt: '2026-05-31T08:00:00.000Z',
      finishedAt: null,
      backoutStartedAt: null,
      targets: [{ ...web2, downtimeMs: 0 }],
      createdBy: 'rita',
    });

    const change = (over: Partial<Parameters<typeof writePastChange>[1]>) =>
      writePastChange(db, {
        type: 'normal',
        title: 'X',
        releaseId: null,
        ciIds: [ids.web1 as number],
        createdAt: '2026-05-02T00:00:00.000Z',
        submittedAt: '2026-05-02T00:00:00.000Z',
        approvedAt: null,
        approverId: null,
        approverName: '',
        startedAt: '2026-05-05T00:00:00.000Z',
        completedAt: '2026-05-05T02:00:00.000Z',
        review: { outcome: 'successful', at: '2026-05-06T00:00:00.000Z', incidentIds: [] },
        requester: 'maria',
        riskScore: 10,
        ...over,
      });
    ids.X = await change({});

    const incident = async (body: Record<string, unknown>) => {
      const res = await t.request({ method: 'POST', url: '/api/v1/incidents', body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as number;
    };
    ids.I1 = await incident({
      title: 'I1',
      startedAt: '2026-05-10T11:00:00Z',
      resolvedAt: '2026-05-10T12:30:00Z',
      causedByReleaseId: ids.A,
      ciIds: [ids.web1],
    });
    ids.I2 = await incident({
      title: 'I2',
      startedAt: '2026-05-15T00:00:00Z',
      resolvedAt: '2026-05-15T01:00:00Z',
      ciIds: [ids.web2],
    });
    ids.I3 = await incident({
      title: 'I3',
      startedAt: '2026-05-05T03:00:00Z',
      resolvedAt: '2026-05-05T03:30:00Z',
      causedByChangeId: ids.X,
      ciIds: [ids.web1],
    });
    ids.I4 = await incident({ title: 'I4', startedAt: '2026-05-06T02:00:00Z', resolvedAt: '2026-05-06T02:20:00Z' });
    ids.Y = await change({
      type: 'emergency',
      title: 'Y',
      createdAt: '2026-05-06T00:00:00.000Z',
      submittedAt: '2026-05-06T00:00:00.000Z',
      startedAt: '2026-05-06T00:00:00.000Z',
      completedAt: '2026-05-06T01:00:00.000Z',
      review: { outcome: 'failed', at: '2026-05-07T00:00:00.000Z', incidentIds: [ids.I4 as number] },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('computes the KPIs of a month as counted by hand', async () => {
    const res = await get(`/api/v1/metrics/kpis?${MAY}&bucket=week`);
    expect(res.statusCode, res.body).toBe(200);
    const { summary, trend, bucket } = res.json();
    expect(bucket).toBe('week');
    expect(trend).toHaveLength(5);
    expect(summary.downtime).toEqual({
      totalMinutes: 110,
      rolloutMinutes: 20,
      incidentMinutes: 90,
      byService: [
        { service: 'shop', minutes: 106, rolloutMinutes: 16, incidentMinutes: 90 },
        { service: '(no service)', minutes: 4, rolloutMinutes: 4, incidentMinutes: 0 },
      ],
    });
    expect(summary.rolloutsOnTime).toEqual({ numerator: 1, denominator: 2, value: 0.5, running: 1, unplanned: 0 });
    expect(summary.backoutRate).toEqual({ numerator: 1, denominator: 2, value: 0.5 });
    expect(summary.changeSuccessRate).toEqual({ numerator: 0, denominator: 2, value: 0, failed: 2, unreviewed: 0 });
    expect(summary.emergencyChangeRatio).toEqual({ numerator: 1, denominator: 2, value: 0.5 });
    expect(summary.releases).toEqual({ total: 1, byType: { minor: 1 }, byElement: { server: 1 } });
    expect(summary.leadTimeHours).toEqual({ count: 1, median: 490, mean: 490 });
  });

  it('filters by service and by release element', async () => {
    const shop = (await get(`/api/v1/metrics/kpis?${MAY}&service=shop`)).json().summary;
    expect(shop.downtime.totalMinutes).toBe(106);
    expect(shop.downtime.byService.map((s: { service: string }) => s.service)).toEqual(['shop']);
    const desktop = (await get(`/api/v1/metrics/kpis?${MAY}&element=desktop`)).json().summary;
    expect(desktop.downtime).toMatchObject({ totalMinutes: 10, rolloutMinutes: 10, incidentMinutes: 0 });
    expect(desktop.backoutRate).toEqual({ numerator: 1, denominator: 1, value: 1 });
    expect((await get(`/api/v1/metrics/kpis?${MAY}&service=nope`)).statusCode).toBe(400);
    expect((await get('/api/v1/metrics/kpis?from=2026-06-01&to=2026-05-01')).statusCode).toBe(400);
    expect((await get('/api/v1/metrics/kpis?from=2020-01-01&to=2026-05-01')).statusCode).toBe(400);
    expect((await get('/api/v1/metrics/kpis?from=yesterday')).statusCode).toBe(400);
    expect((await get(`/api/v1/metrics/kpis?${MAY}&element=spaceship`)).statusCode).toBe(400);
  });

  it('computes the DORA keys with causal change failure rate, the review link included', async () => {
    const res = await get(`/api/v1/metrics/dora?${MAY}`);
    expect(res.statusCode, res.body).toBe(200);
    const dora = res.json();
    // Deployments: release A, standalone changes X and Y.
    expect(dora.deployments).toBe(3);
    expect(dora.deploymentFrequency).toEqual({ perDay: 0.0968, perWeek: 0.68, days: 31, band: 'medium' });
    // Lead times 490 h (A), 74 h (X), 1 h (Y): median 74 h.
    expect(dora.leadTimeForChanges).toEqual({ medianHours: 74, count: 3, band: 'high' });
    // A ← I1, X ← I3, Y ← I4 (through Y's review): all three failed; I2 has no cause.
    expect(dora.changeFailureRate).toEqual({
      numerator: 3,
      denominator: 3,
      value: 1,
      band: 'low',
      unattributedIncidents: 1,
    });
    // Restore times 1.5 h, 0.5 h, 0.333 h: median 0.5 h.
    expect(dora.timeToRestore).toEqual({ medianHours: 0.5, restored: 3, unresolved: 0, band: 'elite' });
    const i4 = (await get(`/api/v1/incidents/${ids.I4}`)).json();
    expect(i4.reviewedInChanges).toEqual([ids.Y]);
  });

  it('exports CSV and publishes gauges on /metrics', async () => {
    const csv = await get(`/api/v1/metrics/kpis/csv?${MAY}&bucket=week`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines).toHaveLength(7);
    expect(lines[6]).toMatch(
      /^2026-05-01T00:00:00.000Z,2026-06-01T00:00:00.000Z,110,20,90,1,2,0.5,1,2,0.5,0,2,0,1,2,0.5,1,490,/,
    );
    const metrics = await t.request({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    // The last 30 days (05-02 … 06-01) hold both finished rollouts.
    expect(metrics.body).toContain('slipway_kpi_rollouts_on_time_ratio 0.5');
    expect(metrics.body).toContain('slipway_kpi_release_downtime_minutes{service="shop"} 106');
    expect(metrics.body).toContain('slipway_dora_change_failure_ratio 1');
  });
});
