import { useCallback } from 'react';
import type { CiHistoryEntry } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';
import { displayValue, fieldLabel } from './ci-format.js';

const PAGE_SIZE = 20;

/** Who changed what on a CI, when, under which change or release, and from what to what; newest first. */
export function CiHistory({ ciId }: { ciId: number }) {
  const { api } = useSession();
  const pages = useCursorPages();
  const { cursor } = pages;
  const load = useCallback(
    (signal: AbortSignal) => api.cmdb.cis.history(ciId, { limit: PAGE_SIZE, cursor }, signal),
    [api, ciId, cursor],
  );
  const { data, error, loading, reload } = useLoad(load);
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading} className="history-table">
          <caption className="visually-hidden">Changes to this CI, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Under</th>
              <th scope="col">What</th>
              <th scope="col">Changes</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  No history.
                </td>
              </tr>
            )}
            {data?.items.map((entry) => (
              <HistoryRow key={entry.id} entry={entry} />
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="History pages" />
    </section>
  );
}

function HistoryRow({ entry }: { entry: CiHistoryEntry }) {
  const changes = Object.entries(entry.changes);
  return (
    <tr>
      <td>
        <DateTime value={entry.at} seconds />
      </td>
      <td>{entry.actor.name}</td>
      <td>{entry.context ? <code>{entry.context}</code> : <span className="muted">—</span>}</td>
      <td>{entry.action}</td>
      <td>
        {changes.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          <ul className="plain change-list">
            {changes.map(([field, change]) => (
              <li key={field}>
                <span className="change-field">{fieldLabel(field)}</span>{' '}
                {entry.action !== 'create' && (
                  <>
                    <del>{displayValue(change.from)}</del> →{' '}
                  </>
                )}
                <ins>{displayValue(change.to)}</ins>
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
