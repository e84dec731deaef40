import { type ReactNode, useState } from 'react';

/** How many entries of a long list (a change's CIs) show before "Show all". */
export const PREVIEW_LIMIT = 20;

export interface ShowAll<T> {
  /** The entries to render: the first `limit` until the user asks for all. */
  shown: readonly T[];
  /** How many are hidden now (0 when all show). */
  hidden: number;
  /** The "Show all N" / "Show fewer" button, or null when the list is short. */
  toggle: ReactNode;
}

/**
 * Caps a list that can run to thousands of entries (a change of 2,600 CIs made its page
 * 5,000 px tall) at `limit`, with a button to show every entry and to fold them again.
 */
export function useShowAll<T>(items: readonly T[], limit = PREVIEW_LIMIT): ShowAll<T> {
  const [expanded, setExpanded] = useState(false);
  if (items.length <= limit) return { shown: items, hidden: 0, toggle: null };
  const shown = expanded ? items : items.slice(0, limit);
  return {
    shown,
    hidden: items.length - shown.length,
    toggle: (
      <button
        type="button"
        className="button-link show-all"
        aria-expanded={expanded}
        onClick={() => setExpanded((value) => !value)}
      >
        {expanded ? 'Show fewer' : `Show all ${items.length.toLocaleString('en-GB')}`}
      </button>
    ),
  };
}
