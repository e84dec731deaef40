import type { GraphDirection } from '../api/slipway-api.js';
import type { GraphAnswer } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import type { LoadState } from '../hooks/use-load.js';
import { pluralClassLabel } from './ci-format.js';

/** The two count-only walks of a CI (impact, dependencies), loaded by the CI page: its graph reuses the first. */
export type CiWalkCounts = LoadState<[GraphAnswer, GraphAnswer]>;

/**
 * "What breaks if this changes?" and "what does it need?" as counts by class, services first
 * (the server orders the summary so): one count-only request each, served by the impact index.
 */
export function ImpactSummary({ walks }: { walks: CiWalkCounts }) {
  return (
    <section className="card impact-summary" aria-labelledby="impact-summary-title">
      <h2 id="impact-summary-title">Impact and dependencies</h2>
      <ErrorNotice error={walks.error} onRetry={walks.reload} />
      <WalkSummary data={walks.data?.[0]} direction="impact" />
      <WalkSummary data={walks.data?.[1]} direction="dependencies" />
    </section>
  );
}

function WalkSummary({ data, direction }: { data: GraphAnswer | undefined; direction: GraphDirection }) {
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
