import { type ReactNode, useCallback, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { DiffAgainst, DiffSection } from '../api/slipway-api.js';
import type { BaselineDiff, CiChange, CiSnapshot, DiffSectionPage, RelationshipSnapshot } from '../api/types.js';
import { CiStatusBadge } from '../cmdb/ci-badges.js';
import { classLabel, displayValue, fieldLabel } from '../cmdb/ci-format.js';
import { CiLink } from '../cmdb/ci-link.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';
import { scopeText } from './baselines-page.js';

/** Items listed per section at first and per "Show more". */
const SECTION_PAGE = 50;

type SectionItem = DiffSectionPage['items'][number];

interface SectionState {
  count: number;
  items: SectionItem[];
  next: string | null;
}

function againstFrom(value: string | null): DiffAgainst {
  if (value && /^[1-9]\d{0,9}$/.test(value)) return Number(value);
  return 'live';
}

/** The diff route of one baseline (IdRoute has checked the id): a fresh page per comparison. */
export function BaselineDiffPageRoute({ baselineId }: { baselineId: number }) {
  const [params] = useSearchParams();
  const against = againstFrom(params.get('against'));
  return <BaselineDiffPage key={`${baselineId}-${against}`} baselineId={baselineId} against={against} />;
}

/** What changed between a baseline and the live CMDB (or another baseline): five sections, each counted in full and paged. */
function BaselineDiffPage({ baselineId, against }: { baselineId: number; against: DiffAgainst }) {
  const { api } = useSession();
  const loadBaseline = useCallback(
    (signal: AbortSignal) => api.cmdb.baselines.get(baselineId, signal),
    [api, baselineId],
  );
  const baseline = useLoad(loadBaseline);
  const loadDiff = useCallback(
    (signal: AbortSignal) => api.cmdb.baselines.diff(baselineId, against, SECTION_PAGE, signal),
    [api, baselineId, against],
  );
  const diff = useLoad(loadDiff);
  const name = baseline.data?.name ?? `#${baselineId}`;
  const againstName = against === 'live' ? 'the live CMDB' : `baseline ${diff.data?.against.name ?? `#${against}`}`;
  useDocumentTitle(`Diff of ${name}`);

  return (
    <section className="page" aria-labelledby="diff-title">
      <p>
        <Link to="/cmdb/baselines">← Baselines</Link>
      </p>
      <h1 id="diff-title">
        {name} <span className="muted">compared with</span> {againstName}
      </h1>
      <ErrorNotice error={baseline.error} onRetry={baseline.reload} />
      {baseline.data && (
        <p className="muted">
          Taken <DateTime value={baseline.data.createdAt} /> by {baseline.data.createdBy}: {scopeText(baseline.data)},{' '}
          {baseline.data.ciCount} CIs and {baseline.data.relationshipCount} relationships.
          {against === 'live' &&
            baseline.data.scope &&
            ' The live side is the same scope as the CMDB stands now, so CIs that joined it show as added.'}
        </p>
      )}
      <ErrorNotice error={diff.error} onRetry={diff.reload} />
      {diff.loading && !diff.data && <p className="muted">Comparing…</p>}
      {diff.data && <DiffSections diff={diff.data} baselineId={baselineId} against={against} />}
    </section>
  );
}

function DiffSections({ diff, baselineId, against }: { diff: BaselineDiff; baselineId: number; against: DiffAgainst }) {
  const sections: { key: DiffSection; title: string; initial: SectionState }[] = [
    { key: 'cis-changed', title: 'CIs changed', initial: diff.cis.changed },
    { key: 'cis-added', title: 'CIs added', initial: diff.cis.added },
    { key: 'cis-removed', title: 'CIs removed', initial: diff.cis.removed },
    { key: 'relationships-added', title: 'Relationships added', initial: diff.relationships.added },
    { key: 'relationships-removed', title: 'Relationships removed', initial: diff.relationships.removed },
  ];
  const total = sections.reduce((sum, section) => sum + section.initial.count, 0);
  return (
    <>
      <nav aria-label="Diff sections" className="diff-summary">
        <ul>
          {sections.map((section) => (
            <li key={section.key}>
              <a href={`#${section.key}`}>
                <strong data-testid={`count-${section.key}`}>{section.initial.count}</strong>{' '}
                {section.title.toLowerCase()}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {total === 0 && <p className="notice notice-ok">No differences.</p>}
      {sections.map((section) => (
        <DiffSectionView
          key={section.key}
          baselineId={baselineId}
          against={against}
          section={section.key}
          title={section.title}
          initial={section.initial}
        />
      ))}
    </>
  );
}

function DiffSectionView({
  baselineId,
  against,
  section,
  title,
  initial,
}: {
  baselineId: number;
  against: DiffAgainst;
  section: DiffSection;
  title: string;
  initial: SectionState;
}) {
  const { api } = useSession();
  const [state, setState] = useState<SectionState>(initial);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function more() {
    if (!state.next) return;
    setBusy(true);
    setError(undefined);
    try {
      const page = await api.cmdb.baselines.diffSection(baselineId, section, against, {
        cursor: state.next,
        limit: SECTION_PAGE,
      });
      setState((current) => ({ ...current, items: [...current.items, ...page.items], next: page.next }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  if (state.count === 0) return null;
  return (
    <section className="card diff-section" id={section} aria-labelledby={`${section}-title`} data-testid={section}>
      <h2 id={`${section}-title`}>
        {title} <span className="count">{state.count}</span>
      </h2>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{title}</caption>
          {sectionTable(section, state.items)}
        </table>
      </div>
      <ErrorNotice error={error} />
      <div className="pager">
        <span className="muted">
          {state.items.length} of {state.count} shown
        </span>
        {state.next && (
          <button type="button" className="button-secondary" onClick={more} disabled={busy}>
            {busy ? 'Loading…' : `Show ${Math.min(SECTION_PAGE, state.count - state.items.length)} more`}
          </button>
        )}
      </div>
    </section>
  );
}

function isChange(item: SectionItem): item is CiChange {
  return 'changes' in item;
}

function isRelationship(item: SectionItem): item is RelationshipSnapshot {
  return 'sourceId' in item;
}

function sectionTable(section: DiffSection, items: SectionItem[]): ReactNode {
  if (section === 'cis-changed') {
    return (
      <>
        <thead>
          <tr>
            <th scope="col">CI</th>
            <th scope="col">Versions</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {items.filter(isChange).map((item) => (
            <tr key={item.id}>
              <th scope="row">
                <CiLink ci={item} />
              </th>
              <td className="numeric">
                {item.fromVersion} → {item.toVersion}
              </td>
              <td>
                <ul className="plain change-list">
                  {Object.entries(item.changes).map(([field, change]) => (
                    <li key={field}>
                      <span className="change-field">{fieldLabel(field)}</span> <del>{displayValue(change.from)}</del> →{' '}
                      <ins>{displayValue(change.to)}</ins>
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </>
    );
  }
  if (section === 'relationships-added' || section === 'relationships-removed') {
    return (
      <>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Type</th>
            <th scope="col">Target</th>
          </tr>
        </thead>
        <tbody>
          {items.filter(isRelationship).map((item) => (
            <tr key={`${item.sourceId}-${item.type}-${item.targetId}`}>
              <td>
                <CiLink ci={item.source} />
              </td>
              <td>
                <code>{item.type}</code>
              </td>
              <td>
                <CiLink ci={item.target} />
              </td>
            </tr>
          ))}
        </tbody>
      </>
    );
  }
  return (
    <>
      <thead>
        <tr>
          <th scope="col">CI</th>
          <th scope="col">Class</th>
          <th scope="col">Status</th>
          <th scope="col">Owner</th>
          <th scope="col">Version</th>
        </tr>
      </thead>
      <tbody>
        {items
          .filter((item): item is CiSnapshot => !isChange(item) && !isRelationship(item))
          .map((item) => (
            <tr key={item.id}>
              <th scope="row">
                <CiLink ci={item} showClass={false} />
              </th>
              <td>{classLabel(item.class)}</td>
              <td>
                <CiStatusBadge status={item.status} />
              </td>
              <td>{item.owner ?? <span className="muted">none</span>}</td>
              <td className="numeric">{item.version}</td>
            </tr>
          ))}
      </tbody>
    </>
  );
}
