/**
 * Recurring windows (freezes, maintenance windows) as RFC 5545 recurrence rules. Slipway
 * implements the subset calendars for change control need instead of taking a dependency:
 * FREQ = DAILY | WEEKLY | MONTHLY | YEARLY, INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY
 * (negative counts from the month's end), BYDAY (with an ordinal such as 3SA or -1FR under
 * MONTHLY and YEARLY), BYSETPOS, and WKST=MO. Anything else is refused with a message naming it,
 * never silently ignored.
 *
 * A window is a first occurrence (start, end) in an IANA time zone plus an optional rule. The
 * rule is evaluated on wall-clock dates in that zone (so "09:00 every weekday in Europe/Berlin"
 * stays at 09:00 across daylight-saving changes); each occurrence lasts as long as the first.
 * As RFC 5545 says, the first window always counts as the first occurrence (also for COUNT).
 */

export const RRULE_FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
export type Frequency = (typeof RRULE_FREQUENCIES)[number];

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const DAY_MS = 86_400_000;

export interface WeekdaySpec {
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** 3 in 3SA, -1 in -1FR; undefined for every such weekday of the period. */
  ordinal: number | undefined;
}

export interface RecurrenceRule {
  freq: Frequency;
  interval: number;
  count: number | undefined;
  /** Inclusive, epoch ms UTC. */
  until: number | undefined;
  byMonth: number[] | undefined;
  byMonthDay: number[] | undefined;
  byDay: WeekdaySpec[] | undefined;
  bySetPos: number[] | undefined;
}

export class RecurrenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecurrenceError';
  }
}

function intList(value: string, name: string, min: number, max: number, allowZero = false): number[] {
  const out = value.split(',').map((part) => {
    if (!/^[+-]?\d{1,4}$/.test(part)) throw new RecurrenceError(`${name} must be a comma-separated list of integers`);
    const n = Number(part);
    if (n < min || n > max || (!allowZero && n === 0)) {
      throw new RecurrenceError(`${name} values must be between ${min} and ${max}${allowZero ? '' : ', not 0'}`);
    }
    return n;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

function parseUntil(value: string): number {
  const dateTime = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  const date = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  let ms: number;
  if (dateTime) {
    const [, y, mo, d, h, mi, s] = dateTime.map(Number) as number[];
    ms = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  } else if (date) {
    const [, y, mo, d] = date.map(Number) as number[];
    // A date-only UNTIL includes that whole (UTC) day.
    ms = Date.UTC(y as number, (mo as number) - 1, d as number) + DAY_MS - 1;
  } else {
    throw new RecurrenceError('UNTIL must be a UTC date-time like 20271231T235959Z or a date like 20271231');
  }
  if (Number.isNaN(ms)) throw new RecurrenceError('UNTIL is not a valid date');
  return ms;
}

/** Parses `FREQ=MONTHLY;BYDAY=3SA` (an optional `RRULE:` prefix is accepted). */
export function parseRrule(text: string): RecurrenceRule {
  const body = text.trim().replace(/^RRULE:/i, '');
  if (body.length === 0 || body.length > 500) throw new RecurrenceError('The recurrence rule is empty or too long');
  const parts = new Map<string, string>();
  for (const part of body.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new RecurrenceError(`"${part}" is not NAME=VALUE`);
    const name = part.slice(0, eq).toUpperCase();
    if (parts.has(name)) throw new RecurrenceError(`${name} appears twice`);
    parts.set(name, part.slice(eq + 1).toUpperCase());
  }
  const supported = new Set([
    'FREQ',
    'INTERVAL',
    'COUNT',
    'UNTIL',
    'BYMONTH',
    'BYMONTHDAY',
    'BYDAY',
    'BYSETPOS',
    'WKST',
  ]);
  for (const name of parts.keys()) {
    if (!supported.has(name)) {
      throw new RecurrenceError(`${name} is not supported; Slipway supports ${[...supported].join(', ')}`);
    }
  }
  const freq = parts.get('FREQ');
  if (!freq) throw new RecurrenceError('FREQ is required');
  if (!(RRULE_FREQUENCIES as readonly string[]).includes(freq)) {
    throw new RecurrenceError(`FREQ=${freq} is not supported; use one of ${RRULE_FREQUENCIES.join(', ')}`);
  }
  const wkst = parts.get('WKST');
  if (wkst !== undefined && wkst !== 'MO')
    throw new RecurrenceError('Only WKST=MO (weeks start on Monday) is supported');
  const interval = parts.has('INTERVAL')
    ? (intList(parts.get('INTERVAL') as string, 'INTERVAL', 1, 1000)[0] as number)
    : 1;
  if (parts.has('COUNT') && parts.has('UNTIL')) throw new RecurrenceError('COUNT and UNTIL cannot both be given');
  const count = parts.has('COUNT') ? intList(parts.get('COUNT') as string, 'COUNT', 1, 10_000)[0] : undefined;
  const until = parts.has('UNTIL') ? parseUntil(parts.get('UNTIL') as string) : undefined;
  const byMonth = parts.has('BYMONTH') ? intList(parts.get('BYMONTH') as string, 'BYMONTH', 1, 12) : undefined;
  const byMonthDay = parts.has('BYMONTHDAY')
    ? intList(parts.get('BYMONTHDAY') as string, 'BYMONTHDAY', -31, 31)
    : undefined;
  const bySetPos = parts.has('BYSETPOS') ? intList(parts.get('BYSETPOS') as string, 'BYSETPOS', -366, 366) : undefined;
  let byDay: WeekdaySpec[] | undefined;
  if (parts.has('BYDAY')) {
    byDay = (parts.get('BYDAY') as string).split(',').map((spec) => {
      const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(spec);
      if (!match) throw new RecurrenceError(`BYDAY value "${spec}" is not like MO, 3SA or -1FR`);
      const ordinal = match[1] === undefined ? undefined : Number(match[1]);
      if (ordinal !== undefined) {
        if (ordinal === 0 || Math.abs(ordinal) > 53)
          throw new RecurrenceError(`BYDAY ordinal in "${spec}" is out of range`);
        if (freq !== 'MONTHLY' && freq !== 'YEARLY') {
          throw new RecurrenceError(`BYDAY ordinals like "${spec}" need FREQ=MONTHLY or FREQ=YEARLY`);
        }
      }
      return { weekday: WEEKDAYS.indexOf(match[2] as (typeof WEEKDAYS)[number]), ordinal };
    });
  }
  if (freq === 'WEEKLY' && byMonthDay) throw new RecurrenceError('BYMONTHDAY cannot be used with FREQ=WEEKLY');
  return { freq: freq as Frequency, interval, count, until, byMonth, byMonthDay, byDay, bySetPos };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The canonical text of a rule (what is stored and put in iCalendar). */
export function formatRrule(rule: RecurrenceRule): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.until !== undefined) {
    const u = new Date(rule.until);
    parts.push(
      `UNTIL=${u.getUTCFullYear()}${pad(u.getUTCMonth() + 1)}${pad(u.getUTCDate())}T${pad(u.getUTCHours())}${pad(
        u.getUTCMinutes(),
      )}${pad(u.getUTCSeconds())}Z`,
    );
  }
  if (rule.byMonth) parts.push(`BYMONTH=${rule.byMonth.join(',')}`);
  if (rule.byMonthDay) parts.push(`BYMONTHDAY=${rule.byMonthDay.join(',')}`);
  if (rule.byDay) {
    parts.push(`BYDAY=${rule.byDay.map((d) => `${d.ordinal ?? ''}${WEEKDAYS[d.weekday]}`).join(',')}`);
  }
  if (rule.bySetPos) parts.push(`BYSETPOS=${rule.bySetPos.join(',')}`);
  return parts.join(';');
}

// ---------------------------------------------------------------------------------------------
// Time zones: wall-clock components ↔ UTC instants through Intl (Node ships full ICU).

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function wallClockAt(utcMs: number, timeZone: string): WallClock {
  if (timeZone === 'UTC') {
    const d = new Date(utcMs);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  }
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

function offsetAt(utcMs: number, timeZone: string): number {
  const w = wallClockAt(utcMs, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(utcMs / 1000) * 1000;
}

/**
 * The UTC instant of a wall-clock time in a zone. In a daylight-saving gap (02:30 that does not
 * exist) the result lands after the gap; in an overlap (02:30 twice) it is the first one.
 */
export function wallClockToUtc(w: WallClock, timeZone: string): number {
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  if (timeZone === 'UTC') return guess;
  const first = offsetAt(guess, timeZone);
  const candidate = guess - first;
  const second = offsetAt(candidate, timeZone);
  return second === first ? candidate : guess - second;
}

// ---------------------------------------------------------------------------------------------
// Expansion. Dates are day numbers (days since 1970-01-01 in the zone's calendar).

function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

function fromDayNumber(dn: number): { year: number; month: number; day: number } {
  const d = new Date(dn * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
function weekdayOf(dn: number): number {
  return (((dn + 3) % 7) + 7) % 7;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Days of `month` matching BYMONTHDAY (negative from the end). */
function monthDays(year: number, month: number, byMonthDay: readonly number[]): number[] {
  const length = daysInMonth(year, month);
  const out: number[] = [];
  for (const md of byMonthDay) {
    const day = md > 0 ? md : length + md + 1;
    if (day >= 1 && day <= length) out.push(dayNumber(year, month, day));
  }
  return out;
}

/** Days in [first, last] matching BYDAY; an ordinal counts within that span (3SA = its third Saturday). */
function weekdaysIn(first: number, last: number, byDay: readonly WeekdaySpec[]): number[] {
  const out: number[] = [];
  for (const spec of byDay) {
    const firstMatch = first + ((spec.weekday - weekdayOf(first) + 7) % 7);
    if (spec.ordinal === undefined) {
      for (let dn = firstMatch; dn <= last; dn += 7) out.push(dn);
    } else if (spec.ordinal > 0) {
      const dn = firstMatch + (spec.ordinal - 1) * 7;
      if (dn <= last) out.push(dn);
    } else {
      const lastMatch = last - ((weekdayOf(last) - spec.weekday + 7) % 7);
      const dn = lastMatch + (spec.ordinal + 1) * 7;
      if (dn >= first) out.push(dn);
    }
  }
  return out;
}

/** The candidate days of one period (a day, week, month or year), sorted, before BYSETPOS. */
function periodDays(
  rule: RecurrenceRule,
  index: number,
  start: { year: number; month: number; day: number; dn: number },
): number[] {
  let days: number[] = [];
  switch (rule.freq) {
    case 'DAILY': {
      const dn = start.dn + index * rule.interval;
      const { year, month, day } = fromDayNumber(dn);
      if (rule.byMonth && !rule.byMonth.includes(month)) return [];
      if (rule.byMonthDay && !monthDays(year, month, rule.byMonthDay).includes(dn)) return [];
      if (rule.byDay && !rule.byDay.some((d) => d.weekday === weekdayOf(dn))) return [];
      void day;
      return [dn];
    }
    case 'WEEKLY': {
      const weekStart = start.dn - weekdayOf(start.dn) + index * rule.interval * 7;
      const weekdays = rule.byDay ? rule.byDay.map((d) => d.weekday) : [weekdayOf(start.dn)];
      days = weekdays.map((w) => weekStart + w);
      if (rule.byMonth) days = days.filter((dn) => rule.byMonth?.includes(fromDayNumber(dn).month));
      break;
    }
    case 'MONTHLY': {
      const total = start.year * 12 + (start.month - 1) + index * rule.interval;
      const year = Math.floor(total / 12);
      const month = (total % 12) + 1;
      if (rule.byMonth && !rule.byMonth.includes(month)) return [];
      days = monthCandidates(rule, year, month, start.day);
      break;
    }
    case 'YEARLY': {
      const year = start.year + index * rule.interval;
      if (rule.byMonth) {
        for (const month of rule.byMonth) days.push(...monthCandidates(rule, year, month, start.day));
      } else if (rule.byMonthDay) {
        for (let month = 1; month <= 12; month++) days.push(...monthCandidates(rule, year, month, start.day));
      } else if (rule.byDay) {
        days = weekdaysIn(dayNumber(year, 1, 1), dayNumber(year, 12, 31), rule.byDay);
      } else if (start.day <= daysInMonth(year, start.month)) {
        days = [dayNumber(year, start.month, start.day)];
      }
      break;
    }
  }
  days = [...new Set(days)].sort((a, b) => a - b);
  if (rule.bySetPos) {
    const picked = rule.bySetPos
      .map((pos) => (pos > 0 ? days[pos - 1] : days[days.length + pos]))
      .filter((dn): dn is number => dn !== undefined);
    days = [...new Set(picked)].sort((a, b) => a - b);
  }
  return days;
}

function monthCandidates(rule: RecurrenceRule, year: number, month: number, startDay: number): number[] {
  const first = dayNumber(year, month, 1);
  const last = dayNumber(year, month, daysInMonth(year, month));
  if (rule.byMonthDay && rule.byDay) {
    const weekdays = new Set(weekdaysIn(first, last, rule.byDay));
    return monthDays(year, month, rule.byMonthDay).filter((dn) => weekdays.has(dn));
  }
  if (rule.byMonthDay) return monthDays(year, month, rule.byMonthDay);
  if (rule.byDay) return weekdaysIn(first, last, rule.byDay);
  // No BYxxx: the start's day of month; months without it (the 31st in April) are skipped.
  return startDay <= daysInMonth(year, month) ? [dayNumber(year, month, startDay)] : [];
}

/** One window: when it starts and ends (epoch ms UTC). */
export interface Occurrence {
  start: number;
  end: number;
}

export interface RecurringWindow {
  /** First occurrence, ISO-8601 UTC. */
  startsAt: string;
  endsAt: string;
  rrule: string | null;
  timeZone: string;
}

/** How far an expansion walks at most: no rule generates more candidates per query than this. */
const MAX_PERIODS = 200_000;

/**
 * Every occurrence that overlaps [from, to) (epoch ms), in order, at most `limit`. A rule whose
 * COUNT or UNTIL ends it, or a window without a rule, yields what exists.
 */
export function occurrencesBetween(window: RecurringWindow, from: number, to: number, limit = 10_000): Occurrence[] {
  const firstStart = Date.parse(window.startsAt);
  const duration = Date.parse(window.endsAt) - firstStart;
  const out: Occurrence[] = [];
  const push = (start: number): boolean => {
    if (start + duration > from && start < to) out.push({ start, end: start + duration });
    return out.length < limit;
  };
  if (!window.rrule) {
    push(firstStart);
    return out;
  }
  const rule = parseRrule(window.rrule);
  const local = wallClockAt(firstStart, window.timeZone);
  const start = {
    year: local.year,
    month: local.month,
    day: local.day,
    dn: dayNumber(local.year, local.month, local.day),
  };
  let emitted = 1;
  if (!push(firstStart)) return out;
  if (rule.count === 1) return out;

  // Without COUNT nothing before `from` matters, so start near it (COUNT needs every occurrence counted).
  let index = 0;
  if (rule.count === undefined) {
    const lookFrom = from - duration - 2 * DAY_MS;
    if (lookFrom > firstStart) {
      // The longest a period can be, so the estimate never skips past an occurrence.
      const periodDays = { DAILY: 1, WEEKLY: 7, MONTHLY: 31, YEARLY: 366 }[rule.freq] * rule.interval;
      index = Math.max(0, Math.floor((lookFrom - firstStart) / DAY_MS / periodDays) - 1);
    }
  }
  for (let periods = 0; periods < MAX_PERIODS; periods++, index++) {
    const days = periodDays(rule, index, start);
    let periodEnded = false;
    for (const dn of days) {
      const { year, month, day } = fromDayNumber(dn);
      const occurrenceStart = wallClockToUtc(
        { year, month, day, hour: local.hour, minute: local.minute, second: local.second },
        window.timeZone,
      );
      if (occurrenceStart <= firstStart) continue;
      if (rule.until !== undefined && occurrenceStart > rule.until) return out;
      if (occurrenceStart >= to) {
        periodEnded = true;
        break;
      }
      emitted++;
      if (!push(occurrenceStart)) return out;
      if (rule.count !== undefined && emitted >= rule.count) return out;
    }
    if (periodEnded) return out;
    // A period whose first possible day is already past `to` ends the walk even when it had no candidates.
    const periodStartDn =
      rule.freq === 'DAILY'
        ? start.dn + index * rule.interval
        : rule.freq === 'WEEKLY'
          ? start.dn - weekdayOf(start.dn) + index * rule.interval * 7
          : rule.freq === 'MONTHLY'
            ? dayNumber(
                Math.floor((start.year * 12 + start.month - 1 + index * rule.interval) / 12),
                ((start.month - 1 + index * rule.interval) % 12) + 1,
                1,
              )
            : dayNumber(start.year + index * rule.interval, 1, 1);
    if (periodStartDn * DAY_MS - 2 * DAY_MS >= to) return out;
  }
  return out;
}

/** The next occurrence starting at or after `from`, within `horizonMs`; undefined if none. */
export function nextOccurrence(window: RecurringWindow, from: number, horizonMs: number): Occurrence | undefined {
  return occurrencesBetween(window, from, from + horizonMs, 1000).find((o) => o.start >= from);
}

/** Why a window is not acceptable, or undefined: valid times, zone, rule, and the rule ever repeats. */
export function recurringWindowProblem(window: RecurringWindow): { field: string; message: string } | undefined {
  const start = Date.parse(window.startsAt);
  const end = Date.parse(window.endsAt);
  if (Number.isNaN(start)) return { field: 'startsAt', message: 'startsAt is not a date-time' };
  if (Number.isNaN(end)) return { field: 'endsAt', message: 'endsAt is not a date-time' };
  if (end <= start) return { field: 'endsAt', message: 'endsAt must be after startsAt' };
  if (end - start > 366 * DAY_MS) return { field: 'endsAt', message: 'A window lasts at most 366 days' };
  if (!isValidTimeZone(window.timeZone)) {
    return { field: 'timezone', message: `"${window.timeZone}" is not an IANA time zone (e.g. Europe/Berlin, UTC)` };
  }
  if (window.rrule) {
    try {
      const rule = parseRrule(window.rrule);
      const periodMs = { DAILY: 1, WEEKLY: 7, MONTHLY: 31, YEARLY: 366 }[rule.freq] * rule.interval * DAY_MS;
      if (end - start > periodMs && !rule.byDay && !rule.byMonthDay) {
        // Overlapping occurrences are legal but almost always a mistake (a 3-day window every day).
        return { field: 'rrule', message: 'Each occurrence would overlap the next: shorten the window or the rule' };
      }
      const next = occurrencesBetween(window, start + 1, start + 10 * 366 * DAY_MS, 3).filter((o) => o.start > start);
      if (next.length === 0 && rule.count !== 1) {
        return { field: 'rrule', message: 'The rule never repeats within ten years of startsAt' };
      }
    } catch (error) {
      if (error instanceof RecurrenceError) return { field: 'rrule', message: error.message };
      throw error;
    }
  }
  return undefined;
}
