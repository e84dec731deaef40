import { COMPLIANCE_FINDING_KINDS, type ComplianceFindingKind } from '@slipway/model';
import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { ciPath } from '../cmdb/ci-format.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

const PAGE_SIZE = 25;
const KIND_LABELS: Record<ComplianceFindingKind, string> = {
  unauthorized: 'Unauthorized',
  unlicensed: 'Unlicensed',
  needs_review: 'Licence needs review',
  tampered: 'Tampered',
};

/** Installed software (from the CMDB) against the library and the licence policy. */
export function CompliancePage() {
  useDocumentTitle('Compliance');
  const { api } = useSession();
  const [kind, setKind] = useState<ComplianceFindingKind | ''>('');
  const pages = useCursorPages();
  const { cursor } = pages;
  const load = useCallback(
    (signal: AbortSignal) => api.library.compliance({ limit: PAGE_SIZE, cursor, kind }, signal),
    [api, cursor, kind],
  );
  const { data, error, loading, reload } = useLoad(load);
  const counts = data?.counts;
  return (
    <section className="page" aria-labelledby="compliance-title">
      <div className="page-head">
        <h1 id="compliance-title">Software compliance</h1>
      </div>
      <ErrorNotice error={error} onRetry={reload} />
      {counts && (
        <>
          <p className="muted">
            {counts.software} installed software versions checked against policy version {data.policyVersion}:{' '}
            {counts.compliant} compliant, {counts.findings} with findings.
          </p>
          <ul className="count-cards plain" aria-label="Findings by kind">
            {COMPLIANCE_FINDING_KINDS.map((k) => (
              <li key={k} className={`count-card${counts[k] > 0 ? ' count-card-bad' : ''}`}>
                <strong>{counts[k]}</strong>
                {KIND_LABELS[k]}
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="filters">
        <div className="field">
          <label htmlFor="compliance-kind">Show</label>
          <select
            id="compliance-kind"
            value={kind}
            onChange={(event) => {
              setKind(event.target.value as ComplianceFindingKind | '');
              pages.reset();
            }}
          >
            <option value="">every finding</option>
            {COMPLIANCE_FINDING_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="table-wrap">
        <table aria-busy={loading} className="compliance-table">
          <caption className="visually-hidden">Compliance findings</caption>
          <thead>
            <tr>
              <th scope="col">Software</th>
              <th scope="col">Licence</th>
              <th scope="col">Findings</th>
              <th scope="col">Installed on</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={4} className="empty">
                  No finding.
                </td>
              </tr>
            )}
            {data?.items.map((finding) => (
              <tr key={finding.ci.id}>
                <th scope="row">
                  <Link to={ciPath(finding.ci.id)}>{finding.ci.name}</Link>
                  {finding.artifactId && (
                    <div className="small">
                      <Link to={`/library/artifacts/${finding.artifactId}`}>library artifact</Link>
                    </div>
                  )}
                </th>
                <td>
                  <code className="small">{finding.license ?? 'not stated'}</code>
                </td>
                <td>
                  <ul className="reason-list">
                    {finding.reasons.map((reason) => (
                      <li key={`${reason.kind}-${reason.rule}`}>
                        <strong>{KIND_LABELS[reason.kind]}</strong>: {reason.message}{' '}
                        <span className="muted">({reason.rule})</span>
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  {finding.hosts} host{finding.hosts === 1 ? '' : 's'}
                  {finding.exampleHosts.length > 0 && (
                    <div className="small">
                      {finding.exampleHosts.map((host, index) => (
                        <span key={host.id}>
                          {index > 0 && ', '}
                          <Link to={ciPath(host.id)}>{host.name}</Link>
                        </span>
                      ))}
                      {finding.hosts > finding.exampleHosts.length && ' …'}
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="Finding pages" />
    </section>
  );
}
