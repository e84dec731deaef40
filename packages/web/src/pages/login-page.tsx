import { type FormEvent, useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { errorMessage, SlipwayApiError } from '../api/errors.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useSession } from '../session/session-context.js';

/** What to tell a person whose sign-in failed; the server's message already never says whether the user exists. */
function loginFailure(error: unknown): string {
  if (!(error instanceof SlipwayApiError)) return errorMessage(error);
  if (error.code === 'LOGIN_THROTTLED') {
    const seconds = error.details.retryAfterSeconds;
    const wait = typeof seconds === 'number' ? ` Wait ${seconds} seconds before the next try.` : '';
    return `Too many failed sign-ins for this account name.${wait} Repeated failures lock the account for a while.`;
  }
  return error.message;
}

function redirectTarget(state: unknown): string {
  if (typeof state === 'object' && state !== null && 'from' in state) {
    const from = (state as { from: unknown }).from;
    // Only paths inside this app: never let a crafted link send a user elsewhere after sign-in.
    if (typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') && from !== '/login') return from;
  }
  return '/';
}

export function LoginPage() {
  useDocumentTitle('Sign in');
  const { state, signIn } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (state.status === 'signed-in') return <Navigate to={redirectTarget(location.state)} replace />;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username.trim(), password);
      navigate(redirectTarget(location.state), { replace: true });
    } catch (failure) {
      setError(loginFailure(failure));
      setPassword('');
      setBusy(false);
    }
  }

  const notice = state.status === 'signed-out' ? state.notice : null;
  return (
    <main className="login" id="main">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="login-brand">
          <img src="/favicon.svg" alt="" width="40" height="40" />
          <div>
            <h1 id="login-title">Sign in to Slipway</h1>
            <p className="muted">Release management with a CMDB at its centre</p>
          </div>
        </div>
        {notice && !error && (
          <p className="notice notice-info" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        )}
        <label htmlFor="login-username">Username</label>
        <input
          id="login-username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <label htmlFor="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <button type="submit" className="button-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          Scripts and the CLI use API tokens instead: create one under My account after signing in.
        </p>
      </form>
    </main>
  );
}
