import { isRole, type Role } from '@slipway/model';
import type { Insertable, Selectable, Updateable } from 'kysely';
import { type Db, selectRowById } from '../database.js';
import type { UsersTable } from './auth.table.js';

export type UserRow = Selectable<UsersTable>;

/** A user as services and the API see it. The password hash never leaves the repository layer. */
export interface User {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  roles: Role[];
  disabled: boolean;
  hasPassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function toUser(row: UserRow): User {
  const roles = (JSON.parse(row.roles) as string[]).filter(isRole);
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    roles,
    disabled: row.disabled === 1,
    hasPassword: row.password_hash !== null,
    lastLoginAt: row.last_login_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

export interface UserListFilter {
  afterId?: number | undefined;
  limit: number;
  role?: Role | undefined;
  q?: string | undefined;
  disabled?: boolean | undefined;
}

export const userRepository = {
  async findById(db: Db, id: number): Promise<UserRow | undefined> {
    return selectRowById(db, 'users', id);
  },

  async findByUsername(db: Db, username: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('username', '=', username.toLowerCase()).executeTakeFirst();
  },

  async count(db: Db): Promise<number> {
    const row = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async insert(db: Db, values: Insertable<UsersTable>): Promise<UserRow> {
    return db.insertInto('users').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /**
   * Updates the row only if it is still at `expectedVersion`, bumping the version. Returns
   * undefined when another write got there first (the caller answers 412).
   */
  async update(
    db: Db,
    id: number,
    expectedVersion: number,
    values: Updateable<UsersTable>,
  ): Promise<UserRow | undefined> {
    return db
      .updateTable('users')
      .set({ ...values, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  },

  async touchLastLogin(db: Db, id: number, at: string): Promise<void> {
    await db.updateTable('users').set({ last_login_at: at }).where('id', '=', id).execute();
  },

  async list(db: Db, filter: UserListFilter): Promise<UserRow[]> {
    let query = db.selectFrom('users').selectAll();
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    if (filter.role) query = query.where('roles', 'like', `%"${filter.role}"%`);
    if (filter.disabled !== undefined) query = query.where('disabled', '=', filter.disabled ? 1 : 0);
    if (filter.q) {
      const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) =>
        eb.or([eb('username', 'like', pattern), eb(eb.fn('lower', ['display_name']), 'like', pattern)]),
      );
    }
    return query.orderBy('id').limit(filter.limit).execute();
  },
};
