import { useCallback, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { KpiCards, percent } from '../metrics/kpi-cards.js';
import type { DoraBand, DoraReport } from '../metrics/metrics-types.js';
import { lastDays, PERIOD_DAYS, type PeriodDays } from '../metrics/period.js';
import { useSession } from '../session/session-context.js';
import '../metrics/metrics.css';

function Band({ band }: { band: DoraBand | null }) {
  return <span className={`band band-${band ?? 'none'}`}>{band ?? 'no band'}</span>;
}

function hours(value: number | null): string {
  return value === null ? 'no data' : `${value.toFixed(1)} h`;
}

function DoraKeys({ dora }: { dora: DoraReport }) {
  const rows = [
    {
      key: 'Deployment frequency',
      value: `${dora.deploymentFrequency.perWeek.toFixed(2)} a week`,
      basis: `${dora.deployments} deployments in ${Math.round(dora.deploymentFrequency.days)} days`,
      band: dora.deploymentFrequency.band,
    },
    {
      key: 'Lead time for changes',
      value: hours(dora.leadTimeForChanges.medianHours),
      basis: `median of ${dora.leadTimeForChanges.count} deployments`,
      band: dora.leadTimeForChanges.band,
    },
    {
      key: 'Change failure rate',
      value: percent(dora.changeFailureRate.value),
      basis: `${dora.changeFailureRate.numerator} of ${dora.changeFailureRate.denominator} deployments caused an incident; ${dora.changeFailureRate.unattributedIncidents} incidents without a recorded cause not counted`,
      band: dora.changeFailureRate.band,
    },
    {
      key: 'Time to restore',
      value: hours(dora.timeToRestore.medianHours),
      basis: `median of ${dora.timeToRestore.restored} restored; ${dora.timeToRestore.unresolved} unresolved`,
      band: dora.timeToRestore.band,
    },
  ];
  return (
    <div className="table-wrap">
      <table data-testid="dora-table">
        <caption className="visually-hidden">DORA four keys</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
            <th scope="col">Band</th>
            <th scope="col">Computed from</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.key}</th>
              <td>{row.value}</td>
              <td>
                <Band band={row.band} />
              </td>
              <td className="small muted">{row.basis}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The KPIs with their trend and the DORA four keys for a period, each with what it was computed from. */
export function MetricsPage() {
  useDocumentTitle('Metrics');
  const { api, can } = useSession();
  const [days, setDays] = useState<PeriodDays>(90);
  const period = useMemo(() => lastDays(days), [days]);
  const loadKpis = useCallback((signal: AbortSignal) => api.metrics.kpis(period, signal), [api, period]);
  const kpis = useLoad(loadKpis);
  const loadDora = useCallback((signal: AbortSignal) => api.metrics.dora(period, signal), [api, period]);
  const dora = useLoad(loadDora);

  return (
    <section className="page" aria-labelledby="metrics-title">
      <div className="page-head">
        <h1 id="metrics-title">Metrics</h1>
        <div className="head-links">
          {can('incidents.read') && <Link to="/incidents">Incidents</Link>}
          <Link to="/maturity">Maturity assessment</Link>
        </div>
      </div>
      <div className="period-picker">
        <label htmlFor="metrics-period">Period</label>
        <select
          id="metrics-period"
          value={days}
          onChange={(event) => setDays(Number(event.target.value) as PeriodDays)}
        >
          {PERIOD_DAYS.map((option) => (
            <option key={option} value={option}>
              Last {option} days
            </option>
          ))}
        </select>
        <a href={api.metrics.kpiCsvUrl(period)} download="slipway-kpis.csv">
          Download KPIs as CSV
        </a>
      </div>
      <h2>Key performance indicators</h2>
      <ErrorNotice error={kpis.error} onRetry={kpis.reload} />
      {kpis.data ? (
        <>
          <p className="small muted">
            Trend per {kpis.data.bucket}, {kpis.data.trend.length} periods. A ratio over nothing shows “no data”.
          </p>
          <KpiCards report={kpis.data} />
          {kpis.data.summary.downtime.byService.length > 0 && (
            <details>
              <summary>Downtime by service</summary>
              <ul>
                {kpis.data.summary.downtime.byService.map((row) => (
                  <li key={row.service}>
                    {row.service}: {Math.round(row.minutes)} min
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      ) : (
        !kpis.error && <p aria-live="polite">Loading…</p>
      )}
      <h2>DORA four keys</h2>
      <ErrorNotice error={dora.error} onRetry={dora.reload} />
      {dora.data ? <DoraKeys dora={dora.data} /> : !dora.error && <p aria-live="polite">Loading…</p>}
    </section>
  );
}
