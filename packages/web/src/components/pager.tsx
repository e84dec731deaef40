import type { CursorPages } from '../hooks/use-cursor-pages.js';

/** Previous/next buttons for a cursor-paged list. */
export function Pager({ pages, next, label }: { pages: CursorPages; next: string | null | undefined; label: string }) {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="button-secondary" disabled={!pages.hasPrevious} onClick={pages.previous}>
        ← Previous
      </button>
      <span className="muted">Page {pages.page}</span>
      <button
        type="button"
        className="button-secondary"
        disabled={!next}
        onClick={() => {
          if (next) pages.next(next);
        }}
      >
        Next →
      </button>
    </nav>
  );
}
