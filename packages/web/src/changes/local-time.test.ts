import { describe, expect, it } from 'vitest';
import { fromLocalInput, toLocalInput } from './local-time.js';

describe('datetime-local values', () => {
  it('round-trips an ISO time through the input format of the local zone', () => {
    const iso = new Date(2026, 11, 1, 21, 30).toISOString();
    expect(toLocalInput(iso)).toBe('2026-12-01T21:30');
    expect(fromLocalInput('2026-12-01T21:30')).toBe(iso);
  });

  it('treats empty or broken values as no time', () => {
    expect(toLocalInput(null)).toBe('');
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('2026-13-45T99:00')).toBeNull();
  });
});
