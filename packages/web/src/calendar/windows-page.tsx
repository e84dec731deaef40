import { FREEZE_KINDS, type FreezeKind } from '@slipway/model';
import { type FormEvent, useCallback, useState } from 'react';
import { Link } from 'react-router';
import { isApiError } from '../api/errors.js';
import { fromLocalInput, toLocalInput } from '../changes/local-time.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';
import type { Freeze, MaintenanceWindow } from './windows-api.js';
import './calendar.css';

type Kind = 'freeze' | 'maintenance';

/** The form's fields; lists are comma-separated text until sent. */
interface Values {
  name: string;
  description: string;
  freezeKind: FreezeKind;
  startsAt: string;
  endsAt: string;
  rrule: string;
  timezone: string;
  active: boolean;
  environments: string;
  ciClasses: string;
  ciIds: string;
  serviceIds: string;
}

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function emptyValues(): Values {
  return {
    name: '',
    description: '',
    freezeKind: 'hard',
    startsAt: '',
    endsAt: '',
    rrule: '',
    timezone: browserZone,
    active: true,
    environments: '',
    ciClasses: '',
    ciIds: '',
    serviceIds: '',
  };
}

function valuesOf(item: Freeze | MaintenanceWindow): Values {
  const base = {
    ...emptyValues(),
    name: item.name,
    description: item.description,
    startsAt: toLocalInput(item.startsAt),
    endsAt: toLocalInput(item.endsAt),
    rrule: item.rrule ?? '',
    timezone: item.timezone,
  };
  if ('kind' in item) {
    return {
      ...base,
      freezeKind: item.kind,
      active: item.active,
      environments: item.scope.environments.join(', '),
      ciClasses: item.scope.ciClasses.join(', '),
      ciIds: item.scope.ciIds.join(', '),
      serviceIds: item.scope.serviceIds.join(', '),
    };
  }
  return { ...base, ciIds: item.ciIds.join(', '), serviceIds: item.serviceIds.join(', ') };
}

function words(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Ids as typed; anything not a whole number is passed on so the server names the bad value. */
function ids(text: string): number[] {
  return words(text).map((part) => (/^\d+$/.test(part) ? Number(part) : Number.NaN));
}

function scopeSummary(freeze: Freeze): string {
  const parts = [
    freeze.scope.environments.length > 0 && `environments ${freeze.scope.environments.join(', ')}`,
    freeze.scope.ciClasses.length > 0 && `classes ${freeze.scope.ciClasses.join(', ')}`,
    freeze.scope.ciIds.length > 0 && `CIs ${freeze.scope.ciIds.join(', ')}`,
    freeze.scope.serviceIds.length > 0 && `services ${freeze.scope.serviceIds.join(', ')}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'everything';
}

/**
 * Freezes (blackout windows, hard or soft) and maintenance windows behind the calendar: listed
 * for everyone who reads changes; added, edited and removed by those with changes.manage. The
 * server validates times, recurrence rules and scope; its messages show beside the form.
 */
export function WindowsPage() {
  useDocumentTitle('Freezes and maintenance windows');
  const { can, api: sessionApi } = useSession();
  const api = sessionApi.windows;
  const manage = can('changes.manage');
  const loadFreezes = useCallback((signal: AbortSignal) => api.freezes(signal), [api]);
  const loadWindows = useCallback((signal: AbortSignal) => api.maintenanceWindows(signal), [api]);
  const freezes = useLoad(loadFreezes);
  const windows = useLoad(loadWindows);
  const [editing, setEditing] = useState<{ kind: Kind; item: Freeze | MaintenanceWindow | null } | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | null>(null);

  async function remove(kind: Kind, item: Freeze | MaintenanceWindow) {
    if (!window.confirm(`Remove “${item.name}”?`)) return;
    setActionError(undefined);
    setNotice(null);
    try {
      if (kind === 'freeze') await api.deleteFreeze(item);
      else await api.deleteMaintenanceWindow(item);
      setNotice(`Removed “${item.name}”.`);
      if (editing?.item?.id === item.id && editing.kind === kind) setEditing(null);
    } catch (error) {
      setActionError(error);
    }
    if (kind === 'freeze') freezes.reload();
    else windows.reload();
  }

  function saved(kind: Kind, name: string, created: boolean) {
    setEditing(null);
    setNotice(`${created ? 'Added' : 'Saved'} “${name}”.`);
    if (kind === 'freeze') freezes.reload();
    else windows.reload();
  }

  function open(kind: Kind, item: Freeze | MaintenanceWindow | null) {
    setNotice(null);
    setActionError(undefined);
    setEditing({ kind, item });
  }

  return (
    <section className="page" aria-labelledby="windows-title">
      <div className="page-head">
        <h1 id="windows-title">Freezes and maintenance windows</h1>
        <Link to="/calendar">Back to the calendar</Link>
      </div>
      <p className="muted">
        A hard freeze blocks scheduling changes into it (a change manager may override with a reason); a soft freeze
        only warns. Maintenance windows say when CIs may be changed. Recurrence is an RFC 5545 rule such as{' '}
        <code>FREQ=YEARLY</code> or <code>FREQ=WEEKLY;BYDAY=SA</code>, evaluated in the window’s time zone.
      </p>
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      <ErrorNotice error={actionError} />

      <div className="page-head">
        <h2>Freezes</h2>
        {manage && (
          <button type="button" onClick={() => open('freeze', null)}>
            Add a freeze
          </button>
        )}
      </div>
      {editing?.kind === 'freeze' && (
        <WindowForm
          key={`freeze-${editing.item?.id ?? 'new'}`}
          kind="freeze"
          item={editing.item}
          onSaved={saved}
          onStale={freezes.reload}
          onCancel={() => setEditing(null)}
        />
      )}
      <ErrorNotice error={freezes.error} onRetry={freezes.reload} />
      {freezes.data && freezes.data.items.length === 0 && <p>No freeze.</p>}
      {freezes.data && freezes.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="windows-table" data-testid="freeze-list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">First window</th>
                <th scope="col">Recurrence</th>
                <th scope="col">Scope</th>
                <th scope="col">Active</th>
                {manage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {freezes.data.items.map((freeze) => (
                <tr key={freeze.id}>
                  <th scope="row">
                    {freeze.name}
                    {freeze.description && <div className="small muted">{freeze.description}</div>}
                  </th>
                  <td>{freeze.kind}</td>
                  <td>
                    <DateTime value={freeze.startsAt} /> – <DateTime value={freeze.endsAt} />
                  </td>
                  <td>
                    {freeze.rrule ? <code>{freeze.rrule}</code> : 'one-off'}
                    <div className="small muted">{freeze.timezone}</div>
                  </td>
                  <td className="small">{scopeSummary(freeze)}</td>
                  <td>{freeze.active ? 'yes' : 'no'}</td>
                  {manage && (
                    <RowActions
                      name={freeze.name}
                      onEdit={() => open('freeze', freeze)}
                      onRemove={() => void remove('freeze', freeze)}
                    />
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <div className="page-head">
        <h2>Maintenance windows</h2>
        {manage && (
          <button type="button" onClick={() => open('maintenance', null)}>
            Add a maintenance window
          </button>
        )}
      </div>
      {editing?.kind === 'maintenance' && (
        <WindowForm
          key={`maintenance-${editing.item?.id ?? 'new'}`}
          kind="maintenance"
          item={editing.item}
          onSaved={saved}
          onStale={windows.reload}
          onCancel={() => setEditing(null)}
        />
      )}
      <ErrorNotice error={windows.error} onRetry={windows.reload} />
      {windows.data && windows.data.items.length === 0 && <p>No maintenance window.</p>}
      {windows.data && windows.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="windows-table" data-testid="maintenance-list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">First window</th>
                <th scope="col">Recurrence</th>
                <th scope="col">CIs</th>
                <th scope="col">Services</th>
                {manage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {windows.data.items.map((item) => (
                <tr key={item.id}>
                  <th scope="row">
                    {item.name}
                    {item.description && <div className="small muted">{item.description}</div>}
                  </th>
                  <td>
                    <DateTime value={item.startsAt} /> – <DateTime value={item.endsAt} />
                  </td>
                  <td>
                    {item.rrule ? <code>{item.rrule}</code> : 'one-off'}
                    <div className="small muted">{item.timezone}</div>
                  </td>
                  <td className="small">{item.ciIds.length > 0 ? item.ciIds.join(', ') : '—'}</td>
                  <td className="small">{item.serviceIds.length > 0 ? item.serviceIds.join(', ') : '—'}</td>
                  {manage && (
                    <RowActions
                      name={item.name}
                      onEdit={() => open('maintenance', item)}
                      onRemove={() => void remove('maintenance', item)}
                    />
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * The Edit and Remove buttons of a row. The name is in their accessible names only: on a tablet
 * the column stays narrow enough to be seen.
 */
function RowActions({ name, onEdit, onRemove }: { name: string; onEdit: () => void; onRemove: () => void }) {
  return (
    <td className="row-actions">
      <button type="button" className="button-link" aria-label={`Edit ${name}`} onClick={onEdit}>
        Edit
      </button>{' '}
      <button type="button" className="button-link" aria-label={`Remove ${name}`} onClick={onRemove}>
        Remove
      </button>
    </td>
  );
}

/** Adds or edits one freeze or maintenance window; the server's refusal shows inline. */
function WindowForm({
  kind,
  item,
  onSaved,
  onStale,
  onCancel,
}: {
  kind: Kind;
  item: Freeze | MaintenanceWindow | null;
  onSaved: (kind: Kind, name: string, created: boolean) => void;
  /** Someone changed the item meanwhile: the list reloads so "Edit" opens the current version. */
  onStale: () => void;
  onCancel: () => void;
}) {
  const api = useSession().api.windows;
  const [values, setValues] = useState<Values>(() => (item ? valuesOf(item) : emptyValues()));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const prefix = `${kind}-form`;
  const noun = kind === 'freeze' ? 'freeze' : 'maintenance window';

  function update(patch: Partial<Values>) {
    setValues((current) => ({ ...current, ...patch }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    // An unparsable time goes on as typed so the server's validation message explains it.
    const common = {
      name: values.name.trim(),
      description: values.description.trim(),
      startsAt: fromLocalInput(values.startsAt) ?? values.startsAt,
      endsAt: fromLocalInput(values.endsAt) ?? values.endsAt,
      rrule: values.rrule.trim() === '' ? null : values.rrule.trim(),
      timezone: values.timezone.trim(),
    };
    try {
      if (kind === 'freeze') {
        const body = {
          ...common,
          kind: values.freezeKind,
          active: values.active,
          scope: {
            environments: words(values.environments),
            ciClasses: words(values.ciClasses),
            ciIds: ids(values.ciIds),
            serviceIds: ids(values.serviceIds),
          },
        };
        if (item) await api.updateFreeze(item, body);
        else await api.createFreeze(body);
      } else {
        const body = { ...common, ciIds: ids(values.ciIds), serviceIds: ids(values.serviceIds) };
        if (item) await api.updateMaintenanceWindow(item, body);
        else await api.createMaintenanceWindow(body);
      }
      onSaved(kind, common.name, item === null);
    } catch (caught) {
      setError(caught);
      if (isApiError(caught, 'PRECONDITION_FAILED')) onStale();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="card form"
      onSubmit={submit}
      aria-label={item ? `Edit ${noun} ${item.name}` : `Add a ${noun}`}
      data-testid={`${kind}-form`}
    >
      <div className="field">
        <label htmlFor={`${prefix}-name`}>Name</label>
        <input
          id={`${prefix}-name`}
          value={values.name}
          required
          maxLength={200}
          onChange={(event) => update({ name: event.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-description`}>Description</label>
        <textarea
          id={`${prefix}-description`}
          value={values.description}
          maxLength={4000}
          rows={2}
          onChange={(event) => update({ description: event.target.value })}
        />
      </div>
      {kind === 'freeze' && (
        <div className="field">
          <label htmlFor={`${prefix}-kind`}>Kind</label>
          <select
            id={`${prefix}-kind`}
            value={values.freezeKind}
            onChange={(event) => update({ freezeKind: event.target.value as FreezeKind })}
          >
            {FREEZE_KINDS.map((freezeKind) => (
              <option key={freezeKind} value={freezeKind}>
                {freezeKind === 'hard' ? 'hard (blocks scheduling)' : 'soft (warns)'}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="inline-fields">
        <div className="field">
          <label htmlFor={`${prefix}-starts`}>Starts</label>
          <input
            id={`${prefix}-starts`}
            type="datetime-local"
            value={values.startsAt}
            required
            onChange={(event) => update({ startsAt: event.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={`${prefix}-ends`}>Ends</label>
          <input
            id={`${prefix}-ends`}
            type="datetime-local"
            value={values.endsAt}
            required
            onChange={(event) => update({ endsAt: event.target.value })}
          />
        </div>
      </div>
      <div className="inline-fields">
        <div className="field">
          <label htmlFor={`${prefix}-rrule`}>Recurrence (RRULE, empty for one-off)</label>
          <input
            id={`${prefix}-rrule`}
            value={values.rrule}
            maxLength={500}
            placeholder="FREQ=YEARLY"
            onChange={(event) => update({ rrule: event.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={`${prefix}-timezone`}>Time zone</label>
          <input
            id={`${prefix}-timezone`}
            value={values.timezone}
            required
            maxLength={64}
            onChange={(event) => update({ timezone: event.target.value })}
          />
        </div>
      </div>
      {kind === 'freeze' && (
        <div className="inline-fields">
          <div className="field">
            <label htmlFor={`${prefix}-environments`}>Environments (comma-separated)</label>
            <input
              id={`${prefix}-environments`}
              value={values.environments}
              onChange={(event) => update({ environments: event.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${prefix}-classes`}>CI classes (comma-separated)</label>
            <input
              id={`${prefix}-classes`}
              value={values.ciClasses}
              onChange={(event) => update({ ciClasses: event.target.value })}
            />
          </div>
        </div>
      )}
      <div className="inline-fields">
        <div className="field">
          <label htmlFor={`${prefix}-cis`}>CI ids (comma-separated)</label>
          <input
            id={`${prefix}-cis`}
            value={values.ciIds}
            inputMode="numeric"
            onChange={(event) => update({ ciIds: event.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={`${prefix}-services`}>Service ids (comma-separated)</label>
          <input
            id={`${prefix}-services`}
            value={values.serviceIds}
            inputMode="numeric"
            onChange={(event) => update({ serviceIds: event.target.value })}
          />
        </div>
      </div>
      {kind === 'freeze' && (
        <label className="checkbox">
          <input
            type="checkbox"
            checked={values.active}
            onChange={(event) => update({ active: event.target.checked })}
          />
          Active
        </label>
      )}
      <p className="small muted">
        {kind === 'freeze'
          ? 'Every non-empty scope list must match a CI for the freeze to cover it; all empty covers everything.'
          : 'A service covers the CIs it depends on.'}
      </p>
      <ErrorNotice error={error} />
      <div className="toolbar">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : item ? 'Save' : `Add ${noun}`}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
