import { AppError } from '../errors.js';

/**
 * Opaque keyset cursors: base64url JSON of the sort key of the last item of a page. They carry
 * no secrets and no authority; a forged cursor only changes where a page starts.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(
  cursor: string | undefined,
  shape: readonly ('string' | 'number')[],
): (string | number)[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) throw invalidCursor();
  parsed.forEach((value, i) => {
    if (typeof value !== shape[i]) throw invalidCursor();
  });
  return parsed as (string | number)[];
}

function invalidCursor(): AppError {
  return new AppError('INVALID_CURSOR', 'The cursor is not one this server issued; start again without it');
}

/** Decodes a cursor that holds one integer id. */
export function decodeIdCursor(cursor: string | undefined): number | undefined {
  const key = decodeCursor(cursor, ['number']);
  return key ? (key[0] as number) : undefined;
}

/**
 * Builds a page from `limit + 1` fetched rows: the extra row only tells that there is a next page.
 */
export function pageOf<T>(
  rows: T[],
  limit: number,
  keyOf: (item: T) => (string | number)[],
): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
