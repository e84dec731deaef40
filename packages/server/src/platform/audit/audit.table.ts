export interface AuditLogTable {
  /** 1, 2, 3 … without gaps; assigned under the audit_head lock. */
  seq: number;
  at: string;
  actor_id: number | null;
  actor_name: string;
  request_id: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  /** Canonical JSON text (kept as text, not jsonb, so the hashed bytes survive exactly). */
  before_json: string | null;
  after_json: string | null;
  /**
   * Set when the actor wrote this entry under a break-glass elevation (its id and stated reason);
   * covered by the hash only when set, so entries written before the columns existed verify as before.
   */
  actor_break_glass_id: number | null;
  actor_break_glass_reason: string | null;
  /** Hash of the previous entry ('' for the first). */
  prev_hash: string;
  /** SHA-256 over prev_hash and the canonical entry, hex. */
  hash: string;
  /** HMAC-SHA-256 of hash under the audit key kept outside the database, hex. */
  mac: string;
}

/** One row (id = 1): the head of the chain, locked by every append. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}
