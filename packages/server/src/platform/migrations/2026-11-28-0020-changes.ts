import { dialect, idColumn, jsonType, type MigrationDb } from './migration-helpers.js';

/**
 * Change management: requests for change with their CIs, approvals, state history and reviews;
 * standard-change templates; freeze and maintenance windows; calendar feed tokens; and the log
 * every instance replays into its in-memory change calendar index.
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  const json = jsonType(d);

  await db.schema
    .createTable('change_templates')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('allowed_ci_classes', json, (c) => c.notNull())
    .addColumn('max_impacted_cis', 'integer', (c) => c.notNull())
    .addColumn('max_duration_minutes', 'integer', (c) => c.notNull())
    .addColumn('backout_plan', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('changes')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('justification', 'text', (c) => c.notNull())
    .addColumn('template_id', 'integer', (c) => c.references('change_templates.id'))
    // ISO-8601 UTC text like every timestamp (ADR 0003): they compare correctly as text.
    .addColumn('planned_start', 'text')
    .addColumn('planned_end', 'text')
    .addColumn('implementer_id', 'integer', (c) => c.references('users.id'))
    .addColumn('requester_id', 'integer', (c) => c.references('users.id'))
    .addColumn('requester_name', 'text', (c) => c.notNull())
    .addColumn('backout_plan', 'text')
    // Releases come later: no foreign key yet, the release module adds the link's meaning.
    .addColumn('release_id', 'integer')
    .addColumn('impact', json)
    .addColumn('risk', json)
    .addColumn('risk_score', 'integer')
    .addColumn('risk_level', 'text')
    // Bumped by every edit of CIs, window or implementer; approvals name the round they approved.
    .addColumn('scope_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('scope_hash', 'text', (c) => c.notNull())
    .addColumn('freeze_override', json)
    .addColumn('review_due_at', 'text')
    .addColumn('submitted_at', 'text')
    .addColumn('scheduled_at', 'text')
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('changes_state').on('changes').columns(['state', 'id']).execute();
  await db.schema.createIndex('changes_window').on('changes').columns(['planned_start', 'planned_end']).execute();
  await db.schema.createIndex('changes_review_due').on('changes').column('review_due_at').execute();

  await db.schema
    .createTable('change_cis')
    .addColumn('change_id', 'integer', (c) => c.notNull().references('changes.id'))
    .addColumn('ci_id', 'integer', (c) => c.notNull().references('cis.id'))
    .addPrimaryKeyConstraint('change_cis_pk', ['change_id', 'ci_id'])
    .execute();
  await db.schema.createIndex('change_cis_ci').on('change_cis').columns(['ci_id', 'change_id']).execute();

  await db.schema
    .createTable('change_approvals')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('change_id', 'integer', (c) => c.notNull().references('changes.id'))
    .addColumn('approver_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('approver_name', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('scope_version', 'integer', (c) => c.notNull())
    .addColumn('scope_hash', 'text', (c) => c.notNull())
    .addColumn('change_version', 'integer', (c) => c.notNull())
    .addColumn('as_service_owner', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('voided_at', 'text')
    .addColumn('voided_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // Each approver counts once per round of approval: the database refuses a second decision.
  await db.schema
    .createIndex('change_approvals_once')
    .on('change_approvals')
    .columns(['change_id', 'scope_version', 'approver_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('change_transitions')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('change_id', 'integer', (c) => c.notNull().references('changes.id'))
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('comment', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('change_transitions_change')
    .on('change_transitions')
    .columns(['change_id', 'id'])
    .execute();

  await db.schema
    .createTable('change_reviews')
    .addColumn('change_id', 'integer', (c) => c.primaryKey().references('changes.id'))
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('incident_ids', json, (c) => c.notNull())
    .addColumn('lessons', 'text', (c) => c.notNull())
    .addColumn('reviewed_by_id', 'integer')
    .addColumn('reviewed_by_name', 'text', (c) => c.notNull())
    .addColumn('reviewed_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('freezes')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('rrule', 'text')
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('scope', json, (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('maintenance_windows')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('rrule', 'text')
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('ci_ids', json, (c) => c.notNull())
    .addColumn('service_ids', json, (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('calendar_feed_tokens')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    // SHA-256 of the secret, hex; the secret is shown once and never stored.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  // Append-only: every write that moves a change on the calendar; each instance replays it into
  // its interval index (the same pattern as graph_changes for the impact index).
  await db.schema
    .createTable('change_index_log')
    .addColumn('seq', 'integer', idColumn(d))
    .addColumn('change_id', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const table of [
    'change_index_log',
    'calendar_feed_tokens',
    'maintenance_windows',
    'freezes',
    'change_reviews',
    'change_transitions',
    'change_approvals',
    'change_cis',
    'changes',
    'change_templates',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
