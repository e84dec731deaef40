import { type FormEvent, useCallback, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { isApiError } from '../api/errors.js';
import { fromLocalInput, toLocalInput } from '../changes/local-time.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import type { CauseChoice } from '../incidents/cause-field.js';
import { formatDuration, minutesBetween } from '../incidents/duration.js';
import { IncidentForm } from '../incidents/incident-form.js';
import type { Incident } from '../incidents/incidents-api.js';
import { useSession } from '../session/session-context.js';
import '../incidents/incidents.css';
import { useShowAll } from '../components/show-all.js';

const OPEN_PAGE = 50;
const RESOLVED_PAGE = 20;

/** `?release=12`, `?rollout=3` or `?change=5` preset the cause of a new incident. */
function causeFromQuery(params: URLSearchParams): CauseChoice {
  for (const kind of ['release', 'rollout', 'change'] as const) {
    const id = params.get(kind);
    if (id) return { kind, id };
  }
  return { kind: 'none', id: '' };
}

function Severity({ severity }: { severity: Incident['severity'] }) {
  return <span className={`badge severity-${severity}`}>{severity}</span>;
}

function Cause({ cause }: { cause: Incident['cause'] }) {
  if (!cause) return <span className="muted">not recorded</span>;
  const to = cause.kind === 'release' ? `/releases/${cause.id}` : `/changes/${cause.id}`;
  return (
    <>
      <Link to={to} className="nowrap">
        {cause.kind} #{cause.id}
      </Link>
      {cause.title && (
        <div className="small muted cause-title" title={cause.title}>
          {cause.title}
        </div>
      )}
    </>
  );
}

function AffectedCis({ cis }: { cis: Incident['cis'] }) {
  const list = useShowAll(cis);
  if (cis.length === 0) return <span className="muted">—</span>;
  return (
    <>
      {list.shown.map((ci, i) => (
        <span key={ci.id}>
          {i > 0 && ', '}
          <Link to={`/cmdb/cis/${ci.id}`}>{ci.name}</Link>
        </span>
      ))}
      {list.hidden > 0 && ` and ${list.hidden.toLocaleString('en-GB')} more `}
      {list.toggle && <> {list.toggle}</>}
    </>
  );
}

/** Resolve one open incident at a time the person gives (now by default). */
function ResolveForm({
  incident,
  onResolved,
  onCancel,
  onStale,
}: {
  incident: Incident;
  onResolved: (incident: Incident) => void;
  onCancel: () => void;
  /** Someone changed or resolved the incident meanwhile (412): the list reloads. */
  onStale: () => void;
}) {
  const { api } = useSession();
  const [restoredAt, setRestoredAt] = useState(() => toLocalInput(new Date().toISOString()));
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const at = fromLocalInput(restoredAt);
    if (!at) {
      setError(new Error('Say when service was restored (date and time).'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onResolved(await api.incidents.resolve(incident, at));
    } catch (failure) {
      setError(failure);
      setBusy(false);
      if (isApiError(failure, 'PRECONDITION_FAILED')) onStale();
    }
  }

  return (
    <form className="inline-form resolve-form" onSubmit={submit} aria-label={`Resolve incident ${incident.title}`}>
      <div className="field">
        <label htmlFor={`restored-${incident.id}`}>Restored at</label>
        <input
          id={`restored-${incident.id}`}
          type="datetime-local"
          required
          value={restoredAt}
          onChange={(event) => setRestoredAt(event.target.value)}
        />
      </div>
      <button type="submit" disabled={busy}>
        Resolve incident
      </button>
      <button type="button" className="button-secondary" onClick={onCancel}>
        Cancel
      </button>
      <div className="field-wide">
        <ErrorNotice error={error} />
      </div>
    </form>
  );
}

/** The column heads of both incident tables: `duration` names the fourth column; `actions` adds one for the buttons. */
function IncidentTableHead({ duration, actions }: { duration: string; actions: boolean }) {
  return (
    <thead>
      <tr>
        <th scope="col">Incident</th>
        <th scope="col">Severity</th>
        <th scope="col">Started</th>
        <th scope="col">{duration}</th>
        <th scope="col">Caused by</th>
        <th scope="col" className="narrow-hidden">
          Affected CIs
        </th>
        {actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

function OpenIncidents({
  reloadKey,
  canWrite,
  onResolved,
}: {
  reloadKey: number;
  canWrite: boolean;
  onResolved: (incident: Incident) => void;
}) {
  const { api } = useSession();
  const pages = useCursorPages();
  const { cursor } = pages;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey asks for a fresh list after a write.
  const load = useCallback(
    (signal: AbortSignal) => api.incidents.list({ open: true, limit: OPEN_PAGE, cursor }, signal),
    [api, cursor, reloadKey],
  );
  const { data, error, loading, reload } = useLoad(load);
  const [resolving, setResolving] = useState<number | null>(null);
  const now = new Date().toISOString();

  return (
    <section aria-labelledby="open-incidents-title">
      <h2 id="open-incidents-title">
        Open incidents {data && <span className="count count-bad">{data.items.length}</span>}
      </h2>
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading} className="incident-table" data-testid="open-incidents">
          <caption className="visually-hidden">Open incidents</caption>
          <IncidentTableHead duration="Open for" actions={canWrite} />
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={canWrite ? 7 : 6} className="empty">
                  No incident is open.
                </td>
              </tr>
            )}
            {data?.items.map((incident) => (
              <IncidentRows
                key={incident.id}
                incident={incident}
                openFor={formatDuration(minutesBetween(incident.startedAt, now))}
                canWrite={canWrite}
                resolving={resolving === incident.id}
                onResolve={() => setResolving(incident.id)}
                onCancel={() => setResolving(null)}
                onResolved={(resolved) => {
                  setResolving(null);
                  onResolved(resolved);
                }}
                onStale={reload}
              />
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="Open incident pages" />
    </section>
  );
}

function IncidentRows({
  incident,
  openFor,
  canWrite,
  resolving,
  onResolve,
  onCancel,
  onResolved,
  onStale,
}: {
  incident: Incident;
  openFor: string;
  canWrite: boolean;
  resolving: boolean;
  onResolve: () => void;
  onCancel: () => void;
  onResolved: (incident: Incident) => void;
  onStale: () => void;
}) {
  return (
    <>
      <tr>
        <th scope="row">
          {incident.title}
          {incident.description && <div className="muted small incident-description">{incident.description}</div>}
        </th>
        <td>
          <Severity severity={incident.severity} />
        </td>
        <td>
          <DateTime value={incident.startedAt} />
        </td>
        <td className="nowrap">{openFor}</td>
        <td>
          <Cause cause={incident.cause} />
        </td>
        <td className="narrow-hidden">
          <AffectedCis cis={incident.cis} />
        </td>
        {canWrite && (
          <td className="row-actions">
            {!resolving && (
              <button type="button" onClick={onResolve} aria-label={`Resolve ${incident.title}`}>
                Resolve
              </button>
            )}
          </td>
        )}
      </tr>
      {resolving && (
        <tr className="expanded">
          <td colSpan={7}>
            <ResolveForm incident={incident} onResolved={onResolved} onCancel={onCancel} onStale={onStale} />
          </td>
        </tr>
      )}
    </>
  );
}

function ResolvedIncidents({ reloadKey }: { reloadKey: number }) {
  const { api } = useSession();
  const pages = useCursorPages();
  const { cursor } = pages;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey asks for a fresh list after a write.
  const load = useCallback(
    (signal: AbortSignal) => api.incidents.list({ open: false, limit: RESOLVED_PAGE, cursor }, signal),
    [api, cursor, reloadKey],
  );
  const { data, error, loading, reload } = useLoad(load);
  return (
    <section aria-labelledby="resolved-incidents-title">
      <h2 id="resolved-incidents-title">Resolved incidents</h2>
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading} className="incident-table" data-testid="resolved-incidents">
          <caption className="visually-hidden">Resolved incidents, newest first</caption>
          <IncidentTableHead duration="Restored after" actions={false} />
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No incident has been resolved.
                </td>
              </tr>
            )}
            {data?.items.map((incident) => (
              <tr key={incident.id}>
                <th scope="row">{incident.title}</th>
                <td>
                  <Severity severity={incident.severity} />
                </td>
                <td>
                  <DateTime value={incident.startedAt} />
                </td>
                <td className="nowrap" title={incident.resolvedAt ?? undefined}>
                  {incident.durationMinutes === null ? '—' : formatDuration(incident.durationMinutes)}
                </td>
                <td>
                  <Cause cause={incident.cause} />
                </td>
                <td className="narrow-hidden">
                  <AffectedCis cis={incident.cis} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="Resolved incident pages" />
    </section>
  );
}

/**
 * Incidents: record one (with the release, rollout or change that caused it), see the open ones
 * and resolve them. DORA's change failure rate and time to restore are computed from these.
 */
export function IncidentsPage() {
  useDocumentTitle('Incidents');
  const { can } = useSession();
  const [params] = useSearchParams();
  const canWrite = can('incidents.write');
  const [reloadKey, setReloadKey] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => setReloadKey((key) => key + 1);

  return (
    <section className="page" aria-labelledby="incidents-title">
      <div className="page-head">
        <h1 id="incidents-title">Incidents</h1>
        {can('metrics.read') && <Link to="/metrics">Change failure rate and time to restore</Link>}
      </div>
      <p className="muted">
        Change failure rate counts the deployments that caused an incident, and time to restore how long incidents
        lasted: both count only incidents whose cause (a release or a change) is recorded here.
      </p>
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      <OpenIncidents
        reloadKey={reloadKey}
        canWrite={canWrite}
        onResolved={(incident) => {
          setNotice(`Resolved “${incident.title}” after ${formatDuration(incident.durationMinutes ?? 0)}.`);
          refresh();
        }}
      />
      {canWrite && (
        <IncidentForm
          initialCause={causeFromQuery(params)}
          onRecorded={(incident) => {
            setNotice(
              `Recorded incident #${incident.id} “${incident.title}”${incident.cause ? `, caused by ${incident.cause.kind} #${incident.cause.id}` : ''}.`,
            );
            refresh();
          }}
        />
      )}
      <ResolvedIncidents reloadKey={reloadKey} />
    </section>
  );
}
