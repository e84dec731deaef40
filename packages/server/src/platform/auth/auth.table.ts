import type { Generated } from 'kysely';

/** Rows are snake_case; timestamps are ISO-8601 UTC strings in both dialects (docs/adr/0003). */
export interface UsersTable {
  id: Generated<number>;
  /** Lower-case, unique. */
  username: string;
  display_name: string;
  email: string | null;
  /** JSON array of role names. */
  roles: string;
  /** argon2id PHC string; null for accounts that only use API tokens. */
  password_hash: string | null;
  /** 0 or 1. */
  disabled: number;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  token_hash: string;
  /** The first characters of the secret, to recognise a token in lists. */
  prefix: string;
  created_at: string;
  /** Null only for the SLIPWAY_ADMIN_TOKEN bootstrap token. */
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  version: number;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value, hex. */
  id: string;
  user_id: number;
  csrf_token: string;
  created_at: string;
  /** Absolute expiry. */
  expires_at: string;
  /** Sliding idle expiry, pushed forward on use. */
  idle_expires_at: string;
}

/**
 * Failed-login bookkeeping keyed by the submitted account name, whether or not such a user
 * exists, so that throttling and lockout never reveal which names are real.
 */
export interface LoginAttemptsTable {
  username: string;
  failures: number;
  locked_until: string | null;
  last_failure_at: string;
}
