import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChangeIntervalIndex, type IndexedChange } from './change-index.js';

const HOUR = 3_600_000;

function overlaps(a: IndexedChange, b: IndexedChange): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The oracle: every pair, O(n²). */
function bruteForcePairs(changes: IndexedChange[], from = -Infinity, to = Infinity): Set<string> {
  const out = new Set<string>();
  const inRange = (c: IndexedChange) => c.start < to && c.end > from;
  for (let i = 0; i < changes.length; i++) {
    for (let j = i + 1; j < changes.length; j++) {
      const a = changes[i] as IndexedChange;
      const b = changes[j] as IndexedChange;
      if (!inRange(a) || !inRange(b) || !overlaps(a, b)) continue;
      if (a.ciIds.some((ci) => b.ciIds.includes(ci))) out.add(`${Math.min(a.id, b.id)}-${Math.max(a.id, b.id)}`);
    }
  }
  return out;
}

const changeArb = (id: number) =>
  fc
    .record({
      start: fc.integer({ min: 0, max: 200 }),
      hours: fc.integer({ min: 1, max: 30 }),
      cis: fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
      implementer: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
    })
    .map(
      (r): IndexedChange => ({
        id,
        start: r.start * HOUR,
        end: (r.start + r.hours) * HOUR,
        ciIds: r.cis,
        implementerId: r.implementer,
        state: 'scheduled',
      }),
    );

const calendarArb = fc
  .integer({ min: 0, max: 40 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => changeArb(i + 1))));

describe('change interval index', () => {
  it('finds exactly the overlapping same-CI pairs a brute force finds (build, then full scan and range scan)', () => {
    fc.assert(
      fc.property(calendarArb, fc.integer({ min: 0, max: 150 }), (changes, rangeStart) => {
        const index = ChangeIntervalIndex.build(changes);
        const got = new Set([...index.scanSameCi().entries()].map(([a, b]) => `${a}-${b}`));
        expect(got).toEqual(bruteForcePairs(changes));
        const from = rangeStart * HOUR;
        const to = from + 48 * HOUR;
        const ranged = new Set([...index.scanSameCi(from, to).entries()].map(([a, b]) => `${a}-${b}`));
        expect(ranged).toEqual(bruteForcePairs(changes, from, to));
      }),
      { numRuns: 300 },
    );
  });

  it('answers the interactive check like the brute force, also after upserts and removals', () => {
    fc.assert(
      fc.property(calendarArb, calendarArb, fc.array(fc.integer({ min: 1, max: 40 })), (first, moved, removed) => {
        const index = new ChangeIntervalIndex();
        for (const c of first) index.upsert(c);
        // Move some changes (same ids, new windows and CIs), drop others.
        for (const c of moved) if (index.get(c.id)) index.upsert(c);
        for (const id of removed) index.remove(id);
        const live = [...index.values()];
        for (const probe of live) {
          const expected = new Map<number, number[]>();
          for (const other of live) {
            if (other.id === probe.id || !overlaps(probe, other)) continue;
            const shared = [...new Set(probe.ciIds)].filter((ci) => other.ciIds.includes(ci));
            if (shared.length > 0) expected.set(other.id, shared);
          }
          const got = index.sameCiConflicts(probe);
          expect(new Map([...got].map(([id, cis]) => [id, [...cis].sort((a, b) => a - b)]))).toEqual(
            new Map([...expected].map(([id, cis]) => [id, cis.sort((a, b) => a - b)])),
          );
          const implementer = live
            .filter(
              (o) =>
                o.id !== probe.id &&
                probe.implementerId !== null &&
                o.implementerId === probe.implementerId &&
                overlaps(o, probe),
            )
            .map((o) => o.id)
            .sort((a, b) => a - b);
          expect(index.implementerConflicts(probe).sort((a, b) => a - b)).toEqual(implementer);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('treats windows as half-open: back-to-back changes do not conflict', () => {
    const index = ChangeIntervalIndex.build([
      { id: 1, start: 0, end: HOUR, ciIds: [7], implementerId: 1, state: 'scheduled' },
      { id: 2, start: HOUR, end: 2 * HOUR, ciIds: [7], implementerId: 1, state: 'scheduled' },
    ]);
    expect(index.scanSameCi().size).toBe(0);
    expect(index.scanImplementers().size).toBe(0);
    index.upsert({ id: 2, start: HOUR - 1, end: 2 * HOUR, ciIds: [7], implementerId: 1, state: 'scheduled' });
    expect([...index.scanSameCi().entries()]).toEqual([[1, 2, [7]]]);
    expect([...index.scanImplementers().entries()]).toEqual([[1, 2, [1]]]);
  });
});
