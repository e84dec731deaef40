import type { Generated } from 'kysely';

/**
 * Durable jobs, one row each (see jobs/README.md). `state`: pending → running → succeeded, or
 * back to pending with a later `run_at` after a failed attempt, or dead after the last one.
 */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** JSON text. */
  payload: string;
  state: string;
  /** Attempts started so far (bumped when a worker claims the job). */
  attempts: number;
  max_attempts: number;
  /** Not before this instant (ISO UTC); the backoff of a retry moves it. */
  run_at: string;
  /** The worker holding the job while it runs, and until when; a lapsed lease may be taken over. */
  lease_owner: string | null;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}
