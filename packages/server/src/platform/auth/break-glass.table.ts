import type { Generated } from 'kysely';

/**
 * One break-glass elevation of an admin's account (migration 0071). Open while `ended_at` is
 * null; it grants permissions only while `expires_at` is also in the future.
 */
export interface BreakGlassElevationsTable {
  id: Generated<number>;
  user_id: number;
  username: string;
  /** Stated when starting; copied into every audit entry written under the elevation. */
  reason: string;
  /** How the admin authenticated when starting it: 'token' or 'session'. */
  via: string;
  token_id: number | null;
  request_id: string | null;
  started_at: string;
  expires_at: string;
  ended_at: string | null;
  /** 'ended' or 'expired' once closed. */
  end_reason: string | null;
  /** Username of who ended it; 'system' for an expiry. */
  ended_by: string | null;
}
