import {
  BREAK_GLASS_DEFAULT_MINUTES,
  BREAK_GLASS_MAX_MINUTES,
  BREAK_GLASS_REASON_MAX,
  BREAK_GLASS_REASON_MIN,
} from '@slipway/model';
import { type FormEvent, useCallback, useState } from 'react';
import type { BreakGlassElevation } from '../api/types.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession, useSignedIn } from '../session/session-context.js';
import { DateTime } from './date-time.js';
import { ErrorNotice } from './error-notice.js';
import { Pager } from './pager.js';

const HISTORY_PAGE_SIZE = 10;

/**
 * Break-glass on the account page: admins (`break_glass.use`) start an elevation of their own
 * account here, and admins and auditors (`break_glass.read`) see every elevation. Ending one is
 * the banner's job (break-glass-banner.tsx), shown on every page while it lasts.
 */
export function BreakGlassSection() {
  const { can } = useSession();
  const canUse = can('break_glass.use');
  const canRead = can('break_glass.read');
  const [started, setStarted] = useState(0);
  if (!canUse && !canRead) return null;
  return (
    <section className="card" aria-labelledby="break-glass-title">
      <h2 id="break-glass-title">Break-glass</h2>
      {canUse && <StartBreakGlass onStarted={() => setStarted((count) => count + 1)} />}
      {/* Keyed by the starts, so a new elevation shows at once (on the first page). */}
      {canRead && <BreakGlassHistory key={started} />}
    </section>
  );
}

function StartBreakGlass({ onStarted }: { onStarted: () => void }) {
  const { api, refreshSession } = useSession();
  const active = useSignedIn().breakGlass;
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState<number>(BREAK_GLASS_DEFAULT_MINUTES);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.auth.startBreakGlass(reason.trim(), minutes);
      setReason('');
      // The session now grants every permission and carries the elevation: the banner appears.
      await refreshSession();
      onStarted();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  if (active) {
    return (
      <p className="notice notice-info">
        Elevation {active.id} is active until <DateTime value={active.expiresAt} />; end it from the banner at the top
        of the page as soon as the emergency is over.
      </p>
    );
  }
  const length = reason.trim().length;
  return (
    <form className="form" onSubmit={submit} aria-label="Start a break-glass elevation">
      <p className="notice notice-error">
        For emergencies only. For the minutes you choose you hold every permission and segregation of duties does not
        stop you; every action you take is flagged in the audit trail with your reason, and other administrators and
        auditors see the elevation below.
      </p>
      <label htmlFor="break-glass-reason">Reason</label>
      <textarea
        id="break-glass-reason"
        required
        rows={3}
        maxLength={BREAK_GLASS_REASON_MAX}
        aria-describedby="break-glass-reason-help"
        value={reason}
        onChange={(event) => setReason(event.target.value)}
      />
      <p id="break-glass-reason-help" className="muted small">
        The emergency, stated anew each time: incident or change number and what must be done. At least{' '}
        {BREAK_GLASS_REASON_MIN} characters ({length} so far).
      </p>
      <label htmlFor="break-glass-minutes">Minutes</label>
      <input
        id="break-glass-minutes"
        type="number"
        required
        min={1}
        max={BREAK_GLASS_MAX_MINUTES}
        step={1}
        aria-describedby="break-glass-minutes-help"
        value={minutes}
        onChange={(event) => setMinutes(event.target.valueAsNumber)}
      />
      <p id="break-glass-minutes-help" className="muted small">
        1 to {BREAK_GLASS_MAX_MINUTES}; the elevation ends by itself after that.
      </p>
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" className="button-danger" disabled={busy}>
          {busy ? 'Starting…' : 'Start break-glass elevation'}
        </button>
      </div>
    </form>
  );
}

function elevationState(elevation: BreakGlassElevation): { label: string; className: string } {
  if (elevation.active) return { label: 'active', className: 'status-on' };
  return { label: elevation.endReason === 'expired' ? 'expired' : 'ended', className: 'status-off' };
}

function BreakGlassHistory() {
  const { api } = useSession();
  const pages = useCursorPages();
  const { cursor } = pages;
  const load = useCallback(
    (signal: AbortSignal) => api.auth.breakGlassHistory({ limit: HISTORY_PAGE_SIZE, cursor }, signal),
    [api, cursor],
  );
  const { data, error, loading, reload } = useLoad(load);
  return (
    <>
      <h3>Recent elevations</h3>
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading}>
          <caption className="visually-hidden">Recent break-glass elevations</caption>
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Reason</th>
              <th scope="col">Started</th>
              <th scope="col">Until</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  Nobody has used break-glass yet.
                </td>
              </tr>
            )}
            {data?.items.map((elevation) => {
              const state = elevationState(elevation);
              return (
                <tr key={elevation.id}>
                  <th scope="row">{elevation.username}</th>
                  <td>{elevation.reason}</td>
                  <td>
                    <DateTime value={elevation.startedAt} />
                  </td>
                  <td>
                    <DateTime value={elevation.endedAt ?? elevation.expiresAt} />
                  </td>
                  <td>
                    <span className={`status ${state.className}`}>{state.label}</span>
                    {elevation.endedBy && <span className="muted small"> by {elevation.endedBy}</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="Elevation pages" />
    </>
  );
}
