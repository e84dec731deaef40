import type { Selectable } from 'kysely';
import type { Db } from '../database.js';
import type { ScopedObject } from './team-scope.js';
import type { TeamsTable } from './teams.table.js';

export type TeamRow = Selectable<TeamsTable>;

const CHUNK = 10_000;

/** Teams, memberships, and the owning team of scoped objects. SQL for team scoping lives only here. */
export const teamRepository = {
  async list(db: Db): Promise<TeamRow[]> {
    return db.selectFrom('teams').selectAll().orderBy('id').execute();
  },

  async findById(db: Db, id: number): Promise<TeamRow | undefined> {
    return db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async findByNameKey(db: Db, nameKey: string): Promise<TeamRow | undefined> {
    return db.selectFrom('teams').selectAll().where('name_key', '=', nameKey).executeTakeFirst();
  },

  async insert(db: Db, name: string, now: string): Promise<TeamRow> {
    return db
      .insertInto('teams')
      .values({ name, name_key: name.toLowerCase(), created_at: now, updated_at: now, version: 1 })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** Renames when the version still matches; undefined when it does not. */
  async rename(db: Db, id: number, name: string, expectedVersion: number, now: string): Promise<TeamRow | undefined> {
    return db
      .updateTable('teams')
      .set((eb) => ({ name, name_key: name.toLowerCase(), updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  },

  async bumpVersion(db: Db, id: number, expectedVersion: number, now: string): Promise<TeamRow | undefined> {
    return db
      .updateTable('teams')
      .set((eb) => ({ updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  },

  async memberIds(db: Db, teamId: number): Promise<number[]> {
    const rows = await db
      .selectFrom('team_members')
      .select('user_id')
      .where('team_id', '=', teamId)
      .orderBy('user_id')
      .execute();
    return rows.map((r) => r.user_id);
  },

  async membersOf(db: Db, teamIds: readonly number[]): Promise<{ team_id: number; user_id: number }[]> {
    if (teamIds.length === 0) return [];
    return db
      .selectFrom('team_members')
      .select(['team_id', 'user_id'])
      .where('team_id', 'in', [...teamIds])
      .orderBy('user_id')
      .execute();
  },

  async setMembers(db: Db, teamId: number, userIds: readonly number[], now: string): Promise<void> {
    await db.deleteFrom('team_members').where('team_id', '=', teamId).execute();
    if (userIds.length === 0) return;
    await db
      .insertInto('team_members')
      .values(userIds.map((user_id) => ({ team_id: teamId, user_id, added_at: now })))
      .execute();
  },

  /** The teams of one user: one index-only lookup on team_members' primary key (user_id, team_id). */
  async teamIdsOfUser(db: Db, userId: number): Promise<number[]> {
    const rows = await db
      .selectFrom('team_members')
      .select('team_id')
      .where('user_id', '=', userId)
      .orderBy('team_id')
      .execute();
    return rows.map((r) => r.team_id);
  },

  async isMember(db: Db, teamId: number, userId: number): Promise<boolean> {
    const row = await db
      .selectFrom('team_members')
      .select('team_id')
      .where('user_id', '=', userId)
      .where('team_id', '=', teamId)
      .executeTakeFirst();
    return row !== undefined;
  },

  /**
   * The owning team of a scoped object by primary key: `{ teamId }` (null = organisation-wide),
   * or undefined when no such object exists. Rollouts take their release's team.
   */
  async teamOf(db: Db, object: ScopedObject, id: number): Promise<{ teamId: number | null } | undefined> {
    let row: { team_id: number | null } | undefined;
    if (object === 'change') {
      row = await db.selectFrom('changes').select('team_id').where('id', '=', id).executeTakeFirst();
    } else if (object === 'release') {
      row = await db.selectFrom('releases').select('team_id').where('id', '=', id).executeTakeFirst();
    } else {
      row = await db
        .selectFrom('rollouts')
        .innerJoin('releases', 'releases.id', 'rollouts.release_id')
        .select('releases.team_id')
        .where('rollouts.id', '=', id)
        .executeTakeFirst();
    }
    return row === undefined ? undefined : { teamId: row.team_id };
  },

  /** The owning team of many objects of one kind at once (calendar and conflict filtering). */
  async teamsOf(db: Db, object: ScopedObject, ids: readonly number[]): Promise<Map<number, number | null>> {
    const out = new Map<number, number | null>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const chunk = unique.slice(i, i + CHUNK);
      const rows =
        object === 'change'
          ? await db.selectFrom('changes').select(['id', 'team_id']).where('id', 'in', chunk).execute()
          : object === 'release'
            ? await db.selectFrom('releases').select(['id', 'team_id']).where('id', 'in', chunk).execute()
            : await db
                .selectFrom('rollouts')
                .innerJoin('releases', 'releases.id', 'rollouts.release_id')
                .select(['rollouts.id as id', 'releases.team_id as team_id'])
                .where('rollouts.id', 'in', chunk)
                .execute();
      for (const r of rows) out.set(r.id, r.team_id);
    }
    return out;
  },
};
