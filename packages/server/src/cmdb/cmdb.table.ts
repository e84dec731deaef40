import type { Generated } from 'kysely';

/** JSON columns: jsonb on PostgreSQL (read back as objects), text on SQLite (read back as strings). */
export type JsonColumn = string | Record<string, unknown> | unknown[];

export interface CiClassesTable {
  name: string;
  label: string;
  description: string;
  attributes: JsonColumn;
  builtin: number;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface CisTable {
  id: Generated<number>;
  class: string;
  name: string;
  status: string;
  environment: string | null;
  owner: string | null;
  criticality: string | null;
  attributes: JsonColumn;
  source: string | null;
  last_seen_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface RelationshipsTable {
  id: Generated<number>;
  source_id: number;
  type: string;
  target_id: number;
  origin: string;
  created_at: string;
  last_seen_at: string | null;
}

export interface CiHistoryTable {
  id: Generated<number>;
  ci_id: number;
  at: string;
  actor_id: number | null;
  actor_name: string;
  request_id: string | null;
  context: string | null;
  action: string;
  changes: JsonColumn;
}

export interface GraphChangesTable {
  seq: Generated<number>;
  op: string;
  relationship_id: number | null;
  source_id: number | null;
  type: string | null;
  target_id: number | null;
  at: string;
}

export interface BaselinesTable {
  id: Generated<number>;
  name: string;
  description: string;
  scope: JsonColumn;
  ci_count: number;
  relationship_count: number;
  created_by: string;
  created_at: string;
}

export interface BaselineCisTable {
  baseline_id: number;
  ci_id: number;
  class: string;
  name: string;
  status: string;
  environment: string | null;
  owner: string | null;
  criticality: string | null;
  attributes: JsonColumn;
  ci_version: number;
}

export interface BaselineRelationshipsTable {
  baseline_id: number;
  source_id: number;
  type: string;
  target_id: number;
}
