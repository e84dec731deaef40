import { type FormEvent, useCallback, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { NewBaseline } from '../api/slipway-api.js';
import type { Baseline } from '../api/types.js';
import { classLabel } from '../cmdb/ci-format.js';
import { CiPicker, type PickedCi } from '../cmdb/ci-picker.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

const PAGE_SIZE = 25;
type Closure = 'none' | 'impact' | 'dependencies' | 'both';
const CLOSURES: { value: Closure; label: string }[] = [
  { value: 'none', label: 'just these CIs' },
  { value: 'impact', label: 'these CIs and everything their changes impact' },
  { value: 'dependencies', label: 'these CIs and everything they need' },
  { value: 'both', label: 'both: impact and dependencies' },
];

export function scopeText(baseline: Baseline): string {
  if (!baseline.scope) return 'whole CMDB';
  const count = baseline.scope.ciIds.length;
  const start = `${count} ${count === 1 ? 'CI' : 'CIs'}`;
  switch (baseline.scope.closure) {
    case 'impact':
      return `${start} and their impact`;
    case 'dependencies':
      return `${start} and their dependencies`;
    case 'both':
      return `${start}, their impact and dependencies`;
    default:
      return start;
  }
}

/** Baselines: the list, taking one (whole CMDB or a scope), and picking two sides to compare. */
export function BaselinesPage() {
  useDocumentTitle('Baselines');
  const { api, can } = useSession();
  const canWrite = can('cmdb.write');
  const pages = useCursorPages();
  const { cursor } = pages;
  const load = useCallback(
    (signal: AbortSignal) => api.cmdb.baselines.list({ limit: PAGE_SIZE, cursor }, signal),
    [api, cursor],
  );
  const { data, error, loading, reload } = useLoad(load);
  const [taking, setTaking] = useState(false);
  const [message, setMessage] = useState('');

  return (
    <section className="page" aria-labelledby="baselines-title">
      <div className="page-head">
        <h1 id="baselines-title">Baselines</h1>
        {canWrite && !taking && (
          <button type="button" onClick={() => setTaking(true)}>
            Take a baseline
          </button>
        )}
      </div>
      <p className="muted">
        A baseline is a named, unchangeable snapshot of CIs and the relationships among them. Compare it with the CMDB
        as it is now, or with another baseline, to see exactly what changed.
      </p>
      {taking && (
        <TakeBaseline
          onCancel={() => setTaking(false)}
          onTaken={(baseline) => {
            setTaking(false);
            setMessage(
              `Baseline “${baseline.name}” taken: ${baseline.ciCount} CIs and ${baseline.relationshipCount} relationships.`,
            );
            pages.reset();
            reload();
          }}
        />
      )}
      <p className="toolbar-status" aria-live="polite">
        {message}
      </p>
      {data && data.items.length > 0 && <CompareForm baselines={data.items} />}
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading} className="baseline-table">
          <caption className="visually-hidden">Baselines, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scope</th>
              <th scope="col">CIs</th>
              <th scope="col">Relationships</th>
              <th scope="col">Taken by</th>
              <th scope="col">When</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  No baselines yet.{canWrite && ' Take one before a risky change.'}
                </td>
              </tr>
            )}
            {data?.items.map((baseline) => (
              <tr key={baseline.id}>
                <th scope="row">
                  {baseline.name}
                  {baseline.description && <div className="muted small">{baseline.description}</div>}
                </th>
                <td>{scopeText(baseline)}</td>
                <td className="numeric">{baseline.ciCount}</td>
                <td className="numeric">{baseline.relationshipCount}</td>
                <td>{baseline.createdBy}</td>
                <td>
                  <DateTime value={baseline.createdAt} />
                </td>
                <td className="row-actions">
                  <Link
                    to={`/cmdb/baselines/${baseline.id}/diff?against=live`}
                    aria-label={`Compare ${baseline.name} with the live CMDB`}
                  >
                    Compare with live
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="Baseline pages" />
    </section>
  );
}

function CompareForm({ baselines }: { baselines: Baseline[] }) {
  const navigate = useNavigate();
  const [from, setFrom] = useState(String(baselines[0]?.id ?? ''));
  const [against, setAgainst] = useState('live');
  return (
    <form
      className="filters"
      aria-label="Compare baselines"
      onSubmit={(event) => {
        event.preventDefault();
        navigate(`/cmdb/baselines/${from}/diff?against=${against}`);
      }}
    >
      <div className="field">
        <label htmlFor="compare-from">Compare baseline</label>
        <select id="compare-from" value={from} onChange={(event) => setFrom(event.target.value)}>
          {baselines.map((baseline) => (
            <option key={baseline.id} value={String(baseline.id)}>
              {baseline.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="compare-against">with</label>
        <select id="compare-against" value={against} onChange={(event) => setAgainst(event.target.value)}>
          <option value="live">the live CMDB</option>
          {baselines
            .filter((baseline) => String(baseline.id) !== from)
            .map((baseline) => (
              <option key={baseline.id} value={String(baseline.id)}>
                baseline {baseline.name}
              </option>
            ))}
        </select>
      </div>
      <button type="submit" className="button-secondary">
        Compare
      </button>
    </form>
  );
}

function TakeBaseline({ onTaken, onCancel }: { onTaken: (baseline: Baseline) => void; onCancel: () => void }) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [scoped, setScoped] = useState(false);
  const [cis, setCis] = useState<PickedCi[]>([]);
  const [closure, setClosure] = useState<Closure>('impact');
  const [picking, setPicking] = useState<PickedCi | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (scoped && cis.length === 0) {
      setError(new Error('Add at least one CI to the scope, or take the whole CMDB.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    const input: NewBaseline = {
      name: name.trim(),
      ...(description.trim() && { description: description.trim() }),
      scope: scoped ? { ciIds: cis.map((ci) => ci.id), closure } : null,
    };
    try {
      onTaken(await api.cmdb.baselines.create(input));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="take-title">
      <h2 id="take-title">Take a baseline</h2>
      <form className="form" onSubmit={submit}>
        <ErrorNotice error={error} />
        <div className="grid-2">
          <div className="field">
            <label htmlFor="baseline-name">Name</label>
            <input
              id="baseline-name"
              required
              maxLength={200}
              placeholder="e.g. before-dc-move"
              value={name}
              onChange={(event) => setName(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="baseline-description">Description</label>
            <input
              id="baseline-description"
              maxLength={2000}
              value={description}
              onChange={(event) => setDescription(event.target.value)}
            />
          </div>
        </div>
        <fieldset>
          <legend>Scope</legend>
          <div className="checkbox-row">
            <input
              id="scope-whole"
              type="radio"
              name="baseline-scope"
              checked={!scoped}
              onChange={() => setScoped(false)}
            />
            <label htmlFor="scope-whole">The whole CMDB</label>
          </div>
          <div className="checkbox-row">
            <input
              id="scope-some"
              type="radio"
              name="baseline-scope"
              checked={scoped}
              onChange={() => setScoped(true)}
            />
            <label htmlFor="scope-some">Some CIs</label>
          </div>
          {scoped && (
            <div className="scope-editor">
              <CiPicker label="Find a CI" value={picking} onChange={setPicking} exclude={cis.map((ci) => ci.id)} />
              <button
                type="button"
                className="button-secondary"
                disabled={!picking}
                onClick={() => {
                  if (picking) setCis((current) => [...current, picking]);
                  setPicking(null);
                }}
              >
                Add to the scope
              </button>
              {cis.length > 0 && (
                <ul className="plain scope-list" aria-label="CIs in the scope">
                  {cis.map((ci) => (
                    <li key={ci.id}>
                      {ci.name} <span className="muted small">{classLabel(ci.class)}</span>{' '}
                      <button
                        type="button"
                        className="button-link"
                        aria-label={`Remove ${ci.name} from the scope`}
                        onClick={() => setCis((current) => current.filter((other) => other.id !== ci.id))}
                      >
                        remove
                      </button>
                    </li>
                  ))}
                </ul>
              )}
              <div className="field">
                <label htmlFor="baseline-closure">Include</label>
                <select
                  id="baseline-closure"
                  value={closure}
                  onChange={(event) => setClosure(event.target.value as Closure)}
                >
                  {CLOSURES.map((item) => (
                    <option key={item.value} value={item.value}>
                      {item.label}
                    </option>
                  ))}
                </select>
              </div>
            </div>
          )}
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Taking…' : 'Take baseline'}
          </button>
          <button type="button" className="button-secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
