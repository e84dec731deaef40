import { Link } from 'react-router';
import type { CalendarEvent } from '../api/types.js';
import { eventClass, eventPath, eventSummary } from './calendar-event.js';
import { dayKey, packRows, span } from './calendar-range.js';

/** Height of one row of bars. */
const ROW_REM = 1.6;
/** About how much of the track one character of a title takes (the track is ~1000 px at 1280 px). */
const CHAR_PERCENT = 0.62;

const dayLabel = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

const LANE_TITLES: Record<string, string> = {
  changes: 'Changes',
  releases: 'Releases',
  rollouts: 'Rollouts',
  freezes: 'Freezes',
  maintenance: 'Maintenance windows',
};

/**
 * Four weeks on one horizontal axis, a lane per source, each event a bar from its start to its
 * end: overlaps between changes, freezes and windows are visible at a glance.
 */
export function TimelineView({
  days,
  from,
  to,
  sources,
  events,
  conflicted,
}: {
  days: Date[];
  from: Date;
  to: Date;
  sources: string[];
  events: CalendarEvent[];
  conflicted: (event: CalendarEvent) => boolean;
}) {
  const today = new Date();
  const todayOffset =
    today >= from && today < to ? span(today.toISOString(), today.toISOString(), from, to).left : null;
  return (
    <section className="cal-timeline" aria-label="Timeline">
      <div className="cal-timeline-axis" aria-hidden="true">
        <span className="cal-lane-title" />
        <div className="cal-lane-track">
          {days.map((day, index) =>
            day.getDay() === 1 || index === 0 ? (
              <span key={dayKey(day)} className="cal-tick" style={{ left: `${(index / days.length) * 100}%` }}>
                {dayLabel.format(day)}
              </span>
            ) : null,
          )}
        </div>
      </div>
      {sources.map((source) => {
        const lane = events.filter((event) => event.source === source);
        const placed = lane.map((event) => {
          const { left, width } = span(event.start, event.end, from, to);
          // Near the right edge the title runs leftwards, so it stays inside the timeline.
          const leftward = left > 70;
          const label = event.title.length * CHAR_PERCENT + 1;
          const extent = leftward
            ? { left: Math.min(left, left + width - label), right: left + width }
            : { left, right: Math.max(left + width, left + label) };
          return { event, left, width, leftward, extent };
        });
        const { rows, count } = packRows(placed.map((item) => item.extent));
        return (
          <div key={source} className="cal-lane" style={{ minHeight: `${Math.max(count, 1) * ROW_REM + 0.8}rem` }}>
            <span className="cal-lane-title">{LANE_TITLES[source] ?? source}</span>
            <div className="cal-lane-track">
              {todayOffset !== null && <span className="cal-now" style={{ left: `${todayOffset}%` }} />}
              {lane.length === 0 && <span className="muted small cal-lane-empty">nothing in this range</span>}
              <ul className="cal-lane-bars" aria-label={LANE_TITLES[source] ?? source}>
                {placed.map(({ event, left, width, leftward }, index) => {
                  const path = eventPath(event);
                  const top = `${(rows[index] ?? 0) * ROW_REM + 0.2}rem`;
                  const style = { left: `${left}%`, width: `${width}%`, top };
                  const bad = conflicted(event);
                  const labelClass = leftward ? 'cal-bar-label cal-bar-label-left' : 'cal-bar-label';
                  return (
                    <li key={event.uid} className="cal-bar-item">
                      {path ? (
                        <Link
                          to={path}
                          className={`${eventClass(event, bad)} cal-bar`}
                          style={style}
                          title={eventSummary(event)}
                        >
                          <span className={labelClass}>
                            {bad && '⚠ '}
                            {event.title}
                          </span>
                        </Link>
                      ) : (
                        <span className={`${eventClass(event, bad)} cal-bar`} style={style} title={eventSummary(event)}>
                          <span className={labelClass}>{event.title}</span>
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </div>
          </div>
        );
      })}
    </section>
  );
}
