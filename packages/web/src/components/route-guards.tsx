import type { Permission } from '@slipway/model';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../session/session-context.js';

/** Pages behind it need a session; without one the user goes to the login page and comes back after. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') {
    return (
      <p className="loading-screen" aria-live="polite">
        Loading Slipway…
      </p>
    );
  }
  if (state.status === 'signed-out') {
    return <Navigate to="/login" replace state={{ from: `${location.pathname}${location.search}` }} />;
  }
  return children;
}

/** A page whose data needs a permission: says so plainly instead of showing an empty page. */
export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const { can } = useSession();
  if (!can(permission)) {
    return (
      <section className="page">
        <h1>Not available to you</h1>
        <p>
          This page needs the <code>{permission}</code> permission, which your roles do not grant. Ask an administrator
          if you need it.
        </p>
      </section>
    );
  }
  return children;
}
