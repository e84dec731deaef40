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
}

/**
 * hash = SHA-256(prev_hash ‖ "\n" ‖ JSON array of the entry's fields). The array form is
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
