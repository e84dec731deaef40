import { describe, expect, it } from 'vitest';
import {
  assessMaturity,
  compareMaturity,
  EVIDENCE_KEYS,
  type Evidence,
  type EvidenceKey,
  MATURITY_PROCESSES,
  MATURITY_QUESTIONS,
  type MaturityAnswerInput,
} from './maturity.js';

const measured = (key: EvidenceKey, value: number | null): Evidence => ({
  key,
  value,
  numerator: 0,
  denominator: 0,
  description: EVIDENCE_KEYS[key],
});

const allYes = (process: string, upTo: number): Record<string, MaturityAnswerInput> =>
  Object.fromEntries(
    MATURITY_QUESTIONS.filter((q) => q.process === process && q.level <= upTo).map((q) => [q.id, { answer: 'yes' }]),
  );

describe('maturity questionnaire', () => {
  it('is well formed: unique ids, every process has questions at every level 2–5, thresholds ordered', () => {
    const ids = MATURITY_QUESTIONS.map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const process of MATURITY_PROCESSES) {
      for (const level of [2, 3, 4, 5]) {
        expect(MATURITY_QUESTIONS.some((q) => q.process === process && q.level === level)).toBe(true);
      }
    }
    for (const q of MATURITY_QUESTIONS) {
      if (q.evidence) expect(q.evidence.partialAt).toBeLessThanOrEqual(q.evidence.yesAt);
    }
  });

  it('pre-fills answers from evidence, and a person overrides them', () => {
    const result = assessMaturity([measured('release.tests_recorded', 0.6), measured('release.policy_defined', 1)], {
      'rel-2-owner': { answer: 'yes', note: 'Anna is release manager' },
    });
    const byId = new Map(result.questions.map((q) => [q.id, q]));
    expect(byId.get('rel-2-tests')).toMatchObject({ answer: 'partial', source: 'evidence', evidenceAnswer: 'partial' });
    expect(byId.get('rel-2-policy')).toMatchObject({ answer: 'yes', source: 'evidence' });
    expect(byId.get('rel-2-owner')).toMatchObject({ answer: 'yes', source: 'person', note: 'Anna is release manager' });
    expect(byId.get('rel-2-vision')).toMatchObject({ answer: null, source: null });
    // Partial does not hold: level 1, and the gaps are the level-2 questions not answered yes.
    const release = result.processes.find((p) => p.process === 'release');
    expect(release?.level).toBe(1);
    expect(release?.gaps.map((g) => g.questionId).sort()).toEqual(['rel-2-tests', 'rel-2-vision']);
  });

  it('reaches the highest level whose criteria, and all below, hold', () => {
    const answers = { ...allYes('change', 3), 'chg-4-success': { answer: 'yes' as const } };
    const change = assessMaturity([], answers).processes.find((p) => p.process === 'change');
    expect(change?.level).toBe(3);
    expect(change?.levelName).toBe('Defined');
    expect(change?.gaps.every((g) => g.level === 4)).toBe(true);
    expect(change?.gaps.map((g) => g.questionId)).not.toContain('chg-4-success');
    // Level 5 answered yes without level 4: still 3.
    const skipping = assessMaturity([], { ...allYes('change', 3), 'chg-5-improve': { answer: 'yes' } });
    expect(skipping.processes.find((p) => p.process === 'change')?.level).toBe(3);
    const top = assessMaturity([], allYes('configuration', 5)).processes.find((p) => p.process === 'configuration');
    expect(top?.level).toBe(5);
    expect(top?.gaps).toEqual([]);
    expect(Object.values(top?.areas ?? {})).toEqual([5, 5, 5, 5, 5]);
  });

  it('does not credit an area with levels it has no questions for beyond the process level', () => {
    // Release at level 2; its culture questions are all at level 5 and unanswered.
    const release = assessMaturity([], allYes('release', 2)).processes.find((p) => p.process === 'release');
    expect(release?.level).toBe(2);
    expect(release?.areas.culture).toBe(2);
    // Process area: level 3 questions unanswered, so 2.
    expect(release?.areas.process).toBe(2);
    // Answering the culture questions yes lifts culture alone to 5.
    const culture = Object.fromEntries(
      MATURITY_QUESTIONS.filter((q) => q.process === 'release' && q.area === 'culture').map((q) => [
        q.id,
        { answer: 'yes' as const },
      ]),
    );
    const lifted = assessMaturity([], { ...allYes('release', 2), ...culture }).processes.find(
      (p) => p.process === 'release',
    );
    expect(lifted?.areas.culture).toBe(5);
    expect(lifted?.level).toBe(2);
  });

  it('evidence that measured nothing leaves the question open', () => {
    const result = assessMaturity([measured('release.tests_recorded', null)], {});
    expect(result.questions.find((q) => q.id === 'rel-2-tests')?.answer).toBeNull();
  });

  it('compares two assessments', () => {
    const before = assessMaturity([], allYes('release', 2));
    const after = assessMaturity([], allYes('release', 3));
    const diff = compareMaturity(before, after);
    expect(diff.processes.find((p) => p.process === 'release')).toEqual({
      process: 'release',
      fromLevel: 2,
      toLevel: 3,
      delta: 1,
    });
    const level3 = MATURITY_QUESTIONS.filter((q) => q.process === 'release' && q.level === 3).length;
    expect(diff.changedAnswers).toHaveLength(level3);
    expect(diff.changedAnswers.every((c) => c.from === null && c.to === 'yes')).toBe(true);
  });
});
