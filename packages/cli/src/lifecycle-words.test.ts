import { describe, expect, it } from 'vitest';
import { CHANGE_LIFECYCLE } from './commands/change.js';
import { RELEASE_LIFECYCLE } from './commands/release.js';
import { lifecycleWords, transitionTarget } from './lifecycle-words.js';

describe('transition words: a state, or the action that leads there', () => {
  it('maps release actions for the release type, and takes state names as they are', () => {
    expect(transitionTarget(RELEASE_LIFECYCLE, 'plan', { state: 'draft', type: 'minor' })).toBe('planned');
    // An emergency release skips planning: build goes straight from draft to built.
    expect(transitionTarget(RELEASE_LIFECYCLE, 'build', { state: 'draft', type: 'emergency' })).toBe('built');
    expect(transitionTarget(RELEASE_LIFECYCLE, 'approve', { state: 'accepted', type: 'major' })).toBe('approved');
    expect(transitionTarget(RELEASE_LIFECYCLE, 'approve', { state: 'in_test', type: 'emergency' })).toBe('approved');
    expect(transitionTarget(RELEASE_LIFECYCLE, 'accepted', { state: 'in_test', type: 'minor' })).toBe('accepted');
    // Not possible now, but a known action: the server answers why.
    expect(transitionTarget(RELEASE_LIFECYCLE, 'schedule', { state: 'draft', type: 'minor' })).toBe('scheduled');
  });

  it('refuses a word that is neither, naming the states', () => {
    expect(() => transitionTarget(RELEASE_LIFECYCLE, 'launch', { state: 'draft', type: 'minor' })).toThrow(
      /"launch" is neither a release state \(draft, planned/,
    );
    expect(() => transitionTarget(CHANGE_LIFECYCLE, 'launch', { state: 'new', type: 'normal' })).toThrow(
      /neither a change state/,
    );
  });

  it('offers every state and action once', () => {
    const words = lifecycleWords(RELEASE_LIFECYCLE);
    expect(new Set(words).size).toBe(words.length);
    expect(words).toEqual(expect.arrayContaining(['draft', 'approved', 'approve', 'start_rollout']));
  });
});
