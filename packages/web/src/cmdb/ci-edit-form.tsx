import { CI_STATUSES, type CiStatus, CRITICALITIES, type Criticality } from '@slipway/model';
import { type FormEvent, useId, useState } from 'react';
import { isApiError, SlipwayApiError } from '../api/errors.js';
import type { CiChanges } from '../api/slipway-api.js';
import type { AttributeDefinition, Ci, CiClass } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';
import { fieldLabel } from './ci-format.js';

type Draft = {
  name: string;
  status: string;
  environment: string;
  owner: string;
  criticality: string;
  attributes: Record<string, string>;
};

function draftOf(ci: Ci): Draft {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(ci.attributes)) {
    attributes[name] = value === null || value === undefined ? '' : typeof value === 'string' ? value : String(value);
  }
  return {
    name: ci.name,
    status: ci.status,
    environment: ci.environment ?? '',
    owner: ci.owner ?? '',
    criticality: ci.criticality ?? '',
    attributes,
  };
}

/** An input read as its attribute type; a string error when it cannot be. Empty means "remove". */
function parseAttribute(
  definition: AttributeDefinition | undefined,
  text: string,
): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  switch (definition?.type) {
    case 'integer':
      return /^[+-]?\d+$/.test(trimmed) && Number.isSafeInteger(Number(trimmed))
        ? { value: Number(trimmed) }
        : { error: 'must be a whole number' };
    case 'number':
      return Number.isFinite(Number(trimmed)) ? { value: Number(trimmed) } : { error: 'must be a number' };
    case 'boolean':
      return trimmed === 'true' || trimmed === 'false'
        ? { value: trimmed === 'true' }
        : { error: 'must be true or false' };
    default:
      return { value: trimmed };
  }
}

/** Only what the person changed, so a PATCH never rewrites fields someone else may have set meanwhile. */
function changesOf(
  ci: Ci,
  draft: Draft,
  definitions: AttributeDefinition[],
): CiChanges | { error: string; field: string } {
  const changes: CiChanges = {};
  if (draft.name.trim() !== ci.name) changes.name = draft.name.trim();
  if (draft.status !== ci.status) changes.status = draft.status as CiStatus;
  const optional = (text: string) => (text.trim() === '' ? null : text.trim());
  if (optional(draft.environment) !== ci.environment) changes.environment = optional(draft.environment);
  if (optional(draft.owner) !== ci.owner) changes.owner = optional(draft.owner);
  if (optional(draft.criticality) !== ci.criticality)
    changes.criticality = optional(draft.criticality) as Criticality | null;
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  const attributes: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(draft.attributes)) {
    const parsed = parseAttribute(byName.get(name), text);
    if ('error' in parsed) return { error: `${fieldLabel(name)} ${parsed.error}`, field: `attributes/${name}` };
    const current = ci.attributes[name] ?? null;
    if (JSON.stringify(parsed.value) !== JSON.stringify(current)) attributes[name] = parsed.value;
  }
  if (Object.keys(attributes).length > 0) changes.attributes = attributes;
  return changes;
}

/**
 * Edits a CI: its fields and the typed attributes its class defines. Sends only what changed,
 * with If-Match; when someone else changed the CI first (412) it says so and offers a reload
 * instead of overwriting their change.
 */
export function CiEditForm({
  ci,
  ciClass,
  onSaved,
  onCancel,
  onReload,
}: {
  ci: Ci;
  ciClass: CiClass | undefined;
  onSaved: (ci: Ci) => void;
  onCancel: () => void;
  /** Fetch the current version (after a 412); the form restarts from it. */
  onReload: () => void;
}) {
  const { api } = useSession();
  const id = useId();
  const [draft, setDraft] = useState(() => draftOf(ci));
  const [error, setError] = useState<unknown>(undefined);
  const [invalidField, setInvalidField] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const definitions = ciClass?.attributes ?? [];
  const unknownAttributes = Object.keys(ci.attributes).filter((name) => !definitions.some((d) => d.name === name));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(undefined);
    setInvalidField(undefined);
    const changes = changesOf(ci, draft, definitions);
    if ('error' in changes) {
      setError(new Error(changes.error));
      setInvalidField(changes.field);
      return;
    }
    if (Object.keys(changes).length === 0) {
      onCancel();
      return;
    }
    setBusy(true);
    try {
      onSaved(await api.cmdb.cis.update(ci, changes));
    } catch (failure) {
      setError(failure);
      if (failure instanceof SlipwayApiError && typeof failure.details.field === 'string') {
        setInvalidField(failure.details.field);
      }
      setBusy(false);
    }
  }

  const setField = (key: Exclude<keyof Draft, 'attributes'>) => (value: string) =>
    setDraft((current) => ({ ...current, [key]: value }));
  const setAttribute = (name: string, value: string) =>
    setDraft((current) => ({ ...current, attributes: { ...current.attributes, [name]: value } }));

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Edit {ci.name}</h2>
      <form className="form" onSubmit={submit}>
        {isApiError(error, 'PRECONDITION_FAILED') ? <StaleNotice onReload={onReload} /> : <ErrorNotice error={error} />}
        <div className="grid-2">
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              id={`${id}-name`}
              required
              maxLength={255}
              aria-invalid={invalidField === 'name'}
              value={draft.name}
              onChange={(event) => setField('name')(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-status`}>Status</label>
            <select
              id={`${id}-status`}
              value={draft.status}
              onChange={(event) => setField('status')(event.target.value)}
            >
              {CI_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {status}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-environment`}>Environment</label>
            <input
              id={`${id}-environment`}
              maxLength={32}
              pattern="[a-z][a-z0-9_\-]{0,31}"
              title="Lower-case letters, digits, _ or -, e.g. production"
              aria-invalid={invalidField === 'environment'}
              value={draft.environment}
              onChange={(event) => setField('environment')(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-owner`}>Owner</label>
            <input
              id={`${id}-owner`}
              maxLength={200}
              aria-invalid={invalidField === 'owner'}
              value={draft.owner}
              onChange={(event) => setField('owner')(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-criticality`}>Criticality</label>
            <select
              id={`${id}-criticality`}
              value={draft.criticality}
              onChange={(event) => setField('criticality')(event.target.value)}
            >
              <option value="">none</option>
              {CRITICALITIES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </div>
        </div>
        {definitions.length > 0 && (
          <fieldset>
            <legend>Attributes of a {ciClass?.label.toLowerCase() ?? ci.class}</legend>
            <div className="grid-2">
              {definitions.map((definition) => (
                <AttributeInput
                  key={definition.name}
                  id={`${id}-attr-${definition.name}`}
                  definition={definition}
                  value={draft.attributes[definition.name] ?? ''}
                  invalid={invalidField === `attributes/${definition.name}`}
                  onChange={(value) => setAttribute(definition.name, value)}
                />
              ))}
            </div>
            <p className="muted small">An empty attribute is removed.</p>
          </fieldset>
        )}
        {unknownAttributes.length > 0 && (
          <p className="muted small">
            Not in the class schema (kept as they are): {unknownAttributes.map(fieldLabel).join(', ')}.
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
          <button type="button" className="button-secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}

function AttributeInput({
  id,
  definition,
  value,
  invalid,
  onChange,
}: {
  id: string;
  definition: AttributeDefinition;
  value: string;
  invalid: boolean;
  onChange: (value: string) => void;
}) {
  const label = (
    <label htmlFor={id}>
      {fieldLabel(definition.name)}
      {definition.required && <span aria-hidden="true"> *</span>}
      <span className="muted small attribute-type"> {definition.type}</span>
    </label>
  );
  const help = definition.description ? (
    <span id={`${id}-help`} className="muted small">
      {definition.description}
    </span>
  ) : null;
  const describedBy = definition.description ? `${id}-help` : undefined;
  if (definition.type === 'enum' || definition.type === 'boolean') {
    const choices = definition.type === 'boolean' ? ['true', 'false'] : (definition.values ?? []);
    return (
      <div className="field">
        {label}
        <select
          id={id}
          value={value}
          required={definition.required}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(event) => onChange(event.target.value)}
        >
          <option value="">not set</option>
          {choices.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
        {help}
      </div>
    );
  }
  const numeric = definition.type === 'integer' || definition.type === 'number';
  return (
    <div className="field">
      {label}
      <input
        id={id}
        type={numeric ? 'number' : 'text'}
        step={definition.type === 'integer' ? 1 : numeric ? 'any' : undefined}
        inputMode={numeric ? 'decimal' : undefined}
        placeholder={placeholderOf(definition.type)}
        required={definition.required}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
      {help}
    </div>
  );
}

function placeholderOf(type: string): string | undefined {
  switch (type) {
    case 'date':
      return '2026-12-31';
    case 'version':
      return '3.0.13';
    case 'ip':
      return '10.0.0.1';
    default:
      return undefined;
  }
}

/** Someone else wrote first: say so, and offer their version rather than silently overwriting it. */
export function StaleNotice({ onReload }: { onReload: () => void }) {
  return (
    <div className="notice notice-error" role="alert" data-testid="stale-notice">
      <p>Someone else changed this CI after you opened it, so your changes were not saved (nothing was overwritten).</p>
      <p className="muted">Reload to see the current version, then make your change again.</p>
      <button type="button" onClick={onReload}>
        Reload the current version
      </button>
    </div>
  );
}
