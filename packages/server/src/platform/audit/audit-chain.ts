import crypto from 'node:crypto';

/** The fields of an entry that its hash covers, in a fixed order. */
export interface ChainedFields {
  seq: number;
  at: string;
  actor_id: number | null;
  actor_name: string;
  request_id: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  before_json: string | null;
  after_json: string | null;
  /** The break-glass elevation the actor wrote under, if any (audit.table.ts). */
  actor_break_glass_id?: number | null;
  actor_break_glass_reason?: string | null;
}

/**
 * hash = SHA-256(prev_hash ‖ "\n" ‖ JSON array of the entry's fields; the break-glass id and reason
 * are appended to the array only when either is set). The array form is
 * canonical because every field is a string, number or null and the JSON payloads are stored as
 * the exact text that was hashed.
 */
export function entryHash(prevHash: string, f: ChainedFields): string {
  const body = JSON.stringify([
    f.seq,
    f.at,
    f.actor_id,
    f.actor_name,
    f.request_id,
    f.action,
    f.object_type,
    f.object_id,
    f.before_json,
    f.after_json,
    // Appended only for entries written under break-glass: every other entry hashes exactly as
    // it did before the fields existed. Stripping the flag from a flagged entry changes its hash.
    ...((f.actor_break_glass_id ?? null) === null && (f.actor_break_glass_reason ?? null) === null
      ? []
      : [f.actor_break_glass_id ?? null, f.actor_break_glass_reason ?? null]),
  ]);
  return crypto.createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/** HMAC of the entry hash under the audit MAC key (outside the database). */
export function entryMac(macKey: Buffer, hash: string): string {
  return crypto.createHmac('sha256', macKey).update(hash).digest('hex');
}

export function macMatches(macKey: Buffer, hash: string, mac: string): boolean {
  const expected = Buffer.from(entryMac(macKey, hash), 'hex');
  const actual = Buffer.from(mac, 'hex');
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}
