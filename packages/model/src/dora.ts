/**
 * The DORA four keys from Slipway's own records, with the performance band of each.
 *
 * - A deployment is a release reaching production (its first production rollout completing) or a
 *   change implemented without a release (a standalone change).
 * - Change failure rate counts a deployment as failed when an incident is causally linked to it
 *   (the incident names the release or change as its cause); incidents without a recorded cause
 *   are shown (`unattributedIncidents`) but never guessed from timing.
 * - Time to restore: start to resolution of the incidents caused by deployments, started in the
 *   period.
 *
 * Bands follow the 2023 Accelerate State of DevOps Report (DORA) performance clusters, read as
 * contiguous ranges (docs/metrics.md cites them):
 * deployment frequency elite = on demand (≥ 1 a day), high ≥ 1 a week, medium ≥ 1 a month;
 * lead time elite < 1 day, high < 1 week, medium < 1 month;
 * change failure rate elite ≤ 5 %, high ≤ 10 %, medium ≤ 15 %;
 * time to restore elite < 1 hour, high < 1 day, medium < 1 week; everything else low.
 */
import type { KpiChange, KpiIncident, KpiRelease, Ratio } from './kpis.js';
import { median, ratio, round } from './kpis.js';

export const DORA_BANDS = ['elite', 'high', 'medium', 'low'] as const;
export type DoraBand = (typeof DORA_BANDS)[number];

const HOUR = 1;
const DAY = 24;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;

/** Thresholds (upper bounds for elite, high, medium; anything beyond is low). */
export const DORA_THRESHOLDS = {
  /** Deployments per day, lower bounds. */
  deploymentFrequencyPerDay: { elite: 1, high: 1 / 7, medium: 1 / 30 },
  /** Hours, exclusive upper bounds. */
  leadTimeHours: { elite: DAY, high: WEEK, medium: MONTH },
  /** Share, inclusive upper bounds. */
  changeFailureRate: { elite: 0.05, high: 0.1, medium: 0.15 },
  /** Hours, exclusive upper bounds. */
  timeToRestoreHours: { elite: HOUR, high: DAY, medium: WEEK },
} as const;

export function deploymentFrequencyBand(perDay: number): DoraBand {
  const t = DORA_THRESHOLDS.deploymentFrequencyPerDay;
  if (perDay >= t.elite) return 'elite';
  if (perDay >= t.high) return 'high';
  if (perDay >= t.medium) return 'medium';
  return 'low';
}

function upperBand(value: number, t: { elite: number; high: number; medium: number }, inclusive: boolean): DoraBand {
  const below = (bound: number) => (inclusive ? value <= bound : value < bound);
  if (below(t.elite)) return 'elite';
  if (below(t.high)) return 'high';
  if (below(t.medium)) return 'medium';
  return 'low';
}

export const leadTimeBand = (hours: number) => upperBand(hours, DORA_THRESHOLDS.leadTimeHours, false);
export const changeFailureRateBand = (rate: number) => upperBand(rate, DORA_THRESHOLDS.changeFailureRate, true);
export const timeToRestoreBand = (hours: number) => upperBand(hours, DORA_THRESHOLDS.timeToRestoreHours, false);

export interface DoraDeployment {
  kind: 'release' | 'change';
  id: number;
  at: string;
  leadTimeHours: number;
  failed: boolean;
}

export interface DoraReport {
  from: string;
  to: string;
  deployments: number;
  deploymentFrequency: { perDay: number; perWeek: number; days: number; band: DoraBand };
  leadTimeForChanges: { medianHours: number | null; count: number; band: DoraBand | null };
  changeFailureRate: Ratio & { band: DoraBand | null; unattributedIncidents: number };
  timeToRestore: { medianHours: number | null; restored: number; unresolved: number; band: DoraBand | null };
}

/** Deployments in [from, to): releases reaching production and changes implemented without a release. */
export function doraDeployments(
  input: { releases: KpiRelease[]; changes: KpiChange[]; incidents: KpiIncident[] },
  from: string,
  to: string,
): DoraDeployment[] {
  const failedReleases = new Set(input.incidents.flatMap((i) => (i.releaseId === null ? [] : [i.releaseId])));
  const failedChanges = new Set(input.incidents.flatMap((i) => (i.changeId === null ? [] : [i.changeId])));
  const hours = (start: string, end: string) => (Date.parse(end) - Date.parse(start)) / 3_600_000;
  const out: DoraDeployment[] = [];
  for (const r of input.releases) {
    if (r.productionAt === null || r.productionAt < from || r.productionAt >= to) continue;
    out.push({
      kind: 'release',
      id: r.id,
      at: r.productionAt,
      leadTimeHours: hours(r.createdAt, r.productionAt),
      failed: failedReleases.has(r.id),
    });
  }
  for (const c of input.changes) {
    if (c.releaseId !== null || c.completedAt === null || c.completedAt < from || c.completedAt >= to) continue;
    out.push({
      kind: 'change',
      id: c.id,
      at: c.completedAt,
      leadTimeHours: hours(c.createdAt, c.completedAt),
      failed: failedChanges.has(c.id),
    });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id);
}

export function doraReport(
  input: { releases: KpiRelease[]; changes: KpiChange[]; incidents: KpiIncident[] },
  from: string,
  to: string,
): DoraReport {
  const deployments = doraDeployments(input, from, to);
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  const perDay = days > 0 ? deployments.length / days : 0;
  const leadMedian = median(deployments.map((d) => d.leadTimeHours));
  const failed = deployments.filter((d) => d.failed).length;
  const cfr = ratio(failed, deployments.length);

  const inPeriod = input.incidents.filter((i) => i.startedAt >= from && i.startedAt < to);
  const caused = inPeriod.filter((i) => i.releaseId !== null || i.changeId !== null);
  const restored = caused.filter((i) => i.resolvedAt !== null);
  const restoreMedian = median(
    restored.map((i) => (Date.parse(i.resolvedAt as string) - Date.parse(i.startedAt)) / 3_600_000),
  );
  return {
    from,
    to,
    deployments: deployments.length,
    deploymentFrequency: {
      perDay: round(perDay, 4),
      perWeek: round(perDay * 7, 2),
      days: round(days, 2),
      band: deploymentFrequencyBand(perDay),
    },
    leadTimeForChanges: {
      medianHours: leadMedian === null ? null : round(leadMedian),
      count: deployments.length,
      band: leadMedian === null ? null : leadTimeBand(leadMedian),
    },
    changeFailureRate: {
      ...cfr,
      band: cfr.value === null ? null : changeFailureRateBand(cfr.value),
      unattributedIncidents: inPeriod.length - caused.length,
    },
    timeToRestore: {
      medianHours: restoreMedian === null ? null : round(restoreMedian),
      restored: restored.length,
      unresolved: caused.length - restored.length,
      band: restoreMedian === null ? null : timeToRestoreBand(restoreMedian),
    },
  };
}
