import { CHANGE_STATES, CHANGE_TYPES, type ChangeState, type ChangeType } from '@slipway/model';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { Change } from '../api/types.js';
import { ChangeStateBadge, ChangeTypeBadge, changePath, RiskBadge, words } from '../changes/change-badges.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession, useSignedIn } from '../session/session-context.js';

const PAGE_SIZE = 25;
/** The states a change can still move from: the default view of people at work. */
const OPEN_STATES: ChangeState[] = ['new', 'assess', 'authorize', 'scheduled', 'implement', 'review'];

interface ChangeFilterValues {
  state: string;
  type: string;
  mine: string;
  from: string;
  to: string;
}

function filtersFrom(params: URLSearchParams): ChangeFilterValues {
  return {
    state: params.get('state') ?? 'open',
    type: params.get('type') ?? '',
    mine: params.get('mine') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
}

/** A date input's day as the start (or the end) of that day in the reader's zone, ISO. */
function dayBoundary(day: string, end: boolean): string | undefined {
  if (!day) return undefined;
  const date = new Date(`${day}T00:00:00`);
  if (end) date.setDate(date.getDate() + 1);
  return date.toISOString();
}

/** Every change, filtered by state, type, window and "raised by me"; filters live in the URL. */
export function ChangesPage() {
  useDocumentTitle('Changes');
  const { api, can } = useSession();
  const { user } = useSignedIn();
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const pages = useCursorPages();
  const { cursor, reset } = pages;
  const paramsKey = params.toString();

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new query starts at its first page.
  useEffect(() => reset(), [paramsKey, reset]);

  const { state, type, mine, from, to } = filters;
  const load = useCallback(
    (signal: AbortSignal) =>
      api.changes.list(
        {
          limit: PAGE_SIZE,
          cursor,
          states: state === 'open' ? OPEN_STATES : state === '' ? undefined : [state as ChangeState],
          type: type as ChangeType | '',
          requesterId: mine === '1' ? user.id : undefined,
          from: dayBoundary(from, false),
          to: dayBoundary(to, true),
        },
        signal,
      ),
    [api, cursor, state, type, mine, from, to, user.id],
  );
  const { data, error, loading, reload } = useLoad(load);

  function apply(next: ChangeFilterValues) {
    const search = new URLSearchParams();
    if (next.state !== 'open') search.set('state', next.state);
    for (const key of ['type', 'mine', 'from', 'to'] as const) if (next[key]) search.set(key, next[key]);
    setParams(search);
  }

  return (
    <section className="page" aria-labelledby="changes-title">
      <div className="page-head">
        <h1 id="changes-title">Changes</h1>
        {can('changes.write') && (
          <Link className="button" to="/changes/new">
            Raise a change
          </Link>
        )}
      </div>
      <ChangeFilters key={paramsKey} initial={filters} onApply={apply} />
      <ErrorNotice error={error} onRetry={reload} />
      <p className="muted" aria-live="polite" data-testid="change-result-count">
        {data &&
          (data.items.length === 0 ? 'No change matches these filters.' : `${data.items.length} changes on this page.`)}
      </p>
      <div className="table-wrap">
        <table aria-busy={loading} className="change-table">
          <caption className="visually-hidden">Changes</caption>
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">Type</th>
              <th scope="col">State</th>
              <th scope="col">Risk</th>
              <th scope="col">Planned window</th>
              <th scope="col">Requester</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  Nothing to show.
                </td>
              </tr>
            )}
            {data?.items.map((change) => (
              <ChangeRow key={change.id} change={change} />
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="Change pages" />
    </section>
  );
}

function ChangeRow({ change }: { change: Change }) {
  return (
    <tr>
      <th scope="row">
        <Link to={changePath(change.id)}>
          #{change.id} {change.title}
        </Link>
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
        {change.plannedEnd && (
          <>
            {' – '}
            <DateTime value={change.plannedEnd} />
          </>
        )}
      </td>
      <td>{change.requester.username}</td>
    </tr>
  );
}

function ChangeFilters({
  initial,
  onApply,
}: {
  initial: ChangeFilterValues;
  onApply: (filters: ChangeFilterValues) => void;
}) {
  const [draft, setDraft] = useState(initial);
  const set = (key: keyof ChangeFilterValues) => (value: string) =>
    setDraft((current) => ({ ...current, [key]: value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onApply(draft);
  }

  return (
    <form className="filters" onSubmit={submit} aria-label="Filter changes">
      <div className="field">
        <label htmlFor="change-state">State</label>
        <select id="change-state" value={draft.state} onChange={(event) => set('state')(event.target.value)}>
          <option value="open">open (not closed, rejected or cancelled)</option>
          <option value="">any state</option>
          {CHANGE_STATES.map((value) => (
            <option key={value} value={value}>
              {words(value)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="change-type">Type</label>
        <select id="change-type" value={draft.type} onChange={(event) => set('type')(event.target.value)}>
          <option value="">any type</option>
          {CHANGE_TYPES.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="change-from">Window from</label>
        <input id="change-from" type="date" value={draft.from} onChange={(event) => set('from')(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="change-to">Window to</label>
        <input id="change-to" type="date" value={draft.to} onChange={(event) => set('to')(event.target.value)} />
      </div>
      <div className="checkbox-row">
        <input
          id="change-mine"
          type="checkbox"
          checked={draft.mine === '1'}
          onChange={(event) => set('mine')(event.target.checked ? '1' : '')}
        />
        <label htmlFor="change-mine">Raised by me</label>
      </div>
      <button type="submit">Filter</button>
      <button
        type="button"
        className="button-link"
        onClick={() => {
          const empty = { state: 'open', type: '', mine: '', from: '', to: '' };
          setDraft(empty);
          onApply(empty);
        }}
      >
        Clear
      </button>
    </form>
  );
}
