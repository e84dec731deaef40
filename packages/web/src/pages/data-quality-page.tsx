import { type FormEvent, type ReactNode, useCallback, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { QualityReport } from '../api/types.js';
import { CiStatusBadge } from '../cmdb/ci-badges.js';
import { ciPath, classLabel } from '../cmdb/ci-format.js';
import { CiLink } from '../cmdb/ci-link.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

const EXAMPLES = 20;
const DEFAULT_STALE_DAYS = 30;

type QualityCi = QualityReport['withoutOwner']['examples'][number];

function staleDaysFrom(value: string | null): number {
  const days = Number(value);
  return Number.isInteger(days) && days >= 1 && days <= 3650 ? days : DEFAULT_STALE_DAYS;
}

/** The CMDB's data-quality report: five kinds of problem, each counted in full, with example CIs to fix. */
export function DataQualityPage() {
  useDocumentTitle('CMDB data quality');
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const staleDays = staleDaysFrom(params.get('staleDays'));
  const load = useCallback(
    (signal: AbortSignal) => api.cmdb.quality({ staleDays, examples: EXAMPLES }, signal),
    [api, staleDays],
  );
  const { data, error, loading, reload } = useLoad(load);
  const [draftDays, setDraftDays] = useState(String(staleDays));

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setParams(draftDays === String(DEFAULT_STALE_DAYS) ? {} : { staleDays: draftDays });
  }

  return (
    <section className="page" aria-labelledby="quality-title" aria-busy={loading}>
      <div className="page-head">
        <h1 id="quality-title">Data quality</h1>
        <button type="button" className="button-secondary" onClick={reload} disabled={loading}>
          Refresh
        </button>
      </div>
      <p className="muted">
        Retired CIs are not counted: retiring is the fix for most of these findings. Each category is counted over the
        whole CMDB; the first {EXAMPLES} examples are listed.
      </p>
      <form className="filters" onSubmit={apply} aria-label="Report options">
        <div className="field">
          <label htmlFor="stale-days">“Not seen” after (days)</label>
          <input
            id="stale-days"
            type="number"
            min={1}
            max={3650}
            required
            value={draftDays}
            onChange={(event) => setDraftDays(event.target.value)}
          />
        </div>
        <button type="submit" className="button-secondary">
          Apply
        </button>
      </form>
      <ErrorNotice error={error} onRetry={reload} />
      {data && <QualityReportView report={data} />}
    </section>
  );
}

function QualityReportView({ report }: { report: QualityReport }) {
  return (
    <>
      <p data-testid="quality-totals">
        {report.totals.liveCis} live CIs of {report.totals.cis}, {report.totals.relationships} relationships; report of{' '}
        <DateTime value={report.generatedAt} seconds />.
      </p>
      <nav aria-label="Findings" className="diff-summary">
        <ul>
          <Finding href="#without-owner" count={report.withoutOwner.count} label="without owner" />
          <Finding href="#orphans" count={report.orphans.count} label="orphans" />
          <Finding href="#not-seen" count={report.notSeen.count} label="not seen" />
          <Finding href="#duplicates" count={report.duplicates.count} label="groups of likely duplicates" />
          <Finding
            href="#retired-relationships"
            count={report.retiredRelationships.count}
            label="links to retired CIs"
          />
        </ul>
      </nav>
      <Category
        id="without-owner"
        title="CIs without an owner"
        count={report.withoutOwner.count}
        explanation="Nobody is accountable for these; set an owner so changes to them reach someone."
      >
        <CiExamples cis={report.withoutOwner.examples} />
      </Category>
      <Category
        id="orphans"
        title="Orphans"
        count={report.orphans.count}
        explanation={`Related to nothing at all, so no impact analysis can see them. Reference data (${report.orphans.ignoredClasses.map(classLabel).join(', ') || 'none'}) is not counted.`}
      >
        <CiExamples cis={report.orphans.examples} />
      </Category>
      <Category
        id="not-seen"
        title="Not seen by their import source"
        count={report.notSeen.count}
        explanation={`The feed that reported these has not reported them for ${report.notSeen.staleDays} days (since ${new Date(report.notSeen.cutoff).toLocaleDateString()}): retire them if they are gone.`}
      >
        <CiExamples cis={report.notSeen.examples} showSeen />
      </Category>
      <Category
        id="duplicates"
        title="Likely duplicates"
        count={report.duplicates.count}
        explanation={`${report.duplicates.cis} CIs of one class whose names differ only in case and punctuation.`}
      >
        {report.duplicates.examples.length > 0 && (
          <ul className="plain duplicate-groups">
            {report.duplicates.examples.map((group) => (
              <li key={`${group.class}/${group.normalizedName}`} className="duplicate-group">
                <span className="muted small">{classLabel(group.class)}</span>{' '}
                {group.cis.map((ci, index) => (
                  <span key={ci.id}>
                    {index > 0 && ' · '}
                    <Link to={ciPath(ci.id)}>{ci.name}</Link>
                  </span>
                ))}
              </li>
            ))}
          </ul>
        )}
      </Category>
      <Category
        id="retired-relationships"
        title="Relationships to retired CIs"
        count={report.retiredRelationships.count}
        explanation="Something live probably still relies on what was retired: fix the relationship or the retirement."
      >
        {report.retiredRelationships.examples.length > 0 && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Relationships to or from a retired CI</caption>
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Type</th>
                  <th scope="col">Target</th>
                </tr>
              </thead>
              <tbody>
                {report.retiredRelationships.examples.map((relationship) => (
                  <tr key={relationship.id}>
                    <td>
                      <CiLink ci={relationship.source} /> <CiStatusBadge status={relationship.source.status} />
                    </td>
                    <td>
                      <code>{relationship.type}</code>
                    </td>
                    <td>
                      <CiLink ci={relationship.target} /> <CiStatusBadge status={relationship.target.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Category>
    </>
  );
}

function Finding({ href, count, label }: { href: string; count: number; label: string }) {
  return (
    <li className={count > 0 ? 'finding-bad' : 'finding-ok'}>
      <a href={href}>
        <strong>{count}</strong> {label}
      </a>
    </li>
  );
}

function Category({
  id,
  title,
  count,
  explanation,
  children,
}: {
  id: string;
  title: string;
  count: number;
  explanation: string;
  children: ReactNode;
}) {
  return (
    <section className="card quality-category" id={id} aria-labelledby={`${id}-title`} data-testid={`quality-${id}`}>
      <h2 id={`${id}-title`}>
        {title} <span className={count > 0 ? 'count count-bad' : 'count'}>{count}</span>
      </h2>
      <p className="muted">{explanation}</p>
      {count === 0 ? <p className="notice notice-ok">None found.</p> : children}
    </section>
  );
}

function CiExamples({ cis, showSeen = false }: { cis: QualityCi[]; showSeen?: boolean }) {
  if (cis.length === 0) return null;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Example CIs</caption>
        <thead>
          <tr>
            <th scope="col">CI</th>
            <th scope="col">Class</th>
            <th scope="col">Status</th>
            <th scope="col">Owner</th>
            <th scope="col">Source</th>
            {showSeen && <th scope="col">Last seen</th>}
          </tr>
        </thead>
        <tbody>
          {cis.map((ci) => (
            <tr key={ci.id}>
              <th scope="row">
                <Link to={ciPath(ci.id)}>{ci.name}</Link>
              </th>
              <td>{classLabel(ci.class)}</td>
              <td>
                <CiStatusBadge status={ci.status} />
              </td>
              <td>{ci.owner ?? <span className="muted">none</span>}</td>
              <td>{ci.source ?? <span className="muted">manual</span>}</td>
              {showSeen && (
                <td>
                  <DateTime value={ci.lastSeenAt} empty="never" />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
