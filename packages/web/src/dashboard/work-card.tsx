import type { ReactNode } from 'react';
import { ErrorNotice } from '../components/error-notice.js';

/** One card of "my work": a title with a count, the items, or what it means that there are none. */
export function WorkCard({
  id,
  title,
  count,
  empty,
  error,
  onRetry,
  children,
}: {
  id: string;
  title: string;
  count: number | undefined;
  empty: string;
  error?: unknown;
  onRetry?: () => void;
  children: ReactNode;
}) {
  return (
    <section className="card work-card" aria-labelledby={`${id}-title`} data-testid={id}>
      <h2 id={`${id}-title`}>
        {title}{' '}
        {count !== undefined && <span className={`work-count${count > 0 ? ' work-count-on' : ''}`}>{count}</span>}
      </h2>
      <ErrorNotice error={error} onRetry={onRetry} />
      {count === undefined && !error && <p className="muted">Loading…</p>}
      {count === 0 && <p className="muted">{empty}</p>}
      {count !== undefined && count > 0 && <ul className="work-list">{children}</ul>}
    </section>
  );
}
