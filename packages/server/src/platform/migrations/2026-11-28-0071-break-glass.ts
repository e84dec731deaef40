import { sql } from 'kysely';
import { dialect, idColumn, type MigrationDb } from './migration-helpers.js';

/**
 * Break-glass elevations (platform/auth/break-glass.service.ts) and the audit columns that flag
 * entries written under one.
 *
 * At most one open elevation per user: a partial unique index on user_id where ended_at is null
 * (both SQLite and PostgreSQL support partial indexes), so two instances starting one at the same
 * moment cannot both succeed. An elevation past its expiry stays "open" in this sense until the
 * expiry job (or the next start) closes it; it grants nothing meanwhile, because every check
 * compares expires_at with the clock.
 *
 * The audit columns are nullable and enter an entry's hash only when set, so every entry written
 * before this migration keeps its hash and the chain still verifies.
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  await db.schema
    .createTable('break_glass_elevations')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('token_id', 'integer')
    .addColumn('request_id', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('end_reason', 'text')
    .addColumn('ended_by', 'text')
    .execute();
  await db.schema
    .createIndex('break_glass_one_open_per_user')
    .on('break_glass_elevations')
    .column('user_id')
    .unique()
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('break_glass_elevations_started')
    .on('break_glass_elevations')
    .columns(['started_at', 'id'])
    .execute();

  await db.schema.alterTable('audit_log').addColumn('actor_break_glass_id', 'integer').execute();
  await db.schema.alterTable('audit_log').addColumn('actor_break_glass_reason', 'text').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('audit_log').dropColumn('actor_break_glass_reason').execute();
  await db.schema.alterTable('audit_log').dropColumn('actor_break_glass_id').execute();
  await db.schema.dropTable('break_glass_elevations').execute();
}
