import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import { type Db, dialectOf } from '../platform/database.js';
import { type Visibility, visibleTo } from '../platform/teams/team-scope.js';
import type {
  RolloutEventsTable,
  RolloutStepsTable,
  RolloutsTable,
  RolloutTargetsTable,
  RolloutWavesTable,
} from './rollouts.table.js';

export type RolloutRow = Selectable<RolloutsTable>;
export type WaveRow = Selectable<RolloutWavesTable>;
export type TargetRow = Selectable<RolloutTargetsTable>;
export type StepRow = Selectable<RolloutStepsTable>;
export type EventRow = Selectable<RolloutEventsTable>;

/** A target the engine still has to run an action on, with its step when one is in flight. */
export interface WorkItem {
  target_id: number;
  ci_id: number;
  ci_class: string;
  ci_name: string;
  wave_idx: number;
  step_id: number | null;
  step_key: string | null;
  step_round: number | null;
  /** Earlier steps of this action on this target that were superseded (retries). */
  superseded: number;
}

/** Bound parameters per statement stay well below SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** SQL for rollouts. The engine's hot paths (start and finish of many steps) are set-based: one statement per batch. */
export const rolloutRepository = {
  async insert(db: Db, values: Insertable<RolloutsTable>): Promise<RolloutRow> {
    return db.insertInto('rollouts').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async findById(db: Db, id: number): Promise<RolloutRow | undefined> {
    return db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async list(
    db: Db,
    filter: {
      releaseId?: number | undefined;
      state?: string | undefined;
      beforeId?: number | undefined;
      limit: number;
      /** Whose rollouts (a rollout takes its release's team); absent = every rollout. */
      visibility?: Visibility | undefined;
    },
  ): Promise<RolloutRow[]> {
    let q = db.selectFrom('rollouts').selectAll();
    const visible = filter.visibility && visibleTo(filter.visibility, 'releases.team_id');
    if (visible) {
      q = q.where('release_id', 'in', (eb) => eb.selectFrom('releases').select('releases.id').where(visible));
    }
    if (filter.releaseId !== undefined) q = q.where('release_id', '=', filter.releaseId);
    if (filter.state !== undefined) q = q.where('state', '=', filter.state);
    if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
    return q.orderBy('id', 'desc').limit(filter.limit).execute();
  },

  async forRelease(db: Db, releaseId: number): Promise<RolloutRow[]> {
    return db.selectFrom('rollouts').selectAll().where('release_id', '=', releaseId).orderBy('id').execute();
  },

  async findActive(db: Db, activeKey: string): Promise<RolloutRow | undefined> {
    return db.selectFrom('rollouts').selectAll().where('active_key', '=', activeKey).executeTakeFirst();
  },

  /** Writes fields and bumps the version; with `fromStates`, only if the rollout is still in one of them. */
  async update(
    db: Db,
    id: number,
    fields: Updateable<RolloutsTable>,
    now: string,
    fromStates?: readonly string[],
  ): Promise<RolloutRow | undefined> {
    let q = db
      .updateTable('rollouts')
      .set({ ...fields, updated_at: now, version: sql<number>`version + 1` })
      .where('id', '=', id);
    if (fromStates) q = q.where('state', 'in', [...fromStates]);
    return q.returningAll().executeTakeFirst();
  },

  /** A new driver takes the rollout over: the new fencing token. */
  async takeOver(db: Db, id: number): Promise<number | undefined> {
    const row = await db
      .updateTable('rollouts')
      .set({ driver_epoch: sql<number>`driver_epoch + 1` })
      .where('id', '=', id)
      .returning('driver_epoch')
      .executeTakeFirst();
    return row?.driver_epoch;
  },

  /**
   * The fencing token, read inside the caller's transaction. On PostgreSQL the row is locked, so
   * a takeover cannot commit between this check and the caller's writes; SQLite's single writer
   * gives the same.
   */
  async epoch(tx: Db, id: number): Promise<number | undefined> {
    let q = tx.selectFrom('rollouts').select('driver_epoch').where('id', '=', id);
    if (dialectOf(tx) === 'postgres') q = q.forUpdate();
    return (await q.executeTakeFirst())?.driver_epoch;
  },

  /**
   * The release's state and scope round, read inside the transaction that creates a rollout of it.
   * On PostgreSQL the row is locked until that transaction ends, so a cancellation or a scope edit
   * (both claim the release's version, an UPDATE of this row) commits before the check or after
   * the rollout; SQLite's single writer gives the same.
   */
  async releaseForRollout(tx: Db, releaseId: number): Promise<{ state: string; scope_round: number } | undefined> {
    let q = tx.selectFrom('releases').select(['state', 'scope_round']).where('id', '=', releaseId);
    if (dialectOf(tx) === 'postgres') q = q.forUpdate();
    return q.executeTakeFirst();
  },

  async insertWaves(db: Db, rows: Insertable<RolloutWavesTable>[]): Promise<void> {
    for (const part of chunks(rows, 50)) await db.insertInto('rollout_waves').values(part).execute();
  },

  async waves(db: Db, rolloutId: number): Promise<WaveRow[]> {
    return db.selectFrom('rollout_waves').selectAll().where('rollout_id', '=', rolloutId).orderBy('idx').execute();
  },

  async wavesOf(db: Db, rolloutIds: readonly number[]): Promise<WaveRow[]> {
    if (rolloutIds.length === 0) return [];
    return db
      .selectFrom('rollout_waves')
      .selectAll()
      .where('rollout_id', 'in', [...rolloutIds])
      .orderBy('rollout_id')
      .orderBy('idx')
      .execute();
  },

  async updateWave(db: Db, id: number, fields: Updateable<RolloutWavesTable>): Promise<void> {
    await db.updateTable('rollout_waves').set(fields).where('id', '=', id).execute();
  },

  async insertTargets(db: Db, rows: Insertable<RolloutTargetsTable>[]): Promise<void> {
    for (const part of chunks(rows, 100)) await db.insertInto('rollout_targets').values(part).execute();
  },

  async targets(
    db: Db,
    rolloutId: number,
    filter: { waveIdx?: number | undefined; state?: string | undefined; afterId?: number | undefined; limit: number },
  ): Promise<TargetRow[]> {
    let q = db.selectFrom('rollout_targets').selectAll().where('rollout_id', '=', rolloutId);
    if (filter.waveIdx !== undefined) q = q.where('wave_idx', '=', filter.waveIdx);
    if (filter.state !== undefined) q = q.where('state', '=', filter.state);
    if (filter.afterId !== undefined) q = q.where('id', '>', filter.afterId);
    return q.orderBy('id').limit(filter.limit).execute();
  },

  /** Failed targets (forward or back-out) of the given rollouts, for the evidence pack. */
  async failedTargets(db: Db, rolloutIds: readonly number[]): Promise<TargetRow[]> {
    if (rolloutIds.length === 0) return [];
    return db
      .selectFrom('rollout_targets')
      .selectAll()
      .where('rollout_id', 'in', [...rolloutIds])
      .where('state', 'in', ['failed', 'backout_failed'])
      .orderBy('id')
      .limit(10_000)
      .execute();
  },

  async targetsByIds(db: Db, rolloutId: number, ids: readonly number[]): Promise<TargetRow[]> {
    const out: TargetRow[] = [];
    for (const part of chunks(ids)) {
      out.push(
        ...(await db
          .selectFrom('rollout_targets')
          .selectAll()
          .where('rollout_id', '=', rolloutId)
          .where('id', 'in', part)
          .execute()),
      );
    }
    return out;
  },

  async targetsByCi(db: Db, rolloutId: number, ciIds: readonly number[]): Promise<TargetRow[]> {
    const out: TargetRow[] = [];
    for (const part of chunks(ciIds)) {
      out.push(
        ...(await db
          .selectFrom('rollout_targets')
          .selectAll()
          .where('rollout_id', '=', rolloutId)
          .where('ci_id', 'in', part)
          .execute()),
      );
    }
    return out;
  },

  /** Target counts per wave and state, for all given rollouts at once. */
  async targetCounts(
    db: Db,
    rolloutIds: readonly number[],
  ): Promise<{ rollout_id: number; wave_idx: number; state: string; n: number; downtime: number }[]> {
    if (rolloutIds.length === 0) return [];
    const rows = await db
      .selectFrom('rollout_targets')
      .select(['rollout_id', 'wave_idx', 'state'])
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('downtime_ms').as('downtime')])
      .where('rollout_id', 'in', [...rolloutIds])
      .groupBy(['rollout_id', 'wave_idx', 'state'])
      .execute();
    return rows.map((r) => ({ ...r, n: Number(r.n), downtime: Number(r.downtime ?? 0) }));
  },

  /** Step counts of one action per wave and state (progress of back-outs and activations). */
  async stepCounts(
    db: Db,
    rolloutId: number,
    action: string,
  ): Promise<{ wave_idx: number; state: string; n: number }[]> {
    const rows = await db
      .selectFrom('rollout_steps')
      .select(['wave_idx', 'state'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('rollout_id', '=', rolloutId)
      .where('action', '=', action)
      .groupBy(['wave_idx', 'state'])
      .execute();
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  },

  /**
   * The targets of a wave (or of every wave) that still need `action`: no live step yet, or one
   * in flight (running: started before a crash or a lost lease, re-run with the same key).
   * Running ones come first, then by target id. `changedOnly` restricts to targets a step may
   * have changed (back-out).
   */
  async workList(
    db: Db,
    rolloutId: number,
    options: { waveIdx: number | null; action: string; changedOnly: boolean; targetStates?: readonly string[] },
  ): Promise<WorkItem[]> {
    let q = db
      .selectFrom('rollout_targets as t')
      .leftJoin('rollout_steps as s', (join) =>
        join.onRef('s.target_id', '=', 't.id').on('s.action', '=', options.action).on('s.state', '<>', 'superseded'),
      )
      .select([
        't.id as target_id',
        't.ci_id',
        't.ci_class',
        't.ci_name',
        't.wave_idx',
        's.id as step_id',
        's.idempotency_key as step_key',
        's.round as step_round',
      ])
      .select((eb) =>
        eb
          .selectFrom('rollout_steps as x')
          .select(eb.fn.countAll<number>().as('c'))
          .whereRef('x.target_id', '=', 't.id')
          .where('x.action', '=', options.action)
          .where('x.state', '=', 'superseded')
          .as('superseded'),
      )
      .where('t.rollout_id', '=', rolloutId)
      .where((eb) => eb.or([eb('s.id', 'is', null), eb('s.state', '=', 'running')]));
    if (options.waveIdx !== null) q = q.where('t.wave_idx', '=', options.waveIdx);
    if (options.changedOnly) q = q.where('t.changed', '=', 1);
    if (options.targetStates) q = q.where('t.state', 'in', [...options.targetStates]);
    const rows = await q.orderBy('t.id').execute();
    const items = rows.map((r) => ({ ...r, superseded: Number(r.superseded ?? 0) }));
    // In-flight steps first: they were started before anything still pending.
    return [...items.filter((i) => i.step_id !== null), ...items.filter((i) => i.step_id === null)];
  },

  /** Starts steps: new ones are inserted, re-runs (same key) count one more attempt. Returns id and attempts per key. */
  async startSteps(
    db: Db,
    rows: Insertable<RolloutStepsTable>[],
  ): Promise<Map<string, { id: number; attempts: number }>> {
    const out = new Map<string, { id: number; attempts: number }>();
    for (const part of chunks(rows, 100)) {
      const returned = await db
        .insertInto('rollout_steps')
        .values(part)
        .onConflict((oc) =>
          oc.column('idempotency_key').doUpdateSet({
            attempts: sql<number>`rollout_steps.attempts + 1`,
            started_at: (eb) => eb.ref('excluded.started_at'),
          }),
        )
        .returning(['id', 'idempotency_key', 'attempts'])
        .execute();
      for (const r of returned) out.set(r.idempotency_key, { id: r.id, attempts: r.attempts });
    }
    return out;
  },

  async setTargets(
    db: Db,
    ids: readonly number[],
    fields: Updateable<RolloutTargetsTable>,
    onlyStates?: readonly string[],
  ): Promise<void> {
    for (const part of chunks(ids)) {
      let q = db.updateTable('rollout_targets').set(fields).where('id', 'in', part);
      if (onlyStates) q = q.where('state', 'in', [...onlyStates]);
      await q.execute();
    }
  },

  async setSteps(
    db: Db,
    ids: readonly number[],
    fields: Updateable<RolloutStepsTable>,
    onlyStates?: readonly string[],
  ): Promise<void> {
    for (const part of chunks(ids)) {
      let q = db.updateTable('rollout_steps').set(fields).where('id', 'in', part);
      if (onlyStates) q = q.where('state', 'in', [...onlyStates]);
      await q.execute();
    }
  },

  /** Marks every live step of `action` in `state` (of one wave, or all) superseded, returning their target ids. */
  async supersede(
    db: Db,
    rolloutId: number,
    action: string,
    states: readonly string[],
    waveIdx: number | null,
  ): Promise<number[]> {
    let q = db
      .updateTable('rollout_steps')
      .set({ state: 'superseded' })
      .where('rollout_id', '=', rolloutId)
      .where('action', '=', action)
      .where('state', 'in', [...states]);
    if (waveIdx !== null) q = q.where('wave_idx', '=', waveIdx);
    return (await q.returning('target_id').execute()).map((r) => r.target_id);
  },

  async countSteps(
    db: Db,
    rolloutId: number,
    filter: { action: string; state: string; waveIdx?: number | undefined },
  ): Promise<number> {
    let q = db
      .selectFrom('rollout_steps')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('rollout_id', '=', rolloutId)
      .where('action', '=', filter.action)
      .where('state', '=', filter.state);
    if (filter.waveIdx !== undefined) q = q.where('wave_idx', '=', filter.waveIdx);
    return Number((await q.executeTakeFirstOrThrow()).n);
  },

  async awaitingSteps(db: Db, rolloutId: number, targetIds?: readonly number[]): Promise<StepRow[]> {
    let q = db
      .selectFrom('rollout_steps')
      .selectAll()
      .where('rollout_id', '=', rolloutId)
      .where('state', '=', 'awaiting_confirmation');
    if (targetIds) q = q.where('target_id', 'in', [...targetIds]);
    return q.orderBy('id').execute();
  },

  async steps(
    db: Db,
    rolloutId: number,
    filter: { targetId?: number | undefined; afterId?: number | undefined; limit: number },
  ): Promise<StepRow[]> {
    let q = db.selectFrom('rollout_steps').selectAll().where('rollout_id', '=', rolloutId);
    if (filter.targetId !== undefined) q = q.where('target_id', '=', filter.targetId);
    if (filter.afterId !== undefined) q = q.where('id', '>', filter.afterId);
    return q.orderBy('id').limit(filter.limit).execute();
  },

  async insertEvents(db: Db, rows: Insertable<RolloutEventsTable>[]): Promise<void> {
    for (const part of chunks(rows, 100)) await db.insertInto('rollout_events').values(part).execute();
  },

  async events(db: Db, rolloutId: number, afterId: number, limit: number): Promise<EventRow[]> {
    return db
      .selectFrom('rollout_events')
      .selectAll()
      .where('rollout_id', '=', rolloutId)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
  },
};
