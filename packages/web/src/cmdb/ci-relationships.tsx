import { type FormEvent, useCallback, useId, useState } from 'react';
import type { Ci, Relationship, RelationshipTypeInfo } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';
import { classLabel } from './ci-format.js';
import { CiLink } from './ci-link.js';
import { CiPicker, type PickedCi } from './ci-picker.js';

const PAGE_SIZE = 50;

/** A relationship read from one CI's side: its own type when it is the source, the inverse name when it is the target. */
function fromSideOf(ci: Ci, relationship: Relationship): { name: string; other: Relationship['source'] } {
  return relationship.sourceId === ci.id
    ? { name: relationship.type, other: relationship.target }
    : { name: relationship.inverse, other: relationship.source };
}

/**
 * Every relationship of a CI in both directions, named from this CI's side (`runs_on` here is
 * `hosts` on the other end), with add and remove for those who may write.
 */
export function CiRelationships({
  ci,
  types,
  canWrite,
  onChanged,
}: {
  ci: Ci;
  types: RelationshipTypeInfo[];
  canWrite: boolean;
  /** A relationship was added or removed (the impact summary and graph are then out of date). */
  onChanged: () => void;
}) {
  const { api } = useSession();
  const pages = useCursorPages();
  const { cursor } = pages;
  const load = useCallback(
    (signal: AbortSignal) => api.cmdb.relationships.list({ ciId: ci.id, limit: PAGE_SIZE, cursor }, signal),
    [api, ci.id, cursor],
  );
  const { data, error, loading, reload } = useLoad(load);
  const [adding, setAdding] = useState(false);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [message, setMessage] = useState('');
  const descriptions = new Map(types.map((type) => [type.name, type.description]));

  async function remove(relationship: Relationship) {
    setActionError(undefined);
    const { name, other } = fromSideOf(ci, relationship);
    try {
      await api.cmdb.relationships.remove(relationship.id);
      setConfirming(null);
      setMessage(`Removed: ${ci.name} ${name} ${other.name}.`);
      reload();
      onChanged();
    } catch (failure) {
      setActionError(failure);
    }
  }

  return (
    <section className="card" aria-labelledby="relationships-title">
      <div className="page-head">
        <h2 id="relationships-title">Relationships</h2>
        {canWrite && !adding && (
          <button type="button" className="button-secondary" onClick={() => setAdding(true)}>
            Add relationship
          </button>
        )}
      </div>
      {adding && (
        <AddRelationship
          ci={ci}
          types={types}
          onCancel={() => setAdding(false)}
          onAdded={(text) => {
            setAdding(false);
            setMessage(text);
            pages.reset();
            reload();
            onChanged();
          }}
        />
      )}
      <p className="toolbar-status" aria-live="polite">
        {message}
      </p>
      <ErrorNotice error={actionError} />
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading} className="relationship-table">
          <caption className="visually-hidden">Relationships of {ci.name}, read from its side</caption>
          <thead>
            <tr>
              <th scope="col">{ci.name}…</th>
              <th scope="col">Other CI</th>
              <th scope="col" className="narrow-hidden">
                Origin
              </th>
              <th scope="col" className="narrow-hidden">
                Since
              </th>
              {canWrite && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={canWrite ? 5 : 4} className="empty">
                  No relationships.
                </td>
              </tr>
            )}
            {data?.items.map((relationship) => {
              const { name, other } = fromSideOf(ci, relationship);
              return (
                <tr key={relationship.id}>
                  <td>
                    <code title={descriptions.get(relationship.type)}>{name}</code>
                  </td>
                  <td>
                    <CiLink ci={other} />
                  </td>
                  <td className="narrow-hidden">{relationship.origin}</td>
                  <td className="narrow-hidden">
                    <DateTime value={relationship.createdAt} />
                  </td>
                  {canWrite && (
                    <td className="row-actions">
                      {confirming === relationship.id ? (
                        <>
                          <button
                            type="button"
                            className="button-danger"
                            aria-label={`Confirm removing ${name} ${other.name}`}
                            onClick={() => remove(relationship)}
                          >
                            Confirm remove
                          </button>
                          <button type="button" className="button-secondary" onClick={() => setConfirming(null)}>
                            Cancel
                          </button>
                        </>
                      ) : (
                        <button
                          type="button"
                          className="button-secondary"
                          aria-label={`Remove ${name} ${other.name}`}
                          onClick={() => setConfirming(relationship.id)}
                        >
                          Remove
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="Relationship pages" />
    </section>
  );
}

/** The ways this CI can relate to another: each type read forwards, and backwards by its inverse name. */
function relationChoices(types: RelationshipTypeInfo[]): { value: string; label: string; description: string }[] {
  return types.flatMap((type) => {
    const forward = {
      value: `${type.name}:forward`,
      label: type.name.replaceAll('_', ' '),
      description: type.description,
    };
    if (type.symmetric) return [forward];
    return [
      forward,
      {
        value: `${type.name}:inverse`,
        label: type.inverse.replaceAll('_', ' '),
        description: `${type.description} (the other CI is the source)`,
      },
    ];
  });
}

function AddRelationship({
  ci,
  types,
  onAdded,
  onCancel,
}: {
  ci: Ci;
  types: RelationshipTypeInfo[];
  onAdded: (message: string) => void;
  onCancel: () => void;
}) {
  const { api } = useSession();
  const id = useId();
  const choices = relationChoices(types);
  const [choice, setChoice] = useState(choices[0]?.value ?? '');
  const [other, setOther] = useState<PickedCi | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const chosen = choices.find((item) => item.value === choice);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!other) {
      setError(new Error('Choose the other CI first.'));
      return;
    }
    const [type = '', side] = choice.split(':');
    setBusy(true);
    setError(undefined);
    try {
      await api.cmdb.relationships.create(
        side === 'inverse'
          ? { sourceId: other.id, type, targetId: ci.id }
          : { sourceId: ci.id, type, targetId: other.id },
      );
      onAdded(`Added: ${ci.name} ${chosen?.label ?? type} ${other.name}.`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <form className="form add-relationship" onSubmit={submit} aria-label="Add a relationship">
      <ErrorNotice error={error} />
      <div className="grid-2">
        <div className="field">
          <label htmlFor={`${id}-type`}>
            {ci.name} <span className="muted">…</span>
          </label>
          <select
            id={`${id}-type`}
            value={choice}
            aria-describedby={`${id}-type-help`}
            onChange={(event) => setChoice(event.target.value)}
          >
            {choices.map((item) => (
              <option key={item.value} value={item.value}>
                {item.label}
              </option>
            ))}
          </select>
          <span id={`${id}-type-help`} className="muted small">
            {chosen?.description}
          </span>
        </div>
        <CiPicker label="…the other CI" value={other} onChange={setOther} exclude={[ci.id]} />
      </div>
      {other && (
        <p aria-live="polite">
          {ci.name} <strong>{chosen?.label}</strong> {other.name}{' '}
          <span className="muted small">{classLabel(other.class)}</span>
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy || !other}>
          {busy ? 'Adding…' : 'Add relationship'}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
