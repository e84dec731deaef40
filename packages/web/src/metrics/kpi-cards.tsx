import type { KpiFigures, KpiReport } from './metrics-types.js';
import { Sparkline } from './sparkline.js';

/** One KPI as a card reads it: the headline, what it was computed from, and its trend. */
export interface KpiDefinition {
  id: string;
  label: string;
  /** The headline figure, "no data" when the ratio is over nothing. */
  value(figures: KpiFigures): string;
  /** Numerator and denominator (or what the figure is made of). */
  basis(figures: KpiFigures): string;
  /** The number plotted per trend bucket; null breaks the line. */
  trend(figures: KpiFigures): number | null;
  /** Whether the trend values are ratios (read out as percentages). */
  ratio?: boolean;
}

interface Ratio {
  numerator: number;
  denominator: number;
  value: number | null;
}

export function percent(value: number | null): string {
  return value === null ? 'no data' : `${(value * 100).toFixed(1)} %`;
}

function ratioBasis(ratio: Ratio, of: string): string {
  return `${ratio.numerator} of ${ratio.denominator} ${of}`;
}

function hours(value: number | null): string {
  if (value === null) return 'no data';
  return value >= 48 ? `${(value / 24).toFixed(1)} days` : `${value.toFixed(1)} h`;
}

export const KPI_DEFINITIONS: readonly KpiDefinition[] = [
  {
    id: 'downtime',
    label: 'Downtime caused by releases',
    value: (f) => `${Math.round(f.downtime.totalMinutes)} min`,
    basis: (f) =>
      `${Math.round(f.downtime.rolloutMinutes)} target-minutes in rollouts (each target's downtime, added up) + ${Math.round(f.downtime.incidentMinutes)} min of incidents`,
    trend: (f) => f.downtime.totalMinutes,
  },
  {
    id: 'on-time',
    label: 'Rollouts on time',
    value: (f) => percent(f.rolloutsOnTime.value),
    basis: (f) =>
      `${ratioBasis(f.rolloutsOnTime, 'planned production rollouts')}; ${f.rolloutsOnTime.running} running, ${f.rolloutsOnTime.unplanned} unplanned not counted`,
    trend: (f) => f.rolloutsOnTime.value,
    ratio: true,
  },
  {
    id: 'backout',
    label: 'Back-out rate',
    value: (f) => percent(f.backoutRate.value),
    basis: (f) => ratioBasis(f.backoutRate, 'finished production rollouts'),
    trend: (f) => f.backoutRate.value,
    ratio: true,
  },
  {
    id: 'change-success',
    label: 'Change success rate',
    value: (f) => percent(f.changeSuccessRate.value),
    basis: (f) =>
      `${ratioBasis(f.changeSuccessRate, 'completed changes')}; ${f.changeSuccessRate.failed} failed, ${f.changeSuccessRate.unreviewed} unreviewed`,
    trend: (f) => f.changeSuccessRate.value,
    ratio: true,
  },
  {
    id: 'emergency',
    label: 'Emergency-change ratio',
    value: (f) => percent(f.emergencyChangeRatio.value),
    basis: (f) => ratioBasis(f.emergencyChangeRatio, 'changes raised'),
    trend: (f) => f.emergencyChangeRatio.value,
    ratio: true,
  },
  {
    id: 'unauthorized',
    label: 'Unauthorized / unlicensed CIs',
    value: (f) =>
      f.unauthorizedCis === null && f.unlicensedCis === null
        ? 'no data'
        : `${f.unauthorizedCis ?? '–'} / ${f.unlicensedCis ?? '–'}`,
    basis: () => 'installed software, a snapshot of now',
    trend: () => null,
  },
  {
    id: 'lead-time',
    label: 'Lead time plan → production',
    value: (f) => hours(f.leadTimeHours.median),
    basis: (f) =>
      `median of ${f.leadTimeHours.count} release${f.leadTimeHours.count === 1 ? '' : 's'} reaching production; mean ${hours(f.leadTimeHours.mean)}`,
    trend: (f) => f.leadTimeHours.median,
  },
];

/** The KPIs the dashboard shows: the ones leadership asks about first. */
export const DASHBOARD_KPIS = ['change-success', 'on-time', 'backout', 'downtime'] as const;

interface KpiCardsProps {
  report: KpiReport;
  only?: readonly string[];
}

export function KpiCards({ report, only }: KpiCardsProps) {
  const definitions = only ? KPI_DEFINITIONS.filter((kpi) => only.includes(kpi.id)) : KPI_DEFINITIONS;
  return (
    <ul className="kpi-grid">
      {definitions.map((kpi) => (
        <li key={kpi.id} className="kpi-card" data-testid={`kpi-${kpi.id}`} aria-labelledby={`kpi-${kpi.id}-label`}>
          <h3 id={`kpi-${kpi.id}-label`} className="kpi-label">
            {kpi.label}
          </h3>
          <p className="kpi-value">{kpi.value(report.summary)}</p>
          <p className="kpi-basis small muted">{kpi.basis(report.summary)}</p>
          {kpi.id !== 'unauthorized' && (
            <Sparkline
              values={report.trend.map(kpi.trend)}
              label={`${kpi.label} per ${report.bucket}`}
              {...(kpi.ratio && { format: (value: number) => percent(value) })}
            />
          )}
        </li>
      ))}
    </ul>
  );
}
