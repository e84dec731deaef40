import { dialect, idColumn, jsonType, type MigrationDb } from './migration-helpers.js';

/**
 * The CMDB: classes, configuration items, relationships, per-CI history, the graph change log
 * that keeps every instance's in-memory impact index current, and baselines.
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  const json = jsonType(d);

  await db.schema
    .createTable('ci_classes')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('attributes', json, (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('cis')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('class', 'text', (c) => c.notNull().references('ci_classes.name'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('environment', 'text')
    .addColumn('owner', 'text')
    .addColumn('criticality', 'text')
    .addColumn('attributes', json, (c) => c.notNull())
    // The import source that last reported this CI, and when (data quality: "not seen for N days").
    .addColumn('source', 'text')
    .addColumn('last_seen_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('cis_class_name').on('cis').columns(['class', 'name']).unique().execute();
  await db.schema.createIndex('cis_name').on('cis').column('name').execute();

  await db.schema
    .createTable('relationships')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('source_id', 'integer', (c) => c.notNull().references('cis.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'integer', (c) => c.notNull().references('cis.id'))
    // 'manual' or the name of the import source that asserted it (reconciliation prunes by origin).
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text')
    .execute();
  await db.schema
    .createIndex('relationships_edge')
    .on('relationships')
    .columns(['source_id', 'type', 'target_id'])
    .unique()
    .execute();
  await db.schema.createIndex('relationships_target').on('relationships').columns(['target_id', 'source_id']).execute();

  await db.schema
    .createTable('ci_history')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('ci_id', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    // 'change:12', 'release:3', 'import:discovery' … — under what the change was made.
    .addColumn('context', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('changes', json, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ci_history_ci').on('ci_history').columns(['ci_id', 'id']).execute();

  // Append-only log of graph edits; every instance replays it into its in-memory index.
  // op: 'add' | 'remove' (one relationship), 'ci' (a CI was created: id + class), 'reload' (bulk).
  await db.schema
    .createTable('graph_changes')
    .addColumn('seq', 'integer', idColumn(d))
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('relationship_id', 'integer')
    .addColumn('source_id', 'integer')
    .addColumn('type', 'text')
    .addColumn('target_id', 'integer')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('baselines')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('scope', json, (c) => c.notNull())
    .addColumn('ci_count', 'integer', (c) => c.notNull())
    .addColumn('relationship_count', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('baseline_cis')
    .addColumn('baseline_id', 'integer', (c) => c.notNull().references('baselines.id'))
    .addColumn('ci_id', 'integer', (c) => c.notNull())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('environment', 'text')
    .addColumn('owner', 'text')
    .addColumn('criticality', 'text')
    .addColumn('attributes', json, (c) => c.notNull())
    .addColumn('ci_version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('baseline_cis_pk', ['baseline_id', 'ci_id'])
    .execute();
  await db.schema
    .createTable('baseline_relationships')
    .addColumn('baseline_id', 'integer', (c) => c.notNull().references('baselines.id'))
    .addColumn('source_id', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('baseline_relationships_pk', ['baseline_id', 'source_id', 'type', 'target_id'])
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const table of [
    'baseline_relationships',
    'baseline_cis',
    'baselines',
    'graph_changes',
    'ci_history',
    'relationships',
    'cis',
    'ci_classes',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
