import type { Insertable, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { Db } from '../platform/database.js';
import type { RolloutActivationsTable } from './rollouts.table.js';

export type ActivationRow = Selectable<RolloutActivationsTable>;

/** SQL for the activation requests of dormant rollouts (migration 0073). */
export const activationRepository = {
  async insert(db: Db, values: Insertable<RolloutActivationsTable>): Promise<ActivationRow> {
    return db.insertInto('rollout_activations').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async findById(db: Db, id: number): Promise<ActivationRow | undefined> {
    return db.selectFrom('rollout_activations').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The rollout's open request (pending or scheduled), if any: at most one, by the unique `open_key`. */
  async findOpen(db: Db, rolloutId: number): Promise<ActivationRow | undefined> {
    return db.selectFrom('rollout_activations').selectAll().where('open_key', '=', rolloutId).executeTakeFirst();
  },

  /** Every request of a rollout, newest first. */
  async list(db: Db, rolloutId: number, limit: number): Promise<ActivationRow[]> {
    return db
      .selectFrom('rollout_activations')
      .selectAll()
      .where('rollout_id', '=', rolloutId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  },

  /** The newest request of each rollout (for the rollout view). */
  async latestOf(db: Db, rolloutIds: readonly number[]): Promise<Map<number, ActivationRow>> {
    const out = new Map<number, ActivationRow>();
    if (rolloutIds.length === 0) return out;
    const latest = db
      .selectFrom('rollout_activations')
      .select(({ fn }) => fn.max('id').as('id'))
      .where('rollout_id', 'in', [...rolloutIds])
      .groupBy('rollout_id');
    const rows = await db.selectFrom('rollout_activations').selectAll().where('id', 'in', latest).execute();
    for (const row of rows) out.set(row.rollout_id, row);
    return out;
  },

  /** Writes fields and bumps the version, only if the request is still in one of `fromStates`. */
  async update(
    db: Db,
    id: number,
    fields: Updateable<RolloutActivationsTable>,
    now: string,
    fromStates: readonly string[],
  ): Promise<ActivationRow | undefined> {
    return db
      .updateTable('rollout_activations')
      .set({ ...fields, updated_at: now, version: sql<number>`version + 1` })
      .where('id', '=', id)
      .where('state', 'in', [...fromStates])
      .returningAll()
      .executeTakeFirst();
  },

  /** Closes the rollout's open request (the rollout left `dormant` another way, e.g. a back-out). */
  async closeOpen(db: Db, rolloutId: number, fields: Updateable<RolloutActivationsTable>, now: string) {
    return db
      .updateTable('rollout_activations')
      .set({ ...fields, open_key: null, updated_at: now, version: sql<number>`version + 1` })
      .where('open_key', '=', rolloutId)
      .returningAll()
      .executeTakeFirst();
  },
};
