import { Link } from 'react-router';
import type { Coexistence, ReleaseImpact } from '../api/types.js';
import { ciPath, pluralClassLabel } from '../cmdb/ci-format.js';

/** Peaceful coexistence: every clash of the release's artifacts with what is installed on its targets. */
export function CoexistenceView({ report }: { report: Coexistence }) {
  const clashes = [...report.releaseClashes, ...report.targets.flatMap((target) => target.clashes)];
  return (
    <div data-testid="coexistence">
      <p>
        {report.ok ? (
          <span className="status status-on">no clash</span>
        ) : (
          <span className="status status-off">{report.summary.clashes} clash(es)</span>
        )}{' '}
        {report.summary.targets} target(s) checked{report.environment ? ` in ${report.environment}` : ''}:{' '}
        {report.summary.clean} clean, {report.summary.clashing} clashing.
      </p>
      {report.concurrentReleases.length > 0 && (
        <p className="small">
          Other releases on the same targets:{' '}
          {report.concurrentReleases.map((other) => `${other.unit} ${other.version} (${other.state})`).join(', ')}
        </p>
      )}
      {clashes.length > 0 && (
        <ul className="violation-list">
          {clashes.slice(0, 20).map((clash, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: clashes carry no id; the list is a report.
            <li key={index}>
              <code>{clash.rule}</code>: {clash.message}
              {clash.ci && (
                <>
                  {' '}
                  (<Link to={ciPath(clash.ci.id)}>{clash.ci.name}</Link>)
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {report.truncated && <p className="muted small">Only the first targets were checked.</p>}
    </div>
  );
}

/** The release's blast radius: what its targets reach downstream, by class, and the services touched. */
export function ImpactView({ impact }: { impact: ReleaseImpact }) {
  return (
    <div data-testid="release-impact">
      <p>
        {impact.roots.count} target CI(s) reach <strong>{impact.count}</strong> CI(s) downstream and{' '}
        <strong>{impact.servicesTotal}</strong> service(s).
      </p>
      {impact.summary.length > 0 && (
        <p className="small">
          {impact.summary.map((entry) => `${entry.count} ${pluralClassLabel(entry.class, entry.count)}`).join(', ')}
        </p>
      )}
      {impact.services.length > 0 && (
        <p className="small">
          Services:{' '}
          {impact.services.map((service, index) => (
            <span key={service.id}>
              {index > 0 && ', '}
              <Link to={ciPath(service.id)}>{service.name}</Link>
              {service.criticality && ` (${service.criticality})`}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
