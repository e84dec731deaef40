import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../database.js';
import type { ApiTokensTable, UsersTable } from './auth.table.js';

export type TokenRow = Selectable<ApiTokensTable>;

/** An API token as lists show it: never the secret, never its hash. */
export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  version: number;
}

export function toApiToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    version: row.version,
  };
}

export type TokenWithUser = TokenRow & { user: Selectable<UsersTable> };

export const tokenRepository = {
  async insert(db: Db, values: Insertable<ApiTokensTable>): Promise<TokenRow> {
    return db.insertInto('api_tokens').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async findById(db: Db, id: number): Promise<TokenRow | undefined> {
    return db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The token with this hash and its owner, in one query (the hot path of every API call). */
  async findByHashWithUser(
    db: Db,
    tokenHash: string,
  ): Promise<{ token: TokenRow; user: Selectable<UsersTable> } | undefined> {
    const row = await db
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id as t_id',
        't.user_id as t_user_id',
        't.name as t_name',
        't.token_hash as t_token_hash',
        't.prefix as t_prefix',
        't.created_at as t_created_at',
        't.expires_at as t_expires_at',
        't.last_used_at as t_last_used_at',
        't.revoked_at as t_revoked_at',
        't.version as t_version',
        'u.id',
        'u.username',
        'u.display_name',
        'u.email',
        'u.roles',
        'u.password_hash',
        'u.disabled',
        'u.last_login_at',
        'u.created_at',
        'u.updated_at',
        'u.version',
      ])
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      token: {
        id: row.t_id,
        user_id: row.t_user_id,
        name: row.t_name,
        token_hash: row.t_token_hash,
        prefix: row.t_prefix,
        created_at: row.t_created_at,
        expires_at: row.t_expires_at,
        last_used_at: row.t_last_used_at,
        revoked_at: row.t_revoked_at,
        version: row.t_version,
      },
      user: {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        email: row.email,
        roles: row.roles,
        password_hash: row.password_hash,
        disabled: row.disabled,
        last_login_at: row.last_login_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
      },
    };
  },

  async list(
    db: Db,
    filter: { userId?: number | undefined; afterId?: number | undefined; limit: number; includeRevoked: boolean },
  ): Promise<TokenRow[]> {
    let query = db.selectFrom('api_tokens').selectAll();
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    if (!filter.includeRevoked) query = query.where('revoked_at', 'is', null);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  async revoke(db: Db, id: number, at: string): Promise<TokenRow | undefined> {
    return db
      .updateTable('api_tokens')
      .set((eb) => ({ revoked_at: at, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  },

  async touchLastUsed(db: Db, id: number, at: string): Promise<void> {
    await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  },
};
