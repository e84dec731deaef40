import { DEFAULT_POLICY_YAML } from '@slipway/model';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/policy-document.js';
import { computeRisk, RISK_FACTORS, type RiskInputs } from './risk.js';

const parsed = parsePolicy(DEFAULT_POLICY_YAML);
if (!parsed.ok) throw new Error('default policy does not parse');
const policy = parsed.policy;

const calm: RiskInputs = {
  type: 'standard',
  impactedCount: 0,
  criticality: { level: null, source: null },
  environment: 'development',
  noticeDays: 30,
  backoutPlan: true,
  recentFailures: { count: 0, changeIds: [] },
  freeze: null,
};

describe('risk score', () => {
  it('explains every factor with its weight from the policy and a reason', () => {
    const risk = computeRisk(calm, policy.changes, policy.environments);
    expect(risk.factors.map((f) => f.factor)).toEqual([...RISK_FACTORS]);
    for (const f of risk.factors) {
      expect(f.weight).toBe(policy.changes.risk.weights[f.factor]);
      expect(f.reason.length).toBeGreaterThan(5);
    }
    expect(risk).toMatchObject({ score: 0, level: 'low' });
  });

  it('adds up the worst case to very high, and each factor moves the score', () => {
    const worst: RiskInputs = {
      type: 'emergency',
      impactedCount: 50_000,
      criticality: { level: 'critical', source: 'service/online-banking' },
      environment: 'production',
      noticeDays: 0.5,
      backoutPlan: false,
      recentFailures: { count: 3, changeIds: [7, 8, 9] },
      freeze: { name: 'Year end', gapDays: 0 },
    };
    const risk = computeRisk(worst, policy.changes, policy.environments);
    expect(risk.score).toBe(100);
    expect(risk.level).toBe('very_high');
    expect(risk.factors.find((f) => f.factor === 'impactSize')?.reason).toContain('50,000 CIs');
    expect(risk.factors.find((f) => f.factor === 'recentFailures')?.reason).toContain('#7, #8, #9');
    const base = computeRisk(calm, policy.changes, policy.environments).score;
    const variations: Partial<RiskInputs>[] = [
      { impactedCount: 250 },
      { criticality: { level: 'high', source: 'x' } },
      { type: 'normal' },
      { environment: 'staging' },
      { noticeDays: 1 },
      { backoutPlan: false },
      { recentFailures: { count: 1, changeIds: [1] } },
      { freeze: { name: 'f', gapDays: 1 } },
    ];
    for (const v of variations) {
      expect(
        computeRisk({ ...calm, ...v }, policy.changes, policy.environments).score,
        JSON.stringify(v),
      ).toBeGreaterThan(base);
    }
  });

  it('places levels at the policy thresholds', () => {
    const changes = structuredClone(policy.changes);
    changes.risk.thresholds = { moderate: 10, high: 20, very_high: 30 };
    const level = (noticeDays: number, backoutPlan: boolean) =>
      computeRisk({ ...calm, noticeDays, backoutPlan }, changes, policy.environments).level;
    expect(level(30, true)).toBe('low');
    expect(level(1, true)).toBe('moderate');
    expect(level(1, false)).toBe('high');
  });
});
