import { describe, expect, it } from 'vitest';
import { changeFailureRateBand, deploymentFrequencyBand, doraReport, leadTimeBand, timeToRestoreBand } from './dora.js';
import { incidentMinutesWithin } from './incidents.js';
import {
  bucketsOf,
  type KpiChange,
  type KpiIncident,
  type KpiInput,
  type KpiRelease,
  type KpiRollout,
  kpiCsv,
  kpiReport,
  median,
} from './kpis.js';

const FROM = '2026-03-01T00:00:00.000Z';
const TO = '2026-04-01T00:00:00.000Z';

const release = (id: number, over: Partial<KpiRelease> = {}): KpiRelease => ({
  id,
  type: 'minor',
  element: 'server',
  createdAt: '2026-02-20T00:00:00.000Z',
  productionAt: null,
  services: ['web-shop'],
  ...over,
});
const rollout = (id: number, releaseId: number, over: Partial<KpiRollout> = {}): KpiRollout => ({
  id,
  releaseId,
  state: 'completed',
  terminal: true,
  plannedEnd: '2026-03-10T12:00:00.000Z',
  startedAt: '2026-03-10T08:00:00.000Z',
  finishedAt: '2026-03-10T10:00:00.000Z',
  backedOut: false,
  targets: [],
  services: ['web-shop'],
  ...over,
});
const change = (id: number, over: Partial<KpiChange> = {}): KpiChange => ({
  id,
  type: 'normal',
  releaseId: null,
  createdAt: '2026-03-02T00:00:00.000Z',
  submittedAt: '2026-03-02T01:00:00.000Z',
  startedAt: null,
  completedAt: null,
  reviewOutcome: null,
  services: ['web-shop'],
  ...over,
});
const incident = (id: number, over: Partial<KpiIncident> = {}): KpiIncident => ({
  id,
  startedAt: '2026-03-11T00:00:00.000Z',
  resolvedAt: '2026-03-11T01:00:00.000Z',
  releaseId: null,
  changeId: null,
  services: ['web-shop'],
  ...over,
});

/**
 * A hand-counted month:
 * - releases 1 (major/server, planned 02-20, prod 03-10T10:00: lead 18 d 10 h = 442 h),
 *   2 (minor/desktop, planned 03-01, prod 03-05: 96 h), 3 (minor/server, not in production),
 *   4 (emergency/server, prod in February: outside).
 * - rollouts: r1 of release 1 on time, target downtime 5 + 3 min (5 on web-shop+crm, 3 on web-shop);
 *   r2 of release 2 late (finished after planned end) and backed out; r3 of release 3 still running;
 *   r4 of release 2 finished without a planned end (unplanned).
 * - changes: c1 emergency completed, review successful; c2 normal completed, review failed;
 *   c3 normal completed, no review but caused incident i2; c4 standard raised, not implemented;
 *   c5 raised in February (outside).
 * - incidents: i1 caused by release 1, 60 min; i2 caused by change 3, 30 min; i3 no cause, 45 min;
 *   i4 caused by release 2, still open since 03-31T23:00 (60 min up to the period end).
 */
function fixture(): KpiInput {
  return {
    releases: [
      release(1, { type: 'major', productionAt: '2026-03-10T10:00:00.000Z', services: ['web-shop', 'crm'] }),
      release(2, {
        element: 'desktop',
        createdAt: '2026-03-01T00:00:00.000Z',
        productionAt: '2026-03-05T00:00:00.000Z',
        services: ['crm'],
      }),
      release(3),
      release(4, { type: 'emergency', productionAt: '2026-02-10T00:00:00.000Z' }),
    ],
    rollouts: [
      rollout(1, 1, {
        services: ['web-shop', 'crm'],
        targets: [
          { downtimeMinutes: 5, services: ['web-shop', 'crm'] },
          { downtimeMinutes: 3, services: ['web-shop'] },
          { downtimeMinutes: 0, services: ['crm'] },
        ],
      }),
      rollout(2, 2, {
        state: 'backed_out',
        backedOut: true,
        plannedEnd: '2026-03-05T00:00:00.000Z',
        startedAt: '2026-03-04T22:00:00.000Z',
        finishedAt: '2026-03-05T02:00:00.000Z',
        services: ['crm'],
        targets: [{ downtimeMinutes: 10, services: [] }],
      }),
      rollout(3, 3, { state: 'running', terminal: false, finishedAt: null, startedAt: '2026-03-30T00:00:00.000Z' }),
      rollout(4, 2, { plannedEnd: null, finishedAt: '2026-03-06T00:00:00.000Z', services: ['crm'] }),
    ],
    changes: [
      change(1, { type: 'emergency', completedAt: '2026-03-03T00:00:00.000Z', reviewOutcome: 'successful' }),
      change(2, { completedAt: '2026-03-04T00:00:00.000Z', reviewOutcome: 'failed' }),
      change(3, { completedAt: '2026-03-06T00:00:00.000Z' }),
      change(4, { type: 'standard' }),
      change(5, { createdAt: '2026-02-01T00:00:00.000Z', submittedAt: '2026-02-01T00:00:00.000Z' }),
    ],
    incidents: [
      incident(1, { releaseId: 1 }),
      incident(2, { changeId: 3, resolvedAt: '2026-03-11T00:30:00.000Z' }),
      incident(3, { resolvedAt: '2026-03-11T00:45:00.000Z' }),
      incident(4, { releaseId: 2, startedAt: '2026-03-31T23:00:00.000Z', resolvedAt: null, services: ['crm'] }),
    ],
    compliance: { software: 40, unauthorized: 3, unlicensed: 1 },
  };
}

describe('KPIs', () => {
  it('match a hand count over one month', () => {
    const { summary } = kpiReport(fixture(), { from: FROM, to: TO });
    // Rollout downtime 5 + 3 + 10 = 18; incident minutes 60 (i1) + 60 (i4, open, cut at period end).
    expect(summary.downtime).toEqual({
      totalMinutes: 138,
      rolloutMinutes: 18,
      incidentMinutes: 120,
      byService: [
        { service: 'web-shop', minutes: 68, rolloutMinutes: 8, incidentMinutes: 60 },
        { service: 'crm', minutes: 65, rolloutMinutes: 5, incidentMinutes: 60 },
        { service: '(no service)', minutes: 10, rolloutMinutes: 10, incidentMinutes: 0 },
      ],
    });
    // Finished: r1, r2, r4; with a planned end: r1 (on time), r2 (late, backed out).
    expect(summary.rolloutsOnTime).toEqual({ numerator: 1, denominator: 2, value: 0.5, running: 1, unplanned: 1 });
    expect(summary.backoutRate).toEqual({ numerator: 1, denominator: 3, value: 0.3333 });
    // Implemented: c1, c2, c3; failed: c2 (review) and c3 (caused i2).
    expect(summary.changeSuccessRate).toEqual({
      numerator: 1,
      denominator: 3,
      value: 0.3333,
      failed: 2,
      unreviewed: 1,
    });
    // Raised in March: c1..c4; emergency: c1.
    expect(summary.emergencyChangeRatio).toEqual({ numerator: 1, denominator: 4, value: 0.25 });
    expect(summary.releases).toEqual({
      total: 2,
      byType: { major: 1, minor: 1 },
      byElement: { server: 1, desktop: 1 },
    });
    expect(summary.leadTimeHours).toEqual({ count: 2, median: 269, mean: 269 });
    expect(summary.unauthorizedCis).toBe(3);
    expect(summary.unlicensedCis).toBe(1);
  });

  it('filter by element and by service', () => {
    const server = kpiReport(fixture(), { from: FROM, to: TO }, { element: 'server' }).summary;
    expect(server.releases.total).toBe(1);
    expect(server.downtime.rolloutMinutes).toBe(8);
    // i4 was caused by a desktop release: not counted under the server element.
    expect(server.downtime.incidentMinutes).toBe(60);
    expect(server.backoutRate).toEqual({ numerator: 0, denominator: 1, value: 0 });

    const crm = kpiReport(fixture(), { from: FROM, to: TO }, { service: 'crm' }).summary;
    expect(crm.downtime.byService.map((s) => s.service)).toEqual(['crm']);
    // r1 touches crm through its first target only (5 min); r2's target impacts no service.
    expect(crm.downtime.rolloutMinutes).toBe(5);
    expect(crm.downtime.incidentMinutes).toBe(60);
  });

  it('show empty denominators as null, never as 0 % or 100 %', () => {
    const empty: KpiInput = { releases: [], rollouts: [], changes: [], incidents: [], compliance: null };
    const { summary, trend } = kpiReport(empty, { from: FROM, to: TO, bucket: 'week' });
    expect(summary.rolloutsOnTime).toEqual({ numerator: 0, denominator: 0, value: null, running: 0, unplanned: 0 });
    expect(summary.backoutRate.value).toBeNull();
    expect(summary.changeSuccessRate.value).toBeNull();
    expect(summary.leadTimeHours).toEqual({ count: 0, median: null, mean: null });
    expect(summary.unauthorizedCis).toBeNull();
    expect(trend).toHaveLength(5);
  });

  it('bucket the trend so the buckets add up to the period', () => {
    const report = kpiReport(fixture(), { from: FROM, to: TO, bucket: 'week' });
    expect(report.trend.map((b) => b.from.slice(0, 10))).toEqual([
      '2026-03-01',
      '2026-03-08',
      '2026-03-15',
      '2026-03-22',
      '2026-03-29',
    ]);
    expect(report.trend.at(-1)?.to).toBe(TO);
    const sum = report.trend.reduce((a, b) => a + b.downtime.totalMinutes, 0);
    expect(sum).toBe(report.summary.downtime.totalMinutes);
    expect(bucketsOf('2026-01-31T00:00:00.000Z', '2026-04-15T00:00:00.000Z', 'month')).toHaveLength(3);
  });

  it('export CSV with one row per bucket and a total row', () => {
    const csv = kpiCsv(kpiReport(fixture(), { from: FROM, to: TO, bucket: 'week' }));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]?.startsWith('from,to,downtime_minutes')).toBe(true);
    expect(lines[6]).toContain(`${FROM},${TO},138,18,120,1,2,0.5,1,3,0.3333`);
  });

  it('count open incidents up to the end of the period only', () => {
    expect(incidentMinutesWithin({ startedAt: FROM, resolvedAt: null }, FROM, '2026-03-01T02:00:00.000Z')).toBe(120);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('DORA four keys', () => {
  it('match a hand count, with causal change failure rate and its denominator', () => {
    const report = doraReport(fixture(), FROM, TO);
    // Deployments: releases 1 and 2, standalone changes c1, c2, c3 = 5 in 31 days.
    expect(report.deployments).toBe(5);
    expect(report.deploymentFrequency).toEqual({ perDay: 0.1613, perWeek: 1.13, days: 31, band: 'high' });
    // Lead times (h): c1 24, c2 48, release 2 96, c3 96, release 1 442 → median 96.
    expect(report.leadTimeForChanges).toEqual({ medianHours: 96, count: 5, band: 'high' });
    // Failed: release 1 (i1), release 2 (i4), c3 (i2); c2's failed review is not an incident.
    expect(report.changeFailureRate).toEqual({
      numerator: 3,
      denominator: 5,
      value: 0.6,
      band: 'low',
      unattributedIncidents: 1,
    });
    // Restored caused incidents: i1 1 h, i2 0.5 h → median 0.75 h; i4 still open.
    expect(report.timeToRestore).toEqual({ medianHours: 0.75, restored: 2, unresolved: 1, band: 'elite' });
  });

  it('with no deployments shows no band rather than a made-up one', () => {
    const report = doraReport({ releases: [], changes: [], incidents: [] }, FROM, TO);
    expect(report.deployments).toBe(0);
    expect(report.deploymentFrequency.band).toBe('low');
    expect(report.leadTimeForChanges).toEqual({ medianHours: null, count: 0, band: null });
    expect(report.changeFailureRate.value).toBeNull();
    expect(report.changeFailureRate.band).toBeNull();
    expect(report.timeToRestore.band).toBeNull();
  });

  it('bands follow the DORA thresholds at their edges', () => {
    expect(deploymentFrequencyBand(1)).toBe('elite');
    expect(deploymentFrequencyBand(1 / 7)).toBe('high');
    expect(deploymentFrequencyBand(1 / 30)).toBe('medium');
    expect(deploymentFrequencyBand(0.01)).toBe('low');
    expect(leadTimeBand(23.9)).toBe('elite');
    expect(leadTimeBand(24)).toBe('high');
    expect(leadTimeBand(24 * 30)).toBe('low');
    expect(changeFailureRateBand(0.05)).toBe('elite');
    expect(changeFailureRateBand(0.1)).toBe('high');
    expect(changeFailureRateBand(0.15)).toBe('medium');
    expect(changeFailureRateBand(0.16)).toBe('low');
    expect(timeToRestoreBand(0.99)).toBe('elite');
    expect(timeToRestoreBand(23)).toBe('high');
    expect(timeToRestoreBand(24 * 6)).toBe('medium');
    expect(timeToRestoreBand(24 * 7)).toBe('low');
  });
});
