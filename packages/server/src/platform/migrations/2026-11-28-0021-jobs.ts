import { dialect, idColumn, type MigrationDb } from './migration-helpers.js';

/** Durable jobs with leases (platform/jobs/README.md): webhook deliveries now, rollouts later. */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  // The claim query reads due pending jobs by run_at and lapsed running ones by lease_until.
  await db.schema.createIndex('jobs_due').on('jobs').columns(['kind', 'state', 'run_at']).execute();
  await db.schema.createIndex('jobs_lease').on('jobs').columns(['state', 'lease_until']).execute();
  await db.schema.createIndex('jobs_finished').on('jobs').columns(['finished_at']).execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('jobs').execute();
}
