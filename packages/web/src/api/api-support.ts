import type { unwrap } from '@slipway/client';

export interface PageParams {
  limit?: number;
  cursor?: string | undefined;
}

/** The success body of a client call; tells the session when the server says it has ended. */
export type ApiCall = <T>(pending: Parameters<typeof unwrap<T>>[0]) => Promise<T>;

/**
 * A fresh Idempotency-Key. Built from getRandomValues because crypto.randomUUID exists only in
 * secure contexts, and Slipway is often served over plain http inside a company network.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** ETag of a version, for If-Match (the server answers 412 when someone changed it meanwhile). */
export function ifMatch(version: number): string {
  return `"${version}"`;
}

/** Leaves out empty filter values so forms can pass their fields as they are. */
export function present<T>(value: T | '' | undefined): T | undefined {
  return value === '' ? undefined : value;
}

/** A comma-separated list parameter, or nothing for an empty list. */
export function list(values: readonly string[] | undefined): string | undefined {
  return values && values.length > 0 ? values.join(',') : undefined;
}
