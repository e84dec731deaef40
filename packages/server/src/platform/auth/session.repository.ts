import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../database.js';
import type { LoginAttemptsTable, SessionsTable } from './auth.table.js';

export type SessionRow = Selectable<SessionsTable>;
export type LoginAttemptRow = Selectable<LoginAttemptsTable>;

export const sessionRepository = {
  async insert(db: Db, values: Insertable<SessionsTable>): Promise<void> {
    await db.insertInto('sessions').values(values).execute();
  },

  async findById(db: Db, id: string): Promise<SessionRow | undefined> {
    return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async extendIdle(db: Db, id: string, idleExpiresAt: string): Promise<void> {
    await db.updateTable('sessions').set({ idle_expires_at: idleExpiresAt }).where('id', '=', id).execute();
  },

  async delete(db: Db, id: string): Promise<void> {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
  },

  async deleteForUser(db: Db, userId: number): Promise<void> {
    await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  },

  async deleteExpired(db: Db, now: string): Promise<void> {
    await db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<', now), eb('idle_expires_at', '<', now)]))
      .execute();
  },
};

export const loginAttemptRepository = {
  async find(db: Db, username: string): Promise<LoginAttemptRow | undefined> {
    return db.selectFrom('login_attempts').selectAll().where('username', '=', username).executeTakeFirst();
  },

  /**
   * Counts one more failure for the name and returns the new count. The increment happens in
   * the database, so concurrent failures (from several instances) are never lost.
   */
  async recordFailure(db: Db, username: string, at: string): Promise<number> {
    const row = await db
      .insertInto('login_attempts')
      .values({ username, failures: 1, locked_until: null, last_failure_at: at })
      .onConflict((oc) =>
        oc.column('username').doUpdateSet((eb) => ({
          failures: eb('login_attempts.failures', '+', 1),
          last_failure_at: at,
        })),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    return Number(row.failures);
  },

  async setLockedUntil(db: Db, username: string, lockedUntil: string | null): Promise<void> {
    await db
      .updateTable('login_attempts')
      .set({ locked_until: lockedUntil })
      .where('username', '=', username)
      .execute();
  },

  async clear(db: Db, username: string): Promise<void> {
    await db.deleteFrom('login_attempts').where('username', '=', username).execute();
  },
};
