import { CI_STATUSES, type CiStatus, CRITICALITIES, type Criticality } from '@slipway/model';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { Ci, CiClass } from '../api/types.js';
import { CiStatusBadge, CriticalityBadge } from '../cmdb/ci-badges.js';
import { ciPath, classLabel } from '../cmdb/ci-format.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

const PAGE_SIZE = 50;
/** The environments of the design's default order; the list also learns every value seen on screen. */
const KNOWN_ENVIRONMENTS = ['production', 'staging', 'test', 'development'];

interface CiFilterValues {
  q: string;
  class: string;
  environment: string;
  status: string;
  owner: string;
  criticality: string;
}

const FILTER_KEYS: (keyof CiFilterValues)[] = ['q', 'class', 'environment', 'status', 'owner', 'criticality'];

function filtersFrom(params: URLSearchParams): CiFilterValues {
  return {
    q: params.get('q') ?? '',
    class: params.get('class') ?? '',
    environment: params.get('environment') ?? '',
    status: params.get('status') ?? '',
    owner: params.get('owner') ?? '',
    criticality: params.get('criticality') ?? '',
  };
}

/** Search and filter configuration items; the filters live in the URL so a search can be bookmarked or shared. */
export function CiSearchPage() {
  useDocumentTitle('Configuration items');
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const { q, environment, status, owner, criticality } = filters;
  const ciClass = filters.class;
  const pages = useCursorPages();
  const { cursor, reset } = pages;
  const paramsKey = params.toString();

  // A new search (also by Back/Forward) starts at its first page: a cursor belongs to one query.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the query string changes.
  useEffect(() => reset(), [paramsKey, reset]);

  const load = useCallback(
    (signal: AbortSignal) =>
      api.cmdb.cis.list(
        {
          limit: PAGE_SIZE,
          cursor,
          q,
          class: ciClass,
          environment,
          status: status as CiStatus | '',
          owner,
          criticality: criticality as Criticality | '',
        },
        signal,
      ),
    [api, cursor, q, ciClass, environment, status, owner, criticality],
  );
  const { data, error, loading, reload } = useLoad(load);
  const loadClasses = useCallback((signal: AbortSignal) => api.cmdb.classes(signal), [api]);
  const classes = useLoad(loadClasses);
  const [seenOwners, setSeenOwners] = useState<ReadonlySet<string>>(() => new Set());
  const [seenEnvironments, setSeenEnvironments] = useState<ReadonlySet<string>>(() => new Set(KNOWN_ENVIRONMENTS));

  useEffect(() => {
    if (!data) return;
    setSeenOwners((previous) =>
      learn(
        previous,
        data.items.map((ci) => ci.owner),
      ),
    );
    setSeenEnvironments((previous) =>
      learn(
        previous,
        data.items.map((ci) => ci.environment),
      ),
    );
  }, [data]);

  function apply(next: CiFilterValues) {
    const search = new URLSearchParams();
    for (const key of FILTER_KEYS) if (next[key].trim()) search.set(key, next[key].trim());
    setParams(search);
  }

  const active = FILTER_KEYS.some((key) => filters[key] !== '');
  const first = (pages.page - 1) * PAGE_SIZE + 1;
  return (
    <section className="page" aria-labelledby="cis-title">
      <div className="page-head">
        <h1 id="cis-title">Configuration items</h1>
      </div>
      <CiFilters
        key={paramsKey}
        initial={filters}
        classes={classes.data?.items ?? []}
        owners={[...seenOwners].sort()}
        environments={[...seenEnvironments].sort()}
        onApply={apply}
      />
      <ErrorNotice error={classes.error} />
      <ErrorNotice error={error} onRetry={reload} />
      <p className="muted" aria-live="polite" data-testid="ci-result-count">
        {data &&
          (data.items.length === 0
            ? active
              ? 'No CI matches these filters.'
              : 'The CMDB is empty.'
            : `CIs ${first}–${first + data.items.length - 1}${data.next ? ', more on the next page' : ''}.`)}
      </p>
      <div className="table-wrap">
        <table aria-busy={loading} className="ci-table">
          <caption className="visually-hidden">Configuration items</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Class</th>
              <th scope="col">Status</th>
              <th scope="col">Environment</th>
              <th scope="col">Owner</th>
              <th scope="col">Criticality</th>
              <th scope="col" className="narrow-hidden">
                Updated
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  Nothing to show.
                </td>
              </tr>
            )}
            {data?.items.map((ci) => (
              <CiRow key={ci.id} ci={ci} />
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="CI pages" />
    </section>
  );
}

function learn(previous: ReadonlySet<string>, values: (string | null)[]): ReadonlySet<string> {
  const fresh = values.filter((value): value is string => value !== null && !previous.has(value));
  return fresh.length === 0 ? previous : new Set([...previous, ...fresh]);
}

function CiRow({ ci }: { ci: Ci }) {
  return (
    <tr>
      <th scope="row">
        <Link to={ciPath(ci.id)}>{ci.name}</Link>
      </th>
      <td>{classLabel(ci.class)}</td>
      <td>
        <CiStatusBadge status={ci.status} />
      </td>
      <td>{ci.environment ?? <span className="muted">—</span>}</td>
      <td>{ci.owner ?? <span className="muted">none</span>}</td>
      <td>
        <CriticalityBadge criticality={ci.criticality} />
      </td>
      <td className="narrow-hidden">
        <DateTime value={ci.updatedAt} />
      </td>
    </tr>
  );
}

function CiFilters({
  initial,
  classes,
  owners,
  environments,
  onApply,
}: {
  initial: CiFilterValues;
  classes: CiClass[];
  owners: string[];
  environments: string[];
  onApply: (filters: CiFilterValues) => void;
}) {
  const [draft, setDraft] = useState(initial);
  const set = (key: keyof CiFilterValues) => (value: string) => setDraft((current) => ({ ...current, [key]: value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onApply(draft);
  }

  return (
    <form className="filters" onSubmit={submit} aria-label="Search configuration items">
      <div className="field">
        <label htmlFor="ci-q">Name contains</label>
        <input
          id="ci-q"
          type="search"
          maxLength={255}
          value={draft.q}
          onChange={(event) => set('q')(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="ci-class">Class</label>
        <select id="ci-class" value={draft.class} onChange={(event) => set('class')(event.target.value)}>
          <option value="">any class</option>
          {classes.map((item) => (
            <option key={item.name} value={item.name}>
              {item.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="ci-environment">Environment</label>
        <input
          id="ci-environment"
          list="ci-environments"
          maxLength={32}
          size={12}
          value={draft.environment}
          onChange={(event) => set('environment')(event.target.value)}
        />
        <datalist id="ci-environments">
          {environments.map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
      </div>
      <div className="field">
        <label htmlFor="ci-status">Status</label>
        <select id="ci-status" value={draft.status} onChange={(event) => set('status')(event.target.value)}>
          <option value="">any status</option>
          {CI_STATUSES.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="ci-owner">Owner</label>
        <input
          id="ci-owner"
          list="ci-owners"
          maxLength={200}
          size={14}
          aria-describedby="ci-owner-help"
          value={draft.owner}
          onChange={(event) => set('owner')(event.target.value)}
        />
        <datalist id="ci-owners">
          {owners.map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
        <span id="ci-owner-help" className="visually-hidden">
          The exact owner, e.g. team-platform
        </span>
      </div>
      <div className="field">
        <label htmlFor="ci-criticality">Criticality</label>
        <select
          id="ci-criticality"
          value={draft.criticality}
          onChange={(event) => set('criticality')(event.target.value)}
        >
          <option value="">any</option>
          {CRITICALITIES.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Search</button>
      <button
        type="button"
        className="button-link"
        onClick={() => {
          const empty = { q: '', class: '', environment: '', status: '', owner: '', criticality: '' };
          setDraft(empty);
          onApply(empty);
        }}
      >
        Clear
      </button>
    </form>
  );
}
