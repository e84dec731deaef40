/** Date arithmetic of the calendar views, in the reader's local time zone (pure, no DOM). */

export type CalendarView = 'month' | 'week' | 'timeline';

const DAY_MS = 86_400_000;
/** How many days the timeline shows from its anchor. */
export const TIMELINE_DAYS = 28;

/** Midnight (local) of the day that contains `date`. */
export function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/** `date` plus `days` calendar days (local midnight stays midnight across daylight saving). */
export function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days, date.getHours(), date.getMinutes());
}

/** The Monday (ISO week start) on or before `date`. */
export function startOfWeek(date: Date): Date {
  const day = startOfDay(date);
  const offset = (day.getDay() + 6) % 7;
  return addDays(day, -offset);
}

/** The visible days of a view around `anchor`: [from, to) and every day in it. */
export function viewRange(view: CalendarView, anchor: Date): { from: Date; to: Date; days: Date[] } {
  let from: Date;
  let count: number;
  if (view === 'month') {
    const first = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
    from = startOfWeek(first);
    const last = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 0);
    const end = addDays(startOfWeek(last), 7);
    count = Math.round((end.getTime() - from.getTime()) / DAY_MS);
  } else if (view === 'week') {
    from = startOfWeek(anchor);
    count = 7;
  } else {
    from = startOfWeek(anchor);
    count = TIMELINE_DAYS;
  }
  const days = Array.from({ length: count }, (_, i) => addDays(from, i));
  return { from, to: addDays(from, count), days };
}

/** The anchor one step back or forward: a month, a week or the timeline's length. */
export function shiftAnchor(view: CalendarView, anchor: Date, step: -1 | 1): Date {
  if (view === 'month') return new Date(anchor.getFullYear(), anchor.getMonth() + step, 1);
  return addDays(anchor, step * (view === 'week' ? 7 : TIMELINE_DAYS));
}

/** Whether [start, end) overlaps the local day that begins at `day`. */
export function overlapsDay(start: string, end: string, day: Date): boolean {
  const dayStart = day.getTime();
  const dayEnd = addDays(day, 1).getTime();
  return Date.parse(start) < dayEnd && Date.parse(end) > dayStart;
}

/** Where [start, end) sits within [from, to), as left offset and width in percent (clipped). */
export function span(start: string, end: string, from: Date, to: Date): { left: number; width: number } {
  const total = to.getTime() - from.getTime();
  const a = Math.max(Date.parse(start), from.getTime());
  const b = Math.min(Date.parse(end), to.getTime());
  const left = ((a - from.getTime()) / total) * 100;
  // A short change still needs a visible, clickable bar.
  const width = Math.max(((b - a) / total) * 100, 0.6);
  return { left, width: Math.min(width, 100 - left) };
}

/** "2026-12-01" of a local day, for URLs and keys. */
export function dayKey(day: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

/** The local day of a "2026-12-01" key, or null when it is not one. */
export function parseDayKey(key: string | null): Date | null {
  const match = key ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(key) : null;
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A bar on the timeline: where it starts and how much room it (and its title) takes, in percent. */
export interface BarExtent {
  left: number;
  right: number;
}

/**
 * Stacks bars into rows so that no two overlap (titles included): each bar goes to the first row
 * whose last bar ended before it starts. Input in any order; answers the row of each bar, by index.
 */
export function packRows(bars: readonly BarExtent[]): { rows: number[]; count: number } {
  const order = bars.map((bar, index) => ({ bar, index })).sort((a, b) => a.bar.left - b.bar.left);
  const ends: number[] = [];
  const rows = new Array<number>(bars.length).fill(0);
  for (const { bar, index } of order) {
    let row = ends.findIndex((end) => end <= bar.left);
    if (row === -1) {
      row = ends.length;
      ends.push(bar.right);
    } else ends[row] = bar.right;
    rows[index] = row;
  }
  return { rows, count: ends.length };
}
