import { useState } from 'react';
import { NavLink, Outlet } from 'react-router';
import { useSession, useSignedIn } from '../session/session-context.js';
import { BreakGlassBanner } from './break-glass-banner.js';
import { ErrorNotice } from './error-notice.js';
import { NAVIGATION } from './navigation.js';
import { RoleList } from './role-list.js';

const ACCOUNT_PATH = '/account';

/** Header, navigation filtered by the user's permissions, sign-out, and the page below. */
export function AppShell() {
  const { can, signOut } = useSession();
  const { user } = useSignedIn();
  const [signOutError, setSignOutError] = useState<unknown>(undefined);
  const [signingOut, setSigningOut] = useState(false);

  async function handleSignOut() {
    setSigningOut(true);
    setSignOutError(undefined);
    try {
      await signOut();
    } catch (error) {
      setSignOutError(error);
      setSigningOut(false);
    }
  }

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="Slipway home">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>Slipway</span>
        </NavLink>
        <nav aria-label="Main" className="main-nav">
          <ul>
            {NAVIGATION.filter((item) => item.to !== ACCOUNT_PATH && can(item.permission)).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <div className="who-text">
            {/* The account page lives under the name, which keeps the main navigation on one line at 1280 px. */}
            <NavLink to={ACCOUNT_PATH} className="who-name" aria-label={`My account (${user.displayName})`}>
              {user.displayName}
            </NavLink>
            <RoleList roles={user.roles} />
          </div>
          <button type="button" className="button-secondary" onClick={handleSignOut} disabled={signingOut}>
            Sign out
          </button>
        </div>
      </header>
      {signOutError !== undefined && (
        <div className="content">
          <ErrorNotice error={signOutError} />
        </div>
      )}
      <main id="main" className="content" tabIndex={-1}>
        <BreakGlassBanner />
        <Outlet />
      </main>
    </div>
  );
}
