import { dialect, idColumn, jsonType, type MigrationDb } from './migration-helpers.js';

/**
 * Incidents (minimal: title, affected CIs, start, resolution, and the release or change that
 * caused them) and stored maturity assessments (answers, the evidence measured at the time and
 * the computed result, so an old assessment reads the same after the questionnaire grows).
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  const json = jsonType(d);

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    // At most one cause: a release or a change (a causal link a person recorded, not a timing guess).
    .addColumn('caused_by_release_id', 'integer', (c) => c.references('releases.id'))
    .addColumn('caused_by_change_id', 'integer', (c) => c.references('changes.id'))
    .addColumn('cause_note', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('incidents_started').on('incidents').columns(['started_at', 'id']).execute();
  await db.schema.createIndex('incidents_release').on('incidents').column('caused_by_release_id').execute();
  await db.schema.createIndex('incidents_change').on('incidents').column('caused_by_change_id').execute();

  await db.schema
    .createTable('incident_cis')
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('ci_id', 'integer', (c) => c.notNull().references('cis.id'))
    .addPrimaryKeyConstraint('incident_cis_pk', ['incident_id', 'ci_id'])
    .execute();
  await db.schema.createIndex('incident_cis_ci').on('incident_cis').columns(['ci_id', 'incident_id']).execute();

  await db.schema
    .createTable('maturity_assessments')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('answers', json, (c) => c.notNull())
    .addColumn('evidence', json, (c) => c.notNull())
    .addColumn('result', json, (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const table of ['maturity_assessments', 'incident_cis', 'incidents']) {
    await db.schema.dropTable(table).execute();
  }
}
