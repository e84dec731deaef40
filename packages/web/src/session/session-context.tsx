import type { Permission } from '@slipway/model';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage, isApiError } from '../api/errors.js';
import { createSlipwayApi, type SlipwayApi } from '../api/slipway-api.js';
import type { SessionInfo } from '../api/types.js';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; notice: string | null }
  | { status: 'signed-in'; session: SessionInfo };

export interface SessionContextValue {
  state: SessionState;
  api: SlipwayApi;
  /** Whether the signed-in user's roles grant the permission (false when signed out). */
  can(permission: Permission): boolean;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Forget the session locally (the server already ended it), showing `notice` on the login page. */
  endSession(notice: string): void;
  /** Asks the server for the session again, after a change to what it grants (a break-glass elevation). */
  refreshSession(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

/** Set by the server at sign-in (see auth.routes.ts); readable by the app, it holds no secret. */
const SIGNED_IN_HINT_COOKIE = 'slipway_signed_in';

/**
 * Owns the browser session: asks the server who is signed in on load, keeps the CSRF token for
 * the API client, and drops to the login page when the server says the session has ended.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  // The API client reads these at request time; a ref avoids recreating it on every change.
  const csrfRef = useRef<string | null>(null);
  const signedInRef = useRef(false);

  const apply = useCallback((next: SessionState) => {
    csrfRef.current = next.status === 'signed-in' ? next.session.csrfToken : null;
    signedInRef.current = next.status === 'signed-in';
    setState(next);
  }, []);

  const api = useMemo(
    () =>
      createSlipwayApi({
        csrfToken: () => csrfRef.current,
        onUnauthenticated: () => {
          // Only a session we believed in can "end"; the probe on load is expected to fail.
          if (signedInRef.current) {
            apply({ status: 'signed-out', notice: 'Your session has ended. Sign in again to continue.' });
          }
        },
      }),
    [apply],
  );

  useEffect(() => {
    let cancelled = false;
    // The server sets this readable hint beside the HttpOnly session cookie at sign-in (and clears
    // it with the session). Without it there is no session to ask about, and asking would put a
    // 401 in the browser console.
    if (!document.cookie.split(';').some((c) => c.trim().startsWith(`${SIGNED_IN_HINT_COOKIE}=`))) {
      apply({ status: 'signed-out', notice: null });
      return;
    }
    api.auth
      .session()
      .then((session) => {
        if (!cancelled) apply({ status: 'signed-in', session });
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        const notice = isApiError(error, 'UNAUTHENTICATED')
          ? null
          : `Could not check your session: ${errorMessage(error)}`;
        apply({ status: 'signed-out', notice });
      });
    return () => {
      cancelled = true;
    };
  }, [api, apply]);

  const value = useMemo<SessionContextValue>(() => {
    // Strings, not the Permission union: a server newer than this UI may grant permissions it does not know.
    const permissions = new Set<string>(state.status === 'signed-in' ? state.session.permissions : []);
    return {
      state,
      api,
      can: (permission) => permissions.has(permission),
      signIn: async (username, password) => {
        const { expiresAt: _expiresAt, ...session } = await api.auth.login(username, password);
        apply({ status: 'signed-in', session });
      },
      signOut: async () => {
        try {
          await api.auth.logout();
        } catch (error) {
          // An already ended session is signed out all the same; anything else is worth showing.
          if (!isApiError(error, 'UNAUTHENTICATED')) throw error;
        }
        apply({ status: 'signed-out', notice: 'You have signed out.' });
      },
      endSession: (notice) => apply({ status: 'signed-out', notice }),
      refreshSession: async () => {
        apply({ status: 'signed-in', session: await api.auth.session() });
      },
    };
  }, [state, api, apply]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}

/** The signed-in session; only for components rendered behind <RequireSession>. */
export function useSignedIn(): SessionInfo {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useSignedIn used outside a signed-in page');
  return state.session;
}
