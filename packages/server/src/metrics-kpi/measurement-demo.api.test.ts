import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

/** On first start the demo organisation has a year of history: KPIs, DORA and maturity say something. */
describe.each(testDatabaseKinds())('measurement demo history on %s', (kind) => {
  let t: TestApp;
  const get = async (url: string) => {
    const res = await t.request({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp(kind, { env: { SLIPWAY_DEMO: '1' } });
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it('fills a year of KPIs with a trend, DORA bands, incidents and two assessments', async () => {
    const now = Date.now();
    const from = new Date(now - 365 * 86_400_000).toISOString();
    const to = new Date(now).toISOString();
    const kpis = await get(`/api/v1/metrics/kpis?from=${from}&to=${to}&bucket=month`);
    expect(kpis.trend.length).toBeGreaterThanOrEqual(12);
    expect(kpis.summary.releases.total).toBeGreaterThan(20);
    expect(kpis.summary.rolloutsOnTime.denominator).toBeGreaterThan(20);
    expect(kpis.summary.backoutRate.numerator).toBeGreaterThan(0);
    expect(kpis.summary.downtime.byService.length).toBeGreaterThan(1);
    expect(kpis.summary.changeSuccessRate.denominator).toBeGreaterThan(20);
    const months = kpis.trend.filter((b: { releases: { total: number } }) => b.releases.total > 0);
    expect(months.length).toBeGreaterThanOrEqual(10);

    const dora = await get(`/api/v1/metrics/dora?from=${from}&to=${to}`);
    expect(dora.deployments).toBeGreaterThan(20);
    expect(dora.changeFailureRate.denominator).toBe(dora.deployments);
    expect(dora.changeFailureRate.numerator).toBeGreaterThan(0);
    expect(dora.changeFailureRate.unattributedIncidents).toBeGreaterThan(0);
    expect(dora.timeToRestore.band).not.toBeNull();

    const incidents = await get('/api/v1/incidents?limit=5');
    expect(incidents.items).toHaveLength(5);

    const assessments = await get('/api/v1/maturity/assessments');
    expect(assessments.items).toHaveLength(2);
    const [after, before] = assessments.items;
    const cmp = await get(`/api/v1/maturity/compare?from=${before.id}&to=${after.id}`);
    expect(cmp.changedAnswers.length).toBeGreaterThan(0);
    const questionnaire = await get('/api/v1/maturity/questionnaire');
    const measured = questionnaire.result.questions.filter((q: { source: string | null }) => q.source === 'evidence');
    expect(measured.length).toBeGreaterThan(10);
  });
});
