import { ROLES, type Role } from '@slipway/model';
import { type FormEvent, Fragment, useCallback, useState } from 'react';
import { Link } from 'react-router';
import { SlipwayApiError } from '../api/errors.js';
import type { CreatedUser, User } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { RoleList, roleLabel } from '../components/role-list.js';
import { RolePicker } from '../components/role-picker.js';
import { SecretReveal } from '../components/secret-reveal.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession, useSignedIn } from '../session/session-context.js';

const PAGE_SIZE = 20;

export function UsersPage() {
  useDocumentTitle('Users');
  const { api, can } = useSession();
  const me = useSignedIn().user;
  const canWrite = can('users.write');
  const pages = useCursorPages();
  const [filters, setFilters] = useState<{ q: string; role: Role | '' }>({ q: '', role: '' });
  const [draft, setDraft] = useState(filters);
  const { cursor } = pages;
  const load = useCallback(
    (signal: AbortSignal) => api.users.list({ limit: PAGE_SIZE, cursor, q: filters.q, role: filters.role }, signal),
    [api, cursor, filters],
  );
  const { data, error, loading, reload } = useLoad(load);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedUser | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [message, setMessage] = useState('');

  function applyFilters(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFilters({ q: draft.q.trim(), role: draft.role });
    pages.reset();
  }

  async function change(user: User, changes: { roles?: Role[]; disabled?: boolean }, done: string) {
    setActionError(undefined);
    setMessage('');
    try {
      await api.users.update(user, changes);
      setEditing(null);
      setMessage(done);
    } catch (failure) {
      setActionError(failure);
    } finally {
      // Reload either way: after a 412 the row must show what the other writer left.
      reload();
    }
  }

  return (
    <section className="page" aria-labelledby="users-title">
      <div className="page-head">
        <h1 id="users-title">Users</h1>
        <div className="actions head-actions">
          {can('teams.admin') && <Link to="/teams">Teams</Link>}
          {canWrite && !creating && (
            <button type="button" onClick={() => setCreating(true)}>
              New user
            </button>
          )}
        </div>
      </div>
      {!canWrite && <p className="muted">You can read the user list; only administrators change it.</p>}
      {canWrite && creating && (
        <CreateUser
          onCancel={() => setCreating(false)}
          onCreated={(user) => {
            setCreated(user);
            setCreating(false);
            setMessage(`User ${user.username} created.`);
            reload();
          }}
        />
      )}
      {created?.initialPassword && (
        <SecretReveal
          label={`Initial password for ${created.username}`}
          value={created.initialPassword}
          explanation="Give it to them over a safe channel; Slipway shows it only once. They can change it under My account."
        />
      )}
      <form className="filters" onSubmit={applyFilters} aria-label="Filter users">
        <div className="field">
          <label htmlFor="users-q">Name contains</label>
          <input
            id="users-q"
            type="search"
            value={draft.q}
            maxLength={100}
            onChange={(event) => setDraft({ ...draft, q: event.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="users-role">Role</label>
          <select
            id="users-role"
            value={draft.role}
            onChange={(event) => setDraft({ ...draft, role: event.target.value as Role | '' })}
          >
            <option value="">any role</option>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {roleLabel(role)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button-secondary">
          Filter
        </button>
      </form>
      <p className="toolbar-status" aria-live="polite">
        {message}
      </p>
      <ErrorNotice error={actionError} />
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading}>
          <caption className="visually-hidden">Users</caption>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Name</th>
              <th scope="col" className="narrow-hidden">
                E-mail
              </th>
              <th scope="col">Roles</th>
              <th scope="col">State</th>
              <th scope="col">Last sign-in</th>
              {canWrite && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={canWrite ? 7 : 6} className="empty">
                  No users match.
                </td>
              </tr>
            )}
            {data?.items.map((user) => (
              <Fragment key={user.id}>
                <tr>
                  <th scope="row">
                    {user.username}
                    {user.id === me.id && <span className="muted"> (you)</span>}
                  </th>
                  <td>{user.displayName}</td>
                  <td className="narrow-hidden">{user.email ?? <span className="muted">—</span>}</td>
                  <td>
                    <RoleList roles={user.roles} />
                  </td>
                  <td>
                    <span className={`status ${user.disabled ? 'status-off' : 'status-on'}`}>
                      {user.disabled ? 'disabled' : 'active'}
                    </span>
                    {!user.hasPassword && <span className="muted small"> tokens only</span>}
                  </td>
                  <td>
                    <DateTime value={user.lastLoginAt} empty="never" />
                  </td>
                  {canWrite && (
                    <td className="row-actions">
                      {/* Nobody changes their own roles (the server refuses; break-glass is the emergency route). */}
                      {user.id !== me.id && (
                        <button
                          type="button"
                          className="button-secondary"
                          aria-expanded={editing === user.id}
                          aria-label={`Edit roles of ${user.username}`}
                          onClick={() => setEditing(editing === user.id ? null : user.id)}
                        >
                          Edit roles
                        </button>
                      )}
                      {user.id !== me.id && (
                        <button
                          type="button"
                          className={user.disabled ? 'button-secondary' : 'button-danger'}
                          aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.username}`}
                          onClick={() =>
                            change(
                              user,
                              { disabled: !user.disabled },
                              user.disabled
                                ? `${user.username} can sign in again.`
                                : `${user.username} is disabled and signed out everywhere.`,
                            )
                          }
                        >
                          {user.disabled ? 'Enable' : 'Disable'}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
                {editing === user.id && (
                  <tr className="expanded">
                    <td colSpan={7}>
                      <EditRoles
                        user={user}
                        onCancel={() => setEditing(null)}
                        onSave={(roles) => change(user, { roles }, `Roles of ${user.username} saved.`)}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="User pages" />
    </section>
  );
}

function EditRoles({
  user,
  onSave,
  onCancel,
}: {
  user: User;
  onSave: (roles: Role[]) => Promise<void>;
  onCancel: () => void;
}) {
  const [roles, setRoles] = useState<Role[]>(user.roles);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="form"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        await onSave(roles);
        setBusy(false);
      }}
    >
      <RolePicker legend={`Roles of ${user.username}`} value={roles} onChange={setRoles} />
      {roles.length === 0 && <p className="muted">A user needs at least one role.</p>}
      <div className="actions">
        <button type="submit" disabled={busy || roles.length === 0}>
          Save roles
        </button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

type PasswordChoice = 'generate' | 'set';

function CreateUser({ onCreated, onCancel }: { onCreated: (user: CreatedUser) => void; onCancel: () => void }) {
  const { api } = useSession();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [roles, setRoles] = useState<Role[]>(['engineer']);
  const [passwordChoice, setPasswordChoice] = useState<PasswordChoice>('generate');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(undefined);
    if (roles.length === 0) {
      setError(new Error('Choose at least one role.'));
      return;
    }
    setBusy(true);
    try {
      const user = await api.users.create({
        username: username.trim().toLowerCase(),
        roles,
        ...(displayName.trim() && { displayName: displayName.trim() }),
        ...(email.trim() && { email: email.trim() }),
        ...(passwordChoice === 'set' && { password }),
      });
      onCreated(user);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  const fieldError = error instanceof SlipwayApiError ? error.details.field : undefined;
  return (
    <section className="card" aria-labelledby="new-user-title">
      <h2 id="new-user-title">New user</h2>
      <form className="form" onSubmit={submit}>
        <ErrorNotice error={error} />
        <div className="grid-2">
          <div className="field">
            <label htmlFor="new-username">Username</label>
            <input
              id="new-username"
              required
              minLength={2}
              maxLength={63}
              autoCapitalize="none"
              spellCheck={false}
              aria-describedby="new-username-help"
              aria-invalid={fieldError === 'username'}
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
            <p id="new-username-help" className="muted small">
              Lower-case letters, digits, “.”, “_” and “-”.
            </p>
          </div>
          <div className="field">
            <label htmlFor="new-display-name">Full name</label>
            <input
              id="new-display-name"
              maxLength={200}
              value={displayName}
              onChange={(event) => setDisplayName(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="new-email">E-mail</label>
            <input
              id="new-email"
              type="email"
              maxLength={320}
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          </div>
        </div>
        <RolePicker legend="Roles" value={roles} onChange={setRoles} />
        <fieldset>
          <legend>Password</legend>
          <div className="checkbox-row">
            <input
              id="new-pw-generate"
              type="radio"
              name="password-choice"
              checked={passwordChoice === 'generate'}
              onChange={() => setPasswordChoice('generate')}
            />
            <label htmlFor="new-pw-generate">Generate one and show it to me once</label>
          </div>
          <div className="checkbox-row">
            <input
              id="new-pw-set"
              type="radio"
              name="password-choice"
              checked={passwordChoice === 'set'}
              onChange={() => setPasswordChoice('set')}
            />
            <label htmlFor="new-pw-set">Set it myself</label>
          </div>
          {passwordChoice === 'set' && (
            <div className="field">
              <label htmlFor="new-password">Initial password</label>
              <input
                id="new-password"
                type="password"
                autoComplete="new-password"
                required
                aria-invalid={fieldError === 'password'}
                value={password}
                onChange={(event) => setPassword(event.target.value)}
              />
            </div>
          )}
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create user'}
          </button>
          <button type="button" className="button-secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
