import { describe, expect, it } from 'vitest';
import { formatDuration, minutesBetween } from './duration.js';

describe('formatDuration', () => {
  it.each([
    [0, '0 min'],
    [-5, '0 min'],
    [44.6, '45 min'],
    [60, '1 h'],
    [200, '3 h 20 min'],
    [1440, '1 d'],
    [1440 * 2 + 4 * 60 + 59, '2 d 4 h'],
  ])('%s minutes read %s', (minutes, text) => {
    expect(formatDuration(minutes)).toBe(text);
  });

  it('measures between two ISO times', () => {
    expect(minutesBetween('2026-11-28T10:00:00.000Z', '2026-11-28T12:30:00.000Z')).toBe(150);
  });
});
