import { dialect, idColumn, jsonType, type MigrationDb } from './migration-helpers.js';

/**
 * The Definitive Software Library: artifacts (content-addressed by sha256, the bytes live in the
 * artifact store under the data directory), trusted signing keys, SBOMs with their components,
 * and the lease rows that let exactly one instance run a scheduled library task.
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  const json = jsonType(d);

  await db.schema
    .createTable('artifacts')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('artifact_version', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    // bigint: multi-GB artifacts overflow a 32-bit integer on PostgreSQL.
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('element', 'text')
    .addColumn('supplier', 'text')
    .addColumn('license', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('requires', json, (c) => c.notNull())
    .addColumn('conflicts', json, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('uploaded_by_id', 'integer')
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'text')
    .addColumn('state_reason', 'text')
    .addColumn('last_verified_at', 'text')
    // The minisign signature as uploaded, and the outcome of its last verification.
    .addColumn('signature', 'text')
    .addColumn('signature_key_id', 'text')
    .addColumn('signature_status', 'text')
    .addColumn('signature_reason', 'text')
    .addColumn('signature_trusted_comment', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // One row per name+version: a second push of the same name and version is either the same
  // content (answered with the existing artifact) or a conflict.
  await db.schema
    .createIndex('artifacts_name_version')
    .on('artifacts')
    .columns(['name', 'artifact_version'])
    .unique()
    .execute();
  await db.schema.createIndex('artifacts_sha256').on('artifacts').column('sha256').execute();

  await db.schema
    .createTable('trusted_keys')
    .addColumn('id', 'integer', idColumn(d))
    // minisign's key id, 16 upper-case hex digits as `minisign -V` prints it.
    .addColumn('key_id', 'text', (c) => c.notNull().unique())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('sboms')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('artifact_id', 'integer', (c) => c.notNull().unique().references('artifacts.id'))
    .addColumn('spec_version', 'text', (c) => c.notNull())
    .addColumn('serial_number', 'text')
    .addColumn('component_count', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sbom_components')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('sbom_id', 'integer', (c) => c.notNull().references('sboms.id'))
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('component_version', 'text')
    .addColumn('purl', 'text')
    // The licences as the SBOM states them, and one SPDX expression combining them (AND).
    .addColumn('licenses', json, (c) => c.notNull())
    .addColumn('license_expression', 'text')
    // A person's licence review of a component whose licence the policy does not list.
    .addColumn('reviewed_by', 'text')
    .addColumn('reviewed_at', 'text')
    .addColumn('review_note', 'text')
    .execute();
  await db.schema.createIndex('sbom_components_sbom').on('sbom_components').columns(['sbom_id', 'id']).execute();
  await db.schema
    .createIndex('sbom_components_ref')
    .on('sbom_components')
    .columns(['sbom_id', 'ref'])
    .unique()
    .execute();

  // One row per scheduled task; an instance runs the task only while it holds the lease.
  await db.schema
    .createTable('library_tasks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('next_run_at', 'text', (c) => c.notNull())
    .addColumn('last_started_at', 'text')
    .addColumn('last_finished_at', 'text')
    .addColumn('last_result', json)
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const table of ['library_tasks', 'sbom_components', 'sboms', 'trusted_keys', 'artifacts']) {
    await db.schema.dropTable(table).execute();
  }
}
