import { type FormEvent, useState } from 'react';
import type { HardwareModel, HardwareSite } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';

/** Reserve stock of one model at one site for a release; a shortage answers 409 naming the line. */
export function ReserveForm({
  models,
  sites,
  onReserved,
}: {
  models: HardwareModel[];
  sites: HardwareSite[];
  onReserved: () => void;
}) {
  const { api } = useSession();
  const [values, setValues] = useState({ releaseId: '', modelId: '', siteId: '', quantity: '1', note: '' });
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof values) => (value: string) => setValues((current) => ({ ...current, [key]: value }));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.library.hardware.reserve(
        Number(values.releaseId),
        [{ modelId: Number(values.modelId), siteId: Number(values.siteId), quantity: Number(values.quantity) }],
        values.note.trim(),
      );
      setValues((current) => ({ ...current, quantity: '1', note: '' }));
      onReserved();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="filters" onSubmit={submit} aria-label="Reserve stock">
      <div className="field">
        <label htmlFor="reserve-release">Release id</label>
        <input
          id="reserve-release"
          type="number"
          min={1}
          required
          size={6}
          value={values.releaseId}
          onChange={(event) => set('releaseId')(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="reserve-model">Model</label>
        <select
          id="reserve-model"
          required
          value={values.modelId}
          onChange={(event) => set('modelId')(event.target.value)}
        >
          <option value="">choose</option>
          {models.map((model) => (
            <option key={model.id} value={model.id}>
              {model.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="reserve-site">Site</label>
        <select
          id="reserve-site"
          required
          value={values.siteId}
          onChange={(event) => set('siteId')(event.target.value)}
        >
          <option value="">choose</option>
          {sites.map((site) => (
            <option key={site.id} value={site.id}>
              {site.code} — {site.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="reserve-quantity">Quantity</label>
        <input
          id="reserve-quantity"
          type="number"
          min={1}
          max={100000}
          required
          size={5}
          value={values.quantity}
          onChange={(event) => set('quantity')(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="reserve-note">Note</label>
        <input
          id="reserve-note"
          maxLength={2000}
          value={values.note}
          onChange={(event) => set('note')(event.target.value)}
        />
      </div>
      <button type="submit" disabled={busy}>
        Reserve
      </button>
      <div className="field-wide">
        <ErrorNotice error={error} />
      </div>
    </form>
  );
}
