import { ROLLOUT_STATES } from '@slipway/model';
import { useCallback, useEffect } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { rolloutLabel } from '../rollouts/rollout-badges.js';
import { RolloutTable } from '../rollouts/rollout-table.js';
import { useSession } from '../session/session-context.js';
import '../rollouts/rollouts.css';

/** Every rollout, newest first, filtered by state (kept in the URL). */
export function RolloutsPage() {
  useDocumentTitle('Rollouts');
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const pages = useCursorPages();
  const { reset } = pages;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new state filter starts again at page one.
  useEffect(() => reset(), [state, reset]);
  const load = useCallback(
    (signal: AbortSignal) => api.rollouts.list({ state, cursor: pages.cursor, limit: 50 }, signal),
    [api, state, pages.cursor],
  );
  const list = useLoad(load);
  return (
    <section className="page" aria-labelledby="rollouts-page-title">
      <div className="page-head">
        <h1 id="rollouts-page-title">Rollouts</h1>
      </div>
      <div className="inline-fields">
        <div className="field">
          <label htmlFor="rollouts-state">State</label>
          <select
            id="rollouts-state"
            value={state}
            onChange={(event) => setParams(event.target.value ? { state: event.target.value } : {})}
          >
            <option value="">any</option>
            {ROLLOUT_STATES.map((value) => (
              <option key={value} value={value}>
                {rolloutLabel(value)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNotice error={list.error} onRetry={list.reload} />
      {list.data &&
        (list.data.items.length === 0 ? (
          <p className="muted">No rollout{state && ` in state ${rolloutLabel(state)}`}.</p>
        ) : (
          <RolloutTable rollouts={list.data.items} label="Rollouts" />
        ))}
      <Pager pages={pages} next={list.data?.next} label="Rollout pages" />
    </section>
  );
}
