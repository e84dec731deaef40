import { Link } from 'react-router';
import type { CalendarEvent } from '../api/types.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The UI page of an event's object, where there is one. */
export function eventPath(event: CalendarEvent): string | null {
  if (event.objectType === 'change') return `/changes/${event.objectId}`;
  if (event.objectType === 'release') return `/releases/${event.objectId}`;
  if (event.objectType === 'rollout') return `/rollouts/${event.objectId}`;
  return null;
}

/** "1 Dec 2026, 21:00 – 1 Dec 2026, 22:30 · scheduled" for tooltips and screen readers. */
export function eventSummary(event: CalendarEvent): string {
  return `${event.title}: ${dateTimeFormat.format(new Date(event.start))} – ${dateTimeFormat.format(new Date(event.end))} · ${event.kind}, ${event.status}`;
}

/** The CSS class of an event: its source, and whether it is in conflict. */
export function eventClass(event: CalendarEvent, conflicted: boolean): string {
  return `cal-event cal-${event.source}${conflicted ? ' cal-conflict' : ''}`;
}

/** One event as a compact chip: time, title, a warning mark when it conflicts; a link when it has a page. */
export function EventChip({
  event,
  conflicted,
  showTime = true,
}: {
  event: CalendarEvent;
  conflicted: boolean;
  showTime?: boolean;
}) {
  const path = eventPath(event);
  const label = (
    <>
      {conflicted && (
        <span className="cal-warning" aria-hidden="true">
          ⚠{' '}
        </span>
      )}
      {showTime && <span className="cal-time">{timeFormat.format(new Date(event.start))} </span>}
      {event.title}
      {conflicted && <span className="visually-hidden"> (in conflict)</span>}
    </>
  );
  const summary = eventSummary(event);
  return path ? (
    <Link to={path} className={eventClass(event, conflicted)} title={summary} data-source={event.source}>
      {label}
    </Link>
  ) : (
    <span className={eventClass(event, conflicted)} title={summary} data-source={event.source}>
      {label}
    </span>
  );
}
