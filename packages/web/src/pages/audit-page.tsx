import { type FormEvent, Fragment, useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { AuditEntry, AuditVerification, User } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

const PAGE_SIZE = 25;

/** Values the platform records today; the suggestion lists also learn every value seen on screen. */
const KNOWN_OBJECT_TYPES = ['user', 'token'];
const KNOWN_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'token.create',
  'token.revoke',
  'user.create',
  'user.password_set',
  'user.update',
];

interface AuditFilterValues {
  objectType: string;
  action: string;
  actorId: string;
}

function filtersFrom(params: URLSearchParams): AuditFilterValues {
  return {
    objectType: params.get('objectType') ?? '',
    action: params.get('action') ?? '',
    actorId: params.get('actorId') ?? '',
  };
}

export function AuditPage() {
  useDocumentTitle('Audit trail');
  const { api } = useSession();
  // Filters live in the URL so a filtered view can be bookmarked or sent to a colleague.
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const { objectType, action, actorId } = filters;
  const pages = useCursorPages();
  const { cursor, reset } = pages;
  const load = useCallback(
    (signal: AbortSignal) =>
      api.audit.list(
        {
          limit: PAGE_SIZE,
          cursor,
          objectType: objectType || undefined,
          action: action || undefined,
          actorId: actorId ? Number(actorId) : undefined,
        },
        signal,
      ),
    [api, cursor, objectType, action, actorId],
  );
  const { data, error, loading, reload } = useLoad(load);
  const [seen, setSeen] = useState<{ objectTypes: Set<string>; actions: Set<string> }>(() => ({
    objectTypes: new Set(KNOWN_OBJECT_TYPES),
    actions: new Set(KNOWN_ACTIONS),
  }));

  useEffect(() => {
    if (!data) return;
    setSeen((previous) => {
      const objectTypes = new Set(previous.objectTypes);
      const actions = new Set(previous.actions);
      for (const entry of data.items) {
        objectTypes.add(entry.objectType);
        actions.add(entry.action);
      }
      return objectTypes.size === previous.objectTypes.size && actions.size === previous.actions.size
        ? previous
        : { objectTypes, actions };
    });
  }, [data]);

  function applyFilters(next: AuditFilterValues) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(next)) if (value.trim()) search.set(key, value.trim());
    setParams(search);
    reset();
  }

  return (
    <section className="page" aria-labelledby="audit-title">
      <div className="page-head">
        <h1 id="audit-title">Audit trail</h1>
      </div>
      <p className="muted">
        Every write in Slipway, newest first: who did what to which object, with the values before and after. Entries
        are hash-chained and signed checkpoints are kept outside the database, so any change to the history shows.
      </p>
      <VerifyChain />
      <AuditFilters
        key={params.toString()}
        initial={filters}
        objectTypes={[...seen.objectTypes].sort()}
        actions={[...seen.actions].sort()}
        onApply={applyFilters}
      />
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading} className="audit-table">
          <caption className="visually-hidden">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Object</th>
              <th scope="col">Request</th>
              <th scope="col">
                <span className="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  No entries match these filters.
                </td>
              </tr>
            )}
            {data?.items.map((entry) => (
              <AuditRow key={entry.seq} entry={entry} />
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="Audit pages" />
    </section>
  );
}

function AuditFilters({
  initial,
  objectTypes,
  actions,
  onApply,
}: {
  initial: AuditFilterValues;
  objectTypes: string[];
  actions: string[];
  onApply: (filters: AuditFilterValues) => void;
}) {
  const { api, can } = useSession();
  const [draft, setDraft] = useState(initial);
  const canListUsers = can('users.read');
  const loadUsers = useCallback(
    async (signal: AbortSignal): Promise<User[]> =>
      canListUsers ? (await api.users.list({ limit: 1000 }, signal)).items : [],
    [api, canListUsers],
  );
  const users = useLoad(loadUsers);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onApply(draft);
  }

  return (
    <form className="filters" onSubmit={submit} aria-label="Filter audit entries">
      <div className="field">
        <label htmlFor="audit-object-type">Object type</label>
        <input
          id="audit-object-type"
          list="audit-object-types"
          maxLength={100}
          value={draft.objectType}
          onChange={(event) => setDraft({ ...draft, objectType: event.target.value })}
        />
        <datalist id="audit-object-types">
          {objectTypes.map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
      </div>
      <div className="field">
        <label htmlFor="audit-action">Action</label>
        <input
          id="audit-action"
          list="audit-actions"
          maxLength={100}
          value={draft.action}
          onChange={(event) => setDraft({ ...draft, action: event.target.value })}
        />
        <datalist id="audit-actions">
          {actions.map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
      </div>
      <div className="field">
        <label htmlFor="audit-actor">Actor</label>
        {canListUsers ? (
          <select
            id="audit-actor"
            value={draft.actorId}
            onChange={(event) => setDraft({ ...draft, actorId: event.target.value })}
          >
            <option value="">anyone</option>
            {users.data?.map((user) => (
              <option key={user.id} value={String(user.id)}>
                {user.username}
              </option>
            ))}
          </select>
        ) : (
          <input
            id="audit-actor"
            type="number"
            min={1}
            placeholder="user id"
            value={draft.actorId}
            onChange={(event) => setDraft({ ...draft, actorId: event.target.value })}
          />
        )}
      </div>
      <button type="submit" className="button-secondary">
        Filter
      </button>
      <button
        type="button"
        className="button-link"
        onClick={() => {
          const empty = { objectType: '', action: '', actorId: '' };
          setDraft(empty);
          onApply(empty);
        }}
      >
        Clear filters
      </button>
    </form>
  );
}

function json(value: unknown): string {
  return value === null || value === undefined ? '—' : JSON.stringify(value, null, 2);
}

function AuditRow({ entry }: { entry: AuditEntry }) {
  const [open, setOpen] = useState(false);
  const detailsId = `audit-entry-${entry.seq}`;
  return (
    <Fragment>
      <tr>
        <td className="numeric">{entry.seq}</td>
        <td>
          <DateTime value={entry.at} seconds />
        </td>
        <td>{entry.actor.name}</td>
        <td>
          <code>{entry.action}</code>
        </td>
        <td>
          {entry.objectType}
          {entry.objectId !== null && <span className="muted"> #{entry.objectId}</span>}
        </td>
        <td>
          {entry.requestId ? (
            <code className="truncate" title={entry.requestId}>
              {entry.requestId}
            </code>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td className="row-actions">
          <button
            type="button"
            className="button-secondary"
            aria-expanded={open}
            aria-controls={detailsId}
            aria-label={`${open ? 'Hide' : 'Show'} changes of entry ${entry.seq}`}
            onClick={() => setOpen(!open)}
          >
            {open ? 'Hide' : 'Changes'}
          </button>
        </td>
      </tr>
      {open && (
        <tr className="expanded" id={detailsId}>
          <td colSpan={7}>
            <div className="diff">
              <div>
                <h3>Before</h3>
                <pre>{json(entry.before)}</pre>
              </div>
              <div>
                <h3>After</h3>
                <pre>{json(entry.after)}</pre>
              </div>
            </div>
            <p className="muted small">
              Entry hash <code>{entry.hash}</code>
            </p>
          </td>
        </tr>
      )}
    </Fragment>
  );
}

function VerifyChain() {
  const { api } = useSession();
  const [result, setResult] = useState<AuditVerification | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function verify() {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api.audit.verify());
    } catch (failure) {
      setResult(null);
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card verify" aria-labelledby="verify-title">
      <div className="verify-head">
        <h2 id="verify-title">Chain integrity</h2>
        <button type="button" onClick={verify} disabled={busy}>
          {busy ? 'Verifying…' : 'Verify chain'}
        </button>
      </div>
      <div aria-live="polite">
        <ErrorNotice error={error} />
        {result?.ok && (
          <p className="notice notice-ok" data-testid="verify-result">
            <strong>OK</strong> — the chain of {result.entries} entries is intact (head #{result.headSeq});{' '}
            {result.checkpoints.verified} of {result.checkpoints.total} signed checkpoints verified in{' '}
            {result.durationMs} ms.
          </p>
        )}
        {result && !result.ok && (
          <div className="notice notice-error" data-testid="verify-result">
            <p>
              <strong>Tampering detected</strong>
              {result.firstBad && (
                <>
                  {' '}
                  — first bad entry {result.firstBad.seq === null ? '(none)' : `#${result.firstBad.seq}`}:{' '}
                  {result.firstBad.message} <span className="error-code">({result.firstBad.reason})</span>
                </>
              )}
            </p>
            {result.problems.length > 1 && (
              <ul>
                {result.problems.map((problem) => (
                  <li key={`${problem.seq}-${problem.reason}`}>
                    {problem.seq === null ? '' : `#${problem.seq}: `}
                    {problem.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {!result && !error && <p className="muted">Recomputes every hash and checks the signed checkpoints.</p>}
      </div>
    </section>
  );
}
