import type { Generated } from 'kysely';

/** Rows are snake_case; timestamps are ISO-8601 UTC text (ADR 0003). See migration 0070. */
export interface BackoutProceduresTable {
  id: Generated<number>;
  ci_class: string;
  revision: number;
  title: string;
  steps: string;
  created_by: string;
  created_at: string;
}

export interface BackoutRehearsalsTable {
  id: Generated<number>;
  procedure_id: number;
  outcome: string;
  environment: string | null;
  notes: string;
  recorded_by: string;
  recorded_at: string;
}
