import { Link } from 'react-router';
import type { ReleaseContents, ReleaseTargets } from '../api/types.js';
import { ciPath, displayValue } from '../cmdb/ci-format.js';
import { ShortDigest } from '../library/verdict-badge.js';

/** What the release brings: library artifacts (with any reason they may not be released), hardware, CI changes. */
export function ContentsView({ contents, targets }: { contents: ReleaseContents; targets: ReleaseTargets }) {
  const withTargets = targets.environments.filter((environment) => environment.count > 0);
  return (
    <div data-testid="contents">
      <h3>Targets</h3>
      {withTargets.length === 0 ? (
        <p className="muted">No target CI yet.</p>
      ) : (
        <ul className="plain" aria-label="Targets by environment">
          {withTargets.map((environment) => (
            <li key={environment.environment}>
              <strong>{environment.environment}</strong>: {environment.count} CI{environment.count === 1 ? '' : 's'} (
              {environment.explicit} named
              {environment.queries.length > 0 &&
                `, ${environment.queries.map((query) => `${query.name}: ${query.count}`).join(', ')}`}
              )
            </li>
          ))}
        </ul>
      )}
      <h3>Artifacts ({contents.artifacts.length})</h3>
      {contents.artifacts.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="plain">
          {contents.artifacts.map((artifact) => (
            <li key={artifact.id}>
              <Link to={`/library/artifacts/${artifact.id}`}>
                {artifact.name} {artifact.artifactVersion}
              </Link>{' '}
              <span className="small muted">
                {artifact.state}, {artifact.license}
              </span>{' '}
              <ShortDigest sha256={artifact.sha256} />
              {artifact.problems.length > 0 && (
                <ul className="violation-list">
                  {artifact.problems.map((problem) => (
                    <li key={problem.rule}>
                      <code>{problem.rule}</code>: {problem.message}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
      <h3>Hardware reservations ({contents.reservations.length})</h3>
      {contents.reservations.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="plain">
          {contents.reservations.map((reservation) => (
            <li key={reservation.id}>
              #{reservation.id} ({reservation.state}):{' '}
              {reservation.lines
                .map((line) => `${line.quantity} × model ${line.modelId} at site ${line.siteId}`)
                .join('; ')}
            </li>
          ))}
        </ul>
      )}
      <h3>Planned CI changes ({contents.ciChanges.length})</h3>
      {contents.ciChanges.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="plain">
          {contents.ciChanges.map((change) => (
            <li key={change.id}>
              <Link to={ciPath(change.ci.id)}>{change.ci.name}</Link> {change.attribute}: {displayValue(change.current)}{' '}
              → <strong>{displayValue(change.value)}</strong>
              {change.note && <span className="muted"> — {change.note}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
