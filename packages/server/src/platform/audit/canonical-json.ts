/**
 * Serialises a value as JSON with object keys sorted at every level, so equal values always give
 * equal bytes (the audit hash depends on it). `undefined` members are dropped as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}

/** Keys whose values must never reach the audit trail or the logs. */
const SECRET_KEY =
  /^(password|new_?password|current_?password|password_?hash|token|token_?hash|secret|csrf_?token|api_?key|mac_?key)$|secret$/i;

/** A deep copy with every secret-looking member removed. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (!SECRET_KEY.test(key)) out[key] = redactSecrets(member);
    }
    return out;
  }
  return value;
}
