import { dialect, idColumn, type MigrationDb } from './migration-helpers.js';

/**
 * The library of general back-out procedures per CI class: each class's procedure is versioned
 * (a new revision, never an edit, so a rollout's record keeps naming the text it ran) and carries
 * its rehearsal records (who rehearsed which revision, where, with what outcome).
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  await db.schema
    .createTable('backout_procedures')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('ci_class', 'text', (c) => c.notNull().references('ci_classes.name'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('steps', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('backout_procedures_class_revision', ['ci_class', 'revision'])
    .execute();

  await db.schema
    .createTable('backout_rehearsals')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('procedure_id', 'integer', (c) => c.notNull().references('backout_procedures.id'))
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('environment', 'text')
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('backout_rehearsals_procedure')
    .on('backout_rehearsals')
    .columns(['procedure_id', 'id'])
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('backout_rehearsals').execute();
  await db.schema.dropTable('backout_procedures').execute();
}
