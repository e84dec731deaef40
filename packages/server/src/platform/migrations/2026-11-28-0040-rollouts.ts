import { dialect, idColumn, jsonType, type MigrationDb } from './migration-helpers.js';

/**
 * Rollouts (rollouts/README.md): a rollout per release and environment, its waves, one row per
 * target and per executed step (with the idempotency key its executor receives), the event log
 * the SSE stream and KPIs read, and the admin's allow-list of executables command steps may run.
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  const json = jsonType(d);

  await db.schema
    .createTable('rollouts')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('strategy', 'text', (c) => c.notNull())
    // { strategy, defaults, waves (overrides), windows }
    .addColumn('spec', json, (c) => c.notNull())
    .addColumn('executor_kind', 'text', (c) => c.notNull())
    // The executor settings; a webhook secret only sealed (secret_box).
    .addColumn('executor', json, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('pause_reason', 'text')
    .addColumn('reason', 'text')
    .addColumn('activation', 'text')
    // What the engine is doing: deploy (the forward waves), activate, deactivate or backout.
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('scheduled_at', 'text')
    .addColumn('planned_start', 'text')
    .addColumn('planned_end', 'text')
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('backout_started_at', 'text')
    .addColumn('baseline_id', 'integer')
    .addColumn('prechecks', json, (c) => c.notNull())
    // `<release>:<environment>` while the rollout is active, null after: the unique index makes a
    // second active rollout of the same release and environment impossible, even under a race.
    .addColumn('active_key', 'text', (c) => c.unique())
    // Fencing token: every driver bumps it when it takes the rollout over; writes of an older
    // driver (whose lease lapsed) check it and change nothing.
    .addColumn('driver_epoch', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('rollouts_release').on('rollouts').columns(['release_id', 'environment']).execute();

  await db.schema
    .createTable('rollout_waves')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('rollout_id', 'integer', (c) => c.notNull().references('rollouts.id'))
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('settings', json, (c) => c.notNull())
    .addColumn('point_of_no_return', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('target_count', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('bake_until', 'text')
    .addColumn('gate_passed_at', 'text')
    .addColumn('gate_result', json)
    .addColumn('impact', json)
    .addUniqueConstraint('rollout_waves_idx', ['rollout_id', 'idx'])
    .execute();

  await db.schema
    .createTable('rollout_targets')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('rollout_id', 'integer', (c) => c.notNull().references('rollouts.id'))
    .addColumn('wave_idx', 'integer', (c) => c.notNull())
    .addColumn('ci_id', 'integer', (c) => c.notNull())
    .addColumn('ci_class', 'text', (c) => c.notNull())
    .addColumn('ci_name', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    // 1 once a step may have changed the target (set before the step runs): back-out touches these only.
    .addColumn('changed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('downtime_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('facts', json)
    .addUniqueConstraint('rollout_targets_ci', ['rollout_id', 'ci_id'])
    .execute();
  await db.schema
    .createIndex('rollout_targets_wave')
    .on('rollout_targets')
    .columns(['rollout_id', 'wave_idx', 'state'])
    .execute();

  await db.schema
    .createTable('rollout_steps')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('rollout_id', 'integer', (c) => c.notNull().references('rollouts.id'))
    .addColumn('target_id', 'integer', (c) => c.notNull().references('rollout_targets.id'))
    .addColumn('wave_idx', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    // The n-th step of this action on this target (a retry after a failure, a second activation).
    .addColumn('round', 'integer', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) => c.notNull())
    // Executor calls started for this step: more than 1 only for a step in flight at a crash.
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('exit_code', 'integer')
    .addColumn('output', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('rollout_steps_rollout').on('rollout_steps').columns(['rollout_id', 'state']).execute();
  await db.schema.createIndex('rollout_steps_target').on('rollout_steps').columns(['target_id']).execute();

  await db.schema
    .createTable('rollout_events')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('rollout_id', 'integer', (c) => c.notNull().references('rollouts.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', json, (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rollout_events_rollout').on('rollout_events').columns(['rollout_id', 'id']).execute();

  await db.schema
    .createTable('rollout_executables')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('path', 'text', (c) => c.notNull().unique())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const table of [
    'rollout_executables',
    'rollout_events',
    'rollout_steps',
    'rollout_targets',
    'rollout_waves',
    'rollouts',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
