import type { CalendarEvent } from '../api/types.js';
import { EventChip } from './calendar-event.js';
import { dayKey, overlapsDay } from './calendar-range.js';

const heading = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });

/** A week as seven columns, every event of each day in time order. */
export function WeekView({
  days,
  events,
  conflicted,
}: {
  days: Date[];
  events: CalendarEvent[];
  conflicted: (event: CalendarEvent) => boolean;
}) {
  const today = dayKey(new Date());
  const sorted = [...events].sort((a, b) => a.start.localeCompare(b.start));
  return (
    <ul className="cal-week" aria-label="Week">
      {days.map((day) => {
        const key = dayKey(day);
        const here = sorted.filter((event) => overlapsDay(event.start, event.end, day));
        return (
          <li
            key={key}
            className={`cal-week-day${key === today ? ' cal-today' : ''}`}
            aria-labelledby={`week-${key}`}
            data-day={key}
          >
            <h3 id={`week-${key}`}>{heading.format(day)}</h3>
            {here.length === 0 && <p className="muted small">Nothing planned.</p>}
            {here.map((event) => (
              <EventChip key={event.uid} event={event} conflicted={conflicted(event)} />
            ))}
          </li>
        );
      })}
    </ul>
  );
}
