import { useCallback, useState } from 'react';
import type { Reservation } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { ReserveForm } from '../library/reserve-form.js';
import { StockTable } from '../library/stock-table.js';
import { useSession } from '../session/session-context.js';

/** The hardware store: stock by model and by site with low-stock flags, and reservations for releases. */
export function HardwarePage() {
  useDocumentTitle('Hardware store');
  const { api, can } = useSession();
  const [lowOnly, setLowOnly] = useState(false);
  const [state, setState] = useState<'active' | ''>('active');
  const pages = useCursorPages();
  const { cursor } = pages;
  const loadStock = useCallback(
    (signal: AbortSignal) =>
      Promise.all([
        api.library.hardware.stock({ low: lowOnly }, signal),
        api.library.hardware.models(signal),
        api.library.hardware.sites(signal),
      ]),
    [api, lowOnly],
  );
  const stock = useLoad(loadStock);
  const loadReservations = useCallback(
    (signal: AbortSignal) => api.library.hardware.reservations({ limit: 25, cursor, state }, signal),
    [api, cursor, state],
  );
  const reservations = useLoad(loadReservations);
  const [error, setError] = useState<unknown>(undefined);
  const [levels, models, sites] = stock.data ?? [];
  const modelName = new Map((models?.items ?? []).map((model) => [model.id, model.name]));
  const siteName = new Map((sites?.items ?? []).map((site) => [site.id, site.code]));

  async function release(reservation: Reservation) {
    setError(undefined);
    try {
      await api.library.hardware.releaseReservation(reservation);
      reservations.reload();
      stock.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <section className="page" aria-labelledby="hardware-title">
      <div className="page-head">
        <h1 id="hardware-title">Hardware store</h1>
      </div>
      <div className="checkbox-row">
        <input id="low-only" type="checkbox" checked={lowOnly} onChange={(event) => setLowOnly(event.target.checked)} />
        <label htmlFor="low-only">Only models below their low-stock threshold</label>
      </div>
      <ErrorNotice error={stock.error} onRetry={stock.reload} />
      <div className="stock-tables">
        <StockTable caption="Stock by model (all sites)" levels={levels?.byModel ?? []} bySite={false} />
        <StockTable caption="Stock by site and model" levels={levels?.bySite ?? []} bySite />
      </div>
      <section aria-labelledby="reservations-title">
        <h2 id="reservations-title">Reservations for releases</h2>
        {can('hardware.write') && (
          <ReserveForm
            models={models?.items ?? []}
            sites={sites?.items ?? []}
            onReserved={() => {
              reservations.reload();
              stock.reload();
            }}
          />
        )}
        <div className="filters">
          <div className="field">
            <label htmlFor="reservation-state">Reservations</label>
            <select
              id="reservation-state"
              value={state}
              onChange={(event) => {
                setState(event.target.value as 'active' | '');
                pages.reset();
              }}
            >
              <option value="active">active</option>
              <option value="">all</option>
            </select>
          </div>
        </div>
        <ErrorNotice error={reservations.error} onRetry={reservations.reload} />
        <ErrorNotice error={error} />
        <div className="table-wrap">
          <table aria-busy={reservations.loading} className="reservation-table">
            <caption className="visually-hidden">Reservations</caption>
            <thead>
              <tr>
                <th scope="col">Reservation</th>
                <th scope="col">Release</th>
                <th scope="col">State</th>
                <th scope="col">Lines</th>
                <th scope="col">Items</th>
                <th scope="col">By</th>
                {can('hardware.write') && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {reservations.data?.items.length === 0 && (
                <tr>
                  <td colSpan={7} className="empty">
                    No reservation.
                  </td>
                </tr>
              )}
              {reservations.data?.items.map((reservation) => (
                <tr key={reservation.id}>
                  <th scope="row">
                    #{reservation.id}
                    {reservation.note && <div className="small muted">{reservation.note}</div>}
                  </th>
                  <td>release {reservation.releaseId}</td>
                  <td>{reservation.state}</td>
                  <td>
                    {reservation.lines.map((line) => (
                      <div key={`${line.modelId}-${line.siteId}`}>
                        {line.quantity} × {modelName.get(line.modelId) ?? `model ${line.modelId}`} at{' '}
                        {siteName.get(line.siteId) ?? `site ${line.siteId}`}
                      </div>
                    ))}
                  </td>
                  <td className="numeric">{reservation.itemIds.length}</td>
                  <td>
                    {reservation.createdBy}, <DateTime value={reservation.createdAt} />
                  </td>
                  {can('hardware.write') && (
                    <td>
                      {reservation.state === 'active' && (
                        <button type="button" className="button-secondary" onClick={() => void release(reservation)}>
                          Release #{reservation.id}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager pages={pages} next={reservations.data?.next} label="Reservation pages" />
      </section>
    </section>
  );
}
