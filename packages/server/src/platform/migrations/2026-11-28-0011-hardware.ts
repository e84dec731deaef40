import { dialect, idColumn, type MigrationDb } from './migration-helpers.js';

/**
 * The Definitive Hardware Store: sites, hardware models with a low-stock threshold, stock items
 * (serial unique) and reservations of stock for releases.
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);

  await db.schema
    .createTable('hw_sites')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    // The CMDB `site` CI deployed items are `located_in`.
    .addColumn('ci_id', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('hw_models')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('manufacturer', 'text')
    .addColumn('ci_class', 'text', (c) => c.notNull())
    // The CMDB `hardware_model` CI this model corresponds to, when there is one.
    .addColumn('ci_id', 'integer')
    .addColumn('low_stock_threshold', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('hw_reservations')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('release_id', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('hw_reservations_release').on('hw_reservations').column('release_id').execute();

  await db.schema
    .createTable('hw_reservation_lines')
    .addColumn('reservation_id', 'integer', (c) => c.notNull().references('hw_reservations.id'))
    .addColumn('model_id', 'integer', (c) => c.notNull().references('hw_models.id'))
    .addColumn('site_id', 'integer', (c) => c.notNull().references('hw_sites.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('hw_reservation_lines_pk', ['reservation_id', 'model_id', 'site_id'])
    .execute();

  await db.schema
    .createTable('hw_items')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('model_id', 'integer', (c) => c.notNull().references('hw_models.id'))
    .addColumn('serial', 'text', (c) => c.notNull().unique())
    .addColumn('site_id', 'integer', (c) => c.notNull().references('hw_sites.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('warranty_end', 'text')
    .addColumn('notes', 'text')
    .addColumn('reservation_id', 'integer', (c) => c.references('hw_reservations.id'))
    // The CMDB CI the item became when it was deployed.
    .addColumn('ci_id', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('hw_items_stock').on('hw_items').columns(['model_id', 'site_id', 'state']).execute();
  await db.schema.createIndex('hw_items_reservation').on('hw_items').column('reservation_id').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const table of ['hw_items', 'hw_reservation_lines', 'hw_reservations', 'hw_models', 'hw_sites']) {
    await db.schema.dropTable(table).execute();
  }
}
