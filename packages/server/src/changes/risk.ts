import type { ChangePolicy, ChangeType, Criticality, RiskLevel } from '@slipway/model';

/** The risk factors of the policy, in the order they are explained. */
export const RISK_FACTORS = [
  'impactSize',
  'criticality',
  'changeType',
  'environment',
  'notice',
  'backoutPlan',
  'recentFailures',
  'freezeProximity',
] as const;
export type RiskFactorName = (typeof RISK_FACTORS)[number];

/** What the risk of one change is computed from (gathered by AssessmentService). */
export interface RiskInputs {
  type: ChangeType;
  impactedCount: number;
  /** The highest criticality among the change's CIs and its impacted services, and where it comes from. */
  criticality: { level: Criticality | null; source: string | null };
  /** The most production-like environment of the change's CIs (by the policy's order), or null. */
  environment: string | null;
  /** Days from the assessment to the planned start; null without a window. */
  noticeDays: number | null;
  backoutPlan: boolean;
  /** Changes on the same CIs whose review said failed or backed out, in the look-back period. */
  recentFailures: { count: number; changeIds: number[] };
  /** The nearest freeze covering these CIs: inside one, or how many days away. */
  freeze: { name: string; gapDays: number } | null;
}

export interface RiskFactor {
  factor: RiskFactorName;
  /** The most this factor can add (from the policy). */
  weight: number;
  /** 0–1: how much of the weight applies. */
  fraction: number;
  /** weight × fraction, rounded to one decimal. */
  contribution: number;
  /** Why, in words, with the numbers. */
  reason: string;
}

export interface RiskAssessment {
  score: number;
  level: RiskLevel;
  factors: RiskFactor[];
  thresholds: { moderate: number; high: number; very_high: number };
}

const CRITICALITY_FRACTION: Record<Criticality, number> = { low: 0.25, medium: 0.5, high: 0.75, critical: 1 };
const TYPE_FRACTION: Record<ChangeType, number> = { standard: 0, normal: 0.5, emergency: 1 };

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

export function riskLevelOf(score: number, thresholds: RiskAssessment['thresholds']): RiskLevel {
  if (score >= thresholds.very_high) return 'very_high';
  if (score >= thresholds.high) return 'high';
  if (score >= thresholds.moderate) return 'moderate';
  return 'low';
}

/**
 * The explainable risk score: each factor's weight comes from the policy, its fraction from the
 * change, and its reason says why. The score is the sum, capped at 100; the level follows the
 * policy's thresholds. Deterministic: the same inputs and policy always give the same answer.
 */
export function computeRisk(inputs: RiskInputs, policy: ChangePolicy, environments: readonly string[]): RiskAssessment {
  const { weights } = policy.risk;
  const factors: RiskFactor[] = [];
  const add = (factor: RiskFactorName, fraction: number, reason: string) => {
    const clamped = Math.min(1, Math.max(0, fraction));
    factors.push({
      factor,
      weight: weights[factor],
      fraction: round1(clamped * 100) / 100,
      contribution: round1(weights[factor] * clamped),
      reason,
    });
  };

  const full = Math.max(1, policy.risk.impactSizeFull);
  add(
    'impactSize',
    inputs.impactedCount / full,
    `${plural(inputs.impactedCount, 'CI')} impacted downstream (full weight at ${full.toLocaleString('en-US')})`,
  );

  const { level, source } = inputs.criticality;
  add(
    'criticality',
    level ? CRITICALITY_FRACTION[level] : 0,
    level
      ? `highest criticality among the CIs and impacted services: ${level}${source ? ` (${source})` : ''}`
      : 'no CI or impacted service has a criticality set',
  );

  add('changeType', TYPE_FRACTION[inputs.type], `${inputs.type} change`);

  const position = inputs.environment === null ? -1 : environments.indexOf(inputs.environment);
  const envFraction =
    inputs.environment === null
      ? 0
      : position < 0
        ? 0.5
        : environments.length <= 1
          ? 1
          : position / (environments.length - 1);
  add(
    'environment',
    envFraction,
    inputs.environment === null
      ? 'no environment on the CIs'
      : position < 0
        ? `environment "${inputs.environment}" is not in the policy's list (counted as half)`
        : `environment ${inputs.environment} (${position + 1} of ${environments.length} in the policy's order)`,
  );

  const short = policy.risk.shortNoticeDays;
  const notice = inputs.noticeDays;
  add(
    'notice',
    notice === null ? 0 : notice < short ? 1 : notice < 2 * short ? 0.5 : 0,
    notice === null
      ? 'no planned window yet'
      : notice < 0
        ? 'the planned window has already started'
        : `${round1(notice)} days of notice (short below ${short}, half below ${2 * short})`,
  );

  add('backoutPlan', inputs.backoutPlan ? 0 : 1, inputs.backoutPlan ? 'a back-out plan is given' : 'no back-out plan');

  const failures = inputs.recentFailures;
  add(
    'recentFailures',
    failures.count / 2,
    failures.count === 0
      ? `no failed or backed-out change on these CIs in the last ${policy.risk.recentFailureDays} days`
      : `${plural(failures.count, 'failed or backed-out change')} on these CIs in the last ${policy.risk.recentFailureDays} days (${failures.changeIds
          .slice(0, 5)
          .map((id) => `#${id}`)
          .join(', ')})`,
  );

  const freeze = inputs.freeze;
  const proximity = Math.max(1, policy.risk.freezeProximityDays);
  add(
    'freezeProximity',
    freeze === null ? 0 : freeze.gapDays <= 0 ? 1 : 1 - freeze.gapDays / proximity,
    freeze === null
      ? `no freeze within ${proximity} days of the window`
      : freeze.gapDays <= 0
        ? `the window falls in freeze "${freeze.name}"`
        : `${round1(freeze.gapDays)} days from freeze "${freeze.name}" (counts within ${proximity})`,
  );

  const score = Math.min(100, Math.round(factors.reduce((sum, f) => sum + f.contribution, 0)));
  return { score, level: riskLevelOf(score, policy.risk.thresholds), factors, thresholds: policy.risk.thresholds };
}
