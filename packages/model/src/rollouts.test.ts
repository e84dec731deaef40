import { describe, expect, it } from 'vitest';
import {
  ACTIVE_ROLLOUT_STATES,
  findRolloutTransition,
  type PlanTarget,
  placeholderValues,
  planWaves,
  ROLLOUT_STATES,
  ROLLOUT_TRANSITIONS,
  renderTemplate,
  rolloutActionsFrom,
  splitByPercent,
  stepIdempotencyKey,
  TERMINAL_ROLLOUT_STATES,
  thresholdExceeded,
  WavePlanError,
} from './rollouts.js';

const sites = ['AMS', 'RTM', 'HAM'];
const targets: PlanTarget[] = Array.from({ length: 10 }, (_, i) => ({
  id: 100 - i * 7,
  class: 'desktop',
  name: `dt-${i}`,
  attributes: { site: sites[i % 3] as string, os: 'Windows' },
}));
const ids = targets.map((t) => t.id).sort((a, b) => a - b);

function everyTargetOnce(waves: { targetIds: number[]; action: string }[]): void {
  const deployed = waves.filter((w) => w.action !== 'switch').flatMap((w) => w.targetIds);
  expect([...deployed].sort((a, b) => a - b)).toEqual(ids);
}

describe('rollout states as data', () => {
  it('active and terminal states partition the lifecycle with nothing left over but the engine-only ones', () => {
    for (const s of ACTIVE_ROLLOUT_STATES) expect(TERMINAL_ROLLOUT_STATES).not.toContain(s);
    const covered = new Set([...ACTIVE_ROLLOUT_STATES, ...TERMINAL_ROLLOUT_STATES]);
    expect(ROLLOUT_STATES.filter((s) => !covered.has(s))).toEqual([]);
  });

  it('offers each action only where the table has it', () => {
    expect(rolloutActionsFrom('running', 'phased').sort()).toEqual(['abort', 'backout', 'pause']);
    expect(rolloutActionsFrom('paused', 'phased').sort()).toEqual(['abort', 'backout', 'resume']);
    expect(rolloutActionsFrom('dormant', 'dormant').sort()).toEqual(['activate', 'backout']);
    expect(rolloutActionsFrom('completed', 'dormant').sort()).toEqual(['backout', 'deactivate']);
    // Activation: requested first (no open request), then approved, rejected or cancelled while
    // pending; once scheduled only cancelled; never on another strategy.
    expect(rolloutActionsFrom('dormant', 'dormant', 'pending').sort()).toEqual([
      'approve_activation',
      'backout',
      'cancel_activation',
      'reject_activation',
    ]);
    expect(rolloutActionsFrom('dormant', 'dormant', 'scheduled').sort()).toEqual(['backout', 'cancel_activation']);
    expect(rolloutActionsFrom('dormant', 'canary')).toEqual(['backout']);
    expect(findRolloutTransition('activate', 'dormant', 'pending')).toBeUndefined();
    expect(findRolloutTransition('approve_activation', 'dormant', 'pending')?.to).toBe('activating');
    expect(findRolloutTransition('approve_activation', 'dormant', null)).toBeUndefined();
    expect(rolloutActionsFrom('completed', 'canary')).toEqual(['backout']);
    expect(rolloutActionsFrom('backed_out', 'canary')).toEqual([]);
    expect(findRolloutTransition('resume', 'running')).toBeUndefined();
    for (const t of ROLLOUT_TRANSITIONS)
      for (const from of t.from) expect(TERMINAL_ROLLOUT_STATES.includes(from) && t.action === 'resume').toBe(false);
  });
});

describe('planWaves', () => {
  it('big bang: one wave with every target in CI id order', () => {
    expect(planWaves({ kind: 'big_bang' }, targets)).toEqual([{ name: 'all', action: 'deploy', targetIds: ids }]);
  });

  it('phased by attribute: one wave per site, the given order first, with a pilot taken out first', () => {
    const waves = planWaves(
      { kind: 'phased', waves: { by: 'attribute', attribute: 'site', order: ['RTM'] }, pilot: { count: 2 } },
      targets,
    );
    expect(waves.map((w) => w.name)).toEqual(['pilot', 'site=RTM', 'site=AMS', 'site=HAM']);
    expect(waves[0]?.targetIds).toEqual(ids.slice(0, 2));
    everyTargetOnce(waves);
    const byId = new Map(targets.map((t) => [t.id, t.attributes.site]));
    for (const w of waves.slice(1)) for (const id of w.targetIds) expect(`site=${byId.get(id)}`).toBe(w.name);
  });

  it('phased by percentages: cumulative rounding loses and doubles nothing', () => {
    const waves = planWaves({ kind: 'phased', waves: { by: 'percentages', percentages: [10, 30, 60] } }, targets);
    expect(waves.map((w) => w.targetIds.length)).toEqual([1, 3, 6]);
    everyTargetOnce(waves);
    for (const n of [1, 2, 3, 7, 99, 1000]) {
      const parts = splitByPercent(
        Array.from({ length: n }, (_, i) => i),
        [33.3, 33.3, 33.4],
      );
      expect(parts.flat()).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    expect(() => splitByPercent(ids, [50, 40])).toThrow(WavePlanError);
  });

  it('phased by groups: named groups, the rest in a last wave; unknown or repeated CIs refused', () => {
    const waves = planWaves(
      {
        kind: 'phased',
        waves: {
          by: 'groups',
          groups: [{ name: 'first', ciIds: [ids[3] as number] }, { ciIds: [ids[0] as number, ids[1] as number] }],
        },
      },
      targets,
    );
    expect(waves.map((w) => w.name)).toEqual(['first', 'group 2', 'remaining']);
    everyTargetOnce(waves);
    expect(() => planWaves({ kind: 'phased', waves: { by: 'groups', groups: [{ ciIds: [1] }] } }, targets)).toThrow(
      /CI 1 in group 1/,
    );
    expect(() =>
      planWaves(
        {
          kind: 'phased',
          waves: { by: 'groups', groups: [{ ciIds: [ids[0] as number] }, { ciIds: [ids[0] as number] }] },
        },
        targets,
      ),
    ).toThrow(/more than one group/);
  });

  it('canary: a small first wave (at least one), then the rest', () => {
    expect(planWaves({ kind: 'canary', canary: { percent: 5 } }, targets).map((w) => w.targetIds.length)).toEqual([
      1, 9,
    ]);
    expect(planWaves({ kind: 'canary', canary: { count: 3 } }, targets).map((w) => w.targetIds.length)).toEqual([3, 7]);
    expect(planWaves({ kind: 'canary', canary: { count: 50 } }, targets).map((w) => w.name)).toEqual(['canary']);
  });

  it('staging: deploy to the green set, then switch with the point of no return', () => {
    const waves = planWaves({ kind: 'staging' }, targets);
    expect(waves.map((w) => [w.action, w.targetIds.length, w.pointOfNoReturn ?? false])).toEqual([
      ['deploy', 10, false],
      ['switch', 10, true],
    ]);
  });

  it('dormant: installs (inactive), optionally in waves', () => {
    expect(planWaves({ kind: 'dormant' }, targets)).toEqual([
      { name: 'install (inactive)', action: 'install', targetIds: ids },
    ]);
    const waves = planWaves({ kind: 'dormant', waves: { by: 'attribute', attribute: 'site' } }, targets);
    expect(new Set(waves.map((w) => w.action))).toEqual(new Set(['install']));
    everyTargetOnce(waves);
  });

  it('refuses an empty target list', () => {
    expect(() => planWaves({ kind: 'big_bang' }, [])).toThrow(/no targets/);
  });
});

describe('thresholds, keys and templates', () => {
  it('failure thresholds by count and by percent', () => {
    expect(thresholdExceeded(0, 10, { count: 0 })).toBe(false);
    expect(thresholdExceeded(1, 10, { count: 0 })).toBe(true);
    expect(thresholdExceeded(2, 10, { count: 2 })).toBe(false);
    expect(thresholdExceeded(1, 10, { percent: 10 })).toBe(false);
    expect(thresholdExceeded(2, 10, { percent: 10 })).toBe(true);
    expect(thresholdExceeded(1, 10, {})).toBe(true);
  });

  it('idempotency keys are deterministic per rollout, action, target and round', () => {
    expect(stepIdempotencyKey(7, 'deploy', 42)).toBe(stepIdempotencyKey(7, 'deploy', 42, 0));
    expect(
      new Set([
        stepIdempotencyKey(7, 'deploy', 42),
        stepIdempotencyKey(7, 'backout', 42),
        stepIdempotencyKey(7, 'deploy', 43),
        stepIdempotencyKey(8, 'deploy', 42),
        stepIdempotencyKey(7, 'deploy', 42, 1),
      ]).size,
    ).toBe(5);
  });

  it('renders argv and URL templates from CI attributes and refuses unknown placeholders', () => {
    const values = placeholderValues(targets[0] as PlanTarget, { 'release.version': '5.17.5' });
    expect(renderTemplate('--host={ci.name} --site={ci.site} v{release.version}', values)).toBe(
      '--host=dt-0 --site=AMS v5.17.5',
    );
    expect(() => renderTemplate('{ci.nope}', values)).toThrow(/unknown placeholder/);
    // A value is substituted as text into one argv element: it can never become a second argument.
    expect(renderTemplate('{ci.name}', { 'ci.name': 'a; rm -rf /' })).toBe('a; rm -rf /');
  });
});
