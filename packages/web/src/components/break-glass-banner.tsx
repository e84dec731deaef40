import { useEffect, useState } from 'react';
import { useSession, useSignedIn } from '../session/session-context.js';
import { ErrorNotice } from './error-notice.js';

const TICK_MS = 15_000;

function minutesLeft(expiresAt: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 60_000));
}

/**
 * Shown on every page while the signed-in admin acts under a break-glass elevation: that they
 * hold every permission, that what they do is flagged in the audit trail, how long is left, and
 * a way to end it now.
 */
export function BreakGlassBanner() {
  const { api } = useSession();
  const { breakGlass } = useSignedIn();
  const [now, setNow] = useState(() => Date.now());
  const [ending, setEnding] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    if (!breakGlass) return;
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [breakGlass]);
  if (!breakGlass) return null;
  const left = minutesLeft(breakGlass.expiresAt, now);

  async function endNow() {
    setEnding(true);
    setError(undefined);
    try {
      await api.auth.endBreakGlass();
      // The session's permissions change with it: load them again.
      window.location.reload();
    } catch (failure) {
      setError(failure);
      setEnding(false);
    }
  }

  return (
    <div className="notice notice-error break-glass-banner" role="status">
      <strong>Break-glass elevation {breakGlass.id}</strong>{' '}
      {left > 0 ? (
        <>
          active, {left} min left. You hold every permission and segregation of duties does not stop you; everything you
          do is flagged in the audit trail with the reason “{breakGlass.reason}”.{' '}
          <button type="button" className="button-secondary" onClick={endNow} disabled={ending}>
            End now
          </button>
        </>
      ) : (
        <>has expired; reload the page.</>
      )}
      {error !== undefined && <ErrorNotice error={error} />}
    </div>
  );
}
