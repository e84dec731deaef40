import { useCallback, useState } from 'react';

export interface CursorPages {
  /** The cursor of the page on screen (undefined for the first page). */
  cursor: string | undefined;
  /** 1-based page number, for "Page 3". */
  page: number;
  hasPrevious: boolean;
  next(cursor: string): void;
  previous(): void;
  /** Back to the first page (filters changed). */
  reset(): void;
}

/**
 * Forward-only API cursors made two-way: the cursors of the pages already seen are kept on a
 * stack, so "Previous" goes back without the server having to page backwards.
 */
export function useCursorPages(): CursorPages {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  const next = useCallback((cursor: string) => setStack((current) => [...current, cursor]), []);
  const previous = useCallback(() => setStack((current) => (current.length > 1 ? current.slice(0, -1) : current)), []);
  const reset = useCallback(() => setStack([undefined]), []);
  return { cursor: stack.at(-1), page: stack.length, hasPrevious: stack.length > 1, next, previous, reset };
}
