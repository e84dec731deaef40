import { dialect, idColumn, type MigrationDb } from './migration-helpers.js';

/**
 * Teams and team scoping: teams, their members, and an optional owning team on changes and
 * releases (null = organisation-wide). Everything inside a change or release (approvals,
 * history, tests, evidence, rollouts) inherits its scope, so only these two tables carry it.
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  await db.schema
    .createTable('teams')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('name', 'text', (c) => c.notNull())
    /** Lower-cased name: team names are unique regardless of case. */
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('team_members')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id'))
    .addColumn('added_at', 'text', (c) => c.notNull())
    // (user_id, team_id) first: the principal's teams are read on every authentication with
    // one index-only lookup by user.
    .addPrimaryKeyConstraint('team_members_pk', ['user_id', 'team_id'])
    .execute();
  await db.schema.createIndex('team_members_team').on('team_members').columns(['team_id', 'user_id']).execute();

  // Nullable with no default: existing rows stay organisation-wide. No REFERENCES clause: SQLite
  // cannot drop a column that takes part in a foreign key (down would fail), and teams are never
  // deleted; the team service checks the team exists before any change or release names it.
  await db.schema.alterTable('changes').addColumn('team_id', 'integer').execute();
  await db.schema.createIndex('changes_team').on('changes').columns(['team_id', 'id']).execute();
  await db.schema.alterTable('releases').addColumn('team_id', 'integer').execute();
  await db.schema.createIndex('releases_team').on('releases').columns(['team_id', 'id']).execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropIndex('releases_team').execute();
  await db.schema.alterTable('releases').dropColumn('team_id').execute();
  await db.schema.dropIndex('changes_team').execute();
  await db.schema.alterTable('changes').dropColumn('team_id').execute();
  await db.schema.dropTable('team_members').execute();
  await db.schema.dropTable('teams').execute();
}
