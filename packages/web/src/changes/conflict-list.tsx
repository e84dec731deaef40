import { Link } from 'react-router';
import type { Conflict } from '../api/types.js';
import { ciPath } from '../cmdb/ci-format.js';
import { DateTime } from '../components/date-time.js';
import { changePath, words } from './change-badges.js';

/** Conflicts with their reasons: other changes, freezes, maintenance windows, the implementer. */
export function ConflictList({ conflicts, truncated = false }: { conflicts: Conflict[]; truncated?: boolean }) {
  if (conflicts.length === 0) return <p className="notice notice-ok">No conflicts in this window.</p>;
  return (
    <>
      <ul className="conflict-list" aria-label="Conflicts">
        {/* Conflicts carry no id: kind and position identify one within this answer. */}
        {conflicts
          .map((conflict, position) => ({ conflict, key: `${conflict.kind}-${position}` }))
          .map(({ conflict, key }) => (
            <li key={key} className={`conflict conflict-${conflict.severity}`} data-kind={conflict.kind}>
              <p>
                <strong>{words(conflict.kind)}</strong> <span className="small muted">({conflict.severity})</span>
              </p>
              <p>{conflict.message}</p>
              {conflict.changes.length > 0 && (
                <p className="small">
                  With{' '}
                  {conflict.changes.map((other, i) => (
                    <span key={other.id}>
                      {i > 0 && ', '}
                      <Link to={changePath(other.id)}>
                        #{other.id} {other.title}
                      </Link>
                    </span>
                  ))}
                </p>
              )}
              {conflict.cis.length > 0 && (
                <p className="small">
                  CIs:{' '}
                  {conflict.cis.slice(0, 8).map((ci, i) => (
                    <span key={ci.id}>
                      {i > 0 && ', '}
                      <Link to={ciPath(ci.id)}>{ci.name}</Link>
                    </span>
                  ))}
                  {conflict.cis.length > 8 && ` and ${conflict.cis.length - 8} more`}
                </p>
              )}
              {conflict.nextFit && (
                <p className="small">
                  Next fitting window: <DateTime value={conflict.nextFit.start} /> –{' '}
                  <DateTime value={conflict.nextFit.end} />
                </p>
              )}
            </li>
          ))}
      </ul>
      {truncated && <p className="muted small">Only the first conflicts are listed.</p>}
    </>
  );
}
