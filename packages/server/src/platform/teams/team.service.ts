import { TEAM_NAME_MAX } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Actor } from '../actor.js';
import type { AuditTrail } from '../audit/audit.service.js';
import { type Clock, isoNow } from '../clock.js';
import type { Db } from '../database.js';
import type { Database } from '../database-schema.js';
import { ConflictError, DomainRuleError, InputError, NotFoundError, StaleVersionError } from '../errors.js';
import { type TeamRow, teamRepository } from './team.repository.js';

/** A team as the API shows it to every signed-in user: no member list (that needs users.read). */
export interface Team {
  id: number;
  name: string;
  memberCount: number;
  /** Whether the caller is a member. */
  isMember: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface TeamMember {
  id: number;
  username: string;
  displayName: string;
}

/** At most this many members per team in one PUT. */
export const TEAM_MEMBERS_MAX = 1000;

function checkName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw new InputError('A team needs a name', { field: 'name' });
  if (name.length > TEAM_NAME_MAX) {
    throw new InputError(`A team name has at most ${TEAM_NAME_MAX} characters`, { field: 'name' });
  }
  return name;
}

/**
 * Teams and their members, managed by admins (`teams.admin`). Every write is audited; a
 * membership change drops cached authentications so it applies to the next request.
 */
export class TeamService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    /** Called after a membership change, to drop cached principals (their team ids changed). */
    private readonly onAccessChanged: () => void = () => {},
  ) {}

  async #present(db: Db, rows: readonly TeamRow[], viewerId: number | null): Promise<Team[]> {
    const members = await teamRepository.membersOf(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => {
      const ofTeam = members.filter((m) => m.team_id === r.id);
      return {
        id: r.id,
        name: r.name,
        memberCount: ofTeam.length,
        isMember: viewerId !== null && ofTeam.some((m) => m.user_id === viewerId),
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        version: r.version,
      };
    });
  }

  async list(viewerId: number | null): Promise<Team[]> {
    return this.#present(this.db, await teamRepository.list(this.db), viewerId);
  }

  async get(id: number, viewerId: number | null): Promise<Team> {
    const row = await teamRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('team', id);
    const [team] = await this.#present(this.db, [row], viewerId);
    return team as Team;
  }

  async members(id: number): Promise<TeamMember[]> {
    if (!(await teamRepository.findById(this.db, id))) throw new NotFoundError('team', id);
    const ids = await teamRepository.memberIds(this.db, id);
    if (ids.length === 0) return [];
    const users = await this.db
      .selectFrom('users')
      .select(['id', 'username', 'display_name'])
      .where('id', 'in', ids)
      .orderBy('username')
      .execute();
    return users.map((u) => ({ id: u.id, username: u.username, displayName: u.display_name }));
  }

  async create(actor: Actor, rawName: string): Promise<Team> {
    const name = checkName(rawName);
    return this.db.transaction().execute(async (tx) => {
      if (await teamRepository.findByNameKey(tx, name.toLowerCase())) {
        throw new ConflictError(`A team named "${name}" already exists`, { field: 'name' });
      }
      const row = await teamRepository.insert(tx, name, isoNow(this.clock));
      const [team] = await this.#present(tx, [row], actor.userId);
      await this.audit.record(tx, actor, {
        action: 'team.create',
        objectType: 'team',
        objectId: row.id,
        after: { name },
      });
      return team as Team;
    });
  }

  async rename(actor: Actor, id: number, rawName: string, expectedVersion?: number): Promise<Team> {
    const name = checkName(rawName);
    return this.db.transaction().execute(async (tx) => {
      const current = await teamRepository.findById(tx, id);
      if (!current) throw new NotFoundError('team', id);
      const version = expectedVersion ?? current.version;
      if (version !== current.version) throw new StaleVersionError('team', id, version, current.version);
      const clash = await teamRepository.findByNameKey(tx, name.toLowerCase());
      if (clash && clash.id !== id) throw new ConflictError(`A team named "${name}" already exists`, { field: 'name' });
      const row = await teamRepository.rename(tx, id, name, version, isoNow(this.clock));
      if (!row) throw new StaleVersionError('team', id, version, version + 1);
      await this.audit.record(tx, actor, {
        action: 'team.rename',
        objectType: 'team',
        objectId: id,
        before: { name: current.name },
        after: { name },
      });
      const [team] = await this.#present(tx, [row], actor.userId);
      return team as Team;
    });
  }

  /** Replaces the member list (every id must name an existing user). */
  async setMembers(actor: Actor, id: number, userIds: readonly number[], expectedVersion?: number): Promise<Team> {
    const wanted = [...new Set(userIds)].sort((a, b) => a - b);
    if (wanted.length > TEAM_MEMBERS_MAX) {
      throw new InputError(`A team has at most ${TEAM_MEMBERS_MAX} members`, { field: 'userIds' });
    }
    const team = await this.db.transaction().execute(async (tx) => {
      const current = await teamRepository.findById(tx, id);
      if (!current) throw new NotFoundError('team', id);
      const version = expectedVersion ?? current.version;
      if (version !== current.version) throw new StaleVersionError('team', id, version, current.version);
      if (wanted.length > 0) {
        const found = await tx.selectFrom('users').select('id').where('id', 'in', wanted).execute();
        const known = new Set(found.map((u) => u.id));
        const unknown = wanted.filter((u) => !known.has(u));
        if (unknown.length > 0) {
          throw new InputError(`userIds: no user with id ${unknown.join(', ')}`, { field: 'userIds', unknown });
        }
      }
      const before = await teamRepository.memberIds(tx, id);
      const now = isoNow(this.clock);
      const row = await teamRepository.bumpVersion(tx, id, version, now);
      if (!row) throw new StaleVersionError('team', id, version, version + 1);
      await teamRepository.setMembers(tx, id, wanted, now);
      await this.audit.record(tx, actor, {
        action: 'team.members',
        objectType: 'team',
        objectId: id,
        before: { userIds: before },
        after: { userIds: wanted },
      });
      const [view] = await this.#present(tx, [row], actor.userId);
      return view as Team;
    });
    this.onAccessChanged();
    return team;
  }

  /** See requireAssignableTeam. */
  async requireAssignable(db: Db, actor: Actor, teamId: number, objectType: 'change' | 'release'): Promise<void> {
    await requireAssignableTeam(db, actor, teamId, objectType);
  }
}

/**
 * The rule for putting a change or release into a team (on create, and when an edit changes
 * it): the team must exist and the actor must be one of its members, whatever their roles
 * (admins included: they add themselves to the team first, which is audited). The system itself
 * (demo loader, jobs) may assign any existing team.
 */
export async function requireAssignableTeam(
  db: Db,
  actor: Actor,
  teamId: number,
  objectType: 'change' | 'release',
): Promise<void> {
  const team = await teamRepository.findById(db, teamId);
  if (!team) throw new InputError(`teamId: no team with id ${teamId}`, { field: 'teamId' });
  if (actor.userId === null) return;
  if (!(await teamRepository.isMember(db, teamId, actor.userId))) {
    throw new DomainRuleError(
      `You may put a ${objectType} only into a team you belong to; you are not a member of team "${team.name}"`,
      { rule: 'team_membership', field: 'teamId', teamId },
    );
  }
}
