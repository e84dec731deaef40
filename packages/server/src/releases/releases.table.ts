import type { ColumnType, Generated } from 'kysely';
import type { JsonColumn } from '../cmdb/cmdb.table.js';

/** Rows are snake_case; timestamps and planned windows are ISO-8601 UTC text (ADR 0003). */
export interface ReleasesTable {
  id: Generated<number>;
  type: string;
  element: string;
  /** The release unit: what is versioned together (a service or product), by name … */
  unit_name: string;
  /** … and, when it is a CI, its id. */
  unit_ci_id: number | null;
  version_label: string;
  title: string;
  description: string;
  state: string;
  template_id: number | null;
  rollout_strategy: string;
  /** Tests the release's template adds to the policy's, per environment. */
  extra_tests: JsonColumn;
  known_issues: string;
  planned_start: string | null;
  planned_end: string | null;
  requester_id: number | null;
  requester_name: string;
  implementer_id: number | null;
  /** The last environment the release was promoted into (null before the first promotion). */
  current_environment: string | null;
  /** SHA-256 over the artifacts' ids and digests: test results count for the build they were run on. */
  contents_hash: string;
  /** Bumped by every scope edit; approvals name the round they approved. */
  scope_round: number;
  /** The policy version the last transition was judged by. */
  policy_version: number | null;
  freeze_override: JsonColumn | null;
  accepted_at: string | null;
  approved_at: string | null;
  scheduled_at: string | null;
  rollout_started_at: string | null;
  deployed_at: string | null;
  review_due_at: string | null;
  /** The owning team (teams.id); null = organisation-wide. See platform/teams/team-scope.ts. */
  team_id: ColumnType<number | null, number | null | undefined, number | null>;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface ReleaseTemplatesTable {
  id: Generated<number>;
  name: string;
  element: string;
  description: string;
  /** [{ key, title, content }] */
  plan_sections: JsonColumn;
  /** { environment: protocol[] }, added to the policy's required tests. */
  required_tests: JsonColumn;
  backout_procedure: string;
  rollout_strategy: string;
  builtin: number;
  active: number;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface ReleasePlanSectionsTable {
  release_id: number;
  section: string;
  title: string;
  owner: string | null;
  status: string;
  content: string;
  /** Bumped by every edit of the content (a rehearsal names the revision it rehearsed). */
  revision: number;
  updated_by: string;
  updated_at: string;
}

export interface ReleaseArtifactsTable {
  release_id: number;
  artifact_id: number;
  added_by: string;
  added_at: string;
}

export interface ReleaseCiChangesTable {
  id: Generated<number>;
  release_id: number;
  ci_id: number;
  attribute: string;
  /** The attribute's planned new value (JSON). */
  value: JsonColumn;
  note: string;
  created_by: string;
  created_at: string;
}

export interface ReleaseTargetsTable {
  release_id: number;
  environment: string;
  ci_id: number;
  added_by: string;
  added_at: string;
}

export interface ReleaseTargetQueriesTable {
  id: Generated<number>;
  release_id: number;
  environment: string;
  name: string;
  query: JsonColumn;
  created_by: string;
  created_at: string;
}

export interface ReleaseTestsTable {
  id: Generated<number>;
  release_id: number;
  environment: string;
  protocol: string;
  outcome: string;
  summary: string;
  evidence_kind: string;
  evidence_text: string | null;
  evidence_url: string | null;
  file_sha256: string | null;
  file_name: string | null;
  file_size: number | null;
  file_type: string | null;
  /** Parsed JUnit counts and the first failing cases. */
  junit: JsonColumn | null;
  /** The build the result is for (releases.contents_hash when it was recorded). */
  contents_hash: string;
  recorded_by_id: number | null;
  recorded_by: string;
  recorded_via: string;
  recorded_at: string;
}

export interface ReleaseApprovalsTable {
  id: Generated<number>;
  release_id: number;
  approver_id: number;
  approver_name: string;
  /** The approver's roles when they approved (auditors ask for the role at that time). */
  approver_roles: JsonColumn;
  board: string;
  comment: string;
  scope_round: number;
  release_version: number;
  voided_at: string | null;
  voided_reason: string | null;
  created_at: string;
}

export interface ReleaseTransitionsTable {
  id: Generated<number>;
  release_id: number;
  from_state: string | null;
  to_state: string;
  action: string;
  actor_id: number | null;
  actor_name: string;
  request_id: string | null;
  comment: string | null;
  /** The policy version this transition was judged by. */
  policy_version: number;
  /** The gates evaluated (all met when the transition was taken). */
  gates: JsonColumn;
  at: string;
}

export interface ReleasePromotionsTable {
  id: Generated<number>;
  release_id: number;
  from_environment: string | null;
  to_environment: string;
  actor_id: number | null;
  actor_name: string;
  policy_version: number;
  /** The test results that allowed it (ids), per the policy of that version. */
  evidence: JsonColumn;
  at: string;
}

export interface ReleaseRehearsalsTable {
  id: Generated<number>;
  release_id: number;
  environment: string;
  outcome: string;
  notes: string;
  evidence_url: string | null;
  /** The revision of the back-out plan section that was rehearsed. */
  plan_revision: number;
  recorded_by_id: number | null;
  recorded_by: string;
  recorded_at: string;
}

export interface ReleaseReviewsTable {
  release_id: number;
  outcome: string;
  notes: string;
  reviewed_by_id: number | null;
  reviewed_by: string;
  reviewed_at: string;
}
