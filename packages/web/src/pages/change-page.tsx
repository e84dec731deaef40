import { EDITABLE_CHANGE_STATES } from '@slipway/model';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { Change } from '../api/types.js';
import { ApprovalSummary } from '../changes/approval-summary.js';
import { ChangeActions } from '../changes/change-actions.js';
import { ChangeStateBadge, ChangeTypeBadge, RiskBadge, words } from '../changes/change-badges.js';
import { ConflictList } from '../changes/conflict-list.js';
import { DecisionForm } from '../changes/decision-form.js';
import { ReviewForm } from '../changes/review-form.js';
import { RiskPanel } from '../changes/risk-panel.js';
import { ciPath } from '../cmdb/ci-format.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { LoadFailure } from '../components/load-failure.js';
import { useShowAll } from '../components/show-all.js';
import { TeamName } from '../components/team-name.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession, useSignedIn } from '../session/session-context.js';

/** One change: facts, risk, conflicts, approvals with comments, next steps and history. */
export function ChangePage({ id }: { id: number }) {
  const { api } = useSession();
  const loadChange = useCallback((signal: AbortSignal) => api.changes.get(id, signal), [api, id]);
  const loaded = useLoad(loadChange);
  const [change, setChange] = useState<Change | undefined>(undefined);
  useEffect(() => setChange(loaded.data), [loaded.data]);
  const version = change?.version;
  // Conflicts, decisions and history follow every write to the change (its version).
  const loadDetails = useCallback(
    (signal: AbortSignal) =>
      version === undefined
        ? Promise.resolve(undefined)
        : Promise.all([
            api.changes.conflicts(id, signal),
            api.changes.approvals(id, signal),
            api.changes.history(id, { limit: 50 }, signal),
          ]),
    [api, id, version],
  );
  const details = useLoad(loadDetails);
  useDocumentTitle(change ? `#${change.id} ${change.title}` : 'Change');
  const { can } = useSession();
  const { user } = useSignedIn();
  const cis = useShowAll(change?.cis ?? []);

  if (loaded.error && !change) return <LoadFailure error={loaded.error} onRetry={loaded.reload} />;
  if (!change) return <p aria-live="polite">Loading the change…</p>;
  const [conflicts, decisions, history] = details.data ?? [];
  return (
    <section className="page" aria-labelledby="change-title">
      <div className="page-head">
        <h1 id="change-title">
          #{change.id} {change.title}
        </h1>
        {EDITABLE_CHANGE_STATES.includes(change.state) &&
          can('changes.write') &&
          (change.requester.id === user.id || can('changes.manage')) && (
            <Link className="button-secondary button-like" to={`/changes/${change.id}/edit`}>
              Edit
            </Link>
          )}
      </div>
      <p className="badges" data-testid="change-badges">
        <ChangeTypeBadge type={change.type} /> <ChangeStateBadge state={change.state} />{' '}
        <RiskBadge risk={change.risk} />
      </p>
      <ChangeActions change={change} onChanged={setChange} />
      <ErrorNotice error={details.error} onRetry={details.reload} />
      <div className="change-layout">
        <div className="change-main">
          <div className="card">
            <dl className="facts-grid">
              <dt>Planned window</dt>
              <dd>
                <DateTime value={change.plannedStart} empty="not planned" />
                {change.plannedEnd && (
                  <>
                    {' – '}
                    <DateTime value={change.plannedEnd} />
                  </>
                )}
              </dd>
              <dt>Team</dt>
              <dd>
                <TeamName teamId={change.teamId} />
              </dd>
              <dt>Requester</dt>
              <dd>{change.requester.username}</dd>
              <dt>Implementer</dt>
              <dd>{change.implementer?.username ?? <span className="muted">nobody yet</span>}</dd>
              <dt>CIs{change.cis.length > 0 && ` (${change.cis.length.toLocaleString('en-GB')})`}</dt>
              <dd data-testid="change-cis">
                {change.cis.length === 0 && <span className="muted">none</span>}
                {cis.shown.map((ci, index) => (
                  <span key={ci.id}>
                    {index > 0 && ', '}
                    <Link to={ciPath(ci.id)}>{ci.name}</Link>
                  </span>
                ))}
                {cis.hidden > 0 && ` and ${cis.hidden.toLocaleString('en-GB')} more `}
                {cis.toggle && <> {cis.toggle}</>}
              </dd>
              <dt>What</dt>
              <dd className="prewrap">{change.description || <span className="muted">—</span>}</dd>
              <dt>Why</dt>
              <dd className="prewrap">{change.justification || <span className="muted">—</span>}</dd>
              <dt>Back-out plan</dt>
              <dd className="prewrap">{change.backoutPlan ?? <span className="muted">none</span>}</dd>
              {change.freezeOverride && (
                <>
                  <dt>Freeze override</dt>
                  <dd>
                    {change.freezeOverride.reason} ({change.freezeOverride.by})
                  </dd>
                </>
              )}
              {change.review && (
                <>
                  <dt>Review</dt>
                  <dd>
                    {words(change.review.outcome)} by {change.review.reviewedBy.username}
                    {change.review.lessons && <p className="prewrap">{change.review.lessons}</p>}
                  </dd>
                </>
              )}
            </dl>
          </div>
          <section className="card" aria-labelledby="approvals-title">
            <h2 id="approvals-title">Approvals</h2>
            <ApprovalSummary change={change} decisions={decisions?.items ?? []} />
            <DecisionForm change={change} onDecided={setChange} />
          </section>
          <ReviewForm change={change} onReviewed={setChange} />
          <section className="card" aria-labelledby="history-title">
            <h2 id="history-title">History</h2>
            <ol className="plain small">
              {history?.items.map((item) => (
                <li key={item.id}>
                  <DateTime value={item.at} /> {item.actor.name}: {item.from ? `${words(item.from)} → ` : ''}
                  {words(item.to)}
                  {item.comment && <span className="muted"> — {item.comment}</span>}
                </li>
              ))}
            </ol>
          </section>
        </div>
        <div className="change-side">
          <section className="card" aria-labelledby="risk-title">
            <h2 id="risk-title">Risk and impact</h2>
            {change.risk ? (
              <RiskPanel risk={change.risk} impact={change.impact} />
            ) : (
              <p className="muted">Computed when the change is submitted.</p>
            )}
          </section>
          <section className="card" aria-labelledby="conflicts-title" data-testid="change-conflicts">
            <h2 id="conflicts-title">Conflicts</h2>
            {conflicts && <ConflictList conflicts={conflicts.conflicts} truncated={conflicts.truncated} />}
          </section>
        </div>
      </div>
    </section>
  );
}
