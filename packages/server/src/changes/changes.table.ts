import type { ColumnType, Generated } from 'kysely';
import type { JsonColumn } from '../cmdb/cmdb.table.js';

/** Rows are snake_case; timestamps and planned windows are ISO-8601 UTC text (ADR 0003). */
export interface ChangesTable {
  id: Generated<number>;
  type: string;
  state: string;
  title: string;
  description: string;
  justification: string;
  template_id: number | null;
  planned_start: string | null;
  planned_end: string | null;
  implementer_id: number | null;
  requester_id: number | null;
  requester_name: string;
  backout_plan: string | null;
  release_id: number | null;
  impact: JsonColumn | null;
  risk: JsonColumn | null;
  risk_score: number | null;
  risk_level: string | null;
  scope_version: number;
  scope_hash: string;
  freeze_override: JsonColumn | null;
  review_due_at: string | null;
  submitted_at: string | null;
  scheduled_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  /** The owning team (teams.id); null = organisation-wide. See platform/teams/team-scope.ts. */
  team_id: ColumnType<number | null, number | null | undefined, number | null>;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface ChangeCisTable {
  change_id: number;
  ci_id: number;
}

export interface ChangeApprovalsTable {
  id: Generated<number>;
  change_id: number;
  approver_id: number;
  approver_name: string;
  /** 'approved' | 'rejected' */
  decision: string;
  comment: string;
  scope_version: number;
  /** SHA-256 of the scope (CIs, window, implementer) this decision was about. */
  scope_hash: string;
  change_version: number;
  as_service_owner: number;
  voided_at: string | null;
  voided_reason: string | null;
  created_at: string;
}

export interface ChangeTransitionsTable {
  id: Generated<number>;
  change_id: number;
  from_state: string | null;
  to_state: string;
  action: string;
  actor_id: number | null;
  actor_name: string;
  request_id: string | null;
  comment: string | null;
  at: string;
}

export interface ChangeReviewsTable {
  change_id: number;
  outcome: string;
  incident_ids: JsonColumn;
  lessons: string;
  reviewed_by_id: number | null;
  reviewed_by_name: string;
  reviewed_at: string;
}

export interface ChangeTemplatesTable {
  id: Generated<number>;
  name: string;
  description: string;
  allowed_ci_classes: JsonColumn;
  max_impacted_cis: number;
  max_duration_minutes: number;
  backout_plan: string | null;
  active: number;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface FreezesTable {
  id: Generated<number>;
  name: string;
  description: string;
  kind: string;
  starts_at: string;
  ends_at: string;
  rrule: string | null;
  timezone: string;
  scope: JsonColumn;
  active: number;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface MaintenanceWindowsTable {
  id: Generated<number>;
  name: string;
  description: string;
  starts_at: string;
  ends_at: string;
  rrule: string | null;
  timezone: string;
  ci_ids: JsonColumn;
  service_ids: JsonColumn;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface CalendarFeedTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface ChangeIndexLogTable {
  seq: Generated<number>;
  change_id: number;
  at: string;
}
