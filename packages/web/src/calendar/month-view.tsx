import type { CalendarEvent } from '../api/types.js';
import { EventChip } from './calendar-event.js';
import { dayKey, overlapsDay } from './calendar-range.js';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MAX_PER_DAY = 4;
const dayLabel = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });

/**
 * A month as a grid of weeks. Each day lists what overlaps it; windows that last for days
 * (freezes) show on every day they cover, so a freeze reads as a band across the grid.
 */
export function MonthView({
  days,
  month,
  events,
  conflicted,
  onShowDay,
}: {
  days: Date[];
  month: number;
  events: CalendarEvent[];
  conflicted: (event: CalendarEvent) => boolean;
  onShowDay: (day: Date) => void;
}) {
  const today = dayKey(new Date());
  const weeks: Date[][] = [];
  for (let i = 0; i < days.length; i += 7) weeks.push(days.slice(i, i + 7));
  return (
    <table className="cal-month" aria-label="Month">
      <thead>
        <tr>
          {WEEKDAYS.map((name) => (
            <th key={name} scope="col">
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {weeks.map((week) => (
          <tr key={dayKey(week[0] as Date)}>
            {week.map((day) => {
              const key = dayKey(day);
              const here = events.filter((event) => overlapsDay(event.start, event.end, day));
              const extra = here.length - MAX_PER_DAY;
              return (
                <td
                  key={key}
                  className={`${day.getMonth() === month ? '' : 'cal-other-month'}${key === today ? ' cal-today' : ''}`}
                  aria-label={`${dayLabel.format(day)}: ${here.length} event${here.length === 1 ? '' : 's'}`}
                  data-day={key}
                >
                  <button type="button" className="button-link cal-day-number" onClick={() => onShowDay(day)}>
                    {day.getDate()}
                    <span className="visually-hidden"> — show the week</span>
                  </button>
                  <div className="cal-day-events">
                    {here.slice(0, MAX_PER_DAY).map((event) => (
                      <EventChip key={event.uid} event={event} conflicted={conflicted(event)} />
                    ))}
                    {extra > 0 && (
                      <button type="button" className="button-link small" onClick={() => onShowDay(day)}>
                        {extra} more
                      </button>
                    )}
                  </div>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
