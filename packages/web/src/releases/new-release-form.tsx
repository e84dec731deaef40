import { RELEASE_ELEMENTS, RELEASE_TYPES, type ReleaseElement, type ReleaseType } from '@slipway/model';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { fromLocalInput } from '../changes/local-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';
import { releasePath } from './release-badges.js';

/** Create a release (from its element's template); the release page takes it from there. */
export function NewReleaseForm({ onCancel }: { onCancel: () => void }) {
  const { api } = useSession();
  const navigate = useNavigate();
  const [values, setValues] = useState({
    type: 'minor' as ReleaseType,
    element: 'server' as ReleaseElement,
    unit: '',
    releaseVersion: '',
    title: '',
    start: '',
    end: '',
  });
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof values) => (value: string) => setValues((current) => ({ ...current, [key]: value }));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.releases.create({
        type: values.type,
        element: values.element,
        unit: values.unit.trim(),
        releaseVersion: values.releaseVersion.trim(),
        title: values.title.trim(),
        plannedStart: fromLocalInput(values.start),
        plannedEnd: fromLocalInput(values.end),
      });
      navigate(releasePath(created.id));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <form className="card form" onSubmit={submit} aria-label="New release">
      <h2>New release</h2>
      <div className="inline-fields">
        <div className="field">
          <label htmlFor="release-type">Type</label>
          <select id="release-type" value={values.type} onChange={(event) => set('type')(event.target.value)}>
            {RELEASE_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="release-element">Release element</label>
          <select id="release-element" value={values.element} onChange={(event) => set('element')(event.target.value)}>
            {RELEASE_ELEMENTS.map((element) => (
              <option key={element} value={element}>
                {element.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="release-unit">Release unit</label>
          <input
            id="release-unit"
            required
            maxLength={200}
            placeholder="e.g. payroll"
            value={values.unit}
            onChange={(event) => set('unit')(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="release-version">Version</label>
          <input
            id="release-version"
            required
            maxLength={100}
            size={10}
            placeholder="e.g. 4.2.0"
            value={values.releaseVersion}
            onChange={(event) => set('releaseVersion')(event.target.value)}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor="release-title">Title</label>
        <input
          id="release-title"
          required
          maxLength={200}
          value={values.title}
          onChange={(event) => set('title')(event.target.value)}
        />
      </div>
      <div className="inline-fields">
        <div className="field">
          <label htmlFor="release-start">Planned start</label>
          <input
            id="release-start"
            type="datetime-local"
            value={values.start}
            onChange={(event) => set('start')(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="release-end">Planned end</label>
          <input
            id="release-end"
            type="datetime-local"
            value={values.end}
            onChange={(event) => set('end')(event.target.value)}
          />
        </div>
      </div>
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          Create release
        </button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
