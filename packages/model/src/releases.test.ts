import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_YAML, RELEASE_TYPES, type ReleaseType } from './policy.js';
import {
  allowedReleaseTargets,
  findReleaseTransition,
  PLAN_SECTION_KEYS,
  RELEASE_GATE_RULES,
  RELEASE_GUARDS,
  RELEASE_STATES,
  RELEASE_TRANSITIONS,
  type ReleaseState,
  releaseTransitionsFrom,
  TERMINAL_RELEASE_STATES,
} from './releases.js';

const CANCELLABLE: ReleaseState[] = ['draft', 'planned', 'built', 'in_test', 'accepted', 'approved', 'scheduled'];
const withCancel = (states: ReleaseState[]) => [...states, 'cancelled' as const];

/** The tail every type shares: from approval to closure. */
const SHARED = {
  approved: withCancel(['scheduled']),
  scheduled: withCancel(['rolling_out']),
  rolling_out: ['deployed', 'backing_out'],
  deployed: ['backing_out', 'reviewed'],
  backing_out: ['backed_out'],
  backed_out: ['reviewed'],
  reviewed: ['closed'],
  closed: [],
  cancelled: [],
} satisfies Partial<Record<ReleaseState, ReleaseState[]>>;

/**
 * The expected machine, written out by hand as the oracle: for each type, every state and the
 * states it may move to. Any change to RELEASE_TRANSITIONS must be made here too, on purpose.
 */
const EXPECTED: Record<ReleaseType, Record<ReleaseState, ReleaseState[]>> = {
  major: {
    draft: withCancel(['planned']),
    planned: withCancel(['built']),
    built: withCancel(['in_test']),
    in_test: withCancel(['built', 'accepted']),
    accepted: withCancel(['in_test', 'approved']),
    ...SHARED,
  },
  minor: {
    draft: withCancel(['planned']),
    planned: withCancel(['built']),
    built: withCancel(['in_test']),
    in_test: withCancel(['built', 'accepted']),
    accepted: withCancel(['in_test', 'approved']),
    ...SHARED,
  },
  emergency: {
    // The shorter path: plan and build in one step, ECAB approval straight from testing.
    draft: withCancel(['built']),
    planned: withCancel([]),
    built: withCancel(['in_test']),
    in_test: withCancel(['built', 'approved']),
    accepted: withCancel([]),
    ...SHARED,
  },
};

describe('release state machine', () => {
  const cases = RELEASE_TYPES.flatMap((type) =>
    RELEASE_STATES.flatMap((from) => RELEASE_STATES.map((to) => ({ type, from, to }))),
  );

  it.each(cases)('$type: $from → $to is allowed exactly when the table says so', ({ type, from, to }) => {
    expect(findReleaseTransition(from, to, type) !== undefined).toBe(EXPECTED[type][from].includes(to));
  });

  it.each(RELEASE_TYPES)('%s: allowedReleaseTargets lists exactly the expected states', (type) => {
    for (const state of RELEASE_STATES) {
      expect(allowedReleaseTargets(state, type).sort(), `${type} from ${state}`).toEqual(
        [...EXPECTED[type][state]].sort(),
      );
    }
  });

  it('never leaves a terminal state, and cancels only before the rollout starts', () => {
    for (const state of TERMINAL_RELEASE_STATES) {
      expect(RELEASE_TRANSITIONS.filter((t) => t.from === state)).toEqual([]);
    }
    const cancelFrom = RELEASE_TRANSITIONS.filter((t) => t.to === 'cancelled').map((t) => t.from);
    expect(cancelFrom.sort()).toEqual([...CANCELLABLE].sort());
  });

  it('names only known guards, each (from, to, type) once, and someone may take every transition', () => {
    const seen = new Set<string>();
    for (const t of RELEASE_TRANSITIONS) {
      for (const guard of t.guards) expect(Object.keys(RELEASE_GUARDS)).toContain(guard);
      expect(t.by.length).toBeGreaterThan(0);
      for (const type of t.types) {
        const key = `${t.from}>${t.to}>${type}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
    }
  });

  it('reaches closed and backed_out from draft for every type', () => {
    for (const type of RELEASE_TYPES) {
      const reached = new Set<ReleaseState>(['draft']);
      let frontier: ReleaseState[] = ['draft'];
      while (frontier.length > 0) {
        frontier = frontier
          .flatMap((s) => releaseTransitionsFrom(s, type).map((t) => t.to))
          .filter((s) => !reached.has(s));
        for (const s of frontier) reached.add(s);
      }
      for (const goal of ['closed', 'backed_out', 'cancelled'] as const)
        expect(reached.has(goal), `${type} ${goal}`).toBe(true);
      expect(reached.has('planned'), type).toBe(type !== 'emergency');
      expect(reached.has('accepted'), type).toBe(type !== 'emergency');
    }
  });

  it('gates approval on every policy rule, for the planned and the emergency path alike', () => {
    const planned = findReleaseTransition('accepted', 'approved', 'major');
    const emergency = findReleaseTransition('in_test', 'approved', 'emergency');
    for (const guard of [
      'required_tests_passed',
      'change_approved',
      'notice_period',
      'backout_ready',
      'freeze_clear',
      'approval_quorum',
      'contents_releasable',
      'coexistence_clean',
    ] as const) {
      expect(planned?.guards, guard).toContain(guard);
      expect(emergency?.guards, guard).toContain(guard);
    }
    expect(findReleaseTransition('in_test', 'approved', 'minor')).toBeUndefined();
    expect(findReleaseTransition('draft', 'built', 'major')).toBeUndefined();
    expect(findReleaseTransition('draft', 'built', 'emergency')?.guards).toContain('plan_complete');
  });

  it('names the plan sections the shipped policy requires, and documents every gate rule', () => {
    for (const match of DEFAULT_POLICY_YAML.matchAll(/requiredPlanSections: \[([^\]]*)\]/g)) {
      for (const key of (match[1] ?? '').split(',').map((s) => s.trim())) {
        expect(PLAN_SECTION_KEYS).toContain(key);
      }
    }
    for (const [rule, meaning] of Object.entries(RELEASE_GATE_RULES)) {
      expect(rule).toMatch(/^[a-z]+\.[a-zA-Z_]+$/);
      expect(meaning.length).toBeGreaterThan(10);
    }
  });
});
