import { ROLE_DESCRIPTIONS } from '@slipway/model';
import { type FormEvent, useCallback, useState } from 'react';
import type { ApiToken, CreatedToken } from '../api/types.js';
import { BreakGlassSection } from '../components/break-glass-section.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { roleLabel } from '../components/role-list.js';
import { SecretReveal } from '../components/secret-reveal.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

const TOKEN_PAGE_SIZE = 20;
const EXPIRY_CHOICES = [7, 30, 90, 180, 366] as const;

export function AccountPage() {
  useDocumentTitle('My account');
  return (
    <section className="page" aria-labelledby="account-title">
      <h1 id="account-title">My account</h1>
      <div className="card-grid">
        <MyDetails />
        <ChangePassword />
      </div>
      <MyTokens />
      <BreakGlassSection />
    </section>
  );
}

function MyDetails() {
  const { api } = useSession();
  const load = useCallback((signal: AbortSignal) => api.users.me(signal), [api]);
  const { data: user, error, reload } = useLoad(load);
  return (
    <section className="card" aria-labelledby="details-title">
      <h2 id="details-title">My details</h2>
      <ErrorNotice error={error} onRetry={reload} />
      {user && (
        <dl className="details">
          <dt>Username</dt>
          <dd>{user.username}</dd>
          <dt>Name</dt>
          <dd>{user.displayName}</dd>
          <dt>E-mail</dt>
          <dd>{user.email ?? <span className="muted">none</span>}</dd>
          <dt>Roles</dt>
          <dd>
            <ul className="plain">
              {user.roles.map((role) => (
                <li key={role}>
                  <strong>{roleLabel(role)}</strong> <span className="muted">— {ROLE_DESCRIPTIONS[role]}</span>
                </li>
              ))}
            </ul>
          </dd>
          <dt>Last sign-in</dt>
          <dd>
            <DateTime value={user.lastLoginAt} empty="never" />
          </dd>
          <dt>Account created</dt>
          <dd>
            <DateTime value={user.createdAt} />
          </dd>
        </dl>
      )}
    </section>
  );
}

function ChangePassword() {
  const { api, endSession } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(undefined);
    if (next !== confirm) {
      setError(new Error('The new password and its confirmation differ.'));
      return;
    }
    setBusy(true);
    try {
      await api.users.changeOwnPassword(current, next);
      // The server ends every session of the account, this one included (new credentials, new sessions).
      endSession('Your password was changed and every session signed out. Sign in with the new password.');
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Change my password</h2>
      <form onSubmit={submit} className="form">
        <ErrorNotice error={error} />
        <label htmlFor="pw-current">Current password</label>
        <input
          id="pw-current"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(event) => setCurrent(event.target.value)}
        />
        <label htmlFor="pw-new">New password</label>
        <input
          id="pw-new"
          type="password"
          autoComplete="new-password"
          required
          aria-describedby="pw-new-help"
          value={next}
          onChange={(event) => setNext(event.target.value)}
        />
        <p id="pw-new-help" className="muted small">
          Long and uncommon is best; it must not contain your username. Changing it signs you out everywhere.
        </p>
        <label htmlFor="pw-confirm">Confirm new password</label>
        <input
          id="pw-confirm"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(event) => setConfirm(event.target.value)}
        />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}

function tokenState(token: ApiToken, now: number): { label: string; className: string } {
  if (token.revokedAt) return { label: 'revoked', className: 'status-off' };
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return { label: 'expired', className: 'status-off' };
  return { label: 'active', className: 'status-on' };
}

function MyTokens() {
  const { api } = useSession();
  const pages = useCursorPages();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const { cursor } = pages;
  const load = useCallback(
    (signal: AbortSignal) => api.tokens.list({ limit: TOKEN_PAGE_SIZE, cursor, includeRevoked }, signal),
    [api, cursor, includeRevoked],
  );
  const { data, error, loading, reload } = useLoad(load);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [message, setMessage] = useState('');
  const now = Date.now();

  async function revoke(token: ApiToken) {
    setActionError(undefined);
    try {
      await api.tokens.revoke(token.id);
      setConfirming(null);
      setMessage(`Token “${token.name}” revoked; it stops working at once.`);
      if (created?.id === token.id) setCreated(null);
      reload();
    } catch (failure) {
      setActionError(failure);
    }
  }

  return (
    <section className="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">My API tokens</h2>
      <p className="muted">
        Tokens let scripts and the <code>slipway</code> CLI act as you: send one as{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>. Slipway stores only a hash of each token.
      </p>
      <CreateToken
        onCreated={(token) => {
          setCreated(token);
          setMessage('');
          pages.reset();
          reload();
        }}
      />
      {created && (
        <SecretReveal
          label={`New token “${created.name}”`}
          value={created.secret}
          explanation="Copy it now: Slipway shows a token only once and cannot show it again."
        />
      )}
      <div className="toolbar">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={includeRevoked}
            onChange={(event) => {
              setIncludeRevoked(event.target.checked);
              pages.reset();
            }}
          />
          Show revoked tokens
        </label>
        <p className="toolbar-status" aria-live="polite">
          {message}
        </p>
      </div>
      <ErrorNotice error={actionError} />
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading}>
          <caption className="visually-hidden">My API tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  No tokens yet. Create one above.
                </td>
              </tr>
            )}
            {data?.items.map((token) => {
              const state = tokenState(token, now);
              return (
                <tr key={token.id}>
                  <th scope="row">{token.name}</th>
                  <td>
                    <code>{token.prefix}…</code>
                  </td>
                  <td>
                    <DateTime value={token.createdAt} />
                  </td>
                  <td>
                    <DateTime value={token.expiresAt} empty="never" />
                  </td>
                  <td>
                    <DateTime value={token.lastUsedAt} empty="never" />
                  </td>
                  <td>
                    <span className={`status ${state.className}`}>{state.label}</span>
                  </td>
                  <td className="row-actions">
                    {!token.revokedAt && confirming !== token.id && (
                      <button
                        type="button"
                        className="button-secondary"
                        onClick={() => setConfirming(token.id)}
                        aria-label={`Revoke token ${token.name}`}
                      >
                        Revoke
                      </button>
                    )}
                    {confirming === token.id && (
                      <>
                        <button
                          type="button"
                          className="button-danger"
                          onClick={() => revoke(token)}
                          aria-label={`Confirm revoking token ${token.name}`}
                        >
                          Confirm revoke
                        </button>
                        <button type="button" className="button-secondary" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="Token pages" />
    </section>
  );
}

function CreateToken({ onCreated }: { onCreated: (token: CreatedToken) => void }) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [days, setDays] = useState<number>(90);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const token = await api.tokens.create(name.trim(), days);
      setName('');
      onCreated(token);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Create an API token">
      <div className="field">
        <label htmlFor="token-name">Token name</label>
        <input
          id="token-name"
          required
          maxLength={100}
          placeholder="e.g. deploy pipeline"
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="token-expiry">Expires after</label>
        <select id="token-expiry" value={days} onChange={(event) => setDays(Number(event.target.value))}>
          {EXPIRY_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {choice} days
            </option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create token'}
      </button>
      {error !== undefined && (
        <div className="field-wide">
          <ErrorNotice error={error} />
        </div>
      )}
    </form>
  );
}
