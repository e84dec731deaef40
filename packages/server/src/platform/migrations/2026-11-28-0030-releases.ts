import { dialect, idColumn, jsonType, type MigrationDb } from './migration-helpers.js';

/**
 * Release management: releases with their plan sections, contents (artifacts, planned CI
 * attribute changes, target CIs explicit or by saved query), test results with evidence,
 * approvals, transitions (with the policy version each was judged by), promotions, back-out
 * rehearsals and reviews; and the release templates. Hardware reservations live in the hardware
 * store (hw_reservations.release_id) and linked changes in the change module (changes.release_id).
 */
export async function up(db: MigrationDb): Promise<void> {
  const d = dialect(db);
  const json = jsonType(d);

  await db.schema
    .createTable('release_templates')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('element', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('plan_sections', json, (c) => c.notNull())
    .addColumn('required_tests', json, (c) => c.notNull())
    .addColumn('backout_procedure', 'text', (c) => c.notNull())
    .addColumn('rollout_strategy', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('releases')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('element', 'text', (c) => c.notNull())
    .addColumn('unit_name', 'text', (c) => c.notNull())
    .addColumn('unit_ci_id', 'integer', (c) => c.references('cis.id'))
    .addColumn('version_label', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('template_id', 'integer', (c) => c.references('release_templates.id'))
    .addColumn('rollout_strategy', 'text', (c) => c.notNull())
    .addColumn('extra_tests', json, (c) => c.notNull())
    .addColumn('known_issues', 'text', (c) => c.notNull())
    .addColumn('planned_start', 'text')
    .addColumn('planned_end', 'text')
    .addColumn('requester_id', 'integer', (c) => c.references('users.id'))
    .addColumn('requester_name', 'text', (c) => c.notNull())
    .addColumn('implementer_id', 'integer', (c) => c.references('users.id'))
    .addColumn('current_environment', 'text')
    .addColumn('contents_hash', 'text', (c) => c.notNull())
    .addColumn('scope_round', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('policy_version', 'integer')
    .addColumn('freeze_override', json)
    .addColumn('accepted_at', 'text')
    .addColumn('approved_at', 'text')
    .addColumn('scheduled_at', 'text')
    .addColumn('rollout_started_at', 'text')
    .addColumn('deployed_at', 'text')
    .addColumn('review_due_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // One release per unit and version: the database has the last word when two creates race.
  await db.schema
    .createIndex('releases_unit_version')
    .on('releases')
    .columns(['unit_name', 'version_label'])
    .unique()
    .execute();
  await db.schema.createIndex('releases_state').on('releases').columns(['state', 'id']).execute();
  await db.schema.createIndex('releases_window').on('releases').columns(['planned_start', 'planned_end']).execute();

  await db.schema
    .createTable('release_plan_sections')
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('section', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('release_plan_sections_pk', ['release_id', 'section'])
    .execute();

  await db.schema
    .createTable('release_artifacts')
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('artifact_id', 'integer', (c) => c.notNull().references('artifacts.id'))
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('release_artifacts_pk', ['release_id', 'artifact_id'])
    .execute();

  await db.schema
    .createTable('release_ci_changes')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('ci_id', 'integer', (c) => c.notNull().references('cis.id'))
    .addColumn('attribute', 'text', (c) => c.notNull())
    .addColumn('value', json, (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('release_ci_changes_once')
    .on('release_ci_changes')
    .columns(['release_id', 'ci_id', 'attribute'])
    .unique()
    .execute();

  await db.schema
    .createTable('release_targets')
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('ci_id', 'integer', (c) => c.notNull().references('cis.id'))
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('release_targets_pk', ['release_id', 'environment', 'ci_id'])
    .execute();
  await db.schema.createIndex('release_targets_ci').on('release_targets').columns(['ci_id', 'release_id']).execute();

  await db.schema
    .createTable('release_target_queries')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('query', json, (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('release_target_queries_release')
    .on('release_target_queries')
    .columns(['release_id', 'id'])
    .execute();

  await db.schema
    .createTable('release_tests')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('evidence_kind', 'text', (c) => c.notNull())
    .addColumn('evidence_text', 'text')
    .addColumn('evidence_url', 'text')
    .addColumn('file_sha256', 'text')
    .addColumn('file_name', 'text')
    .addColumn('file_size', 'integer')
    .addColumn('file_type', 'text')
    .addColumn('junit', json)
    .addColumn('contents_hash', 'text', (c) => c.notNull())
    .addColumn('recorded_by_id', 'integer')
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_via', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
  // The current result of a protocol in an environment is its latest row: (release, env, protocol, id).
  await db.schema
    .createIndex('release_tests_current')
    .on('release_tests')
    .columns(['release_id', 'environment', 'protocol', 'id'])
    .execute();

  await db.schema
    .createTable('release_approvals')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('approver_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('approver_name', 'text', (c) => c.notNull())
    .addColumn('approver_roles', json, (c) => c.notNull())
    .addColumn('board', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('scope_round', 'integer', (c) => c.notNull())
    .addColumn('release_version', 'integer', (c) => c.notNull())
    .addColumn('voided_at', 'text')
    .addColumn('voided_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // Each approver counts once per round: the database refuses a second approval.
  await db.schema
    .createIndex('release_approvals_once')
    .on('release_approvals')
    .columns(['release_id', 'scope_round', 'approver_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('release_transitions')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('comment', 'text')
    .addColumn('policy_version', 'integer', (c) => c.notNull())
    .addColumn('gates', json, (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('release_transitions_release')
    .on('release_transitions')
    .columns(['release_id', 'id'])
    .execute();

  await db.schema
    .createTable('release_promotions')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('from_environment', 'text')
    .addColumn('to_environment', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'integer', (c) => c.notNull())
    .addColumn('evidence', json, (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('release_promotions_release')
    .on('release_promotions')
    .columns(['release_id', 'id'])
    .execute();

  await db.schema
    .createTable('release_rehearsals')
    .addColumn('id', 'integer', idColumn(d))
    .addColumn('release_id', 'integer', (c) => c.notNull().references('releases.id'))
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('evidence_url', 'text')
    .addColumn('plan_revision', 'integer', (c) => c.notNull())
    .addColumn('recorded_by_id', 'integer')
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('release_rehearsals_release')
    .on('release_rehearsals')
    .columns(['release_id', 'id'])
    .execute();

  await db.schema
    .createTable('release_reviews')
    .addColumn('release_id', 'integer', (c) => c.primaryKey().references('releases.id'))
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('reviewed_by_id', 'integer')
    .addColumn('reviewed_by', 'text', (c) => c.notNull())
    .addColumn('reviewed_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const table of [
    'release_reviews',
    'release_rehearsals',
    'release_promotions',
    'release_transitions',
    'release_approvals',
    'release_tests',
    'release_target_queries',
    'release_targets',
    'release_ci_changes',
    'release_artifacts',
    'release_plan_sections',
    'releases',
    'release_templates',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
