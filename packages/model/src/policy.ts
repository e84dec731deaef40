/**
 * The Release Policy: versioned policy-as-code (YAML) that every gate in Slipway is judged by.
 * These are the plain types of the parsed document and the shipped default; the server
 * validates documents against its schema and keeps every applied version.
 */

export const TEST_PROTOCOLS = [
  'performance',
  'security',
  'maintainability',
  'supportability',
  'reliability',
  'availability',
  'functionality',
  'integration',
  'acceptance',
] as const;
export type TestProtocol = (typeof TEST_PROTOCOLS)[number];

export const RELEASE_TYPES = ['major', 'minor', 'emergency'] as const;
export type ReleaseType = (typeof RELEASE_TYPES)[number];

export const RELEASE_ELEMENTS = [
  'technology_refresh',
  'desktop',
  'server',
  'network',
  'database',
  'messaging',
] as const;
export type ReleaseElement = (typeof RELEASE_ELEMENTS)[number];

export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export const RISK_LEVELS = ['low', 'moderate', 'high', 'very_high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const VERSIONING_SCHEMES = ['semver', 'calver', 'sequence'] as const;
export type VersioningScheme = (typeof VERSIONING_SCHEMES)[number];

export interface ReleaseTypePolicy {
  /** Per environment, the test protocols that must have passed there before promotion past it. */
  requiredTests: Record<string, TestProtocol[]>;
  /** Distinct approvers needed, none of them the requester: `cab` for normal, `ecab` for emergency. */
  approvals: { cab?: number; ecab?: number };
  /** Days between the release's approval request and its planned production window. */
  minNoticeDays?: number;
  backoutPlan?: { required: boolean; rehearsed?: boolean };
  /** `respect`: a freeze blocks; `override-with-reason`: a permitted role may override, audited. */
  freeze?: 'respect' | 'override-with-reason';
  postImplementationReviewDays?: number;
  /** Plan sections that must be filled (owner and content) before the release leaves planning. */
  requiredPlanSections?: string[];
}

export interface LicencePolicy {
  /** SPDX licence identifiers that may be released. */
  allow: string[];
  /** SPDX licence identifiers that may never be released; deny wins over allow. */
  deny: string[];
  /** What an identifier on neither list means: `review` blocks approval until it is listed. */
  unknown: 'review' | 'deny';
}

export interface ChangeApprovalRule {
  /** Distinct CAB approvers. */
  cab?: number;
  /** Distinct ECAB approvers (emergency changes). */
  ecab?: number;
  /** One approver must own an impacted service. */
  serviceOwner?: boolean;
}

export interface ChangePolicy {
  /** Quorum per change type; normal changes per risk level. */
  approvals: {
    standard: ChangeApprovalRule;
    normal: Record<RiskLevel, ChangeApprovalRule>;
    emergency: ChangeApprovalRule;
  };
  risk: {
    /** Score (0–100) at which each level starts; below `moderate` is low. */
    thresholds: { moderate: number; high: number; very_high: number };
    /** How much each factor can add to the score (0–100 in total is sensible, not required). */
    weights: {
      impactSize: number;
      criticality: number;
      changeType: number;
      environment: number;
      notice: number;
      backoutPlan: number;
      recentFailures: number;
      freezeProximity: number;
    };
    /** Impacted CIs at which the impact-size factor is at its maximum. */
    impactSizeFull: number;
    /** Days of notice below which the notice factor counts fully. */
    shortNoticeDays: number;
    /** Look-back for failed changes and incidents on the same CIs. */
    recentFailureDays: number;
    /** Days before a freeze within which the freeze-proximity factor counts. */
    freezeProximityDays: number;
  };
  /** Emergency changes must be reviewed within this many days of implementation. */
  emergencyReviewDays: number;
}

export interface ReleasePolicy {
  environments: string[];
  versioning: VersioningScheme;
  releaseTypes: Record<ReleaseType, ReleaseTypePolicy>;
  licences: LicencePolicy;
  /** Release elements whose artifacts must carry a valid signature from a trusted key. */
  signatures: { requiredFor: ReleaseElement[] };
  changes: ChangePolicy;
}

/** The policy a new Slipway starts with (and the example in the docs). */
export const DEFAULT_POLICY_YAML = `# Slipway release policy. Every gate names the rule that blocked it.
environments: [development, test, staging, production]
versioning: semver

releaseTypes:
  major:
    requiredTests:
      test: [functionality, integration, performance, security, reliability, maintainability, supportability]
      staging: [availability, acceptance]
    approvals: { cab: 2 }            # distinct approvers, none of them the requester
    minNoticeDays: 10
    backoutPlan: { required: true, rehearsed: true }
    freeze: respect
    requiredPlanSections: [scope, schedule, build_and_configuration, test_plan, distribution_and_installation, communication_and_training, backout_plan, early_life_support]
  minor:
    requiredTests:
      test: [functionality, integration]
      staging: [acceptance]
    approvals: { cab: 1 }
    minNoticeDays: 3
    backoutPlan: { required: true }
    freeze: respect
    requiredPlanSections: [scope, schedule, test_plan, backout_plan]
  emergency:
    requiredTests:
      test: [functionality]
    approvals: { ecab: 1 }
    backoutPlan: { required: true }
    freeze: override-with-reason
    postImplementationReviewDays: 5
    requiredPlanSections: [scope, backout_plan]

licences:
  allow: [MIT, Apache-2.0, BSD-2-Clause, BSD-3-Clause, ISC, Zlib, PostgreSQL, OpenSSL, MPL-2.0, LGPL-2.1-only, LGPL-2.1-or-later, LGPL-3.0-only, LGPL-3.0-or-later, CC0-1.0, Unlicense, Python-2.0, BSL-1.0, LicenseRef-Proprietary-Licensed]
  deny: [AGPL-3.0-only, AGPL-3.0-or-later, SSPL-1.0, GPL-3.0-only, GPL-3.0-or-later]
  unknown: review

signatures:
  requiredFor: [server, network]

changes:
  approvals:
    standard: { cab: 0 }
    normal:
      low: { cab: 1 }
      moderate: { cab: 1 }
      high: { cab: 2, serviceOwner: true }
      very_high: { cab: 3, serviceOwner: true }
    emergency: { ecab: 1 }
  risk:
    thresholds: { moderate: 30, high: 55, very_high: 80 }
    weights:
      impactSize: 25
      criticality: 20
      changeType: 10
      environment: 10
      notice: 10
      backoutPlan: 10
      recentFailures: 10
      freezeProximity: 5
    impactSizeFull: 500
    shortNoticeDays: 2
    recentFailureDays: 90
    freezeProximityDays: 3
  emergencyReviewDays: 5
`;
