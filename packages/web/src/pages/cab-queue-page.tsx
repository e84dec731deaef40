import { useCallback } from 'react';
import { Link } from 'react-router';
import type { AgendaItem } from '../api/types.js';
import { ChangeStateBadge, ChangeTypeBadge, changePath, RiskBadge } from '../changes/change-badges.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

const GROUPS: { reason: AgendaItem['reason']; title: string; empty: string }[] = [
  { reason: 'approve', title: 'Waiting for my approval', empty: 'No change waits for your decision.' },
  { reason: 'assess', title: 'To assess', empty: 'Nothing to assess.' },
  { reason: 'schedule', title: 'Approved, to schedule', empty: 'Nothing to schedule.' },
  { reason: 'implement', title: 'To implement', empty: 'Nothing to implement.' },
  { reason: 'review', title: 'Reviews due', empty: 'No review due.' },
  { reason: 'close', title: 'To close', empty: 'Nothing to close.' },
];

/** The CAB agenda: what waits for me and my role, grouped by what I have to do. */
export function CabQueuePage() {
  useDocumentTitle('CAB queue');
  const { api } = useSession();
  const load = useCallback((signal: AbortSignal) => api.changes.agenda(signal), [api]);
  const { data, error, reload } = useLoad(load);
  const items = data?.items ?? [];
  return (
    <section className="page" aria-labelledby="cab-title">
      <div className="page-head">
        <h1 id="cab-title">CAB queue</h1>
        <button type="button" className="button-secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      <ErrorNotice error={error} onRetry={reload} />
      {!data && !error && <p aria-live="polite">Loading the agenda…</p>}
      <div className="agenda-groups">
        {data &&
          GROUPS.filter(
            (group) => group.reason === 'approve' || items.some((item) => item.reason === group.reason),
          ).map((group) => (
            <AgendaGroup
              key={group.reason}
              title={group.title}
              empty={group.empty}
              reason={group.reason}
              items={items.filter((item) => item.reason === group.reason)}
            />
          ))}
      </div>
    </section>
  );
}

export function AgendaGroup({
  title,
  empty,
  reason,
  items,
}: {
  title: string;
  empty: string;
  reason: string;
  items: AgendaItem[];
}) {
  const headingId = `agenda-${reason}`;
  return (
    <section className="card" aria-labelledby={headingId} data-testid={headingId}>
      <h2 id={headingId}>
        {title} <span className="muted">({items.length})</span>
      </h2>
      {items.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Type</th>
                <th scope="col">State</th>
                <th scope="col">Risk</th>
                <th scope="col">Starts</th>
                <th scope="col">Requester</th>
              </tr>
            </thead>
            <tbody>
              {items.map(({ change, task }) => (
                <tr key={change.id}>
                  <th scope="row">
                    <Link to={changePath(change.id)}>
                      #{change.id} {change.title}
                    </Link>
                    <div className="small muted">{task}</div>
                  </th>
                  <td>
                    <ChangeTypeBadge type={change.type} />
                  </td>
                  <td>
                    <ChangeStateBadge state={change.state} />
                  </td>
                  <td>
                    <RiskBadge risk={change.risk} />
                  </td>
                  <td className="nowrap">
                    <DateTime value={change.plannedStart} empty="not planned" />
                  </td>
                  <td>{change.requester.username}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
