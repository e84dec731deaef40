import { TEAM_NAME_MAX } from '@slipway/model';
import { type FormEvent, Fragment, useCallback, useState } from 'react';
import { Link } from 'react-router';
import type { Team, TeamMember } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

const USER_SEARCH_LIMIT = 10;

/**
 * Teams for administrators (`teams.admin`): create, rename and staff them. Changes and releases
 * that belong to a team are scoped to its members (docs/concepts.md "Teams").
 */
export function TeamsPage() {
  useDocumentTitle('Teams');
  const { api } = useSession();
  const load = useCallback((signal: AbortSignal) => api.teams.list(signal), [api]);
  const { data, error, loading, reload } = useLoad(load);
  const [editing, setEditing] = useState<{ id: number; what: 'rename' | 'members' } | null>(null);
  const [message, setMessage] = useState('');

  function done(text: string) {
    setEditing(null);
    setMessage(text);
    reload();
  }

  function toggle(id: number, what: 'rename' | 'members') {
    setMessage('');
    setEditing(editing?.id === id && editing.what === what ? null : { id, what });
  }

  return (
    <section className="page" aria-labelledby="teams-title">
      <div className="page-head">
        <h1 id="teams-title">Teams</h1>
        <Link to="/users">All users</Link>
      </div>
      <p className="muted">
        A change or release that belongs to a team can be edited only by its members (and administrators). Membership
        changes apply to each member’s next request.
      </p>
      <CreateTeam onCreated={(team) => done(`Team “${team.name}” created; add its members below.`)} />
      <p className="toolbar-status" aria-live="polite">
        {message}
      </p>
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading}>
          <caption className="visually-hidden">Teams</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Members</th>
              <th scope="col">Created</th>
              <th scope="col">Changed</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  No teams yet. Create the first one above.
                </td>
              </tr>
            )}
            {data?.items.map((team) => (
              <Fragment key={team.id}>
                <tr>
                  <th scope="row">
                    {team.name}
                    {team.isMember && <span className="muted"> (yours)</span>}
                  </th>
                  <td data-testid={`team-${team.id}-members`}>{team.memberCount}</td>
                  <td>
                    <DateTime value={team.createdAt} />
                  </td>
                  <td>
                    <DateTime value={team.updatedAt} />
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button-secondary"
                      aria-expanded={editing?.id === team.id && editing.what === 'rename'}
                      aria-label={`Rename ${team.name}`}
                      onClick={() => toggle(team.id, 'rename')}
                    >
                      Rename
                    </button>
                    <button
                      type="button"
                      className="button-secondary"
                      aria-expanded={editing?.id === team.id && editing.what === 'members'}
                      aria-label={`Edit members of ${team.name}`}
                      onClick={() => toggle(team.id, 'members')}
                    >
                      Edit members
                    </button>
                  </td>
                </tr>
                {editing?.id === team.id && (
                  <tr className="expanded">
                    <td colSpan={5}>
                      {editing.what === 'rename' ? (
                        <RenameTeam
                          team={team}
                          onCancel={() => setEditing(null)}
                          onSaved={(saved) => done(`Team “${team.name}” is now “${saved.name}”.`)}
                          onStale={reload}
                        />
                      ) : (
                        <EditMembers
                          team={team}
                          onCancel={() => setEditing(null)}
                          onSaved={(saved) =>
                            done(
                              `Team “${saved.name}” now has ${saved.memberCount} member${saved.memberCount === 1 ? '' : 's'}.`,
                            )
                          }
                          onStale={reload}
                        />
                      )}
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CreateTeam({ onCreated }: { onCreated: (team: Team) => void }) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const team = await api.teams.create(name.trim());
      setName('');
      onCreated(team);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Create a team">
      <div className="field">
        <label htmlFor="team-name">New team name</label>
        <input
          id="team-name"
          required
          maxLength={TEAM_NAME_MAX}
          placeholder="e.g. Platform"
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create team'}
      </button>
      {error !== undefined && (
        <div className="field-wide">
          <ErrorNotice error={error} />
        </div>
      )}
    </form>
  );
}

interface TeamEditorProps {
  team: Team;
  onCancel: () => void;
  onSaved: (team: Team) => void;
  /** Reloads the list, so that after a 412 the editor works on what the other writer left. */
  onStale: () => void;
}

function RenameTeam({ team, onCancel, onSaved, onStale }: TeamEditorProps) {
  const { api } = useSession();
  const [name, setName] = useState(team.name);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await api.teams.rename(team, name.trim()));
    } catch (failure) {
      setError(failure);
      setBusy(false);
      onStale();
    }
  }

  const inputId = `team-${team.id}-name`;
  return (
    <form className="inline-form" onSubmit={submit} aria-label={`Rename ${team.name}`}>
      <div className="field">
        <label htmlFor={inputId}>New name of {team.name}</label>
        <input
          id={inputId}
          required
          maxLength={TEAM_NAME_MAX}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <button type="submit" disabled={busy}>
        Save name
      </button>
      <button type="button" className="button-secondary" onClick={onCancel}>
        Cancel
      </button>
      {error !== undefined && (
        <div className="field-wide">
          <ErrorNotice error={error} />
        </div>
      )}
    </form>
  );
}

function EditMembers({ team, onCancel, onSaved, onStale }: TeamEditorProps) {
  const { api } = useSession();
  const loadMembers = useCallback((signal: AbortSignal) => api.teams.members(team.id, signal), [api, team.id]);
  const current = useLoad(loadMembers);
  // The admin's edits on top of the loaded list: null until they change something.
  const [draft, setDraft] = useState<TeamMember[] | null>(null);
  const members = draft ?? current.data?.items ?? [];
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const loadUsers = useCallback(
    (signal: AbortSignal) =>
      search ? api.users.list({ q: search, limit: USER_SEARCH_LIMIT }, signal) : Promise.resolve(undefined),
    [api, search],
  );
  const found = useLoad(loadUsers);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const memberIds = new Set(members.map((member) => member.id));
  const candidates = (found.data?.items ?? []).filter((user) => !memberIds.has(user.id));

  async function save() {
    setBusy(true);
    setError(undefined);
    try {
      onSaved(
        await api.teams.setMembers(
          team,
          members.map((member) => member.id),
        ),
      );
    } catch (failure) {
      setError(failure);
      setBusy(false);
      onStale();
    }
  }

  const searchId = `team-${team.id}-user-search`;
  return (
    <section className="form" aria-label={`Members of ${team.name}`}>
      <ErrorNotice error={current.error} onRetry={current.reload} />
      <h3>Members of {team.name}</h3>
      {members.length === 0 ? (
        <p className="muted">{current.loading ? 'Loading members…' : 'No members.'}</p>
      ) : (
        <ul className="plain" aria-label={`Members of ${team.name}`}>
          {members.map((member) => (
            <li key={member.id}>
              {member.displayName} <span className="muted">({member.username})</span>{' '}
              <button
                type="button"
                className="button-link"
                aria-label={`Remove ${member.username}`}
                onClick={() => setDraft(members.filter((other) => other.id !== member.id))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        aria-label="Find users to add"
        onSubmit={(event) => {
          event.preventDefault();
          setSearch(query.trim());
        }}
      >
        <div className="field">
          <label htmlFor={searchId}>Find a user</label>
          <input
            id={searchId}
            type="search"
            maxLength={100}
            placeholder="username or name"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
        </div>
        <button type="submit" className="button-secondary">
          Find
        </button>
      </form>
      <ErrorNotice error={found.error} onRetry={found.reload} />
      {search && found.data && (
        <ul className="plain" aria-label="Users found">
          {candidates.length === 0 && <li className="muted">No other users match “{search}”.</li>}
          {candidates.map((user) => (
            <li key={user.id}>
              {user.displayName} <span className="muted">({user.username})</span>{' '}
              <button
                type="button"
                className="button-link"
                aria-label={`Add ${user.username}`}
                onClick={() =>
                  setDraft([...members, { id: user.id, username: user.username, displayName: user.displayName }])
                }
              >
                Add
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="button" onClick={save} disabled={busy || draft === null}>
          {busy ? 'Saving…' : 'Save members'}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </section>
  );
}
