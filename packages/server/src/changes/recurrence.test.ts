import { describe, expect, it } from 'vitest';
import {
  formatRrule,
  occurrencesBetween,
  parseRrule,
  RecurrenceError,
  type RecurringWindow,
  recurringWindowProblem,
  wallClockAt,
} from './recurrence.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

function starts(window: RecurringWindow, from: string, to: string): string[] {
  return occurrencesBetween(window, at(from), at(to)).map((o) => iso(o.start));
}

/** The n-th (1-based; -1 = last) given weekday (0 = Sunday, JS style) of a month, by brute force. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  const days: number[] = [];
  for (let d = 1; d <= 31; d++) {
    const date = new Date(Date.UTC(year, month - 1, d));
    if (date.getUTCMonth() !== month - 1) break;
    if (date.getUTCDay() === weekday) days.push(d);
  }
  return (n > 0 ? days[n - 1] : days[days.length + n]) as number;
}

describe('recurring windows (RRULE subset)', () => {
  it('every year Dec 15 – Jan 5: one window per year, and a date inside it is covered', () => {
    const freeze: RecurringWindow = {
      startsAt: '2026-12-15T00:00:00.000Z',
      endsAt: '2027-01-06T00:00:00.000Z',
      rrule: 'FREQ=YEARLY',
      timeZone: 'UTC',
    };
    expect(starts(freeze, '2026-01-01T00:00:00Z', '2030-01-01T00:00:00Z')).toEqual([
      '2026-12-15T00:00:00.000Z',
      '2027-12-15T00:00:00.000Z',
      '2028-12-15T00:00:00.000Z',
      '2029-12-15T00:00:00.000Z',
    ]);
    // 3 January 2029 falls in the occurrence that began on 15 December 2028.
    const jan3 = occurrencesBetween(freeze, at('2029-01-03T10:00:00Z'), at('2029-01-03T12:00:00Z'));
    expect(jan3.map((o) => [iso(o.start), iso(o.end)])).toEqual([
      ['2028-12-15T00:00:00.000Z', '2029-01-06T00:00:00.000Z'],
    ]);
    expect(occurrencesBetween(freeze, at('2029-01-06T00:00:00Z'), at('2029-12-14T23:59:59Z'))).toEqual([]);
  });

  it('every year Dec 15 – Jan 5 in a time zone starts at local midnight', () => {
    const freeze: RecurringWindow = {
      startsAt: '2026-12-14T23:00:00.000Z',
      endsAt: '2027-01-05T23:00:00.000Z',
      rrule: 'FREQ=YEARLY',
      timeZone: 'Europe/Berlin',
    };
    expect(starts(freeze, '2027-06-01T00:00:00Z', '2028-06-01T00:00:00Z')).toEqual(['2027-12-14T23:00:00.000Z']);
  });

  it('the third Saturday of each month, as 3SA and as SA with BYSETPOS=3, matches a brute-force calendar', () => {
    const byOrdinal: RecurringWindow = {
      startsAt: '2026-01-17T06:00:00.000Z',
      endsAt: '2026-01-17T18:00:00.000Z',
      rrule: 'FREQ=MONTHLY;BYDAY=3SA',
      timeZone: 'UTC',
    };
    const bySetPos = { ...byOrdinal, rrule: 'FREQ=MONTHLY;BYDAY=SA;BYSETPOS=3' };
    const expected: string[] = [];
    for (let year = 2026; year <= 2028; year++) {
      for (let month = 1; month <= 12; month++) {
        const day = nthWeekday(year, month, 6, 3);
        expected.push(iso(Date.UTC(year, month - 1, day, 6)));
      }
    }
    expect(starts(byOrdinal, '2026-01-01T00:00:00Z', '2029-01-01T00:00:00Z')).toEqual(expected);
    expect(starts(bySetPos, '2026-01-01T00:00:00Z', '2029-01-01T00:00:00Z')).toEqual(expected);
    expect(expected.slice(0, 5)).toEqual([
      '2026-01-17T06:00:00.000Z',
      '2026-02-21T06:00:00.000Z',
      '2026-03-21T06:00:00.000Z',
      '2026-04-18T06:00:00.000Z',
      '2026-05-16T06:00:00.000Z',
    ]);
  });

  it('the last Friday of each month (-1FR)', () => {
    const window: RecurringWindow = {
      startsAt: '2026-01-30T20:00:00.000Z',
      endsAt: '2026-01-30T23:00:00.000Z',
      rrule: 'FREQ=MONTHLY;BYDAY=-1FR',
      timeZone: 'UTC',
    };
    const got = starts(window, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z');
    expect(got).toHaveLength(12);
    got.forEach((start, i) => {
      expect(new Date(start).getUTCDate()).toBe(nthWeekday(2026, i + 1, 5, -1));
    });
  });

  it('keeps local wall-clock time across daylight saving (weekdays 09:00 in Berlin)', () => {
    const window: RecurringWindow = {
      startsAt: '2026-03-02T08:00:00.000Z',
      endsAt: '2026-03-02T16:00:00.000Z',
      rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
      timeZone: 'Europe/Berlin',
    };
    const got = occurrencesBetween(window, at('2026-03-26T00:00:00Z'), at('2026-04-01T00:00:00Z'));
    // Berlin switches to summer time on 29 March 2026: 09:00 is 08:00Z before, 07:00Z after.
    expect(got.map((o) => iso(o.start))).toEqual([
      '2026-03-26T08:00:00.000Z',
      '2026-03-27T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-03-31T07:00:00.000Z',
    ]);
    for (const o of got) expect(wallClockAt(o.start, 'Europe/Berlin').hour).toBe(9);
  });

  it('counts the first window in COUNT and stops at UNTIL (inclusive)', () => {
    const base = { startsAt: '2026-01-01T10:00:00.000Z', endsAt: '2026-01-01T11:00:00.000Z', timeZone: 'UTC' };
    expect(starts({ ...base, rrule: 'FREQ=DAILY;COUNT=3' }, '2025-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-02T10:00:00.000Z',
      '2026-01-03T10:00:00.000Z',
    ]);
    expect(
      starts({ ...base, rrule: 'FREQ=DAILY;UNTIL=20260103T100000Z' }, '2025-01-01T00:00:00Z', '2027-01-01T00:00:00Z'),
    ).toHaveLength(3);
    expect(
      starts({ ...base, rrule: 'FREQ=WEEKLY;INTERVAL=2;COUNT=3' }, '2025-01-01T00:00:00Z', '2027-01-01T00:00:00Z'),
    ).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-15T10:00:00.000Z', '2026-01-29T10:00:00.000Z']);
  });

  it('skips months without the day and years without 29 February', () => {
    const on31 = {
      startsAt: '2026-01-31T00:00:00.000Z',
      endsAt: '2026-01-31T01:00:00.000Z',
      rrule: 'FREQ=MONTHLY',
      timeZone: 'UTC',
    };
    expect(starts(on31, '2026-01-01T00:00:00Z', '2026-08-01T00:00:00Z').map((s) => s.slice(0, 10))).toEqual([
      '2026-01-31',
      '2026-03-31',
      '2026-05-31',
      '2026-07-31',
    ]);
    const leap = {
      startsAt: '2028-02-29T00:00:00.000Z',
      endsAt: '2028-02-29T01:00:00.000Z',
      rrule: 'FREQ=YEARLY',
      timeZone: 'UTC',
    };
    expect(starts(leap, '2028-01-01T00:00:00Z', '2037-01-01T00:00:00Z').map((s) => s.slice(0, 4))).toEqual([
      '2028',
      '2032',
      '2036',
    ]);
    const lastDay = { ...on31, rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1' };
    expect(starts(lastDay, '2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z').map((s) => s.slice(0, 10))).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
    ]);
  });

  it('answers a query years after the first window without walking every day (and the same as from the start)', () => {
    const daily: RecurringWindow = {
      startsAt: '2020-01-01T22:00:00.000Z',
      endsAt: '2020-01-02T02:00:00.000Z',
      rrule: 'FREQ=DAILY',
      timeZone: 'UTC',
    };
    const late = occurrencesBetween(daily, at('2035-06-10T01:00:00Z'), at('2035-06-10T23:00:00Z'));
    expect(late.map((o) => iso(o.start))).toEqual(['2035-06-09T22:00:00.000Z', '2035-06-10T22:00:00.000Z']);
    const monthly = { ...daily, rrule: 'FREQ=MONTHLY;BYMONTHDAY=1,15' };
    const all = occurrencesBetween(monthly, at('2020-01-01T00:00:00Z'), at('2031-01-01T00:00:00Z'));
    const window = occurrencesBetween(monthly, at('2030-03-01T00:00:00Z'), at('2030-05-01T00:00:00Z'));
    expect(window).toEqual(
      all.filter((o) => o.end > at('2030-03-01T00:00:00Z') && o.start < at('2030-05-01T00:00:00Z')),
    );
    expect(window.map((o) => iso(o.start).slice(0, 10))).toEqual([
      '2030-03-01',
      '2030-03-15',
      '2030-04-01',
      '2030-04-15',
    ]);
  });

  it('refuses what it does not support, naming the part', () => {
    expect(() => parseRrule('FREQ=HOURLY')).toThrow(/FREQ=HOURLY is not supported/);
    expect(() => parseRrule('FREQ=DAILY;BYHOUR=9')).toThrow(/BYHOUR is not supported/);
    expect(() => parseRrule('FREQ=DAILY;COUNT=2;UNTIL=20270101')).toThrow(RecurrenceError);
    expect(() => parseRrule('FREQ=WEEKLY;BYDAY=2MO')).toThrow(/need FREQ=MONTHLY or FREQ=YEARLY/);
    expect(() => parseRrule('FREQ=MONTHLY;BYDAY=XX')).toThrow(/BYDAY/);
    expect(() => parseRrule('INTERVAL=2')).toThrow(/FREQ is required/);
    expect(() => parseRrule('FREQ=MONTHLY;BYMONTHDAY=0')).toThrow(/not 0/);
    expect(formatRrule(parseRrule('rrule:freq=monthly;byday=3sa'))).toBe('FREQ=MONTHLY;BYDAY=3SA');
  });

  it('validates whole windows: order, zone, a rule that never repeats', () => {
    const base = { startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-01T01:00:00Z', rrule: null, timeZone: 'UTC' };
    expect(recurringWindowProblem(base)).toBeUndefined();
    expect(recurringWindowProblem({ ...base, endsAt: '2025-12-31T00:00:00Z' })?.field).toBe('endsAt');
    expect(recurringWindowProblem({ ...base, timeZone: 'Mars/Olympus' })?.field).toBe('timezone');
    expect(recurringWindowProblem({ ...base, rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' })?.message).toContain(
      'never repeats',
    );
    expect(recurringWindowProblem({ ...base, rrule: 'FREQ=SECONDLY' })?.field).toBe('rrule');
  });
});
