import { useCallback, useMemo } from 'react';
import { Link } from 'react-router';
import { ErrorNotice } from '../components/error-notice.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';
import { DASHBOARD_KPIS, KpiCards } from './kpi-cards.js';
import { lastDays } from './period.js';
import './metrics.css';

/** The key KPIs of the last 90 days on the dashboard, for users who may read metrics. */
export function DashboardKpis() {
  const { api } = useSession();
  const period = useMemo(() => lastDays(90), []);
  const load = useCallback((signal: AbortSignal) => api.metrics.kpis(period, signal), [api, period]);
  const kpis = useLoad(load);
  return (
    <section aria-labelledby="dashboard-kpis-title" data-testid="dashboard-kpis">
      <h2 id="dashboard-kpis-title">
        How release management is doing <span className="small muted">(last 90 days)</span>
      </h2>
      <ErrorNotice error={kpis.error} onRetry={kpis.reload} />
      {kpis.data ? (
        <KpiCards report={kpis.data} only={DASHBOARD_KPIS} />
      ) : (
        !kpis.error && <p aria-live="polite">Loading…</p>
      )}
      <p className="small">
        <Link to="/metrics">All KPIs and the DORA keys</Link>
      </p>
    </section>
  );
}
