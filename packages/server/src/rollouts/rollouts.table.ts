import type { Generated } from 'kysely';
import type { JsonColumn } from '../cmdb/cmdb.table.js';

/** Rows are snake_case; timestamps ISO-8601 UTC text. See the migration 0040 for what each column guards. */
export interface RolloutsTable {
  id: Generated<number>;
  release_id: number;
  environment: string;
  strategy: string;
  spec: JsonColumn;
  executor_kind: string;
  executor: JsonColumn;
  state: string;
  pause_reason: string | null;
  reason: string | null;
  activation: string | null;
  phase: string;
  scheduled_at: string | null;
  planned_start: string | null;
  planned_end: string | null;
  started_at: string | null;
  finished_at: string | null;
  backout_started_at: string | null;
  baseline_id: number | null;
  prechecks: JsonColumn;
  active_key: string | null;
  driver_epoch: number;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface RolloutWavesTable {
  id: Generated<number>;
  rollout_id: number;
  idx: number;
  name: string;
  action: string;
  state: string;
  settings: JsonColumn;
  point_of_no_return: number;
  target_count: number;
  started_at: string | null;
  finished_at: string | null;
  bake_until: string | null;
  gate_passed_at: string | null;
  gate_result: JsonColumn | null;
  impact: JsonColumn | null;
}

export interface RolloutTargetsTable {
  id: Generated<number>;
  rollout_id: number;
  wave_idx: number;
  ci_id: number;
  ci_class: string;
  ci_name: string;
  state: string;
  changed: number;
  started_at: string | null;
  finished_at: string | null;
  downtime_ms: number;
  error: string | null;
  facts: JsonColumn | null;
}

export interface RolloutStepsTable {
  id: Generated<number>;
  rollout_id: number;
  target_id: number;
  wave_idx: number;
  action: string;
  round: number;
  idempotency_key: string;
  state: string;
  attempts: number;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  output: string | null;
  error: string | null;
}

export interface RolloutEventsTable {
  id: Generated<number>;
  rollout_id: number;
  type: string;
  data: JsonColumn;
  at: string;
}

export interface RolloutExecutablesTable {
  id: Generated<number>;
  path: string;
  note: string;
  created_by: string;
  created_at: string;
}

/** Activation requests of dormant rollouts (migration 0073). */
export interface RolloutActivationsTable {
  id: Generated<number>;
  rollout_id: number;
  state: string;
  activate_at: string | null;
  requested_by: string;
  requested_at: string;
  request_note: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_note: string | null;
  activated_at: string | null;
  closed_by: string | null;
  closed_at: string | null;
  closed_reason: string | null;
  open_key: number | null;
  created_at: string;
  updated_at: string;
  version: number;
}
