/**
 * ITIL benefit KPIs of release and change management, computed from plain records so the figures
 * can be checked by hand (kpis.test.ts does): downtime caused by releases, rollouts on time,
 * back-out rate, change success rate, emergency-change ratio, unauthorized and unlicensed CIs,
 * releases by type and element, lead time from plan to production. Every ratio carries its
 * numerator and denominator; a ratio over nothing is `null`, never 0 or 100 %.
 * Definitions: docs/metrics.md.
 */
import { FAILED_REVIEW_OUTCOMES } from './changes.js';
import { incidentMinutesWithin } from './incidents.js';

/** A fraction with what it was computed from; `value` is null when nothing was counted. */
export interface Ratio {
  numerator: number;
  denominator: number;
  value: number | null;
}

export function ratio(numerator: number, denominator: number): Ratio {
  return { numerator, denominator, value: denominator === 0 ? null : round(numerator / denominator, 4) };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Median of the values, null for none (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** A release as the KPIs see it. `productionAt`: when it first reached production (null: not yet). */
export interface KpiRelease {
  id: number;
  type: string;
  element: string;
  /** When it was planned (created): the start of "lead time from plan to production". */
  createdAt: string;
  productionAt: string | null;
  /** Services its targets (or unit) impact, by name. */
  services: string[];
}

/** A production rollout. */
export interface KpiRollout {
  id: number;
  releaseId: number;
  state: string;
  /** Terminal: completed, aborted, backed_out or failed; anything else is still running. */
  terminal: boolean;
  plannedEnd: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** A back-out was started (it may have finished as backed_out or failed). */
  backedOut: boolean;
  /** Downtime of each target during the rollout, and the services that target impacts. */
  targets: { downtimeMinutes: number; services: string[] }[];
  services: string[];
}

export interface KpiChange {
  id: number;
  type: string;
  releaseId: number | null;
  createdAt: string;
  submittedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  /** Post-implementation review outcome, null while not reviewed. */
  reviewOutcome: string | null;
  services: string[];
}

export interface KpiIncident {
  id: number;
  startedAt: string;
  resolvedAt: string | null;
  /** The release that caused it: directly, or through the change that authorised that release. */
  releaseId: number | null;
  /** The change that caused it (when the cause is a change). */
  changeId: number | null;
  services: string[];
}

export interface KpiInput {
  releases: KpiRelease[];
  rollouts: KpiRollout[];
  changes: KpiChange[];
  incidents: KpiIncident[];
  /** Current compliance counts (a snapshot, not periodised); null when unknown. */
  compliance: { software: number; unauthorized: number; unlicensed: number } | null;
}

export interface KpiFilter {
  /** Only release figures of this release element (change figures are not element-scoped). */
  element?: string | undefined;
  /** Only what touches this service (by name); downtime counts only this service's minutes. */
  service?: string | undefined;
}

export interface KpiFigures {
  from: string;
  to: string;
  downtime: {
    /** Minutes: rollout downtime of targets plus incident minutes of release-caused incidents. */
    totalMinutes: number;
    rolloutMinutes: number;
    incidentMinutes: number;
    byService: { service: string; minutes: number; rolloutMinutes: number; incidentMinutes: number }[];
  };
  /** Finished production rollouts with a planned end that completed by it; `running`/`unplanned` excluded. */
  rolloutsOnTime: Ratio & { running: number; unplanned: number };
  /** Finished production rollouts in which a back-out was started. */
  backoutRate: Ratio;
  /** Changes implemented in the period without a failed/backed-out review or a caused incident. */
  changeSuccessRate: Ratio & { failed: number; unreviewed: number };
  /** Emergency changes among changes raised in the period. */
  emergencyChangeRatio: Ratio;
  unauthorizedCis: number | null;
  unlicensedCis: number | null;
  releases: { total: number; byType: Record<string, number>; byElement: Record<string, number> };
  /** Hours from release creation (plan) to its first production deployment. */
  leadTimeHours: { count: number; median: number | null; mean: number | null };
}

export const KPI_BUCKETS = ['day', 'week', 'month'] as const;
export type KpiBucket = (typeof KPI_BUCKETS)[number];

const DAY_MS = 86_400_000;

/** The bucket an automatic trend uses: days up to two weeks, weeks up to four months, else months. */
export function autoBucket(from: string, to: string): KpiBucket {
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS;
  if (days <= 14) return 'day';
  if (days <= 120) return 'week';
  return 'month';
}

/** Consecutive periods [start, end) from `from` to `to`; the last one is cut at `to`. */
export function bucketsOf(from: string, to: string, bucket: KpiBucket): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  const end = Date.parse(to);
  let start = new Date(from);
  while (start.getTime() < end) {
    const next = new Date(start);
    if (bucket === 'day') next.setUTCDate(next.getUTCDate() + 1);
    else if (bucket === 'week') next.setUTCDate(next.getUTCDate() + 7);
    else next.setUTCMonth(next.getUTCMonth() + 1);
    out.push({ from: start.toISOString(), to: new Date(Math.min(next.getTime(), end)).toISOString() });
    start = next;
  }
  return out;
}

const within = (at: string | null, from: string, to: string): at is string => at !== null && at >= from && at < to;
const touches = (services: readonly string[], service: string | undefined) =>
  service === undefined || services.includes(service);
const FAILED_OUTCOMES = new Set<string>(FAILED_REVIEW_OUTCOMES);
const NO_SERVICE = '(no service)';

/** Applies the filter once: what remains is what every figure of every bucket counts. */
export function filterKpiInput(input: KpiInput, filter: KpiFilter): KpiInput {
  const releases = input.releases.filter(
    (r) => (filter.element === undefined || r.element === filter.element) && touches(r.services, filter.service),
  );
  const releaseIds = new Set(releases.map((r) => r.id));
  const allReleaseIds = new Set(input.releases.map((r) => r.id));
  return {
    releases,
    rollouts: input.rollouts.filter((r) => releaseIds.has(r.releaseId) && touches(r.services, filter.service)),
    changes: input.changes.filter((c) => touches(c.services, filter.service)),
    incidents: input.incidents.filter(
      (i) =>
        touches(i.services, filter.service) &&
        // With an element filter, an incident caused by a release of another element is not ours.
        (filter.element === undefined ||
          i.releaseId === null ||
          !allReleaseIds.has(i.releaseId) ||
          releaseIds.has(i.releaseId)),
    ),
    compliance: input.compliance,
  };
}

/** The KPI figures of one period [from, to) over already filtered input. */
export function computeKpis(input: KpiInput, from: string, to: string, service?: string): KpiFigures {
  const byService = new Map<string, { rolloutMinutes: number; incidentMinutes: number }>();
  const addDowntime = (services: readonly string[], minutes: number, kind: 'rolloutMinutes' | 'incidentMinutes') => {
    const names = services.length === 0 ? [NO_SERVICE] : services;
    for (const name of names) {
      if (service !== undefined && name !== service) continue;
      const entry = byService.get(name) ?? { rolloutMinutes: 0, incidentMinutes: 0 };
      entry[kind] += minutes;
      byService.set(name, entry);
    }
  };

  let rolloutMinutes = 0;
  for (const rollout of input.rollouts) {
    if (!within(rollout.startedAt, from, to)) continue;
    for (const target of rollout.targets) {
      if (target.downtimeMinutes <= 0) continue;
      // With a service filter only targets that impact that service count.
      if (service !== undefined && !target.services.includes(service)) continue;
      rolloutMinutes += target.downtimeMinutes;
      addDowntime(target.services, target.downtimeMinutes, 'rolloutMinutes');
    }
  }
  let incidentMinutes = 0;
  for (const incident of input.incidents) {
    if (incident.releaseId === null) continue;
    const minutes = incidentMinutesWithin(incident, from, to);
    if (minutes <= 0) continue;
    incidentMinutes += minutes;
    addDowntime(incident.services, minutes, 'incidentMinutes');
  }

  const finished = input.rollouts.filter((r) => r.terminal && within(r.finishedAt, from, to));
  const running = input.rollouts.filter((r) => !r.terminal && r.startedAt !== null && r.startedAt < to).length;
  const planned = finished.filter((r) => r.plannedEnd !== null);
  const onTime = planned.filter(
    (r) => r.state === 'completed' && !r.backedOut && (r.finishedAt as string) <= (r.plannedEnd as string),
  ).length;

  const incidentChanges = new Set(input.incidents.flatMap((i) => (i.changeId === null ? [] : [i.changeId])));
  const implemented = input.changes.filter((c) => within(c.completedAt, from, to));
  const failedChanges = implemented.filter(
    (c) => (c.reviewOutcome !== null && FAILED_OUTCOMES.has(c.reviewOutcome)) || incidentChanges.has(c.id),
  ).length;
  const raised = input.changes.filter((c) => within(c.submittedAt ?? c.createdAt, from, to));

  const deployed = input.releases.filter((r) => within(r.productionAt, from, to));
  const byType: Record<string, number> = {};
  const byElement: Record<string, number> = {};
  for (const r of deployed) {
    byType[r.type] = (byType[r.type] ?? 0) + 1;
    byElement[r.element] = (byElement[r.element] ?? 0) + 1;
  }
  const leadHours = deployed.map((r) => (Date.parse(r.productionAt as string) - Date.parse(r.createdAt)) / 3_600_000);
  const leadMedian = median(leadHours);
  const leadMean = mean(leadHours);

  return {
    from,
    to,
    downtime: {
      totalMinutes: round(rolloutMinutes + incidentMinutes),
      rolloutMinutes: round(rolloutMinutes),
      incidentMinutes: round(incidentMinutes),
      byService: [...byService.entries()]
        .map(([name, m]) => ({
          service: name,
          minutes: round(m.rolloutMinutes + m.incidentMinutes),
          rolloutMinutes: round(m.rolloutMinutes),
          incidentMinutes: round(m.incidentMinutes),
        }))
        .sort((a, b) => b.minutes - a.minutes || a.service.localeCompare(b.service)),
    },
    rolloutsOnTime: { ...ratio(onTime, planned.length), running, unplanned: finished.length - planned.length },
    backoutRate: ratio(finished.filter((r) => r.backedOut).length, finished.length),
    changeSuccessRate: {
      ...ratio(implemented.length - failedChanges, implemented.length),
      failed: failedChanges,
      unreviewed: implemented.filter((c) => c.reviewOutcome === null).length,
    },
    emergencyChangeRatio: ratio(raised.filter((c) => c.type === 'emergency').length, raised.length),
    unauthorizedCis: input.compliance?.unauthorized ?? null,
    unlicensedCis: input.compliance?.unlicensed ?? null,
    releases: { total: deployed.length, byType, byElement },
    leadTimeHours: {
      count: leadHours.length,
      median: leadMedian === null ? null : round(leadMedian),
      mean: leadMean === null ? null : round(leadMean),
    },
  };
}

export interface KpiReport {
  filter: { element: string | null; service: string | null };
  bucket: KpiBucket;
  summary: KpiFigures;
  trend: KpiFigures[];
}

/** The figures for the whole period plus one set per bucket (the trend). */
export function kpiReport(
  input: KpiInput,
  period: { from: string; to: string; bucket?: KpiBucket | undefined },
  filter: KpiFilter = {},
): KpiReport {
  const scoped = filterKpiInput(input, filter);
  const bucket = period.bucket ?? autoBucket(period.from, period.to);
  return {
    filter: { element: filter.element ?? null, service: filter.service ?? null },
    bucket,
    summary: computeKpis(scoped, period.from, period.to, filter.service),
    trend: bucketsOf(period.from, period.to, bucket).map((b) => computeKpis(scoped, b.from, b.to, filter.service)),
  };
}

/** One CSV row per trend bucket and one for the whole period, figures as columns. */
export function kpiCsv(report: KpiReport): string {
  const header = [
    'from',
    'to',
    'downtime_minutes',
    'rollout_downtime_minutes',
    'incident_downtime_minutes',
    'rollouts_on_time',
    'rollouts_finished_planned',
    'rollouts_on_time_ratio',
    'backouts',
    'rollouts_finished',
    'backout_rate',
    'changes_successful',
    'changes_implemented',
    'change_success_rate',
    'emergency_changes',
    'changes_raised',
    'emergency_change_ratio',
    'releases_deployed',
    'lead_time_median_hours',
    'unauthorized_cis',
    'unlicensed_cis',
  ];
  const cell = (v: number | string | null) => (v === null ? '' : String(v));
  const row = (f: KpiFigures) =>
    [
      f.from,
      f.to,
      f.downtime.totalMinutes,
      f.downtime.rolloutMinutes,
      f.downtime.incidentMinutes,
      f.rolloutsOnTime.numerator,
      f.rolloutsOnTime.denominator,
      f.rolloutsOnTime.value,
      f.backoutRate.numerator,
      f.backoutRate.denominator,
      f.backoutRate.value,
      f.changeSuccessRate.numerator,
      f.changeSuccessRate.denominator,
      f.changeSuccessRate.value,
      f.emergencyChangeRatio.numerator,
      f.emergencyChangeRatio.denominator,
      f.emergencyChangeRatio.value,
      f.releases.total,
      f.leadTimeHours.median,
      f.unauthorizedCis,
      f.unlicensedCis,
    ]
      .map(cell)
      .join(',');
  return `${[header.join(','), ...report.trend.map(row), row(report.summary)].join('\r\n')}\r\n`;
}
