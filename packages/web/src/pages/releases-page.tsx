import type { ReleaseState } from '@slipway/model';
import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import type { Release } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { NewReleaseForm } from '../releases/new-release-form.js';
import { ReleaseStateBadge, releaseName, releasePath } from '../releases/release-badges.js';
import { useSession } from '../session/session-context.js';
import '../releases/releases.css';

/** The board's columns: the lifecycle in five phases, each holding the states that belong to it. */
const COLUMNS: { title: string; states: ReleaseState[] }[] = [
  { title: 'Plan and build', states: ['draft', 'planned', 'built'] },
  { title: 'Test', states: ['in_test', 'accepted'] },
  { title: 'Authorised', states: ['approved', 'scheduled'] },
  { title: 'Rolling out', states: ['rolling_out', 'deployed', 'backing_out', 'backed_out'] },
  { title: 'Review', states: ['reviewed', 'closed', 'cancelled'] },
];
const OPEN_STATES = COLUMNS.flatMap((column) => column.states).filter(
  (state) => state !== 'closed' && state !== 'cancelled',
);
/** Enough for a board; older closed releases are in the list of closed ones. */
const BOARD_LIMIT = 200;

/** Every release by where it is in its lifecycle. */
export function ReleasesPage() {
  useDocumentTitle('Releases');
  const { api, can } = useSession();
  const [showFinished, setShowFinished] = useState(false);
  const [creating, setCreating] = useState(false);
  const load = useCallback(
    (signal: AbortSignal) =>
      api.releases.list({ states: showFinished ? undefined : OPEN_STATES, limit: BOARD_LIMIT }, signal),
    [api, showFinished],
  );
  const { data, error, loading, reload } = useLoad(load);
  const releases = data?.items ?? [];
  return (
    <section className="page" aria-labelledby="releases-title">
      <div className="page-head">
        <h1 id="releases-title">Releases</h1>
        {can('releases.write') && !creating && (
          <button type="button" onClick={() => setCreating(true)}>
            New release
          </button>
        )}
      </div>
      {creating && <NewReleaseForm onCancel={() => setCreating(false)} />}
      <div className="checkbox-row">
        <input
          id="show-finished"
          type="checkbox"
          checked={showFinished}
          onChange={(event) => setShowFinished(event.target.checked)}
        />
        <label htmlFor="show-finished">Show closed and cancelled releases</label>
      </div>
      <ErrorNotice error={error} onRetry={reload} />
      {data?.next && <p className="muted small">Showing the first {BOARD_LIMIT} releases.</p>}
      <div className="board" aria-busy={loading}>
        {COLUMNS.map((column) => {
          const cards = releases.filter((release) => column.states.includes(release.state));
          const id = `column-${column.states[0]}`;
          return (
            <section key={column.title} className="board-column" aria-labelledby={id} data-testid={id}>
              <h2 id={id}>
                {column.title} <span className="muted">({cards.length})</span>
              </h2>
              <ul className="board-cards">
                {cards.map((release) => (
                  <ReleaseCard key={release.id} release={release} />
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </section>
  );
}

function ReleaseCard({ release }: { release: Release }) {
  return (
    <li className="board-card">
      <Link to={releasePath(release.id)}>{releaseName(release)}</Link>
      <p>{release.title}</p>
      <p>
        <ReleaseStateBadge state={release.state} /> {release.type} · {release.element.replaceAll('_', ' ')}
      </p>
      <p>
        <DateTime value={release.plannedStart} empty="no window yet" />
      </p>
      {(release.state === 'accepted' || release.state === 'in_test') && (
        <p>
          {release.approval.approvals.length} of {release.approval.required} approvals
        </p>
      )}
    </li>
  );
}
