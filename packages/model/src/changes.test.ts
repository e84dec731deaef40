import { describe, expect, it } from 'vitest';
import {
  allowedChangeTargets,
  CHANGE_GUARDS,
  CHANGE_STATES,
  CHANGE_TRANSITIONS,
  type ChangeState,
  changeTransitionsFrom,
  EDITABLE_CHANGE_STATES,
  findChangeTransition,
  TERMINAL_CHANGE_STATES,
} from './changes.js';
import { CHANGE_TYPES, type ChangeType } from './policy.js';

/**
 * The expected machine, written out by hand as the oracle: for each type, every state and the
 * states it may move to. Any change to CHANGE_TRANSITIONS must be made here too, on purpose.
 */
const EXPECTED: Record<ChangeType, Record<ChangeState, ChangeState[]>> = {
  standard: {
    new: ['scheduled', 'cancelled'],
    assess: ['cancelled'],
    authorize: ['cancelled'],
    scheduled: ['implement', 'cancelled'],
    implement: ['review'],
    review: ['closed'],
    closed: [],
    rejected: [],
    cancelled: [],
  },
  normal: {
    new: ['assess', 'cancelled'],
    assess: ['authorize', 'rejected', 'cancelled'],
    authorize: ['scheduled', 'rejected', 'cancelled'],
    scheduled: ['authorize', 'implement', 'cancelled'],
    implement: ['review'],
    review: ['closed'],
    closed: [],
    rejected: [],
    cancelled: [],
  },
  emergency: {
    new: ['authorize', 'cancelled'],
    assess: ['cancelled'],
    authorize: ['scheduled', 'rejected', 'cancelled'],
    scheduled: ['authorize', 'implement', 'cancelled'],
    implement: ['review'],
    review: ['closed'],
    closed: [],
    rejected: [],
    cancelled: [],
  },
};

describe('change state machine', () => {
  const cases = CHANGE_TYPES.flatMap((type) =>
    CHANGE_STATES.flatMap((from) => CHANGE_STATES.map((to) => ({ type, from, to }))),
  );

  it.each(cases)('$type: $from → $to is allowed exactly when the table says so', ({ type, from, to }) => {
    const expected = EXPECTED[type][from].includes(to);
    expect(findChangeTransition(from, to, type) !== undefined).toBe(expected);
  });

  it.each(CHANGE_TYPES)('%s: allowedChangeTargets lists exactly the expected states', (type) => {
    for (const state of CHANGE_STATES) {
      expect(allowedChangeTargets(state, type).sort(), `${type} from ${state}`).toEqual(
        [...EXPECTED[type][state]].sort(),
      );
    }
  });

  it('never leaves a terminal state', () => {
    for (const state of TERMINAL_CHANGE_STATES) {
      expect(CHANGE_TRANSITIONS.filter((t) => t.from === state)).toEqual([]);
    }
  });

  it('names only known guards, and each (from, to, type) once', () => {
    const seen = new Set<string>();
    for (const t of CHANGE_TRANSITIONS) {
      for (const guard of t.guards) expect(Object.keys(CHANGE_GUARDS)).toContain(guard);
      expect(t.by.length).toBeGreaterThan(0);
      for (const type of t.types) {
        const key = `${t.from}>${t.to}>${type}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
    }
  });

  it('reaches closed from new for every type, and every state is reachable', () => {
    for (const type of CHANGE_TYPES) {
      const reached = new Set<ChangeState>(['new']);
      let frontier: ChangeState[] = ['new'];
      while (frontier.length > 0) {
        frontier = frontier
          .flatMap((s) => changeTransitionsFrom(s, type).map((t) => t.to))
          .filter((s) => !reached.has(s));
        for (const s of frontier) reached.add(s);
      }
      expect(reached.has('closed'), type).toBe(true);
      expect(reached.has('cancelled'), type).toBe(true);
    }
  });

  it('requires quorum to schedule a CAB change and template limits for a standard one', () => {
    expect(findChangeTransition('authorize', 'scheduled', 'normal')?.guards).toContain('quorum_reached');
    expect(findChangeTransition('new', 'scheduled', 'standard')?.guards).toContain('within_template_limits');
    expect(findChangeTransition('new', 'scheduled', 'normal')).toBeUndefined();
    expect(findChangeTransition('authorize', 'rejected', 'normal')?.by).toEqual(['approver']);
  });

  it('allows edits only before implementation', () => {
    expect(EDITABLE_CHANGE_STATES).toEqual(['new', 'assess', 'authorize', 'scheduled']);
  });
});
