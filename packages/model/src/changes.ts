/**
 * Change management as data: the states of a request for change (RFC), the transitions between
 * them with the names of the guards that must hold and who may take them, review outcomes,
 * freeze kinds and the events a change emits. The server enforces exactly this table; the UI and
 * the CLI read it to offer only what is possible.
 */
import type { ChangeType } from './policy.js';

export const CHANGE_STATES = [
  'new',
  'assess',
  'authorize',
  'scheduled',
  'implement',
  'review',
  'closed',
  'rejected',
  'cancelled',
] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];

/** States a change never leaves. */
export const TERMINAL_CHANGE_STATES: readonly ChangeState[] = ['closed', 'rejected', 'cancelled'];

/** States in which the change's CIs, window and implementer may still be edited. */
export const EDITABLE_CHANGE_STATES: readonly ChangeState[] = ['new', 'assess', 'authorize', 'scheduled'];

/**
 * States whose planned window occupies the calendar: these changes take part in conflict
 * detection (a draft in `new` does not block anyone; a finished one no longer does).
 */
export const CALENDAR_CHANGE_STATES: readonly ChangeState[] = ['assess', 'authorize', 'scheduled', 'implement'];

export const CHANGE_ACTIONS = [
  'submit',
  'assess',
  'reject',
  'schedule',
  'reauthorize',
  'start',
  'complete',
  'close',
  'cancel',
] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/** The guards a transition can name; the server evaluates each and names the one that failed. */
export const CHANGE_GUARDS = {
  scope_complete: 'The change has a title, at least one CI and a planned window',
  window_not_past: 'The planned window has not already ended',
  within_template_limits: "A standard change stays within its template's limits: CI classes, impacted CIs and duration",
  no_hard_freeze: 'The planned window does not fall in a hard freeze that covers its CIs',
  soft_freeze_overridden: 'A soft freeze covering the window was overridden by a change manager, with a reason',
  risk_assessed: 'Impact and risk were computed (at submit, or refreshed since)',
  quorum_reached:
    'Enough distinct approvers (per type and risk in the policy), none of them requester or implementer, approved the current scope',
  approvals_current: 'The approvals were given for the scope and window the change has now',
  scope_edited: 'The CIs, window or implementer were edited after approval, which voided the approvals',
  review_recorded: 'A post-implementation review (outcome, incidents, lessons) was recorded',
} as const;
export type ChangeGuard = keyof typeof CHANGE_GUARDS;

/**
 * Who may take a transition: `requester` (who raised the change), `implementer` (the user named
 * to do the work), `manager` (holds `changes.manage`), `approver` (holds `changes.approve`, and
 * segregation of duties applies), `system` (Slipway itself, as the consequence of another write).
 */
export type ChangeTransitionActor = 'requester' | 'implementer' | 'manager' | 'approver' | 'system';

export interface ChangeTransition {
  from: ChangeState;
  to: ChangeState;
  action: ChangeAction;
  /** The change types this transition exists for. */
  types: readonly ChangeType[];
  guards: readonly ChangeGuard[];
  by: readonly ChangeTransitionActor[];
  description: string;
}

const ALL_TYPES: readonly ChangeType[] = ['standard', 'normal', 'emergency'];
const CAB_TYPES: readonly ChangeType[] = ['normal', 'emergency'];

/** The one transition table. Order matters only for display. */
export const CHANGE_TRANSITIONS: readonly ChangeTransition[] = [
  {
    from: 'new',
    to: 'assess',
    action: 'submit',
    types: ['normal'],
    guards: ['scope_complete', 'window_not_past', 'no_hard_freeze'],
    by: ['requester', 'manager'],
    description: 'Submit for assessment; impact and risk are computed and stored',
  },
  {
    from: 'new',
    to: 'authorize',
    action: 'submit',
    types: ['emergency'],
    guards: ['scope_complete', 'window_not_past', 'no_hard_freeze'],
    by: ['requester', 'manager'],
    description: 'Submit an emergency change straight to the ECAB (expedited: no separate assessment)',
  },
  {
    from: 'new',
    to: 'scheduled',
    action: 'submit',
    types: ['standard'],
    guards: ['scope_complete', 'window_not_past', 'within_template_limits', 'no_hard_freeze', 'soft_freeze_overridden'],
    by: ['requester', 'manager'],
    description: 'A pre-approved standard change within its template is scheduled without CAB',
  },
  {
    from: 'assess',
    to: 'authorize',
    action: 'assess',
    types: ['normal'],
    guards: ['risk_assessed'],
    by: ['manager'],
    description: 'The change manager accepts the assessment and sends the change to the CAB',
  },
  {
    from: 'assess',
    to: 'rejected',
    action: 'reject',
    types: ['normal'],
    guards: [],
    by: ['manager'],
    description: 'The change manager rejects the change at assessment',
  },
  {
    from: 'authorize',
    to: 'scheduled',
    action: 'schedule',
    types: CAB_TYPES,
    guards: ['quorum_reached', 'no_hard_freeze', 'soft_freeze_overridden'],
    by: ['manager'],
    description: 'Schedule an approved change into its window',
  },
  {
    from: 'authorize',
    to: 'rejected',
    action: 'reject',
    types: CAB_TYPES,
    guards: [],
    by: ['approver'],
    description: 'A CAB (or ECAB) member rejects the change',
  },
  {
    from: 'scheduled',
    to: 'authorize',
    action: 'reauthorize',
    types: CAB_TYPES,
    guards: ['scope_edited'],
    by: ['system'],
    description: 'An edit of scope, window or implementer voided the approvals: approve again',
  },
  {
    from: 'scheduled',
    to: 'implement',
    action: 'start',
    types: ALL_TYPES,
    guards: ['approvals_current'],
    by: ['implementer', 'manager'],
    description: 'Start implementing the change',
  },
  {
    from: 'implement',
    to: 'review',
    action: 'complete',
    types: ALL_TYPES,
    guards: [],
    by: ['implementer', 'manager'],
    description: 'Implementation finished; the post-implementation review is due',
  },
  {
    from: 'review',
    to: 'closed',
    action: 'close',
    types: ALL_TYPES,
    guards: ['review_recorded'],
    by: ['requester', 'manager'],
    description: 'Close the change after its review',
  },
  ...(['new', 'assess', 'authorize', 'scheduled'] as const).map(
    (from): ChangeTransition => ({
      from,
      to: 'cancelled',
      action: 'cancel',
      types: ALL_TYPES,
      guards: [],
      by: ['requester', 'manager'],
      description: 'Withdraw the change',
    }),
  ),
];

export function isChangeState(value: string): value is ChangeState {
  return (CHANGE_STATES as readonly string[]).includes(value);
}

/** The transitions a change of `type` may take from `state`, in table order. */
export function changeTransitionsFrom(state: ChangeState, type: ChangeType): ChangeTransition[] {
  return CHANGE_TRANSITIONS.filter((t) => t.from === state && t.types.includes(type));
}

/** The states a change of `type` may move to from `state` (what a 422 lists). */
export function allowedChangeTargets(state: ChangeState, type: ChangeType): ChangeState[] {
  return [...new Set(changeTransitionsFrom(state, type).map((t) => t.to))];
}

/** The transition from `from` to `to` for a change of `type`, or undefined when there is none. */
export function findChangeTransition(
  from: ChangeState,
  to: ChangeState,
  type: ChangeType,
): ChangeTransition | undefined {
  return CHANGE_TRANSITIONS.find((t) => t.from === from && t.to === to && t.types.includes(type));
}

export const REVIEW_OUTCOMES = ['successful', 'partially_successful', 'failed', 'backed_out'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

/** Outcomes that count as a failure on the change's CIs (the risk factor "recent failures"). */
export const FAILED_REVIEW_OUTCOMES: readonly ReviewOutcome[] = ['failed', 'backed_out'];

/** `hard`: scheduling into the window is refused. `soft`: it warns; a change manager may override. */
export const FREEZE_KINDS = ['hard', 'soft'] as const;
export type FreezeKind = (typeof FREEZE_KINDS)[number];

/** What a change emits (webhooks, notifications). */
export const CHANGE_EVENT_TYPES = [
  'change.created',
  'change.submitted',
  'change.approved',
  'change.rejected',
  'change.scheduled',
  'change.implemented',
  'change.reviewed',
  'change.closed',
  'change.cancelled',
] as const;
export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];

/** The kinds of conflict the change calendar detects. */
export const CONFLICT_KINDS = [
  'same_ci',
  'impact_overlap',
  'freeze',
  'outside_maintenance_window',
  'implementer_double_booked',
] as const;
export type ConflictKind = (typeof CONFLICT_KINDS)[number];
