import { ROLLOUT_STATES } from '@slipway/model';
import { useCallback, useEffect } from 'react';
import { Link, useSearchParams } from 'react-router';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { rolloutLabel, rolloutPath } from '../rollouts/rollout-badges.js';
import { RolloutTable } from '../rollouts/rollout-table.js';
import { useSession } from '../session/session-context.js';
import '../rollouts/rollouts.css';

/**
 * Dormant rollouts whose activation waits: for a decision (pending) or for its time (scheduled).
 * Approvers find their queue here; the rollout page holds the buttons.
 */
function PendingActivations() {
  const { api, can } = useSession();
  const load = useCallback((signal: AbortSignal) => api.rollouts.list({ state: 'dormant', limit: 100 }, signal), [api]);
  const { data } = useLoad(load);
  const open = (data?.items ?? []).filter(
    (r) => r.activationRequest?.state === 'pending' || r.activationRequest?.state === 'scheduled',
  );
  if (open.length === 0) return null;
  return (
    <section className="card" aria-labelledby="pending-activations-title">
      <h2 id="pending-activations-title">Activations waiting</h2>
      <ul className="plain" data-testid="pending-activations">
        {open.map((r) => {
          const request = r.activationRequest as NonNullable<typeof r.activationRequest>;
          return (
            <li key={r.id}>
              <Link to={rolloutPath(r.id)}>Rollout #{r.id}</Link> (release #{r.releaseId}, {r.environment}):{' '}
              {request.state === 'pending' ? (
                <>
                  asked by {request.requestedBy}
                  {request.activateAt ? (
                    <>
                      {' '}
                      for <DateTime value={request.activateAt} />
                    </>
                  ) : null}
                  , waiting for {can('rollouts.approve') ? 'your' : 'an'} approval
                </>
              ) : (
                <>
                  approved by {request.decidedBy}, activates <DateTime value={request.activateAt} />
                </>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

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
      <PendingActivations />
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
