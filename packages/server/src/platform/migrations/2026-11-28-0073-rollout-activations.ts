import { dialect, idColumn, type MigrationDb } from './migration-helpers.js';

/**
 * Activation requests of dormant rollouts (rollouts/README.md, "Activation"): the go-live of a
 * release installed inactive is a separate step with its own approval. One row per request:
 * who asked (and for when), who decided, and how it ended. A scheduled activation is a durable
 * job (`rollout.activate`) due at `activate_at`; the row says what the job must still do.
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  await db.schema
    .createTable('rollout_activations')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('rollout_id', 'integer', (c) => c.notNull().references('rollouts.id'))
    // pending → scheduled | activated | rejected | cancelled; scheduled → activated | cancelled | blocked
    .addColumn('state', 'text', (c) => c.notNull())
    // The time asked for; null: as soon as it is approved.
    .addColumn('activate_at', 'text')
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('request_note', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('decision_note', 'text')
    // When the activation started (the rollout moved to `activating`), or why it ended otherwise.
    .addColumn('activated_at', 'text')
    .addColumn('closed_by', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('closed_reason', 'text')
    // The rollout id while the request is open (pending or scheduled), null after: the unique
    // index makes a second open request of the same rollout impossible, even under a race.
    .addColumn('open_key', 'integer', (c) => c.unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createIndex('rollout_activations_rollout')
    .on('rollout_activations')
    .columns(['rollout_id', 'id'])
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('rollout_activations').execute();
}
