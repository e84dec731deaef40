import type { Generated } from 'kysely';

/** Rows are snake_case; timestamps are ISO-8601 UTC text (ADR 0003). */
export interface IncidentsTable {
  id: Generated<number>;
  title: string;
  description: string;
  severity: string;
  started_at: string;
  resolved_at: string | null;
  caused_by_release_id: number | null;
  caused_by_change_id: number | null;
  cause_note: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface IncidentCisTable {
  incident_id: number;
  ci_id: number;
}
