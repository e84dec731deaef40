import { useCallback } from 'react';
import type { GraphDirection } from '../api/slipway-api.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';
import { pluralClassLabel } from './ci-format.js';

/**
 * "What breaks if this changes?" and "what does it need?" as counts by class, services first
 * (the server orders the summary so): one count-only request each, served by the impact index.
 */
export function ImpactSummary({ ciId }: { ciId: number }) {
  return (
    <section className="card impact-summary" aria-labelledby="impact-summary-title">
      <h2 id="impact-summary-title">Impact and dependencies</h2>
      <WalkSummary ciId={ciId} direction="impact" />
      <WalkSummary ciId={ciId} direction="dependencies" />
    </section>
  );
}

function WalkSummary({ ciId, direction }: { ciId: number; direction: GraphDirection }) {
  const { api } = useSession();
  const load = useCallback(
    (signal: AbortSignal) => api.cmdb.cis.graph(ciId, direction, { limit: 0 }, signal),
    [api, ciId, direction],
  );
  const { data, error, reload } = useLoad(load);
  const title = direction === 'impact' ? 'A change to it impacts' : 'It depends on';
  return (
    <div className="walk-summary" data-testid={`${direction}-summary`}>
      <h3>
        {title}{' '}
        {data && (
          <span className="count">
            {data.count} {data.count === 1 ? 'CI' : 'CIs'}
          </span>
        )}
      </h3>
      <ErrorNotice error={error} onRetry={reload} />
      {data && data.count === 0 && <p className="muted">Nothing.</p>}
      {data && data.summary.length > 0 && (
        <ul className="summary-list">
          {data.summary.map((entry) => (
            <li key={entry.class} className={entry.class === 'service' ? 'summary-service' : undefined}>
              <strong>{entry.count}</strong> {pluralClassLabel(entry.class, entry.count)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
