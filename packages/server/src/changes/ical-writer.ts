import type { CalendarEvent } from './calendar-registry.js';

/**
 * RFC 5545 output for calendar clients: CRLF line ends, lines folded at 75 octets without
 * splitting a UTF-8 character, TEXT values escaped, every time in UTC (`…Z`, no VTIMEZONE
 * needed), a UID that is stable per event, DTSTAMP and LAST-MODIFIED from the object's last
 * change (so an unchanged event is byte-identical between polls) and SEQUENCE from its version.
 */

const MAX_OCTETS = 75;

/** TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, newline. */
export function escapeText(value: string): string {
  return (
    value
      .replace(/\\/g, '\\\\')
      .replace(/;/g, '\\;')
      .replace(/,/g, '\\,')
      .replace(/\r\n|\r|\n/g, '\\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are not allowed in TEXT
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
  );
}

/** Folds one content line (RFC 5545 §3.1): ≤ 75 octets per line, continuations start with a space. */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line, 'utf8') <= MAX_OCTETS) return line;
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  let limit = MAX_OCTETS;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
      // Continuation lines begin with one space, which counts towards their 75 octets.
      limit = MAX_OCTETS - 1;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** 2026-12-15T22:00:00.000Z → 20261215T220000Z */
export function icalUtc(iso: string): string {
  return new Date(iso)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

const STATUS: Record<string, string> = {
  assess: 'TENTATIVE',
  authorize: 'TENTATIVE',
  scheduled: 'CONFIRMED',
  implement: 'CONFIRMED',
  review: 'CONFIRMED',
  closed: 'CONFIRMED',
  cancelled: 'CANCELLED',
  rejected: 'CANCELLED',
};

export interface ICalendarOptions {
  name: string;
  /** Absolute base URL, when known, for URL properties. */
  baseUrl?: string | undefined;
}

export function toICalendar(events: readonly CalendarEvent[], options: ICalendarOptions): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Slipway//Change Calendar//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(options.name)}`,
    'REFRESH-INTERVAL;VALUE=DURATION:PT15M',
    'X-PUBLISHED-TTL:PT15M',
  ];
  for (const e of events) {
    const description = [
      e.description,
      `${e.kind} · ${e.status}`,
      options.baseUrl ? `${options.baseUrl}${e.url}` : e.url,
    ]
      .filter((part) => part.length > 0)
      .join('\n');
    lines.push(
      'BEGIN:VEVENT',
      `UID:${e.uid}`,
      `DTSTAMP:${icalUtc(e.updatedAt)}`,
      `LAST-MODIFIED:${icalUtc(e.updatedAt)}`,
      `SEQUENCE:${Math.max(0, e.version - 1)}`,
      `DTSTART:${icalUtc(e.start)}`,
      `DTEND:${icalUtc(e.end)}`,
      `SUMMARY:${escapeText(e.title)}`,
      `DESCRIPTION:${escapeText(description)}`,
      `CATEGORIES:${escapeText(e.kind)}`,
      `STATUS:${STATUS[e.status] ?? 'CONFIRMED'}`,
      // Freezes and maintenance windows are context, not busy time.
      `TRANSP:${e.source === 'changes' ? 'OPAQUE' : 'TRANSPARENT'}`,
      ...(options.baseUrl ? [`URL:${options.baseUrl}${e.url}`] : []),
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
