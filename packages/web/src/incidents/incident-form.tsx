import { INCIDENT_SEVERITIES, type IncidentSeverity } from '@slipway/model';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { fromLocalInput, toLocalInput } from '../changes/local-time.js';
import { ciPath, classLabel } from '../cmdb/ci-format.js';
import { CiPicker, type PickedCi } from '../cmdb/ci-picker.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';
import { type CauseChoice, CauseField, useCauseLookup } from './cause-field.js';
import type { Incident } from './incidents-api.js';

interface Values {
  title: string;
  severity: IncidentSeverity;
  startedAt: string;
  resolvedAt: string;
  description: string;
  causeNote: string;
}

function freshValues(): Values {
  return {
    title: '',
    severity: 'major',
    startedAt: toLocalInput(new Date().toISOString()),
    resolvedAt: '',
    description: '',
    causeNote: '',
  };
}

/**
 * Record an incident: what broke, how bad, since when, the CIs it hit and — when known — the
 * release, rollout or change that caused it. `initialCause` comes from a link such as
 * `/incidents?release=12`.
 */
export function IncidentForm({
  initialCause,
  onRecorded,
}: {
  initialCause: CauseChoice;
  onRecorded: (incident: Incident) => void;
}) {
  const { api } = useSession();
  const [values, setValues] = useState<Values>(freshValues);
  const [cause, setCause] = useState<CauseChoice>(initialCause);
  const [cis, setCis] = useState<PickedCi[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  /** Bumped after a record, so the CI search starts empty again. */
  const [generation, setGeneration] = useState(0);
  const lookup = useCauseLookup(cause);
  const set = (key: keyof Values) => (value: string) => setValues((current) => ({ ...current, [key]: value }));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(undefined);
    const startedAt = fromLocalInput(values.startedAt);
    if (!startedAt) {
      setError(new Error('Say when the incident started (date and time).'));
      return;
    }
    const resolvedAt = fromLocalInput(values.resolvedAt);
    if (values.resolvedAt && !resolvedAt) {
      setError(new Error('The restore time is incomplete: give a date and a time, or leave it empty.'));
      return;
    }
    if (cause.kind !== 'none' && lookup.status !== 'found') {
      setError(
        new Error(
          lookup.status === 'failed'
            ? `Caused by: ${lookup.message}`
            : 'Wait until the cause has been looked up, then record again.',
        ),
      );
      return;
    }
    setBusy(true);
    try {
      const recorded = await api.incidents.create({
        title: values.title.trim(),
        severity: values.severity,
        startedAt,
        resolvedAt,
        description: values.description.trim(),
        causedByReleaseId: lookup.status === 'found' ? lookup.releaseId : null,
        causedByChangeId: lookup.status === 'found' ? lookup.changeId : null,
        causeNote: values.causeNote.trim() || null,
        ciIds: cis.map((ci) => ci.id),
      });
      setValues(freshValues());
      setCause({ kind: 'none', id: '' });
      setCis([]);
      setGeneration((value) => value + 1);
      onRecorded(recorded);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form incident-form" onSubmit={submit} aria-labelledby="incident-form-title">
      <h2 id="incident-form-title">Record an incident</h2>
      <div className="field">
        <label htmlFor="incident-title">Title</label>
        <input
          id="incident-title"
          required
          maxLength={200}
          placeholder="e.g. Parcel tracking returns errors"
          value={values.title}
          onChange={(event) => set('title')(event.target.value)}
        />
      </div>
      <div className="grid-2">
        <div className="field">
          <label htmlFor="incident-severity">Severity</label>
          <select
            id="incident-severity"
            value={values.severity}
            onChange={(event) => set('severity')(event.target.value)}
          >
            {INCIDENT_SEVERITIES.map((severity) => (
              <option key={severity} value={severity}>
                {severity}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="incident-started">Started at</label>
          <input
            id="incident-started"
            type="datetime-local"
            required
            value={values.startedAt}
            onChange={(event) => set('startedAt')(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="incident-restored">Restored at (empty while open)</label>
          <input
            id="incident-restored"
            type="datetime-local"
            value={values.resolvedAt}
            onChange={(event) => set('resolvedAt')(event.target.value)}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor="incident-description">What happened (optional)</label>
        <textarea
          id="incident-description"
          rows={3}
          maxLength={10_000}
          value={values.description}
          onChange={(event) => set('description')(event.target.value)}
        />
      </div>
      <CauseField value={cause} lookup={lookup} onChange={setCause} disabled={busy} />
      {cause.kind !== 'none' && (
        <div className="field">
          <label htmlFor="incident-cause-note">How it caused the incident (optional)</label>
          <input
            id="incident-cause-note"
            maxLength={2000}
            value={values.causeNote}
            onChange={(event) => set('causeNote')(event.target.value)}
          />
        </div>
      )}
      <CiPicker
        key={generation}
        label="Affected CIs (optional): add one"
        value={null}
        exclude={cis.map((ci) => ci.id)}
        onChange={(ci) => {
          if (ci) setCis((current) => [...current, ci]);
        }}
      />
      {cis.length > 0 && (
        <ul className="incident-cis" aria-label="Affected CIs">
          {cis.map((ci) => (
            <li key={ci.id}>
              <Link to={ciPath(ci.id)} target="_blank" rel="noreferrer">
                {ci.name}
              </Link>
              <span className="muted small">{classLabel(ci.class)}</span>
              <button
                type="button"
                className="button-link"
                aria-label={`Remove ${ci.name}`}
                onClick={() => setCis((current) => current.filter((other) => other.id !== ci.id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Recording…' : 'Record incident'}
        </button>
      </div>
    </form>
  );
}
