import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../platform/database.js';
import type { PolicyVersionsTable } from './policy.table.js';

export type PolicyVersionRow = Selectable<PolicyVersionsTable>;

export const policyRepository = {
  async latest(db: Db): Promise<PolicyVersionRow | undefined> {
    return db.selectFrom('policy_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
  },

  async latestVersion(db: Db): Promise<number> {
    const row = await db
      .selectFrom('policy_versions')
      .select((eb) => eb.fn.max<number | null>('version').as('v'))
      .executeTakeFirst();
    return Number(row?.v ?? 0);
  },

  async find(db: Db, version: number): Promise<PolicyVersionRow | undefined> {
    return db.selectFrom('policy_versions').selectAll().where('version', '=', version).executeTakeFirst();
  },

  async list(db: Db, beforeVersion: number | undefined, limit: number): Promise<PolicyVersionRow[]> {
    let query = db.selectFrom('policy_versions').selectAll();
    if (beforeVersion !== undefined) query = query.where('version', '<', beforeVersion);
    return query.orderBy('version', 'desc').limit(limit).execute();
  },

  /** Inserts a version; the primary key makes two concurrent applies of the same number fail. */
  async insert(db: Db, row: Insertable<PolicyVersionsTable>): Promise<void> {
    await db.insertInto('policy_versions').values(row).execute();
  },
};
