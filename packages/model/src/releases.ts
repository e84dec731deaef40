/**
 * Release management as data: the lifecycle of a release (states, transitions with the names of
 * the gates that must hold and who may take them), the structured release plan, test outcomes,
 * rollout strategies, the gate rules a blocked transition names, and the events a release emits.
 * The server enforces exactly this table; the UI and the CLI read it to offer only what is possible.
 *
 * The emergency path is deliberately shorter (ITIL: expedited, reviewed afterwards):
 * `draft → built` (planning and build in one step: only the policy's emergency plan sections are
 * needed) and `in_test → approved` (no separate acceptance: the ECAB approves on the tests the
 * emergency policy requires). Every other gate still applies, and `planned`/`accepted` are never
 * entered by an emergency release.
 */
import type { ReleaseType } from './policy.js';

export const RELEASE_STATES = [
  'draft',
  'planned',
  'built',
  'in_test',
  'accepted',
  'approved',
  'scheduled',
  'rolling_out',
  'deployed',
  'reviewed',
  'closed',
  'backing_out',
  'backed_out',
  'cancelled',
] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

/** States a release never leaves. */
export const TERMINAL_RELEASE_STATES: readonly ReleaseState[] = ['closed', 'cancelled'];

/**
 * States in which the release's scope (contents, targets, window, implementer) may be edited.
 * After approval the scope is what the CAB approved: it cannot change (cancel and re-plan).
 * An edit in `accepted` voids the approvals already given (a new round).
 */
export const SCOPE_EDITABLE_RELEASE_STATES: readonly ReleaseState[] = [
  'draft',
  'planned',
  'built',
  'in_test',
  'accepted',
];

/** States in which the artifacts of a release may be added or removed (before testing starts). */
export const CONTENT_EDITABLE_RELEASE_STATES: readonly ReleaseState[] = ['draft', 'planned', 'built'];

/** States in which test results may be recorded (something was built; not yet finished). */
export const TESTABLE_RELEASE_STATES: readonly ReleaseState[] = [
  'built',
  'in_test',
  'accepted',
  'approved',
  'scheduled',
  'rolling_out',
  'deployed',
];

/** States whose planned window is on the forward schedule (the change calendar's `releases` source). */
export const CALENDAR_RELEASE_STATES: readonly ReleaseState[] = [
  'planned',
  'built',
  'in_test',
  'accepted',
  'approved',
  'scheduled',
  'rolling_out',
  'deployed',
  'backing_out',
  'backed_out',
  'reviewed',
  'closed',
];

/** States in which a release occupies its targets for the peaceful-coexistence check of other releases. */
export const COMMITTED_RELEASE_STATES: readonly ReleaseState[] = ['accepted', 'approved', 'scheduled', 'rolling_out'];

export const RELEASE_ACTIONS = [
  'plan',
  'build',
  'test',
  'rework',
  'retest',
  'accept',
  'approve',
  'schedule',
  'start_rollout',
  'complete',
  'back_out',
  'finish_backout',
  'review',
  'close',
  'cancel',
] as const;
export type ReleaseAction = (typeof RELEASE_ACTIONS)[number];

/**
 * The gates a transition can name. Each gate is evaluated against the current release policy and
 * reports every unmet rule (see RELEASE_GATE_RULES); a blocked transition is a 422
 * POLICY_VIOLATION listing them all.
 */
export const RELEASE_GUARDS = {
  plan_complete: "Every plan section the policy requires for the release's type has an owner and content",
  window_planned: 'The release has a planned window that has not already ended',
  contents_present: 'The release contains something: artifacts, hardware reservations or planned CI changes',
  contents_releasable:
    'Every artifact is approved in the software library, intact, with allowed licences and the signatures the policy requires',
  targets_defined: 'The release has target CIs (explicit or by saved query) in the last environment',
  required_tests_passed:
    'Every test the policy (and the release template) requires passed in its environment, for the current build',
  coexistence_clean:
    "Every artifact's requires/conflicts hold on every target, among the release's own artifacts and against other releases on the same targets",
  change_approved: 'A linked request for change exists and every linked change is approved with its quorum',
  notice_period: "The planned window starts at least the policy's minimum notice after the approval request",
  backout_ready: 'The back-out plan is written and, where the policy says so, rehearsed (for its current revision)',
  freeze_clear:
    'The planned window is not in a freeze covering the targets, or the policy allows an override and one was given with a reason',
  approval_quorum:
    'Enough distinct approvers (CAB or ECAB, per the policy) approved the current scope, none of them requester or implementer',
  review_recorded: 'A post-implementation review was recorded',
} as const;
export type ReleaseGuard = keyof typeof RELEASE_GUARDS;

/**
 * The rule ids a gate reports, with what each means. Library rules (`library.*`, `licences.*`,
 * `signatures.*`) come from the software library's own gate and keep its names.
 */
export const RELEASE_GATE_RULES = {
  'plan.required_sections': 'releaseTypes.<type>.requiredPlanSections: the section needs an owner and content',
  'release.window': 'The release needs a planned window (plannedStart, plannedEnd) that has not ended',
  'contents.present': 'The release must contain artifacts, hardware reservations or planned CI changes',
  'library.approved': 'Only approved artifacts of the software library may be released',
  'library.integrity': 'The artifact failed an integrity check (compromised)',
  'library.signature_valid': 'The artifact signature must verify against a trusted key',
  'licences.allow': 'The licence is not on the policy allow list',
  'licences.deny': 'The licence is on the policy deny list',
  'licences.unknown': 'The licence needs a review before release',
  'signatures.requiredFor': 'Artifacts of this release element must be signed',
  'targets.defined': 'The release needs target CIs in the last environment',
  'tests.required': 'releaseTypes.<type>.requiredTests: the test must have passed in its environment',
  'coexistence.requires': "An artifact's requires range is not met on a target",
  'coexistence.conflicts': "An artifact's conflicts range matches software on a target",
  'coexistence.release_artifacts': "The release's own artifacts conflict with or require each other",
  'coexistence.concurrent_release': 'Another release on the same targets in an overlapping window clashes',
  'change.linked': 'The release needs a linked request for change',
  'change.approved': 'A linked change is not approved with its quorum',
  'notice.min_days': 'releaseTypes.<type>.minNoticeDays: the window starts too soon after the approval request',
  'backout.required': 'releaseTypes.<type>.backoutPlan.required: the back-out plan section needs content',
  'backout.rehearsed': 'releaseTypes.<type>.backoutPlan.rehearsed: the current back-out plan needs a passed rehearsal',
  'freeze.hard': 'The window falls in a hard freeze covering the targets',
  'freeze.respect': 'releaseTypes.<type>.freeze: respect — the window falls in a freeze covering the targets',
  'freeze.override_reason': 'releaseTypes.<type>.freeze: override-with-reason — give freezeOverride.reason',
  'approvals.quorum': 'releaseTypes.<type>.approvals: not enough distinct approvers for the current scope',
  'sod.approver_not_requester': 'Segregation of duties: the requester of a release cannot approve it',
  'sod.approver_not_implementer': 'Segregation of duties: the implementer of a release cannot approve it',
  'review.recorded': 'A post-implementation review must be recorded',
  'versioning.scheme': 'versioning: the version must follow the policy scheme',
  'versioning.increase': "The version must be higher than the release unit's last release",
  'promotion.order': 'A release is promoted one environment at a time, in the policy order',
  'promotion.tests': 'The tests the policy requires in an environment must pass there before promotion past it',
  'promotion.authorised': 'Only an approved release reaches the last environment',
} as const;
export type ReleaseGateRule = keyof typeof RELEASE_GATE_RULES;

/**
 * Who may take a transition: `manager` (holds `releases.write`), `approver` (holds
 * `releases.approve`; the approval itself is a separate action with segregation of duties),
 * `rollout` (holds `rollouts.execute`: the rollout module drives a release through deployment),
 * `system` (Slipway itself, as the consequence of another write).
 */
export type ReleaseTransitionActor = 'manager' | 'approver' | 'rollout' | 'system';

export interface ReleaseTransition {
  from: ReleaseState;
  to: ReleaseState;
  action: ReleaseAction;
  /** The release types this transition exists for. */
  types: readonly ReleaseType[];
  guards: readonly ReleaseGuard[];
  by: readonly ReleaseTransitionActor[];
  description: string;
}

const ALL: readonly ReleaseType[] = ['major', 'minor', 'emergency'];
const PLANNED: readonly ReleaseType[] = ['major', 'minor'];
const EMERGENCY: readonly ReleaseType[] = ['emergency'];
const APPROVAL_GUARDS: readonly ReleaseGuard[] = [
  'window_planned',
  'contents_releasable',
  'targets_defined',
  'required_tests_passed',
  'coexistence_clean',
  'change_approved',
  'notice_period',
  'backout_ready',
  'freeze_clear',
  'approval_quorum',
];

/** The one transition table. Order matters only for display. */
export const RELEASE_TRANSITIONS: readonly ReleaseTransition[] = [
  {
    from: 'draft',
    to: 'planned',
    action: 'plan',
    types: PLANNED,
    guards: ['plan_complete', 'window_planned'],
    by: ['manager'],
    description: 'The release plan is written: the policy sections are filled and a window is planned',
  },
  {
    from: 'planned',
    to: 'built',
    action: 'build',
    types: PLANNED,
    guards: ['contents_present', 'contents_releasable'],
    by: ['manager'],
    description: 'The release package is assembled from approved library artifacts and reserved hardware',
  },
  {
    from: 'draft',
    to: 'built',
    action: 'build',
    types: EMERGENCY,
    guards: ['plan_complete', 'window_planned', 'contents_present', 'contents_releasable'],
    by: ['manager'],
    description: 'Emergency: plan and build in one step (only the emergency plan sections are required)',
  },
  {
    from: 'built',
    to: 'in_test',
    action: 'test',
    types: ALL,
    guards: [],
    by: ['manager'],
    description: 'Testing starts: results are recorded per environment and protocol',
  },
  {
    from: 'in_test',
    to: 'built',
    action: 'rework',
    types: ALL,
    guards: [],
    by: ['manager'],
    description: 'Tests found problems: back to the build (changed contents invalidate earlier results)',
  },
  {
    from: 'in_test',
    to: 'accepted',
    action: 'accept',
    types: PLANNED,
    guards: ['contents_releasable', 'targets_defined', 'required_tests_passed', 'coexistence_clean'],
    by: ['manager'],
    description: 'The release passed its tests and the coexistence check: approval is requested',
  },
  {
    from: 'accepted',
    to: 'in_test',
    action: 'retest',
    types: PLANNED,
    guards: [],
    by: ['manager'],
    description: 'Back to testing (approvals given so far stay attached to their scope round)',
  },
  {
    from: 'accepted',
    to: 'approved',
    action: 'approve',
    types: PLANNED,
    guards: APPROVAL_GUARDS,
    by: ['manager', 'approver'],
    description: "Authorised: every gate holds and the CAB's quorum approved the current scope",
  },
  {
    from: 'in_test',
    to: 'approved',
    action: 'approve',
    types: EMERGENCY,
    guards: APPROVAL_GUARDS,
    by: ['manager', 'approver'],
    description: "Emergency: the ECAB authorises straight from testing, on the emergency policy's tests",
  },
  {
    from: 'approved',
    to: 'scheduled',
    action: 'schedule',
    types: ALL,
    guards: ['window_planned', 'freeze_clear', 'change_approved', 'approval_quorum'],
    by: ['manager'],
    description: 'The approved release is scheduled into its window',
  },
  {
    from: 'scheduled',
    to: 'rolling_out',
    action: 'start_rollout',
    types: ALL,
    guards: ['contents_releasable', 'change_approved', 'approval_quorum', 'freeze_clear'],
    by: ['manager', 'rollout'],
    description: 'The rollout starts (normally by the rollout module)',
  },
  {
    from: 'rolling_out',
    to: 'deployed',
    action: 'complete',
    types: ALL,
    guards: [],
    by: ['manager', 'rollout'],
    description: 'Every target is deployed; early-life support begins and the review is due',
  },
  {
    from: 'rolling_out',
    to: 'backing_out',
    action: 'back_out',
    types: ALL,
    guards: [],
    by: ['manager', 'rollout'],
    description: 'The rollout failed or was stopped: back out',
  },
  {
    from: 'deployed',
    to: 'backing_out',
    action: 'back_out',
    types: ALL,
    guards: [],
    by: ['manager', 'rollout'],
    description: 'Early-life support found the release unfit: back out',
  },
  {
    from: 'backing_out',
    to: 'backed_out',
    action: 'finish_backout',
    types: ALL,
    guards: [],
    by: ['manager', 'rollout'],
    description: 'The back-out is done; the targets are as before the rollout',
  },
  {
    from: 'deployed',
    to: 'reviewed',
    action: 'review',
    types: ALL,
    guards: ['review_recorded'],
    by: ['manager'],
    description: 'The post-implementation review is recorded',
  },
  {
    from: 'backed_out',
    to: 'reviewed',
    action: 'review',
    types: ALL,
    guards: ['review_recorded'],
    by: ['manager'],
    description: 'A backed-out release is reviewed too: what went wrong and what to change',
  },
  {
    from: 'reviewed',
    to: 'closed',
    action: 'close',
    types: ALL,
    guards: [],
    by: ['manager'],
    description: 'Close the release',
  },
  ...(['draft', 'planned', 'built', 'in_test', 'accepted', 'approved', 'scheduled'] as const).map(
    (from): ReleaseTransition => ({
      from,
      to: 'cancelled',
      action: 'cancel',
      types: ALL,
      guards: [],
      by: ['manager'],
      description: 'Withdraw the release',
    }),
  ),
];

export function isReleaseState(value: string): value is ReleaseState {
  return (RELEASE_STATES as readonly string[]).includes(value);
}

/** The transitions a release of `type` may take from `state`, in table order. */
export function releaseTransitionsFrom(state: ReleaseState, type: ReleaseType): ReleaseTransition[] {
  return RELEASE_TRANSITIONS.filter((t) => t.from === state && t.types.includes(type));
}

/** The states a release of `type` may move to from `state` (what a 422 lists). */
export function allowedReleaseTargets(state: ReleaseState, type: ReleaseType): ReleaseState[] {
  return [...new Set(releaseTransitionsFrom(state, type).map((t) => t.to))];
}

/** The transition from `from` to `to` for a release of `type`, or undefined when there is none. */
export function findReleaseTransition(
  from: ReleaseState,
  to: ReleaseState,
  type: ReleaseType,
): ReleaseTransition | undefined {
  return RELEASE_TRANSITIONS.find((t) => t.from === from && t.to === to && t.types.includes(type));
}

/** The structured release plan (ITIL): section keys, as the policy's requiredPlanSections names them. */
export const PLAN_SECTIONS = [
  { key: 'scope', title: 'Scope' },
  { key: 'schedule', title: 'Schedule and milestones' },
  { key: 'build_and_configuration', title: 'Build and configuration' },
  { key: 'test_plan', title: 'Test plan' },
  { key: 'distribution_and_installation', title: 'Distribution and installation' },
  { key: 'communication_and_training', title: 'Communication and training' },
  { key: 'backout_plan', title: 'Back-out plan' },
  { key: 'early_life_support', title: 'Early-life support' },
] as const;
export type PlanSectionKey = (typeof PLAN_SECTIONS)[number]['key'];
export const PLAN_SECTION_KEYS: readonly PlanSectionKey[] = PLAN_SECTIONS.map((s) => s.key);

export const PLAN_SECTION_STATUSES = ['not_started', 'in_progress', 'done'] as const;
export type PlanSectionStatus = (typeof PLAN_SECTION_STATUSES)[number];

export const ROLLOUT_STRATEGIES = ['big_bang', 'phased', 'canary', 'staging', 'dormant'] as const;
export type RolloutStrategy = (typeof ROLLOUT_STRATEGIES)[number];

export const TEST_OUTCOMES = ['passed', 'failed', 'blocked'] as const;
export type TestOutcome = (typeof TEST_OUTCOMES)[number];

/** How a test result's evidence was given. */
export const TEST_EVIDENCE_KINDS = ['text', 'link', 'file', 'junit'] as const;
export type TestEvidenceKind = (typeof TEST_EVIDENCE_KINDS)[number];

export const RELEASE_REVIEW_OUTCOMES = ['successful', 'partially_successful', 'failed', 'backed_out'] as const;
export type ReleaseReviewOutcome = (typeof RELEASE_REVIEW_OUTCOMES)[number];

export const REHEARSAL_OUTCOMES = ['passed', 'failed'] as const;
export type RehearsalOutcome = (typeof REHEARSAL_OUTCOMES)[number];

/** What a release emits (webhooks, notifications). */
export const RELEASE_EVENT_TYPES = [
  'release.created',
  'release.transitioned',
  'release.approved',
  'release.promoted',
  'release.test_recorded',
  'release.deployed',
  'release.backed_out',
  'release.closed',
  'release.cancelled',
] as const;
export type ReleaseEventType = (typeof RELEASE_EVENT_TYPES)[number];

/**
 * A saved target query: "all desktops at site RTM with Zoom below 6.0" is
 * `{ class: 'desktop', attributes: { site: 'RTM' }, installed: [{ product: 'Zoom', version: '<6.0' }] }`.
 * Conditions combine with AND; list values inside one condition with OR.
 */
export interface TargetQuery {
  class?: string | string[];
  environment?: string | string[];
  /** Default: every status but `retired`. */
  status?: string | string[];
  /** Case-insensitive substring of the CI name. */
  nameContains?: string;
  attributes?: Record<string, AttributeCondition>;
  /** Software CIs `installed_on` the target (product attribute, version as a semver range). */
  installed?: InstalledCondition[];
  /** The target has (or, with `direction: 'in'`, is the end of) a relationship to a given CI. */
  related?: RelatedCondition[];
}

export type AttributeScalar = string | number | boolean;
export type AttributeCondition =
  | AttributeScalar
  | {
      eq?: AttributeScalar;
      ne?: AttributeScalar;
      in?: AttributeScalar[];
      lt?: AttributeScalar;
      lte?: AttributeScalar;
      gt?: AttributeScalar;
      gte?: AttributeScalar;
      exists?: boolean;
      /** A semver range the (coerced) value must satisfy. */
      version?: string;
    };

export interface InstalledCondition {
  product: string;
  /** Semver range of the installed version; any version when omitted. */
  version?: string;
  /** false: the target must NOT have such software installed. Default true. */
  present?: boolean;
}

export interface RelatedCondition {
  type: string;
  /** `out`: target —type→ ci (default); `in`: ci —type→ target. */
  direction?: 'out' | 'in';
  /** The other end: `class/name` or a CI id. */
  ci: string | number;
}
