import { type Selectable, sql } from 'kysely';
import type { Db } from '../database.js';
import { databaseNowMs } from '../instances/instance.repository.js';
import { DEAD_AFTER_MS } from '../instances/instance-registry.js';
import type { IdempotencyKeysTable } from './idempotency.table.js';

export type IdempotencyRow = Selectable<IdempotencyKeysTable>;

export const idempotencyRepository = {
  /** Inserts a new in-progress record; false when the key already exists for this principal. */
  async tryInsert(db: Db, row: IdempotencyRow): Promise<boolean> {
    const result = await db
      .insertInto('idempotency_keys')
      .values(row)
      .onConflict((oc) => oc.columns(['principal', 'key']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  async find(db: Db, principal: string, key: string): Promise<IdempotencyRow | undefined> {
    return db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('principal', '=', principal)
      .where('key', '=', key)
      .executeTakeFirst();
  },

  /**
   * Takes over an in-progress record whose request died with its process: its lease expired, or
   * the instance running it stopped sending heartbeats (DEAD_AFTER_MS by the database's clock).
   * One conditional UPDATE: of several retries racing for the key, one wins.
   */
  async takeOver(
    db: Db,
    principal: string,
    key: string,
    expiredBefore: string,
    leaseUntil: string,
    owner: string | null,
  ): Promise<boolean> {
    const result = await db
      .updateTable('idempotency_keys')
      .set({ lease_until: leaseUntil, owner })
      .where('principal', '=', principal)
      .where('key', '=', key)
      .where('state', '=', 'in_progress')
      .where((eb) =>
        eb.or([
          eb('lease_until', '<', expiredBefore),
          eb.and([
            eb('idempotency_keys.owner', 'is not', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('instances')
                  .select('instances.id')
                  .whereRef('instances.id', '=', 'idempotency_keys.owner')
                  .where('instances.heartbeat_ms', '>=', sql<number>`${databaseNowMs(db)} - ${DEAD_AFTER_MS}`),
              ),
            ),
          ]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  async complete(
    db: Db,
    principal: string,
    key: string,
    /** `body` null: the answer held a secret and was deliberately not kept. */
    response: { statusCode: number; body: string | null; headers: string },
  ): Promise<void> {
    await db
      .updateTable('idempotency_keys')
      .set({
        state: 'done',
        status_code: response.statusCode,
        response_body: response.body,
        response_headers: response.headers,
      })
      .where('principal', '=', principal)
      .where('key', '=', key)
      .execute();
  },

  async delete(db: Db, principal: string, key: string): Promise<void> {
    await db.deleteFrom('idempotency_keys').where('principal', '=', principal).where('key', '=', key).execute();
  },

  async deleteExpiredKey(db: Db, principal: string, key: string, now: string): Promise<void> {
    await db
      .deleteFrom('idempotency_keys')
      .where('principal', '=', principal)
      .where('key', '=', key)
      .where('expires_at', '<', now)
      .execute();
  },

  async deleteExpired(db: Db, now: string): Promise<number> {
    const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  },
};
