import { useCallback, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { CalendarEvent } from '../api/types.js';
import { type CalendarView, dayKey, parseDayKey, shiftAnchor, viewRange } from '../calendar/calendar-range.js';
import { FeedSubscription } from '../calendar/feed-subscription.js';
import { MonthView } from '../calendar/month-view.js';
import { TimelineView } from '../calendar/timeline-view.js';
import { WeekView } from '../calendar/week-view.js';
import { ConflictList } from '../changes/conflict-list.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';
import '../calendar/calendar.css';

const VIEWS: { view: CalendarView; label: string }[] = [
  { view: 'month', label: 'Month' },
  { view: 'week', label: 'Week' },
  { view: 'timeline', label: 'Timeline' },
];
const SOURCE_LABELS: Record<string, string> = {
  changes: 'Changes',
  releases: 'Releases',
  rollouts: 'Rollouts',
  freezes: 'Freezes',
  maintenance: 'Maintenance windows',
};
const monthTitle = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });
const dayTitle = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

function isView(value: string | null): value is CalendarView {
  return value === 'month' || value === 'week' || value === 'timeline';
}

/**
 * The change calendar: changes, releases, freezes and maintenance windows in a month, week or
 * timeline view, with every change in conflict marked and the conflicts listed below. View and
 * date live in the URL so a view can be shared.
 */
export function CalendarPage() {
  useDocumentTitle('Calendar');
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const view: CalendarView = isView(params.get('view')) ? (params.get('view') as CalendarView) : 'month';
  const anchorKey = params.get('date');
  const anchor = useMemo(() => parseDayKey(anchorKey) ?? new Date(), [anchorKey]);
  const { from, to, days } = useMemo(() => viewRange(view, anchor), [view, anchor]);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());

  const fromIso = from.toISOString();
  const toIso = to.toISOString();
  const load = useCallback(
    (signal: AbortSignal) => api.changes.calendar({ from: fromIso, to: toIso, conflicts: true }, signal),
    [api, fromIso, toIso],
  );
  const { data, error, loading, reload } = useLoad(load);

  const conflictedChanges = useMemo(() => {
    const ids = new Set<number>();
    for (const conflict of data?.conflicts?.items ?? []) for (const change of conflict.changes) ids.add(change.id);
    return ids;
  }, [data]);
  const conflicted = useCallback(
    (event: CalendarEvent) => event.objectType === 'change' && conflictedChanges.has(event.objectId),
    [conflictedChanges],
  );
  const sources = data?.sources ?? [];
  const events = (data?.events ?? []).filter((event) => !hidden.has(event.source));

  function go(next: { view?: CalendarView; date?: Date }) {
    const search = new URLSearchParams(params);
    search.set('view', next.view ?? view);
    search.set('date', dayKey(next.date ?? anchor));
    setParams(search);
  }

  const title =
    view === 'month'
      ? monthTitle.format(anchor)
      : `${dayTitle.format(from)} – ${dayTitle.format(new Date(to.getTime() - 1))}`;
  const conflicts = data?.conflicts;
  return (
    <section className="page" aria-labelledby="calendar-title">
      <div className="page-head">
        <h1 id="calendar-title">Calendar</h1>
        <Link to="/calendar/windows">Freezes and maintenance windows</Link>
      </div>
      <div className="toolbar cal-toolbar">
        <fieldset className="cal-views">
          <legend className="visually-hidden">View</legend>
          {VIEWS.map((item) => (
            <button
              key={item.view}
              type="button"
              className="button-secondary"
              aria-pressed={view === item.view}
              onClick={() => go({ view: item.view })}
            >
              {item.label}
            </button>
          ))}
        </fieldset>
        <fieldset className="cal-nav">
          <legend className="visually-hidden">Move</legend>
          <button
            type="button"
            className="button-secondary"
            onClick={() => go({ date: shiftAnchor(view, anchor, -1) })}
          >
            ← Previous
          </button>
          <button type="button" className="button-secondary" onClick={() => go({ date: new Date() })}>
            Today
          </button>
          <button type="button" className="button-secondary" onClick={() => go({ date: shiftAnchor(view, anchor, 1) })}>
            Next →
          </button>
        </fieldset>
        <fieldset className="cal-sources">
          <legend className="visually-hidden">Show</legend>
          {sources.map((source) => (
            <label key={source} className="checkbox">
              <input
                type="checkbox"
                checked={!hidden.has(source)}
                onChange={(event) =>
                  setHidden((current) => {
                    const next = new Set(current);
                    if (event.target.checked) next.delete(source);
                    else next.add(source);
                    return next;
                  })
                }
              />
              <span className={`cal-swatch cal-${source}`} aria-hidden="true" />
              {SOURCE_LABELS[source] ?? source}
            </label>
          ))}
        </fieldset>
      </div>
      <h2 className="cal-range-title" aria-live="polite" data-testid="calendar-range">
        {title}
        {data && (
          <span className="muted small">
            {' '}
            · {events.length} event{events.length === 1 ? '' : 's'}
            {conflictedChanges.size > 0 &&
              `, ${conflictedChanges.size} change${conflictedChanges.size === 1 ? '' : 's'} in conflict`}
          </span>
        )}
      </h2>
      <ErrorNotice error={error} onRetry={reload} />
      <div aria-busy={loading} data-testid="calendar-view" data-view={view}>
        {view === 'month' && (
          <MonthView
            days={days}
            month={anchor.getMonth()}
            events={events}
            conflicted={conflicted}
            onShowDay={(day) => go({ view: 'week', date: day })}
          />
        )}
        {view === 'week' && <WeekView days={days} events={events} conflicted={conflicted} />}
        {view === 'timeline' && (
          <TimelineView
            days={days}
            from={from}
            to={to}
            sources={sources.filter((source) => !hidden.has(source))}
            events={events}
            conflicted={conflicted}
          />
        )}
      </div>
      {conflicts && (
        <section className="card" aria-labelledby="cal-conflicts-title" data-testid="calendar-conflicts">
          <h2 id="cal-conflicts-title">Conflicts in this range ({conflicts.items.length})</h2>
          <ConflictList conflicts={conflicts.items} truncated={conflicts.truncated} />
        </section>
      )}
      <FeedSubscription />
    </section>
  );
}
