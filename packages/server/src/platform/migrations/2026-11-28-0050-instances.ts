import type { MigrationDb } from './migration-helpers.js';

/**
 * Scale-out: the running instances of an installation, each with a heartbeat, so that one
 * instance can tell that another died (docs/operations.md, "Running several instances"); and the
 * instance that runs the first request of each Idempotency-Key, so a retry of a request whose
 * instance died need not wait for the key's lease to lapse.
 */
export async function up(db: MigrationDb): Promise<void> {
  await db.schema
    .createTable('instances')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    // Milliseconds since the epoch by the database's own clock, the one clock all instances share.
    .addColumn('heartbeat_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('idempotency_keys').addColumn('owner', 'text').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('idempotency_keys').dropColumn('owner').execute();
  await db.schema.dropTable('instances').execute();
}
