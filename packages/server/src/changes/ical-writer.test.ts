import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, icalUtc, toICalendar } from './ical-writer.js';

describe('iCalendar writer', () => {
  it('escapes TEXT values', () => {
    expect(escapeText('a;b,c\\d\ne\r\nf')).toBe('a\\;b\\,c\\\\d\\ne\\nf');
  });

  it('folds at 75 octets without splitting a UTF-8 character, and unfolds back to the line', () => {
    for (const line of [
      `SUMMARY:${'x'.repeat(200)}`,
      `SUMMARY:${'ä'.repeat(100)}`,
      `SUMMARY:${'🚀'.repeat(60)}`,
      `SUMMARY:a${'€'.repeat(70)}b`,
      'SUMMARY:short',
    ]) {
      const folded = foldLine(line);
      const parts = folded.split('\r\n');
      parts.forEach((part, i) => {
        expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(75);
        if (i > 0) expect(part.startsWith(' ')).toBe(true);
        expect(part.includes('\uFFFD')).toBe(false);
      });
      expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join('')).toBe(line);
    }
  });

  it('writes UTC times and a minimal valid calendar', () => {
    expect(icalUtc('2026-12-15T22:00:00.000Z')).toBe('20261215T220000Z');
    const text = toICalendar([], { name: 'Empty' });
    expect(text).toBe(
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Slipway//Change Calendar//EN\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:Empty\r\nREFRESH-INTERVAL;VALUE=DURATION:PT15M\r\nX-PUBLISHED-TTL:PT15M\r\nEND:VCALENDAR\r\n',
    );
  });
});
