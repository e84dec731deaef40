import {
  findReleaseTransition,
  isReleaseState,
  PLAN_SECTIONS,
  type PlanSectionKey,
  type PlanSectionStatus,
  RELEASE_STATES,
  type RehearsalOutcome,
  type ReleaseAction,
  type ReleaseElement,
  type ReleaseEventType,
  type ReleaseGuard,
  type ReleaseReviewOutcome,
  type ReleaseState,
  type ReleaseTransition,
  type ReleaseType,
  type Role,
  type RolloutStrategy,
  releaseTransitionsFrom,
  SCOPE_EDITABLE_RELEASE_STATES,
  TERMINAL_RELEASE_STATES,
  type TestProtocol,
} from '@slipway/model';
import type { Change, ChangeService } from '../changes/change.service.js';
import { normaliseInstant } from '../changes/freeze.service.js';
import { readJson, writeJson } from '../cmdb/json-column.js';
import { type Actor, actorHolds, sodWaived } from '../platform/actor.js';
import type { Db } from '../platform/database.js';
import {
  ConflictError,
  DomainRuleError,
  ForbiddenError,
  IllegalTransitionError,
  InputError,
  NotFoundError,
  SodViolation,
  StaleVersionError,
} from '../platform/errors.js';
import { requireAssignableTeam } from '../platform/teams/team.service.js';
import { SEES_ALL, type Visibility } from '../platform/teams/team-scope.js';
import type { PolicyService, PolicyVersion } from '../policy/policy.service.js';
import type { CiRef } from './coexistence.js';
import {
  type ApprovalRow,
  type PlanSectionRow,
  type PromotionRow,
  type RehearsalRow,
  type ReleaseListFilter,
  type ReleaseRow,
  type ReviewRow,
  releaseRepository,
  type TransitionRow,
} from './release.repository.js';
import { releaseCmdbRepository } from './release-cmdb.repository.js';
import { contentsHashOf } from './release-content.service.js';
import {
  approvalStanding,
  currentTests,
  type FreezeOverride,
  type GateCheck,
  PolicyViolationError,
  quorumOf,
  type ReleaseGateEvaluator,
  requiredTestsOf,
} from './release-gates.js';
import type { ReleaseTemplateService } from './release-template.service.js';
import { assertState, type ReleaseWriter, type WriteContext } from './release-writer.js';
import type { TargetResolver } from './target-resolver.js';
import { compareVersions, highestVersion, SCHEME_EXAMPLES, versionValid } from './versioning.js';

export interface ReleaseInput {
  type: ReleaseType;
  element?: ReleaseElement | undefined;
  templateId?: number | undefined;
  unit?: string | undefined;
  unitCiId?: number | null | undefined;
  releaseVersion: string;
  title: string;
  description?: string | undefined;
  plannedStart?: string | null | undefined;
  plannedEnd?: string | null | undefined;
  implementerId?: number | null | undefined;
  rolloutStrategy?: RolloutStrategy | undefined;
  knownIssues?: string | undefined;
  /** The owning team; the actor must belong to it (platform/teams). Null or absent = organisation-wide. */
  teamId?: number | null | undefined;
}

export interface ReleasePatch {
  title?: string | undefined;
  description?: string | undefined;
  knownIssues?: string | undefined;
  plannedStart?: string | null | undefined;
  plannedEnd?: string | null | undefined;
  implementerId?: number | null | undefined;
  rolloutStrategy?: RolloutStrategy | undefined;
  teamId?: number | null | undefined;
}

export interface ReleaseApprovalStatus {
  board: 'cab' | 'ecab';
  required: number;
  round: number;
  approvals: { approverId: number; approverName: string; roles: Role[]; at: string }[];
  /** Approvals of the current round that do not count, with why (segregation of duties). */
  excluded: { approverName: string; rule: string; reason: string }[];
  met: boolean;
  missing: string[];
}

/** A release as the API shows it. */
export interface Release {
  id: number;
  type: ReleaseType;
  element: ReleaseElement;
  unit: { name: string; ci: CiRef | null };
  /** The release's own version label (semver by default); `version` is the record's revision. */
  releaseVersion: string;
  title: string;
  description: string;
  state: ReleaseState;
  templateId: number | null;
  rolloutStrategy: RolloutStrategy;
  plannedStart: string | null;
  plannedEnd: string | null;
  requester: { id: number | null; username: string };
  implementer: { id: number; username: string } | null;
  currentEnvironment: string | null;
  teamId: number | null;
  /** The tests the current policy (and the template) require, per environment. */
  requiredTests: Record<string, TestProtocol[]>;
  knownIssues: string;
  contentsHash: string;
  /** The policy version the last transition was judged by. */
  policyVersion: number | null;
  freezeOverride: FreezeOverride | null;
  approval: ReleaseApprovalStatus;
  counts: { artifacts: number; ciChanges: number; targets: number; targetQueries: number };
  acceptedAt: string | null;
  approvedAt: string | null;
  scheduledAt: string | null;
  rolloutStartedAt: string | null;
  deployedAt: string | null;
  reviewDueAt: string | null;
  closedAt: string | null;
  allowedTransitions: { action: ReleaseAction; to: ReleaseState }[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface PlanSection {
  key: PlanSectionKey;
  title: string;
  owner: string | null;
  status: PlanSectionStatus;
  content: string;
  revision: number;
  required: boolean;
  updatedBy: string;
  updatedAt: string;
}

export interface ReleasePlan {
  releaseId: number;
  releaseRevision: number;
  requiredSections: string[];
  sections: PlanSection[];
}

export interface HistoryItem {
  id: number;
  from: string | null;
  to: string;
  action: string;
  actor: { id: number | null; name: string };
  comment: string | null;
  policyVersion: number;
  gates: { guard: string; met: boolean }[];
  at: string;
}

export interface ReadinessTransition {
  action: ReleaseAction;
  to: ReleaseState;
  ready: boolean;
  checks: GateCheck[];
}

export interface Readiness {
  releaseId: number;
  state: ReleaseState;
  type: ReleaseType;
  policyVersion: number;
  evaluatedAt: string;
  /** The transitions a person may take from here (cancel left out), each with its live checklist. */
  transitions: ReadinessTransition[];
  /** Whether a CAB/ECAB member could record an approval now (every approval gate but the quorum). */
  approval: { open: boolean; checks: GateCheck[] } | null;
}

export interface ApprovalView {
  id: number;
  approverId: number;
  approverName: string;
  roles: Role[];
  board: string;
  comment: string;
  round: number;
  releaseRevision: number;
  at: string;
  voidedAt: string | null;
  voidedReason: string | null;
}

export interface PromotionView {
  id: number;
  from: string | null;
  to: string;
  actor: { id: number | null; name: string };
  policyVersion: number;
  evidence: { testIds: number[] };
  at: string;
}

export interface RehearsalView {
  id: number;
  environment: string;
  outcome: RehearsalOutcome;
  notes: string;
  evidenceUrl: string | null;
  planRevision: number;
  recordedBy: { id: number | null; name: string };
  recordedAt: string;
}

export interface ReviewView {
  outcome: ReleaseReviewOutcome;
  notes: string;
  reviewedBy: { id: number | null; name: string };
  reviewedAt: string;
}

const TEXT_LIMITS = { title: 200, description: 20_000, knownIssues: 20_000, content: 50_000, unit: 200 } as const;
const MAX_WINDOW_MS = 366 * 86_400_000;
const DAY_MS = 86_400_000;
/** States from which a release may be promoted into the next environment. */
const PROMOTABLE: readonly ReleaseState[] = ['built', 'in_test', 'accepted', 'approved', 'scheduled', 'rolling_out'];
/** Only an authorised release reaches the last environment (production). */
const AUTHORISED: readonly ReleaseState[] = ['approved', 'scheduled', 'rolling_out'];
const REVIEWABLE: readonly ReleaseState[] = ['deployed', 'backed_out', 'reviewed'];
/** Title, description and known issues stay editable until the release is finished. */
const LIVE_STATES: readonly ReleaseState[] = RELEASE_STATES.filter((s) => !TERMINAL_RELEASE_STATES.includes(s));
const TIMESTAMP_OF: Partial<Record<ReleaseAction, keyof ReleaseRow>> = {
  accept: 'accepted_at',
  approve: 'approved_at',
  schedule: 'scheduled_at',
  start_rollout: 'rollout_started_at',
  complete: 'deployed_at',
  close: 'closed_at',
};
const EVENT_OF: Partial<Record<ReleaseAction, ReleaseEventType>> = {
  approve: 'release.approved',
  complete: 'release.deployed',
  finish_backout: 'release.backed_out',
  close: 'release.closed',
  cancel: 'release.cancelled',
};

function checkText(field: keyof typeof TEXT_LIMITS, value: string | null | undefined): void {
  if (value !== null && value !== undefined && value.length > TEXT_LIMITS[field]) {
    throw new InputError(`${field} is at most ${TEXT_LIMITS[field]} characters`, { field });
  }
}

function isTerminal(state: string): boolean {
  return (TERMINAL_RELEASE_STATES as readonly string[]).includes(state);
}

export function toApprovalView(row: ApprovalRow): ApprovalView {
  return {
    id: row.id,
    approverId: row.approver_id,
    approverName: row.approver_name,
    roles: readJson<Role[]>(row.approver_roles),
    board: row.board,
    comment: row.comment,
    round: row.scope_round,
    releaseRevision: row.release_version,
    at: row.created_at,
    voidedAt: row.voided_at,
    voidedReason: row.voided_reason,
  };
}

export function toHistory(row: TransitionRow): HistoryItem {
  return {
    id: row.id,
    from: row.from_state,
    to: row.to_state,
    action: row.action,
    actor: { id: row.actor_id, name: row.actor_name },
    comment: row.comment,
    policyVersion: row.policy_version,
    gates: readJson<{ guard: string; met: boolean }[]>(row.gates),
    at: row.at,
  };
}

export function toPromotion(row: PromotionRow): PromotionView {
  return {
    id: row.id,
    from: row.from_environment,
    to: row.to_environment,
    actor: { id: row.actor_id, name: row.actor_name },
    policyVersion: row.policy_version,
    evidence: readJson<{ testIds: number[] }>(row.evidence),
    at: row.at,
  };
}

export function toRehearsal(row: RehearsalRow): RehearsalView {
  return {
    id: row.id,
    environment: row.environment,
    outcome: row.outcome as RehearsalOutcome,
    notes: row.notes,
    evidenceUrl: row.evidence_url,
    planRevision: row.plan_revision,
    recordedBy: { id: row.recorded_by_id, name: row.recorded_by },
    recordedAt: row.recorded_at,
  };
}

export function toReview(row: ReviewRow | undefined): ReviewView | null {
  if (!row) return null;
  return {
    outcome: row.outcome as ReleaseReviewOutcome,
    notes: row.notes,
    reviewedBy: { id: row.reviewed_by_id, name: row.reviewed_by },
    reviewedAt: row.reviewed_at,
  };
}

function toSection(row: PlanSectionRow, required: readonly string[]): PlanSection {
  return {
    key: row.section as PlanSectionKey,
    title: row.title,
    owner: row.owner,
    status: row.status as PlanSectionStatus,
    content: row.content,
    revision: row.revision,
    required: required.includes(row.section),
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

/** Who may take a transition, by the `by` list of the state machine. */
function mayTake(actor: Actor, transition: ReleaseTransition): boolean {
  return transition.by.some((who) => {
    switch (who) {
      case 'manager':
        return actorHolds(actor, 'releases.write');
      case 'approver':
        return actorHolds(actor, 'releases.approve');
      case 'rollout':
        return actorHolds(actor, 'rollouts.execute');
      case 'system':
        return actor.via === 'system';
    }
    return false;
  });
}

/** The guards of the approval itself: everything the `approve` transition checks but the quorum it builds. */
function approvalGuards(transition: ReleaseTransition): ReleaseGuard[] {
  return transition.guards.filter((g) => g !== 'approval_quorum');
}

/**
 * Releases: create from a template, plan, move through the lifecycle with policy gates, approve
 * (CAB/ECAB quorum, segregation of duties), promote through environments, rehearse the back-out,
 * review; and the release's request for change. Every write is audited (ReleaseWriter).
 */
export class ReleaseService {
  constructor(
    private readonly writer: ReleaseWriter,
    private readonly policy: PolicyService,
    private readonly templates: ReleaseTemplateService,
    private readonly gates: ReleaseGateEvaluator,
    private readonly resolver: TargetResolver,
    private readonly changes: ChangeService,
  ) {}

  get #db() {
    return this.writer.db;
  }

  // Reading -----------------------------------------------------------------------------------

  async get(id: number): Promise<Release> {
    const row = await this.writer.require(this.#db, id);
    return (await this.present([row]))[0] as Release;
  }

  async list(filter: ReleaseListFilter): Promise<Release[]> {
    return this.present(await releaseRepository.list(this.#db, filter));
  }

  /** Rows → API objects, loading approvals, counts, people and unit CIs for all rows at once. */
  async present(rows: readonly ReleaseRow[], db: Db = this.#db, current?: PolicyVersion): Promise<Release[]> {
    if (rows.length === 0) return [];
    const policy = (current ?? (await this.policy.current())).policy;
    const ids = rows.map((r) => r.id);
    const approvals = await releaseRepository.approvals(db, ids);
    const counts = await releaseRepository.countsOf(db, ids);
    const unitIds = [...new Set(rows.flatMap((r) => (r.unit_ci_id === null ? [] : [r.unit_ci_id])))];
    const units = new Map((await releaseCmdbRepository.cisByIds(db, unitIds)).map((c) => [c.id, c]));
    const userIds = [...new Set(rows.flatMap((r) => (r.implementer_id === null ? [] : [r.implementer_id])))];
    const users = await releaseRepository.usernames(db, userIds);
    return rows.map((row) => {
      const type = row.type as ReleaseType;
      const unitCi = row.unit_ci_id === null ? undefined : units.get(row.unit_ci_id);
      return {
        id: row.id,
        type,
        element: row.element as ReleaseElement,
        unit: { name: row.unit_name, ci: unitCi ? { id: unitCi.id, class: unitCi.class, name: unitCi.name } : null },
        releaseVersion: row.version_label,
        title: row.title,
        description: row.description,
        state: row.state as ReleaseState,
        templateId: row.template_id,
        rolloutStrategy: row.rollout_strategy as RolloutStrategy,
        plannedStart: row.planned_start,
        plannedEnd: row.planned_end,
        requester: { id: row.requester_id, username: row.requester_name },
        implementer:
          row.implementer_id === null
            ? null
            : { id: row.implementer_id, username: users.get(row.implementer_id) ?? '' },
        currentEnvironment: row.current_environment,
        teamId: row.team_id,
        requiredTests: requiredTestsOf(row, policy),
        knownIssues: row.known_issues,
        contentsHash: row.contents_hash,
        policyVersion: row.policy_version,
        freezeOverride: row.freeze_override === null ? null : readJson<FreezeOverride>(row.freeze_override),
        approval: this.#approvalStatus(
          row,
          approvals.filter((a) => a.release_id === row.id),
          policy,
        ),
        counts: counts.get(row.id) ?? { artifacts: 0, ciChanges: 0, targets: 0, targetQueries: 0 },
        acceptedAt: row.accepted_at,
        approvedAt: row.approved_at,
        scheduledAt: row.scheduled_at,
        rolloutStartedAt: row.rollout_started_at,
        deployedAt: row.deployed_at,
        reviewDueAt: row.review_due_at,
        closedAt: row.closed_at,
        allowedTransitions: releaseTransitionsFrom(row.state as ReleaseState, type)
          .filter((t) => !t.by.every((b) => b === 'system'))
          .map((t) => ({ action: t.action, to: t.to })),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        version: row.version,
      };
    });
  }

  #approvalStatus(
    row: ReleaseRow,
    approvals: readonly ApprovalRow[],
    policy: PolicyVersion['policy'],
  ): ReleaseApprovalStatus {
    const { board, required } = quorumOf(policy, row.type as ReleaseType);
    const { counting, excluded } = approvalStanding(row, approvals);
    const missing =
      counting.length < required
        ? [`${required - counting.length} more ${board.toUpperCase()} approval(s) (${required} needed)`]
        : [];
    return {
      board,
      required,
      round: row.scope_round,
      approvals: counting.map((a) => ({
        approverId: a.approver_id,
        approverName: a.approver_name,
        roles: readJson<Role[]>(a.approver_roles),
        at: a.created_at,
      })),
      excluded: excluded.map((e) => ({
        approverName: e.approval.approver_name,
        rule: e.violation.id,
        reason: e.violation.message,
      })),
      met: missing.length === 0,
      missing,
    };
  }

  async plan(id: number): Promise<ReleasePlan> {
    const row = await this.writer.require(this.#db, id);
    const required =
      (await this.policy.current()).policy.releaseTypes[row.type as ReleaseType].requiredPlanSections ?? [];
    const order = new Map(PLAN_SECTIONS.map((s, i) => [s.key as string, i]));
    const sections = (await releaseRepository.sections(this.#db, id)).sort(
      (a, b) => (order.get(a.section) ?? 99) - (order.get(b.section) ?? 99),
    );
    return {
      releaseId: id,
      releaseRevision: row.version,
      requiredSections: required,
      sections: sections.map((s) => toSection(s, required)),
    };
  }

  async history(id: number, afterId: number | undefined, limit: number): Promise<HistoryItem[]> {
    await this.writer.require(this.#db, id);
    return (await releaseRepository.transitions(this.#db, id, afterId, limit)).map(toHistory);
  }

  async approvals(id: number): Promise<ApprovalView[]> {
    await this.writer.require(this.#db, id);
    return (await releaseRepository.approvals(this.#db, [id])).map(toApprovalView);
  }

  async promotions(id: number): Promise<PromotionView[]> {
    await this.writer.require(this.#db, id);
    return (await releaseRepository.promotions(this.#db, id)).map(toPromotion);
  }

  async rehearsals(id: number): Promise<RehearsalView[]> {
    await this.writer.require(this.#db, id);
    return (await releaseRepository.rehearsals(this.#db, id)).map(toRehearsal);
  }

  async review(id: number): Promise<ReviewView | null> {
    await this.writer.require(this.#db, id);
    return toReview(await releaseRepository.review(this.#db, id));
  }

  // Validation --------------------------------------------------------------------------------

  async #checkWindow(start: string | null, end: string | null): Promise<{ start: string | null; end: string | null }> {
    if ((start === null) !== (end === null)) {
      throw new InputError('plannedStart and plannedEnd are given together (or neither)', {
        field: start === null ? 'plannedStart' : 'plannedEnd',
      });
    }
    if (start === null || end === null) return { start: null, end: null };
    const s = normaliseInstant(start, 'plannedStart');
    const e = normaliseInstant(end, 'plannedEnd');
    if (Date.parse(e) <= Date.parse(s))
      throw new InputError('plannedEnd must be after plannedStart', { field: 'plannedEnd' });
    if (Date.parse(e) - Date.parse(s) > MAX_WINDOW_MS) {
      throw new InputError('A planned window lasts at most 366 days', { field: 'plannedEnd' });
    }
    return { start: s, end: e };
  }

  async #checkImplementer(db: Db, implementerId: number | null | undefined): Promise<void> {
    if (implementerId === undefined || implementerId === null) return;
    const user = await releaseRepository.userState(db, implementerId);
    if (!user) throw new InputError(`implementerId: no user with id ${implementerId}`, { field: 'implementerId' });
    if (user.disabled === 1)
      throw new InputError(`implementerId: user ${implementerId} is disabled`, { field: 'implementerId' });
  }

  // Writing -----------------------------------------------------------------------------------

  /**
   * Creates a release from a template (the element's shipped one by default). The version must
   * follow the policy's scheme (400) and be higher than every earlier release of the unit,
   * cancelled ones included, so a version number is never reused (422 versioning.increase).
   */
  async create(actor: Actor, input: ReleaseInput): Promise<Release> {
    for (const field of ['title', 'description', 'knownIssues', 'unit'] as const) checkText(field, input[field]);
    if (input.title.trim() === '') throw new InputError('title must not be empty', { field: 'title' });
    const current = await this.policy.current();
    const scheme = current.policy.versioning;
    if (!versionValid(scheme, input.releaseVersion)) {
      throw new InputError(
        `releaseVersion "${input.releaseVersion}" does not follow the policy's ${scheme} scheme: ${SCHEME_EXAMPLES[scheme]}`,
        {
          field: 'releaseVersion',
          rule: 'versioning.scheme',
          scheme,
        },
      );
    }
    let unitName = input.unit?.trim();
    let unitCiId: number | null = input.unitCiId ?? null;
    if (unitCiId !== null) {
      const [ci] = await releaseCmdbRepository.cisByIds(this.#db, [unitCiId]);
      if (!ci) throw new InputError(`unitCiId: no CI with id ${unitCiId}`, { field: 'unitCiId' });
      unitName ||= `${ci.class}/${ci.name}`;
      unitCiId = ci.id;
    }
    if (!unitName) throw new InputError('Name the release unit: unit (a name) or unitCiId (a CI)', { field: 'unit' });
    let template =
      input.templateId === undefined ? undefined : await this.templates.get(input.templateId).catch(() => undefined);
    if (input.templateId !== undefined && !template) {
      throw new InputError(`templateId: no release template with id ${input.templateId}`, { field: 'templateId' });
    }
    if (template && !template.active)
      throw new InputError(`templateId: template "${template.name}" is retired`, { field: 'templateId' });
    if (template && input.element !== undefined && input.element !== template.element) {
      throw new InputError(`element ${input.element} differs from template "${template.name}" (${template.element})`, {
        field: 'element',
      });
    }
    const element = input.element ?? template?.element;
    if (!element) throw new InputError('Give the release element (or a template, which has one)', { field: 'element' });
    template ??= await this.templates.defaultFor(element);
    const window = await this.#checkWindow(input.plannedStart ?? null, input.plannedEnd ?? null);
    await this.#checkImplementer(this.#db, input.implementerId);
    const existing = await releaseRepository.unitVersions(this.#db, unitName);
    const last = highestVersion(scheme, existing);
    if (last !== undefined && compareVersions(scheme, input.releaseVersion, last) <= 0) {
      throw this.#versionTooLow(unitName, input.releaseVersion, last, current.version);
    }
    const now = this.writer.now();
    const created = await this.#db
      .transaction()
      .execute(async (tx) => {
        if (input.teamId !== undefined && input.teamId !== null) {
          await requireAssignableTeam(tx, actor, input.teamId, 'release');
        }
        const row = await releaseRepository.insert(tx, {
          type: input.type,
          element,
          unit_name: unitName,
          unit_ci_id: unitCiId,
          version_label: input.releaseVersion,
          title: input.title.trim(),
          description: input.description ?? '',
          state: 'draft',
          template_id: template?.id ?? null,
          rollout_strategy: input.rolloutStrategy ?? template?.rolloutStrategy ?? 'big_bang',
          extra_tests: writeJson(template?.requiredTests ?? {}),
          known_issues: input.knownIssues ?? '',
          planned_start: window.start,
          planned_end: window.end,
          requester_id: actor.userId,
          requester_name: actor.username,
          implementer_id: input.implementerId ?? null,
          team_id: input.teamId ?? null,
          current_environment: null,
          contents_hash: contentsHashOf([]),
          scope_round: 1,
          policy_version: current.version,
          freeze_override: null,
          accepted_at: null,
          approved_at: null,
          scheduled_at: null,
          rollout_started_at: null,
          deployed_at: null,
          review_due_at: null,
          closed_at: null,
          created_at: now,
          updated_at: now,
          version: 1,
        });
        const fromTemplate = new Map((template?.planSections ?? []).map((s) => [s.key, s.content]));
        await releaseRepository.insertSections(
          tx,
          PLAN_SECTIONS.map((s) => ({
            release_id: row.id,
            section: s.key,
            title: s.title,
            owner: null,
            status: 'not_started',
            content:
              s.key === 'backout_plan' && !fromTemplate.get(s.key)
                ? (template?.backoutProcedure ?? '')
                : (fromTemplate.get(s.key) ?? ''),
            revision: 1,
            updated_by: actor.username,
            updated_at: now,
          })),
        );
        await releaseRepository.insertTransition(tx, {
          release_id: row.id,
          from_state: null,
          to_state: 'draft',
          action: 'create',
          actor_id: actor.userId,
          actor_name: actor.username,
          request_id: actor.requestId,
          comment: null,
          policy_version: current.version,
          gates: writeJson([]),
          at: now,
        });
        const release = (await this.present([row], tx, current))[0] as Release;
        await this.writer.recordCreate(tx, actor, release);
        return release;
      })
      .catch((error: unknown) => {
        // The unique index (unit, version) settles two creates racing for one version.
        if (/unique|duplicate/i.test(error instanceof Error ? error.message : String(error))) {
          throw this.#versionTooLow(unitName as string, input.releaseVersion, input.releaseVersion, current.version);
        }
        throw error;
      });
    return created;
  }

  #versionTooLow(unit: string, version: string, last: string, policyVersion: number): PolicyViolationError {
    return new PolicyViolationError(
      `Release unit "${unit}" cannot get version ${version}`,
      [
        {
          id: 'versioning.increase',
          message: `Version ${version} must be higher than ${last}, the highest version release unit "${unit}" already has`,
          details: { unit, version, last },
        },
      ],
      policyVersion,
    );
  }

  async update(actor: Actor, id: number, patch: ReleasePatch, expectedVersion?: number): Promise<Release> {
    for (const field of ['title', 'description', 'knownIssues'] as const) checkText(field, patch[field]);
    if (patch.title !== undefined && patch.title.trim() === '')
      throw new InputError('title must not be empty', { field: 'title' });
    const row = await this.writer.require(this.#db, id);
    const scope =
      patch.plannedStart !== undefined || patch.plannedEnd !== undefined || patch.implementerId !== undefined;
    const window = await this.#checkWindow(
      patch.plannedStart === undefined ? row.planned_start : patch.plannedStart,
      patch.plannedEnd === undefined ? row.planned_end : patch.plannedEnd,
    );
    await this.#checkImplementer(this.#db, patch.implementerId);
    const policy = await this.policy.current();
    return this.writer.write(
      actor,
      id,
      {
        expectedVersion,
        states: scope ? SCOPE_EDITABLE_RELEASE_STATES : LIVE_STATES,
        what: scope ? 'the window and implementer are edited' : 'releases are edited',
        scopeEdit: scope,
      },
      async ({ tx, row: current }) => {
        const before = (await this.present([current], tx, policy))[0] as Release;
        // Moving a release into a team is bound by the create rule (audited with the edit).
        if (patch.teamId !== undefined && patch.teamId !== null && patch.teamId !== current.team_id) {
          await requireAssignableTeam(tx, actor, patch.teamId, 'release');
        }
        const written = await releaseRepository.write(tx, id, {
          ...(patch.title !== undefined && { title: patch.title.trim() }),
          ...(patch.description !== undefined && { description: patch.description }),
          ...(patch.knownIssues !== undefined && { known_issues: patch.knownIssues }),
          ...(patch.rolloutStrategy !== undefined && { rollout_strategy: patch.rolloutStrategy }),
          ...(patch.implementerId !== undefined && { implementer_id: patch.implementerId }),
          ...(patch.teamId !== undefined && { team_id: patch.teamId }),
          planned_start: window.start,
          planned_end: window.end,
        });
        const after = (await this.present([written], tx, policy))[0] as Release;
        return { result: after, audit: { action: 'release.update', before, after } };
      },
    );
  }

  /** Edits one plan section; a content edit bumps its revision (a rehearsal names the revision it rehearsed). */
  async updateSection(
    actor: Actor,
    id: number,
    key: string,
    patch: { owner?: string | null | undefined; status?: PlanSectionStatus | undefined; content?: string | undefined },
    expectedVersion?: number,
  ): Promise<ReleasePlan> {
    if (!PLAN_SECTIONS.some((s) => s.key === key)) {
      throw new NotFoundError('plan section', key);
    }
    checkText('content', patch.content);
    if (patch.owner !== undefined && patch.owner !== null && patch.owner.length > 200) {
      throw new InputError('owner is at most 200 characters', { field: 'owner' });
    }
    await this.writer.write(
      actor,
      id,
      { expectedVersion, states: SCOPE_EDITABLE_RELEASE_STATES, what: 'the plan is edited', scopeEdit: true },
      async ({ tx, now }) => {
        const sections = await releaseRepository.sections(tx, id);
        const section = sections.find((s) => s.section === key);
        if (!section) throw new NotFoundError('plan section', key);
        const contentChanged = patch.content !== undefined && patch.content !== section.content;
        const written = await releaseRepository.writeSection(tx, id, key, {
          ...(patch.owner !== undefined && { owner: patch.owner === null ? null : patch.owner.trim() || null }),
          ...(patch.status !== undefined && { status: patch.status }),
          ...(patch.content !== undefined && { content: patch.content }),
          ...(contentChanged && { revision: section.revision + 1 }),
          updated_by: actor.username,
          updated_at: now,
        });
        return {
          result: undefined,
          audit: {
            action: 'release.plan.update',
            before: {
              section: key,
              owner: section.owner,
              status: section.status,
              content: section.content,
              revision: section.revision,
            },
            after: {
              section: key,
              owner: written.owner,
              status: written.status,
              content: written.content,
              revision: written.revision,
            },
          },
        };
      },
    );
    return this.plan(id);
  }

  /**
   * Moves a release to `to` if the state machine has that transition for its type, the actor may
   * take it, and every gate holds under the current policy. 422 ILLEGAL_TRANSITION lists the
   * transitions that exist; 422 POLICY_VIOLATION lists every unmet rule. The transition records
   * the policy version it was judged by and the gates it passed.
   */
  async transition(
    actor: Actor,
    id: number,
    to: string,
    options: {
      comment?: string | undefined;
      freezeOverride?: { reason: string } | undefined;
      expectedVersion?: number | undefined;
      /** The environment a completed rollout deployed the release to (rollout engine only). */
      deployedTo?: string | undefined;
    } = {},
  ): Promise<Release> {
    const row = await this.writer.require(this.#db, id);
    if (options.expectedVersion !== undefined && options.expectedVersion !== row.version) {
      throw new StaleVersionError('release', id, options.expectedVersion, row.version);
    }
    const from = row.state as ReleaseState;
    const type = row.type as ReleaseType;
    const transition = isReleaseState(to) ? findReleaseTransition(from, to, type) : undefined;
    if (!transition || transition.by.every((b) => b === 'system')) {
      const allowed = releaseTransitionsFrom(from, type).filter((t) => !t.by.every((b) => b === 'system'));
      throw new IllegalTransitionError(`${type} release`, from, to, [...new Set(allowed.map((t) => t.to))]);
    }
    if (!mayTake(actor, transition)) {
      throw new ForbiddenError(
        `Only ${transition.by.map((b) => ({ manager: 'a release manager', approver: 'an approver', rollout: 'the rollout', system: 'Slipway' })[b]).join(' or ')} may ${transition.action} release ${id}`,
        { action: transition.action, allowedActors: [...transition.by] },
      );
    }
    const policy = await this.policy.current();
    const now = this.writer.now();
    const result = await this.gates.evaluate(row, transition.guards, policy, {
      now,
      freezeOverride: options.freezeOverride,
      actorName: actor.username,
    });
    if (result.violations.length > 0) {
      throw new PolicyViolationError(
        `Release ${id} cannot go from ${from} to ${to}`,
        result.violations,
        policy.version,
        {
          from,
          to,
          action: transition.action,
          checks: result.checks.map((c) => ({ guard: c.guard, met: c.met })),
        },
      );
    }
    return this.writer.write(
      actor,
      id,
      { expectedVersion: options.expectedVersion, evaluatedVersion: row.version, what: transition.action },
      async (ctx) =>
        this.#apply(ctx, actor, transition, policy, result.checks, result.freezeOverride, options.comment ?? null, {
          deployedTo: options.deployedTo,
        }),
    );
  }

  async #apply(
    { tx, row, now, events }: WriteContext,
    actor: Actor,
    transition: ReleaseTransition,
    policy: PolicyVersion,
    checks: GateCheck[],
    freezeOverride: FreezeOverride | null,
    comment: string | null,
    { deployedTo }: { deployedTo?: string | undefined },
  ) {
    const before = (await this.present([row], tx, policy))[0] as Release;
    const fields: Parameters<typeof releaseRepository.write>[2] = {
      state: transition.to,
      policy_version: policy.version,
    };
    const stamp = TIMESTAMP_OF[transition.action];
    if (stamp) (fields as Record<string, unknown>)[stamp] = now;
    if (transition.action === 'rework') {
      // A new build goes through the environments again from the start.
      fields.current_environment = null;
      fields.accepted_at = null;
    }
    if (transition.action === 'complete') {
      const days = policy.policy.releaseTypes[row.type as ReleaseType].postImplementationReviewDays;
      fields.review_due_at = days === undefined ? null : new Date(Date.parse(now) + days * DAY_MS).toISOString();
    }
    // A release a rollout deployed is in that rollout's environment (promotion only walks the
    // environments before it), so the release no longer says "staging" once it is in production.
    // Only forward, and only to an environment of the policy's path: a rollout to an environment
    // outside it (any CI environment may be a rollout's) must not reset the promotion path.
    if (deployedTo !== undefined && transition.to === 'deployed') {
      const path = policy.policy.environments;
      const from = row.current_environment === null ? -1 : path.indexOf(row.current_environment);
      if (path.indexOf(deployedTo) > from) fields.current_environment = deployedTo;
    }
    if (freezeOverride) fields.freeze_override = writeJson(freezeOverride);
    const written = await releaseRepository.write(tx, row.id, fields);
    const gates = checks.map((c) => ({ guard: c.guard, met: c.met }));
    await releaseRepository.insertTransition(tx, {
      release_id: row.id,
      from_state: row.state,
      to_state: transition.to,
      action: transition.action,
      actor_id: actor.userId,
      actor_name: actor.username,
      request_id: actor.requestId,
      comment,
      policy_version: policy.version,
      gates: writeJson(gates),
      at: now,
    });
    const after = (await this.present([written], tx, policy))[0] as Release;
    const data = { release: after as unknown as Record<string, unknown> };
    events.push({ type: 'release.transitioned', objectType: 'release', objectId: row.id, data });
    const specific = EVENT_OF[transition.action];
    if (specific) events.push({ type: specific, objectType: 'release', objectId: row.id, data });
    return {
      result: after,
      audit: {
        action: `release.${transition.action}`,
        before: { state: before.state, version: before.version },
        after: {
          state: after.state,
          version: after.version,
          policyVersion: policy.version,
          gates,
          ...(comment !== null && { comment }),
          ...(freezeOverride && { freezeOverride }),
        },
      },
    };
  }

  /** The live checklist: every transition a person may take from here, with each gate met or not. */
  async readiness(id: number): Promise<Readiness> {
    const row = await this.writer.require(this.#db, id);
    const policy = await this.policy.current();
    const now = this.writer.now();
    const targets = await this.resolver.forRelease(id);
    const transitions: ReadinessTransition[] = [];
    let approval: Readiness['approval'] = null;
    for (const t of releaseTransitionsFrom(row.state as ReleaseState, row.type as ReleaseType)) {
      if (t.action === 'cancel' || t.by.every((b) => b === 'system')) continue;
      const { checks } = await this.gates.evaluate(row, t.guards, policy, { now, targets });
      transitions.push({ action: t.action, to: t.to, ready: checks.every((c) => c.met), checks });
      if (t.action === 'approve') {
        const pre = checks.filter((c) => c.guard !== 'approval_quorum');
        approval = { open: pre.every((c) => c.met), checks: pre };
      }
    }
    return {
      releaseId: id,
      state: row.state as ReleaseState,
      type: row.type as ReleaseType,
      policyVersion: policy.version,
      evaluatedAt: now,
      transitions,
      approval,
    };
  }

  /**
   * A CAB (ECAB for emergencies) member approves the release's current scope. Segregation of
   * duties: never the requester, never the implementer (403 SOD_VIOLATION); each approver once per
   * round. A release cannot be approved before every other approval gate holds — notably its
   * linked change approved with quorum — so the approval itself is refused with 422
   * POLICY_VIOLATION until then. The approval that completes the quorum approves the release.
   */
  async approve(actor: Actor, id: number, comment: string, expectedVersion?: number): Promise<Release> {
    const row = await this.writer.require(this.#db, id);
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new StaleVersionError('release', id, expectedVersion, row.version);
    }
    if (!actorHolds(actor, 'releases.approve') || actor.userId === null) {
      throw new ForbiddenError('Only CAB or ECAB members (releases.approve) may approve releases', {
        permission: 'releases.approve',
      });
    }
    // Break-glass waives the rule, flagged: the approval's audit entry carries the elevation.
    if (actor.userId === row.requester_id && !sodWaived(actor)) {
      throw new SodViolation(`Segregation of duties: ${actor.username} requested release ${id} and cannot approve it`, {
        rule: 'sod.approver_not_requester',
      });
    }
    if (actor.userId === row.implementer_id && !sodWaived(actor)) {
      throw new SodViolation(
        `Segregation of duties: ${actor.username} implements release ${id} and cannot approve it`,
        {
          rule: 'sod.approver_not_implementer',
        },
      );
    }
    const transition = releaseTransitionsFrom(row.state as ReleaseState, row.type as ReleaseType).find(
      (t) => t.action === 'approve',
    );
    if (!transition) {
      throw new DomainRuleError(
        `Release ${id} is ${row.state}: a ${row.type} release is approved from ${row.type === 'emergency' ? 'in_test' : 'accepted'}`,
        { rule: 'release.state', state: row.state },
      );
    }
    const existing = await releaseRepository.approvals(this.#db, [id]);
    if (
      existing.some((a) => a.approver_id === actor.userId && a.scope_round === row.scope_round && a.voided_at === null)
    ) {
      throw new ConflictError(`${actor.username} already approved release ${id} in this round`, {
        rule: 'one_approval_per_approver',
      });
    }
    const policy = await this.policy.current();
    const now = this.writer.now();
    const pre = await this.gates.evaluate(row, approvalGuards(transition), policy, { now, actorName: actor.username });
    if (pre.violations.length > 0) {
      throw new PolicyViolationError(`Release ${id} cannot be approved yet`, pre.violations, policy.version, {
        checks: pre.checks.map((c) => ({ guard: c.guard, met: c.met })),
      });
    }
    const { board } = quorumOf(policy.policy, row.type as ReleaseType);
    await this.writer.write(
      actor,
      id,
      { expectedVersion, evaluatedVersion: row.version, what: 'approve' },
      async ({ tx, row: current, now: at }) => {
        try {
          await releaseRepository.insertApproval(tx, {
            release_id: id,
            approver_id: actor.userId as number,
            approver_name: actor.username,
            approver_roles: writeJson(actor.roles),
            board,
            comment: comment.trim(),
            scope_round: current.scope_round,
            release_version: row.version,
            voided_at: null,
            voided_reason: null,
            created_at: at,
          });
        } catch (error) {
          if (/unique|duplicate/i.test(error instanceof Error ? error.message : String(error))) {
            throw new ConflictError(`${actor.username} already approved release ${id} in this round`, {
              rule: 'one_approval_per_approver',
            });
          }
          throw error;
        }
        return {
          result: undefined,
          audit: {
            action: 'release.approval',
            after: {
              approver: actor.username,
              roles: actor.roles,
              board,
              round: current.scope_round,
              comment: comment.trim(),
            },
          },
        };
      },
    );
    // The approval that completes the quorum takes the release to approved, through every gate again.
    const after = await this.writer.require(this.#db, id);
    const quorum = await this.gates.evaluate(after, ['approval_quorum'], policy, { now });
    if (quorum.violations.length === 0) {
      try {
        return await this.transition(actor, id, transition.to, { comment: 'Quorum reached' });
      } catch (error) {
        // A gate that changed in between (a freeze added a moment ago) leaves the release accepted:
        // the release manager takes the transition once it holds.
        if (!(error instanceof PolicyViolationError) && !(error instanceof ConflictError)) throw error;
      }
    }
    return this.get(id);
  }

  /**
   * Promotes a release into the next environment of the policy. Only one step at a time; only
   * after the tests the policy requires in the environment it leaves passed there (for the
   * current build); the last environment only once the release is authorised.
   */
  async promote(actor: Actor, id: number, environment: string, expectedVersion?: number): Promise<PromotionView> {
    const row = await this.writer.require(this.#db, id);
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new StaleVersionError('release', id, expectedVersion, row.version);
    }
    assertState(row, PROMOTABLE, 'it is promoted');
    const policy = await this.policy.current();
    const environments = policy.policy.environments;
    const target = environments.indexOf(environment);
    if (target < 0) {
      throw new InputError(`environment "${environment}" is not one of the policy's (${environments.join(', ')})`, {
        field: 'environment',
      });
    }
    const currentIndex = row.current_environment === null ? -1 : environments.indexOf(row.current_environment);
    const violations: PolicyViolationError['violations'] = [];
    const next = environments[currentIndex + 1];
    if (target !== currentIndex + 1) {
      violations.push({
        id: 'promotion.order',
        message:
          target <= currentIndex
            ? `Release ${id} is already in ${row.current_environment}; the next environment is ${next ?? 'none (it is in the last one)'}`
            : `Release ${id} is in ${row.current_environment ?? 'no environment yet'}; it goes to ${next} before ${environment}`,
        details: { current: row.current_environment, next: next ?? null },
      });
    }
    if (target === environments.length - 1 && !AUTHORISED.includes(row.state as ReleaseState)) {
      violations.push({
        id: 'promotion.authorised',
        message: `Release ${id} is ${row.state}: only an approved release reaches ${environment}`,
      });
    }
    const testIds: number[] = [];
    if (currentIndex >= 0 && row.current_environment !== null) {
      const leaving = row.current_environment;
      const current = currentTests(row, await releaseRepository.tests(this.#db, id));
      for (const protocol of requiredTestsOf(row, policy.policy)[leaving] ?? []) {
        const result = current.get(`${leaving}/${protocol}`);
        if (result?.outcome === 'passed') testIds.push(result.id);
        else {
          violations.push({
            id: 'promotion.tests',
            message: `${protocol} in ${leaving}: ${result ? result.outcome : 'no result for the current build'} — it must pass before promotion past ${leaving}`,
            details: { environment: leaving, protocol },
          });
        }
      }
    }
    if (violations.length > 0) {
      throw new PolicyViolationError(`Release ${id} cannot be promoted to ${environment}`, violations, policy.version);
    }
    return this.writer.write(
      actor,
      id,
      { expectedVersion, evaluatedVersion: row.version, what: 'promote' },
      async ({ tx, now, events }) => {
        await releaseRepository.write(tx, id, { current_environment: environment, policy_version: policy.version });
        const promotion = await releaseRepository.insertPromotion(tx, {
          release_id: id,
          from_environment: row.current_environment,
          to_environment: environment,
          actor_id: actor.userId,
          actor_name: actor.username,
          policy_version: policy.version,
          evidence: writeJson({ testIds }),
          at: now,
        });
        const view = toPromotion(promotion);
        events.push({ type: 'release.promoted', objectType: 'release', objectId: id, data: { promotion: view } });
        return {
          result: view,
          audit: { action: 'release.promote', before: { environment: row.current_environment }, after: view },
        };
      },
    );
  }

  /**
   * Overrides the freezes the planned window falls in, with a reason, where the policy of the
   * release's type says `freeze: override-with-reason` (emergencies, by default). The override is
   * stored on the release and audited; any scope edit (a new window, other targets) drops it.
   */
  async overrideFreeze(actor: Actor, id: number, reason: string, expectedVersion?: number): Promise<Release> {
    const row = await this.writer.require(this.#db, id);
    assertState(row, LIVE_STATES, 'freezes are overridden');
    const policy = await this.policy.current();
    const now = this.writer.now();
    const rule = policy.policy.releaseTypes[row.type as ReleaseType].freeze ?? 'respect';
    const { checks, freezeOverride } = await this.gates.evaluate(
      { ...row, freeze_override: null },
      ['freeze_clear'],
      policy,
      { now, freezeOverride: { reason }, actorName: actor.username },
    );
    if (rule !== 'override-with-reason') {
      const violations = checks.flatMap((c) => c.violations);
      throw new PolicyViolationError(
        `Freezes cannot be overridden for ${row.type} releases`,
        violations.length > 0
          ? violations
          : [{ id: 'freeze.respect', message: `releaseTypes.${row.type}.freeze is ${rule}: freezes are respected` }],
        policy.version,
      );
    }
    if (!freezeOverride) {
      throw new DomainRuleError(`The window of release ${id} falls in no freeze: nothing to override`, {
        rule: 'freeze.override_reason',
      });
    }
    return this.writer.write(
      actor,
      id,
      { expectedVersion, evaluatedVersion: row.version, what: 'freezes are overridden' },
      async ({ tx, row: current }) => {
        const written = await releaseRepository.write(tx, id, { freeze_override: writeJson(freezeOverride) });
        const after = (await this.present([written], tx, policy))[0] as Release;
        return {
          result: after,
          audit: {
            action: 'release.freeze_override',
            before: { freezeOverride: current.freeze_override === null ? null : readJson(current.freeze_override) },
            after: { freezeOverride },
          },
        };
      },
    );
  }

  /** Records a back-out rehearsal of the current back-out plan (its revision is kept with it). */
  async recordRehearsal(
    actor: Actor,
    id: number,
    input: {
      environment: string;
      outcome: RehearsalOutcome;
      notes?: string | undefined;
      evidenceUrl?: string | undefined;
    },
    expectedVersion?: number,
  ): Promise<RehearsalView> {
    const environments = (await this.policy.current()).policy.environments;
    if (!environments.includes(input.environment)) {
      throw new InputError(
        `environment "${input.environment}" is not one of the policy's (${environments.join(', ')})`,
        {
          field: 'environment',
        },
      );
    }
    checkText('description', input.notes);
    return this.writer.write(
      actor,
      id,
      {
        expectedVersion,
        states: ['draft', 'planned', 'built', 'in_test', 'accepted', 'approved', 'scheduled'],
        what: 'back-out rehearsals are recorded',
      },
      async ({ tx, now }) => {
        const section = (await releaseRepository.sections(tx, id)).find((s) => s.section === 'backout_plan');
        if (!section?.content.trim()) {
          throw new DomainRuleError(
            `Release ${id} has no back-out plan to rehearse: write the back-out plan section first`,
            {
              rule: 'backout.required',
            },
          );
        }
        const row = await releaseRepository.insertRehearsal(tx, {
          release_id: id,
          environment: input.environment,
          outcome: input.outcome,
          notes: input.notes ?? '',
          evidence_url: input.evidenceUrl ?? null,
          plan_revision: section.revision,
          recorded_by_id: actor.userId,
          recorded_by: actor.username,
          recorded_at: now,
        });
        const view = toRehearsal(row);
        return { result: view, audit: { action: 'release.rehearsal', after: view } };
      },
    );
  }

  /** Records (or corrects) the post-implementation review of a deployed or backed-out release. */
  async recordReview(
    actor: Actor,
    id: number,
    input: { outcome: ReleaseReviewOutcome; notes?: string | undefined },
    expectedVersion?: number,
  ): Promise<ReviewView> {
    checkText('description', input.notes);
    return this.writer.write(
      actor,
      id,
      { expectedVersion, states: REVIEWABLE, what: 'the post-implementation review is recorded' },
      async ({ tx, now }) => {
        const before = toReview(await releaseRepository.review(tx, id));
        await releaseRepository.upsertReview(tx, {
          release_id: id,
          outcome: input.outcome,
          notes: input.notes ?? '',
          reviewed_by_id: actor.userId,
          reviewed_by: actor.username,
          reviewed_at: now,
        });
        const after = toReview(await releaseRepository.review(tx, id)) as ReviewView;
        return { result: after, audit: { action: 'release.review_recorded', before, after } };
      },
    );
  }

  // The release's request for change ---------------------------------------------------------

  async linkedChanges(id: number, visibility: Visibility = SEES_ALL): Promise<Change[]> {
    await this.writer.require(this.#db, id);
    return this.changes.list({ releaseId: id, limit: 200, visibility });
  }

  /**
   * Raises the release's RFC through the change service, prefilled from the release: type
   * (emergency → emergency, else normal), the production targets and the unit CI, the window,
   * the implementer, the back-out plan and a description of the contents. `submit` also submits
   * it, which computes its impact and risk; without it the answer carries a risk preview.
   */
  async createChange(actor: Actor, id: number, options: { submit?: boolean | undefined }) {
    if (!actorHolds(actor, 'changes.write')) {
      throw new ForbiddenError('Raising the release change needs changes.write too', { permission: 'changes.write' });
    }
    const row = await this.writer.require(this.#db, id);
    if (isTerminal(row.state)) {
      throw new DomainRuleError(`Release ${id} is ${row.state}: it needs no change`, { rule: 'release.state' });
    }
    const policy = await this.policy.current();
    const last = policy.policy.environments.at(-1) as string;
    const targets = [...((await this.resolver.forRelease(id, last)).get(last)?.keys() ?? [])];
    const ciIds = [...new Set([...(row.unit_ci_id === null ? [] : [row.unit_ci_id]), ...targets])];
    // The change module takes at most 1,000 CIs per change; the impact it computes still reaches beyond.
    const listed = ciIds.slice(0, 1000);
    const sections = new Map((await releaseRepository.sections(this.#db, id)).map((s) => [s.section, s]));
    const artifactIds = await releaseRepository.artifactIds(this.#db, id);
    const description = [
      row.description,
      `Release ${row.unit_name} ${row.version_label} (${row.type}, ${row.element}), release #${row.id}.`,
      `Contents: ${artifactIds.length} artifact(s); ${targets.length} ${last} target(s)${ciIds.length > listed.length ? ` (first ${listed.length} listed)` : ''}.`,
      sections.get('scope')?.content ? `Scope: ${sections.get('scope')?.content}` : '',
    ]
      .filter((s) => s.trim() !== '')
      .join('\n\n');
    let change = await this.changes.create(actor, {
      type: row.type === 'emergency' ? 'emergency' : 'normal',
      title: `Release ${row.unit_name} ${row.version_label}: ${row.title}`.slice(0, 200),
      description,
      justification: `Authorises release #${row.id} (${row.type})`,
      ciIds: listed,
      plannedStart: row.planned_start,
      plannedEnd: row.planned_end,
      implementerId: row.implementer_id,
      backoutPlan: sections.get('backout_plan')?.content || null,
      releaseId: id,
      // The release's RFC belongs to the release's team.
      teamId: row.team_id,
    });
    await this.writer.write(actor, id, { what: 'link a change' }, async () => ({
      result: undefined,
      audit: {
        action: 'release.change.create',
        after: { changeId: change.id, type: change.type, ciIds: listed.length },
      },
    }));
    if (options.submit) change = await this.changes.act(actor, change.id, 'submit');
    const risk = change.risk ?? (await this.changes.previewAssessment(change.id)).risk;
    return { change, risk };
  }

  /** Links an existing change (sets its releaseId through the change service). */
  async linkChange(actor: Actor, id: number, changeId: number): Promise<Change[]> {
    const row = await this.writer.require(this.#db, id);
    if (isTerminal(row.state)) throw new DomainRuleError(`Release ${id} is ${row.state}`, { rule: 'release.state' });
    const change = await this.changes.get(changeId).catch((error: unknown) => {
      if (error instanceof NotFoundError)
        throw new InputError(`changeId: no change with id ${changeId}`, { field: 'changeId' });
      throw error;
    });
    if (change.releaseId !== null && change.releaseId !== id) {
      throw new ConflictError(`Change #${changeId} already authorises release ${change.releaseId}`, {
        releaseId: change.releaseId,
      });
    }
    await this.changes.update(actor, changeId, { releaseId: id });
    await this.writer.write(actor, id, { what: 'link a change' }, async () => ({
      result: undefined,
      audit: { action: 'release.change.link', after: { changeId } },
    }));
    return this.linkedChanges(id);
  }

  async unlinkChange(actor: Actor, id: number, changeId: number): Promise<Change[]> {
    await this.writer.require(this.#db, id);
    const change = await this.changes.get(changeId);
    if (change.releaseId !== id) throw new NotFoundError(`change linked to release ${id}`, changeId);
    await this.changes.update(actor, changeId, { releaseId: null });
    await this.writer.write(actor, id, { what: 'unlink a change' }, async () => ({
      result: undefined,
      audit: { action: 'release.change.unlink', before: { changeId } },
    }));
    return this.linkedChanges(id);
  }
}
