import { describe, expect, it } from 'vitest';
import {
  dayKey,
  overlapsDay,
  packRows,
  parseDayKey,
  shiftAnchor,
  span,
  startOfWeek,
  viewRange,
} from './calendar-range.js';

describe('calendar ranges', () => {
  it('starts weeks on Monday', () => {
    expect(dayKey(startOfWeek(new Date(2026, 10, 28)))).toBe('2026-11-23'); // a Saturday
    expect(dayKey(startOfWeek(new Date(2026, 10, 23)))).toBe('2026-11-23'); // the Monday itself
    expect(dayKey(startOfWeek(new Date(2026, 10, 29)))).toBe('2026-11-23'); // a Sunday
  });

  it('covers whole weeks around a month', () => {
    const { from, to, days } = viewRange('month', new Date(2026, 11, 17));
    expect(dayKey(from)).toBe('2026-11-30');
    expect(dayKey(to)).toBe('2027-01-04');
    expect(days).toHaveLength(35);
    expect(days.map(dayKey)).toContain('2026-12-31');
  });

  it('steps by a month, a week or the timeline length', () => {
    expect(dayKey(shiftAnchor('month', new Date(2026, 0, 31), 1))).toBe('2026-02-01');
    expect(dayKey(shiftAnchor('week', new Date(2026, 11, 1), -1))).toBe('2026-11-24');
    expect(dayKey(shiftAnchor('timeline', new Date(2026, 11, 1), 1))).toBe('2026-12-29');
  });

  it('places an event on the days it overlaps and on the timeline', () => {
    const day = new Date(2026, 11, 1);
    const start = new Date(2026, 11, 1, 22).toISOString();
    const end = new Date(2026, 11, 2, 1).toISOString();
    expect(overlapsDay(start, end, day)).toBe(true);
    expect(overlapsDay(start, end, new Date(2026, 11, 2))).toBe(true);
    expect(overlapsDay(start, end, new Date(2026, 11, 3))).toBe(false);
    const { left, width } = span(start, end, new Date(2026, 11, 1), new Date(2026, 11, 2));
    expect(left).toBeCloseTo((22 / 24) * 100);
    expect(width).toBeCloseTo((2 / 24) * 100);
  });

  it('reads only well-formed day keys', () => {
    expect(dayKey(parseDayKey('2026-12-01') as Date)).toBe('2026-12-01');
    expect(parseDayKey('yesterday')).toBeNull();
    expect(parseDayKey(null)).toBeNull();
  });
});

describe('timeline rows', () => {
  it('stacks overlapping bars and reuses a row once it is free', () => {
    const { rows, count } = packRows([
      { left: 0, right: 30 },
      { left: 10, right: 20 },
      { left: 35, right: 50 },
      { left: 15, right: 40 },
    ]);
    expect(rows).toEqual([0, 1, 0, 2]);
    expect(count).toBe(3);
  });

  it('answers no rows for no bars', () => {
    expect(packRows([])).toEqual({ rows: [], count: 0 });
  });
});
