import { type ExpressionBuilder, type Selectable, sql } from 'kysely';
import type { Db } from '../database.js';
import type { Database } from '../database-schema.js';
import { databaseNowMs } from '../instances/instance.repository.js';
import { DEAD_AFTER_MS } from '../instances/instance-registry.js';
import type { IdempotencyKeysTable } from './idempotency.table.js';

export type IdempotencyRow = Selectable<IdempotencyKeysTable>;

/** What a `committed` record keeps in `response_headers` until its answer is stored. */
export interface CommittedObject {
  type: string;
  id: string | null;
}

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
   * Takes over an in-progress record whose request died with its process (see `abandoned`).
   * One conditional UPDATE: of several retries racing for the key, one wins. Never a `committed`
   * record: its write is done and must not run again.
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
      .where((eb) => abandoned(eb, db, expiredBefore))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  /** Whether the request holding the key died with its process (see `abandoned`). */
  async isAbandoned(db: Db, principal: string, key: string, expiredBefore: string): Promise<boolean> {
    const row = await db
      .selectFrom('idempotency_keys')
      .select('key')
      .where('principal', '=', principal)
      .where('key', '=', key)
      .where((eb) => abandoned(eb, db, expiredBefore))
      .executeTakeFirst();
    return row !== undefined;
  },

  /**
   * Records, in the write's own transaction, that the request holding the key (the one whose
   * lease is `lease`) carried its write out, and the object it wrote last. The lease is the fence:
   * false when a retry took the key over meanwhile (the caller then rolls its write back).
   */
  async markCommitted(
    tx: Db,
    principal: string,
    key: string,
    lease: string,
    object: CommittedObject,
  ): Promise<boolean> {
    const result = await tx
      .updateTable('idempotency_keys')
      .set({ state: 'committed', response_headers: JSON.stringify({ object }) })
      .where('principal', '=', principal)
      .where('key', '=', key)
      .where('lease_until', '=', lease)
      .where('state', 'in', ['in_progress', 'committed'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  /** Lets a retry recover a committed record at once (its request, holding `lease`, ended with a server fault). */
  async expireLease(db: Db, principal: string, key: string, lease: string, now: string): Promise<void> {
    await db
      .updateTable('idempotency_keys')
      .set({ lease_until: now, owner: null })
      .where('principal', '=', principal)
      .where('key', '=', key)
      .where('lease_until', '=', lease)
      .where('state', '=', 'committed')
      .execute();
  },

  /**
   * Stores the answer, if the record is still held by the request holding `claim.lease` (a retry
   * may have taken it over), or still `committed` (`claim.state`, a recovered answer).
   */
  async complete(
    db: Db,
    principal: string,
    key: string,
    /** `body` null: the answer held a secret and was deliberately not kept. */
    response: { statusCode: number; body: string | null; headers: string },
    claim: { lease: string } | { state: 'committed' },
  ): Promise<void> {
    let update = db
      .updateTable('idempotency_keys')
      .set({
        state: 'done',
        status_code: response.statusCode,
        response_body: response.body,
        response_headers: response.headers,
      })
      .where('principal', '=', principal)
      .where('key', '=', key);
    update = 'lease' in claim ? update.where('lease_until', '=', claim.lease) : update.where('state', '=', claim.state);
    await update.execute();
  },

  /** Forgets a key whose request (holding `lease`) wrote nothing: a server fault before any write committed. */
  async deleteUncommitted(db: Db, principal: string, key: string, lease: string): Promise<void> {
    await db
      .deleteFrom('idempotency_keys')
      .where('principal', '=', principal)
      .where('key', '=', key)
      .where('lease_until', '=', lease)
      .where('state', '=', 'in_progress')
      .execute();
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

/**
 * The request holding a key died with its process: its lease expired, or the instance running it
 * stopped sending heartbeats (DEAD_AFTER_MS by the database's clock).
 */
function abandoned(eb: ExpressionBuilder<Database, 'idempotency_keys'>, db: Db, expiredBefore: string) {
  return eb.or([
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
  ]);
}
