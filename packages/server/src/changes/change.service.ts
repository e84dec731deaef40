import crypto from 'node:crypto';
import {
  type ChangeAction,
  type ChangeEventType,
  type ChangePolicy,
  type ChangeState,
  type ChangeTransition,
  type ChangeType,
  changeTransitionsFrom,
  EDITABLE_CHANGE_STATES,
  findChangeTransition,
  isChangeState,
  type ReviewOutcome,
  type RiskLevel,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import { readJson, writeJson } from '../cmdb/json-column.js';
import { type Actor, actorHolds, sodWaived } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import {
  AppError,
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
import type { EventSink } from '../platform/webhooks/domain-event.js';
import type { PolicyService, PolicyVersion } from '../policy/policy.service.js';
import type { AssessmentService, ChangeImpact, StoredRisk } from './assessment.service.js';
import {
  type ApprovalRow,
  type ChangeListFilter,
  type ChangeRow,
  changeRepository,
  ciFactsRepository,
  type ReviewRow,
  type TransitionRow,
} from './change.repository.js';
import type { ChangeIndexService } from './change-index.service.js';
import type { ChangeTemplateService } from './change-template.service.js';
import { type FreezeService, normaliseInstant } from './freeze.service.js';
import type { FreezeHit } from './window-calendar.js';

export interface ChangeInput {
  type: ChangeType;
  title: string;
  description?: string | undefined;
  justification?: string | undefined;
  templateId?: number | null | undefined;
  ciIds?: number[] | undefined;
  plannedStart?: string | null | undefined;
  plannedEnd?: string | null | undefined;
  implementerId?: number | null | undefined;
  backoutPlan?: string | null | undefined;
  releaseId?: number | null | undefined;
  /** The owning team; the actor must belong to it (platform/teams). Null or absent = organisation-wide. */
  teamId?: number | null | undefined;
}

export type ChangePatch = Partial<Omit<ChangeInput, 'type' | 'templateId'>>;

export interface FreezeOverrideInput {
  reason: string;
}

export interface ApprovalView {
  id: number;
  approverId: number;
  approverName: string;
  decision: 'approved' | 'rejected';
  comment: string;
  asServiceOwner: boolean;
  round: number;
  scopeHash: string;
  changeVersion: number;
  at: string;
  voidedAt: string | null;
  voidedReason: string | null;
}

/** Where a change stands with its approvers, judged by the current policy. */
export interface ApprovalStatus {
  board: 'cab' | 'ecab' | 'none';
  required: number;
  serviceOwnerRequired: boolean;
  /** Owners (CMDB `owner`) of the impacted services; one of them must approve when required. */
  serviceOwners: string[];
  round: number;
  approvals: { approverId: number; approverName: string; at: string; asServiceOwner: boolean }[];
  serviceOwnerApproved: boolean;
  met: boolean;
  /** What is still missing, in words. */
  missing: string[];
}

export interface ChangeReview {
  outcome: ReviewOutcome;
  incidentIds: number[];
  lessons: string;
  reviewedBy: { id: number | null; username: string };
  reviewedAt: string;
}

/** A request for change as the API shows it. */
export interface Change {
  id: number;
  type: ChangeType;
  state: ChangeState;
  title: string;
  description: string;
  justification: string;
  templateId: number | null;
  ciIds: number[];
  cis: { id: number; class: string; name: string }[];
  plannedStart: string | null;
  plannedEnd: string | null;
  implementer: { id: number; username: string } | null;
  requester: { id: number | null; username: string };
  backoutPlan: string | null;
  releaseId: number | null;
  teamId: number | null;
  impact: ChangeImpact | null;
  risk: StoredRisk | null;
  approval: ApprovalStatus;
  freezeOverride: { reason: string; by: string; at: string; freezes: { id: number; name: string }[] } | null;
  review: ChangeReview | null;
  reviewDueAt: string | null;
  submittedAt: string | null;
  scheduledAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  closedAt: string | null;
  /** The transitions a user may request now (from the state machine in @slipway/model). */
  allowedTransitions: { action: ChangeAction; to: ChangeState }[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface HistoryItem {
  id: number;
  from: string | null;
  to: string;
  action: string;
  actor: { id: number | null; name: string };
  comment: string | null;
  at: string;
}

export interface AgendaItem {
  reason: 'approve' | 'assess' | 'schedule' | 'implement' | 'review' | 'close';
  /** What the caller is asked to do, in words. */
  task: string;
  change: Change;
}

const MAX_CIS = 1000;
const MAX_WINDOW_MS = 366 * 86_400_000;
const TEXT_LIMITS = { title: 200, description: 20_000, justification: 20_000, backoutPlan: 20_000 } as const;

/** SHA-256 of what approvers approve: the CIs, the window and who implements it. */
export function scopeHash(
  ciIds: readonly number[],
  start: string | null,
  end: string | null,
  implementerId: number | null,
): string {
  const canonical = JSON.stringify({ cis: [...new Set(ciIds)].sort((a, b) => a - b), start, end, implementerId });
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

/** The quorum the policy asks of a change of this type and risk level. */
export function quorumFor(
  policy: ChangePolicy,
  type: ChangeType,
  level: RiskLevel | null,
): { board: ApprovalStatus['board']; required: number; serviceOwner: boolean } {
  if (type === 'standard') {
    const rule = policy.approvals.standard;
    return {
      board: (rule.cab ?? 0) > 0 ? 'cab' : 'none',
      required: rule.cab ?? 0,
      serviceOwner: rule.serviceOwner ?? false,
    };
  }
  if (type === 'emergency') {
    const rule = policy.approvals.emergency;
    return { board: 'ecab', required: (rule.ecab ?? 0) + (rule.cab ?? 0), serviceOwner: rule.serviceOwner ?? false };
  }
  const rule = policy.approvals.normal[level ?? 'low'];
  return { board: 'cab', required: rule.cab ?? 0, serviceOwner: rule.serviceOwner ?? false };
}

function sameOwner(owner: string | null, username: string): boolean {
  return owner !== null && owner.trim().toLowerCase() === username.toLowerCase();
}

function checkText(field: keyof typeof TEXT_LIMITS, value: string | null | undefined): void {
  if (value !== null && value !== undefined && value.length > TEXT_LIMITS[field]) {
    throw new InputError(`${field} is at most ${TEXT_LIMITS[field]} characters`, { field });
  }
}

/** Requests for change: raise, edit, move through the state machine, approve, review. Every write is audited. */
export class ChangeService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly policy: PolicyService,
    private readonly assessment: AssessmentService,
    private readonly freezes: FreezeService,
    private readonly templates: ChangeTemplateService,
    private readonly index: ChangeIndexService,
    private readonly events: EventSink,
  ) {}

  // Reading ---------------------------------------------------------------------------------

  async get(id: number, db: Db = this.db): Promise<Change> {
    const row = await changeRepository.findById(db, id);
    if (!row) throw new NotFoundError('change', id);
    return (await this.present([row], db))[0] as Change;
  }

  async list(filter: ChangeListFilter): Promise<Change[]> {
    return this.present(await changeRepository.list(this.db, filter));
  }

  async history(id: number, afterId: number | undefined, limit: number): Promise<HistoryItem[]> {
    await this.#require(this.db, id);
    return (await changeRepository.transitions(this.db, id, afterId, limit)).map(toHistory);
  }

  async approvals(id: number): Promise<ApprovalView[]> {
    await this.#require(this.db, id);
    return (await changeRepository.approvals(this.db, id)).map(toApprovalView);
  }

  async #require(db: Db, id: number): Promise<ChangeRow> {
    const row = await changeRepository.findById(db, id);
    if (!row) throw new NotFoundError('change', id);
    return row;
  }

  /** Rows → API objects, loading CIs, people, approvals and reviews for all rows at once. */
  async present(rows: readonly ChangeRow[], db: Db = this.db, current?: PolicyVersion): Promise<Change[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    // Inside a transaction the caller passes the policy: on SQLite a query on the root handle
    // would wait for the connection the transaction holds.
    const policy = current ?? (await this.policy.current());
    const ciMap = await changeRepository.ciIdsOf(db, ids);
    const approvals = await changeRepository.approvalsOf(db, ids);
    const reviews = await changeRepository.reviewsOf(db, ids);
    const allCis = [...new Set([...ciMap.values()].flat())];
    const facts = new Map((await ciFactsRepository.byIds(db, allCis)).map((f) => [f.id, f]));
    const userIds = [...new Set(rows.flatMap((r) => (r.implementer_id === null ? [] : [r.implementer_id])))];
    const users =
      userIds.length === 0
        ? new Map<number, string>()
        : new Map(
            (await db.selectFrom('users').select(['id', 'username']).where('id', 'in', userIds).execute()).map((u) => [
              u.id,
              u.username,
            ]),
          );
    const approvalsByChange = new Map<number, ApprovalRow[]>();
    for (const a of approvals) {
      const list = approvalsByChange.get(a.change_id);
      if (list) list.push(a);
      else approvalsByChange.set(a.change_id, [a]);
    }
    const reviewByChange = new Map(reviews.map((r) => [r.change_id, r]));
    return rows.map((row) => {
      const ciIds = ciMap.get(row.id) ?? [];
      return {
        id: row.id,
        type: row.type as ChangeType,
        state: row.state as ChangeState,
        title: row.title,
        description: row.description,
        justification: row.justification,
        templateId: row.template_id,
        ciIds,
        cis: ciIds.map((id) => ({ id, class: facts.get(id)?.class ?? '', name: facts.get(id)?.name ?? '' })),
        plannedStart: row.planned_start,
        plannedEnd: row.planned_end,
        implementer:
          row.implementer_id === null
            ? null
            : { id: row.implementer_id, username: users.get(row.implementer_id) ?? '' },
        requester: { id: row.requester_id, username: row.requester_name },
        backoutPlan: row.backout_plan,
        releaseId: row.release_id,
        teamId: row.team_id,
        impact: row.impact === null ? null : readJson<ChangeImpact>(row.impact),
        risk: row.risk === null ? null : readJson<StoredRisk>(row.risk),
        approval: approvalStatus(row, approvalsByChange.get(row.id) ?? [], policy.policy.changes),
        freezeOverride: row.freeze_override === null ? null : readJson<Change['freezeOverride']>(row.freeze_override),
        review: toReview(reviewByChange.get(row.id)),
        reviewDueAt: row.review_due_at,
        submittedAt: row.submitted_at,
        scheduledAt: row.scheduled_at,
        startedAt: row.started_at,
        completedAt: row.completed_at,
        closedAt: row.closed_at,
        allowedTransitions: changeTransitionsFrom(row.state as ChangeState, row.type as ChangeType)
          .filter((t) => !(t.by.length === 1 && t.by[0] === 'system'))
          .map((t) => ({ action: t.action, to: t.to })),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        version: row.version,
      };
    });
  }

  // Validation ------------------------------------------------------------------------------

  async #checkFields(
    db: Db,
    fields: {
      ciIds?: number[] | undefined;
      implementerId?: number | null | undefined;
      plannedStart: string | null;
      plannedEnd: string | null;
    },
  ): Promise<{ start: string | null; end: string | null }> {
    if (fields.ciIds !== undefined) {
      if (fields.ciIds.length > MAX_CIS)
        throw new InputError(`ciIds: at most ${MAX_CIS} CIs per change`, { field: 'ciIds' });
      const found = new Set((await ciFactsRepository.byIds(db, [...new Set(fields.ciIds)])).map((f) => f.id));
      const missing = [...new Set(fields.ciIds)].filter((id) => !found.has(id));
      if (missing.length > 0)
        throw new InputError(`ciIds: no CI with id ${missing.join(', ')}`, { field: 'ciIds', missing });
    }
    if (fields.implementerId !== undefined && fields.implementerId !== null) {
      const user = await db
        .selectFrom('users')
        .select(['id', 'disabled'])
        .where('id', '=', fields.implementerId)
        .executeTakeFirst();
      if (!user)
        throw new InputError(`implementerId: no user with id ${fields.implementerId}`, { field: 'implementerId' });
      if (user.disabled === 1) {
        throw new InputError(`implementerId: user ${fields.implementerId} is disabled`, { field: 'implementerId' });
      }
    }
    const hasStart = fields.plannedStart !== null;
    const hasEnd = fields.plannedEnd !== null;
    if (hasStart !== hasEnd) {
      throw new InputError('plannedStart and plannedEnd are given together (or neither)', {
        field: hasStart ? 'plannedEnd' : 'plannedStart',
      });
    }
    if (!hasStart) return { start: null, end: null };
    const start = normaliseInstant(fields.plannedStart as string, 'plannedStart');
    const end = normaliseInstant(fields.plannedEnd as string, 'plannedEnd');
    if (Date.parse(end) <= Date.parse(start)) {
      throw new InputError('plannedEnd must be after plannedStart', {
        field: 'plannedEnd',
        plannedStart: start,
        plannedEnd: end,
      });
    }
    if (Date.parse(end) - Date.parse(start) > MAX_WINDOW_MS) {
      throw new InputError('A planned window lasts at most 366 days', { field: 'plannedEnd' });
    }
    return { start, end };
  }

  // Writing ---------------------------------------------------------------------------------

  /**
   * Runs a write in a transaction with the current policy read beforehand (never inside: see
   * `present`).
   */
  async #write<T>(fn: (tx: Db, policy: PolicyVersion) => Promise<T>): Promise<T> {
    const policy = await this.policy.current();
    return this.db.transaction().execute((tx) => fn(tx, policy));
  }

  async create(actor: Actor, input: ChangeInput): Promise<Change> {
    for (const field of ['title', 'description', 'justification', 'backoutPlan'] as const)
      checkText(field, input[field]);
    if (input.title.trim().length === 0) throw new InputError('title must not be empty', { field: 'title' });
    if (input.type === 'standard' && (input.templateId === undefined || input.templateId === null)) {
      throw new InputError('A standard change names its template (templateId)', { field: 'templateId' });
    }
    if (input.type !== 'standard' && input.templateId !== undefined && input.templateId !== null) {
      throw new InputError('Only standard changes have a template', { field: 'templateId' });
    }
    const created = await this.#write(async (tx, policy) => {
      const window = await this.#checkFields(tx, {
        ciIds: input.ciIds,
        implementerId: input.implementerId,
        plannedStart: input.plannedStart ?? null,
        plannedEnd: input.plannedEnd ?? null,
      });
      let backoutPlan = input.backoutPlan ?? null;
      if (input.templateId !== undefined && input.templateId !== null) {
        const template = await this.templates.get(input.templateId, tx).catch(() => undefined);
        if (!template)
          throw new InputError(`templateId: no change template with id ${input.templateId}`, { field: 'templateId' });
        if (!template.active)
          throw new InputError(`templateId: template "${template.name}" is retired`, { field: 'templateId' });
        backoutPlan ??= template.backoutPlan;
      }
      if (input.teamId !== undefined && input.teamId !== null) {
        await requireAssignableTeam(tx, actor, input.teamId, 'change');
      }
      const ciIds = [...new Set(input.ciIds ?? [])];
      const implementerId = input.implementerId ?? null;
      const now = isoNow(this.clock);
      const row = await changeRepository.insert(tx, {
        type: input.type,
        state: 'new',
        title: input.title.trim(),
        description: input.description ?? '',
        justification: input.justification ?? '',
        template_id: input.templateId ?? null,
        planned_start: window.start,
        planned_end: window.end,
        implementer_id: implementerId,
        requester_id: actor.userId,
        requester_name: actor.username,
        backout_plan: backoutPlan,
        release_id: input.releaseId ?? null,
        team_id: input.teamId ?? null,
        impact: null,
        risk: null,
        risk_score: null,
        risk_level: null,
        scope_version: 1,
        scope_hash: scopeHash(ciIds, window.start, window.end, implementerId),
        freeze_override: null,
        review_due_at: null,
        submitted_at: null,
        scheduled_at: null,
        started_at: null,
        completed_at: null,
        closed_at: null,
        created_at: now,
        updated_at: now,
        version: 1,
      });
      await changeRepository.setCis(tx, row.id, ciIds);
      await this.#transitionRow(tx, actor, row.id, null, 'new', 'create', null, now);
      const change = (await this.present([row], tx, policy))[0] as Change;
      await this.audit.record(tx, actor, {
        action: 'change.create',
        objectType: 'change',
        objectId: row.id,
        after: change,
      });
      await this.#publish(tx, 'change.created', change);
      return change;
    });
    return created;
  }

  /**
   * Edits a change. An edit of its CIs, window or implementer after submission recomputes impact
   * and risk; after an approval it voids the approvals (recorded and audited), and a scheduled
   * CAB change goes back to authorize. The version is claimed first, so an edit racing an
   * approval either wins (the approval then fails) or loses (412/409): an approval can never
   * stand for a scope other than the one it was given for.
   */
  async update(actor: Actor, id: number, patch: ChangePatch, expectedVersion?: number): Promise<Change> {
    for (const field of ['title', 'description', 'justification', 'backoutPlan'] as const)
      checkText(field, patch[field]);
    if (patch.title !== undefined && patch.title.trim().length === 0) {
      throw new InputError('title must not be empty', { field: 'title' });
    }
    const updated = await this.#write(async (tx, policy) => {
      const row = await this.#require(tx, id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('change', id, expectedVersion, row.version);
      }
      if (!(EDITABLE_CHANGE_STATES as readonly string[]).includes(row.state)) {
        throw new DomainRuleError(
          `A change in state ${row.state} cannot be edited (only in ${EDITABLE_CHANGE_STATES.join(', ')})`,
          {
            rule: 'editable_states',
            state: row.state,
          },
        );
      }
      const before = (await this.present([row], tx, policy))[0] as Change;
      const window = await this.#checkFields(tx, {
        ciIds: patch.ciIds,
        implementerId: patch.implementerId,
        plannedStart: patch.plannedStart === undefined ? row.planned_start : patch.plannedStart,
        plannedEnd: patch.plannedEnd === undefined ? row.planned_end : patch.plannedEnd,
      });
      const ciIds = patch.ciIds === undefined ? before.ciIds : [...new Set(patch.ciIds)];
      const implementerId = patch.implementerId === undefined ? row.implementer_id : patch.implementerId;
      const hash = scopeHash(ciIds, window.start, window.end, implementerId);
      const scopeChanged = hash !== row.scope_hash;

      // Moving a change into a team is bound by the create rule (audited with the edit below).
      if (patch.teamId !== undefined && patch.teamId !== null && patch.teamId !== row.team_id) {
        await requireAssignableTeam(tx, actor, patch.teamId, 'change');
      }
      const now = isoNow(this.clock);
      await this.#claim(tx, row, expectedVersion, now);
      let state = row.state as ChangeState;
      const fields: Parameters<typeof changeRepository.write>[2] = {
        title: patch.title?.trim() ?? row.title,
        description: patch.description ?? row.description,
        justification: patch.justification ?? row.justification,
        backout_plan: patch.backoutPlan === undefined ? row.backout_plan : patch.backoutPlan,
        release_id: patch.releaseId === undefined ? row.release_id : patch.releaseId,
        team_id: patch.teamId === undefined ? row.team_id : patch.teamId,
        planned_start: window.start,
        planned_end: window.end,
        implementer_id: implementerId,
      };
      if (scopeChanged) {
        fields.scope_version = row.scope_version + 1;
        fields.scope_hash = hash;
        // An override was granted for a window and CIs; a new scope needs its own.
        fields.freeze_override = null;
        if (patch.ciIds !== undefined) await changeRepository.setCis(tx, id, ciIds);
        const voided = await changeRepository.voidApprovals(tx, id, now, `scope edited by ${actor.username}`);
        if (voided.length > 0) {
          await this.audit.record(tx, actor, {
            action: 'change.approvals_voided',
            objectType: 'change',
            objectId: id,
            before: voided.map(toApprovalView),
            after: {
              reason: 'The CIs, window or implementer changed after these decisions',
              scopeVersion: row.scope_version + 1,
            },
          });
        }
        if (state === 'scheduled' && row.type !== 'standard') {
          state = 'authorize';
          fields.state = state;
          fields.scheduled_at = null;
          await this.#transitionRow(
            tx,
            actor,
            id,
            'scheduled',
            'authorize',
            'reauthorize',
            'scope edited after approval',
            now,
          );
        }
      }
      if (row.state !== 'new' && (scopeChanged || patch.backoutPlan !== undefined)) {
        const assessed = await this.assessment.assess(
          {
            id,
            type: row.type as ChangeType,
            ciIds,
            plannedStart: window.start,
            plannedEnd: window.end,
            backoutPlan: fields.backout_plan ?? null,
          },
          { db: tx, policy },
        );
        fields.impact = writeJson(assessed.impact);
        fields.risk = writeJson(assessed.risk);
        fields.risk_score = assessed.risk.score;
        fields.risk_level = assessed.risk.level;
        if (row.type === 'standard' && state === 'scheduled') {
          await this.#checkTemplateLimits(tx, row, ciIds, window.start, window.end, assessed.impact);
          await this.#checkFreezes(
            tx,
            actor,
            { ...row, planned_start: window.start, planned_end: window.end },
            ciIds,
            true,
            undefined,
            fields,
          );
        }
      }
      const written = await changeRepository.write(tx, id, fields);
      if (scopeChanged || row.state !== state) await changeRepository.logIndexChange(tx, id, now);
      const after = (await this.present([written], tx, policy))[0] as Change;
      await this.audit.record(tx, actor, {
        action: 'change.update',
        objectType: 'change',
        objectId: id,
        before,
        after,
      });
      return after;
    });
    await this.index.sync();
    return updated;
  }

  /** Claims the next version, or explains why not: 412 against the caller's If-Match, 409 for a racing writer. */
  async #claim(tx: Db, row: ChangeRow, expectedVersion: number | undefined, now: string): Promise<void> {
    if (await changeRepository.claimVersion(tx, row.id, row.version, now)) return;
    const current = await changeRepository.findById(tx, row.id);
    if (expectedVersion !== undefined) {
      throw new StaleVersionError('change', row.id, expectedVersion, current?.version ?? row.version + 1);
    }
    throw new ConflictError(`Change ${row.id} was changed by someone else at the same moment: reload it and retry`, {
      currentVersion: current?.version ?? null,
    });
  }

  async #transitionRow(
    tx: Db,
    actor: Actor,
    changeId: number,
    from: string | null,
    to: string,
    action: string,
    comment: string | null,
    at: string,
  ): Promise<void> {
    await changeRepository.insertTransition(tx, {
      change_id: changeId,
      from_state: from,
      to_state: to,
      action,
      actor_id: actor.userId,
      actor_name: actor.username,
      request_id: actor.requestId,
      comment,
      at,
    });
  }

  async #publish(tx: Db, type: ChangeEventType, change: Change): Promise<void> {
    await this.events.publish(tx, { type, objectType: 'change', objectId: change.id, data: { change } });
  }

  /** Whether the actor may take a transition, by the `by` list of the state machine. */
  #mayTake(actor: Actor, row: ChangeRow, transition: ChangeTransition): boolean {
    return transition.by.some((who) => {
      switch (who) {
        case 'requester':
          return actor.userId !== null && actor.userId === row.requester_id;
        case 'implementer':
          return actor.userId !== null && actor.userId === row.implementer_id;
        case 'manager':
          return actorHolds(actor, 'changes.manage');
        case 'approver':
          return actorHolds(actor, 'changes.approve');
        case 'system':
          return false;
      }
      return false;
    });
  }

  /**
   * Moves a change to `to` if the state machine has that transition for its type, the actor may
   * take it, and every guard holds. The 422 for a transition that does not exist lists the ones
   * that do; a failing guard is named in the 422 (FREEZE_WINDOW for a freeze).
   */
  async transition(
    actor: Actor,
    id: number,
    to: string,
    options: {
      comment?: string | undefined;
      freezeOverride?: FreezeOverrideInput | undefined;
      expectedVersion?: number | undefined;
    } = {},
  ): Promise<Change> {
    const result = await this.#write(async (tx, policy) => {
      const row = await this.#require(tx, id);
      if (options.expectedVersion !== undefined && options.expectedVersion !== row.version) {
        throw new StaleVersionError('change', id, options.expectedVersion, row.version);
      }
      const from = row.state as ChangeState;
      const type = row.type as ChangeType;
      const userTargets = changeTransitionsFrom(from, type)
        .filter((t) => !t.by.every((b) => b === 'system'))
        .map((t) => t.to);
      const transition = isChangeState(to) ? findChangeTransition(from, to, type) : undefined;
      if (!transition || transition.by.every((b) => b === 'system')) {
        throw new IllegalTransitionError(`${type} change`, from, to, [...new Set(userTargets)]);
      }
      if (transition.action === 'reject') {
        return this.#decide(tx, policy, actor, row, 'rejected', options.comment ?? '', options.expectedVersion);
      }
      if (!this.#mayTake(actor, row, transition)) {
        throw new ForbiddenError(
          `Only ${transition.by.map((b) => (b === 'manager' ? 'a change manager' : `the ${b}`)).join(' or ')} may ${transition.action} change ${id}`,
          { action: transition.action, allowedActors: [...transition.by] },
        );
      }
      return this.#apply(tx, policy, actor, row, transition, options);
    });
    await this.index.sync();
    return result;
  }

  /** Takes the transition named by `action` from the change's current state (submit, schedule, …). */
  async act(
    actor: Actor,
    id: number,
    action: ChangeAction,
    options: {
      comment?: string | undefined;
      freezeOverride?: FreezeOverrideInput | undefined;
      expectedVersion?: number | undefined;
    } = {},
  ): Promise<Change> {
    const row = await this.#require(this.db, id);
    const state = row.state as ChangeState;
    const type = row.type as ChangeType;
    const transition = changeTransitionsFrom(state, type).find((t) => t.action === action);
    if (!transition) {
      const allowed = changeTransitionsFrom(state, type).filter((t) => !t.by.every((b) => b === 'system'));
      throw new AppError(
        'ILLEGAL_TRANSITION',
        `A ${type} change in state ${state} cannot ${action}; allowed from ${state}: ${
          allowed.map((t) => `${t.action} (→ ${t.to})`).join(', ') || 'none'
        }`,
        {
          from: state,
          action,
          allowed: [...new Set(allowed.map((t) => t.to))],
          allowedActions: allowed.map((t) => t.action),
        },
      );
    }
    return this.transition(actor, id, transition.to, options);
  }

  async #apply(
    tx: Db,
    policy: PolicyVersion,
    actor: Actor,
    row: ChangeRow,
    transition: ChangeTransition,
    options: {
      comment?: string | undefined;
      freezeOverride?: FreezeOverrideInput | undefined;
      expectedVersion?: number | undefined;
    },
  ): Promise<Change> {
    const now = isoNow(this.clock);
    const ciIds = await changeRepository.ciIds(tx, row.id);
    const before = (await this.present([row], tx, policy))[0] as Change;
    const fields: Parameters<typeof changeRepository.write>[2] = { state: transition.to };
    const guardFailed = (guard: string, message: string, details: Record<string, unknown> = {}) =>
      new DomainRuleError(`${message} (guard ${guard})`, { guard, transition: transition.action, ...details });

    for (const guard of transition.guards) {
      switch (guard) {
        case 'scope_complete': {
          const missing = [
            ...(row.title.trim() ? [] : ['title']),
            ...(ciIds.length > 0 ? [] : ['ciIds']),
            ...(row.planned_start ? [] : ['plannedStart', 'plannedEnd']),
          ];
          if (missing.length > 0)
            throw guardFailed(guard, `Change ${row.id} is incomplete: set ${missing.join(', ')}`, { missing });
          break;
        }
        case 'window_not_past':
          if (row.planned_end && Date.parse(row.planned_end) <= Date.parse(now)) {
            throw guardFailed(guard, `The planned window of change ${row.id} ended at ${row.planned_end}; move it`);
          }
          break;
        case 'within_template_limits': {
          const assessed = await this.assessment.impactOf(ciIds, tx);
          await this.#checkTemplateLimits(tx, row, ciIds, row.planned_start, row.planned_end, assessed.impact);
          break;
        }
        case 'no_hard_freeze':
          await this.#checkFreezes(
            tx,
            actor,
            row,
            ciIds,
            transition.guards.includes('soft_freeze_overridden'),
            options.freezeOverride,
            fields,
          );
          break;
        case 'soft_freeze_overridden':
          // Evaluated together with no_hard_freeze (one freeze lookup for both).
          break;
        case 'risk_assessed':
          if (row.risk === null)
            throw guardFailed(guard, `Change ${row.id} has no risk assessment yet: refresh its impact`);
          break;
        case 'quorum_reached':
        case 'approvals_current': {
          if (row.type === 'standard') break;
          if (!before.approval.met) {
            throw guardFailed(guard, `Change ${row.id} is not approved: ${before.approval.missing.join('; ')}`, {
              approval: before.approval,
            });
          }
          break;
        }
        case 'review_recorded':
          if (before.review === null) {
            throw guardFailed(guard, `Change ${row.id} has no post-implementation review: record one first`);
          }
          break;
        case 'scope_edited':
          break;
      }
    }

    await this.#claim(tx, row, options.expectedVersion, now);
    const events: ChangeEventType[] = [];
    switch (transition.action) {
      case 'submit': {
        const assessed = await this.assessment.assess(
          {
            id: row.id,
            type: row.type as ChangeType,
            ciIds,
            plannedStart: row.planned_start,
            plannedEnd: row.planned_end,
            backoutPlan: row.backout_plan,
          },
          { db: tx, policy },
        );
        fields.impact = writeJson(assessed.impact);
        fields.risk = writeJson(assessed.risk);
        fields.risk_score = assessed.risk.score;
        fields.risk_level = assessed.risk.level;
        fields.submitted_at = now;
        events.push('change.submitted');
        if (transition.to === 'scheduled') {
          fields.scheduled_at = now;
          events.push('change.scheduled');
        }
        break;
      }
      case 'schedule':
        fields.scheduled_at = now;
        events.push('change.scheduled');
        break;
      case 'start':
        fields.started_at = now;
        break;
      case 'complete': {
        fields.completed_at = now;
        if (row.type === 'emergency') {
          const days = policy.policy.changes.emergencyReviewDays;
          fields.review_due_at = new Date(Date.parse(now) + days * 86_400_000).toISOString();
        }
        events.push('change.implemented');
        break;
      }
      case 'close':
        fields.closed_at = now;
        events.push('change.closed');
        break;
      case 'cancel':
        events.push('change.cancelled');
        break;
      default:
        break;
    }
    const written = await changeRepository.write(tx, row.id, fields);
    await this.#transitionRow(
      tx,
      actor,
      row.id,
      row.state,
      transition.to,
      transition.action,
      options.comment ?? null,
      now,
    );
    await changeRepository.logIndexChange(tx, row.id, now);
    const after = (await this.present([written], tx, policy))[0] as Change;
    await this.audit.record(tx, actor, {
      action: `change.${transition.action}`,
      objectType: 'change',
      objectId: row.id,
      before,
      after,
    });
    for (const event of events) await this.#publish(tx, event, after);
    return after;
  }

  async #checkTemplateLimits(
    tx: Db,
    row: ChangeRow,
    ciIds: readonly number[],
    start: string | null,
    end: string | null,
    impact: ChangeImpact,
  ): Promise<void> {
    if (row.template_id === null)
      throw new DomainRuleError('A standard change needs a template', { guard: 'within_template_limits' });
    const template = await this.templates.get(row.template_id, tx);
    const fail = (limit: string, message: string, details: Record<string, unknown>) =>
      new DomainRuleError(`${message}: raise it as a normal change for the CAB (guard within_template_limits)`, {
        guard: 'within_template_limits',
        limit,
        template: { id: template.id, name: template.name },
        ...details,
      });
    if (!template.active) throw fail('active', `Template "${template.name}" is retired`, {});
    const facts = await ciFactsRepository.byIds(tx, ciIds);
    const outside = facts.filter((f) => !template.allowedCiClasses.includes(f.class));
    if (outside.length > 0) {
      throw fail(
        'allowedCiClasses',
        `Template "${template.name}" allows CI classes ${template.allowedCiClasses.join(', ')}, not ${outside.map((f) => `${f.class}/${f.name}`).join(', ')}`,
        {
          cis: outside.map((f) => f.id),
        },
      );
    }
    if (impact.count > template.maxImpactedCis) {
      throw fail(
        'maxImpactedCis',
        `The change impacts ${impact.count} CIs; template "${template.name}" allows ${template.maxImpactedCis}`,
        {
          impacted: impact.count,
        },
      );
    }
    if (start && end) {
      const minutes = (Date.parse(end) - Date.parse(start)) / 60_000;
      if (minutes > template.maxDurationMinutes) {
        throw fail(
          'maxDurationMinutes',
          `The window lasts ${minutes} minutes; template "${template.name}" allows ${template.maxDurationMinutes}`,
          {
            minutes,
          },
        );
      }
    }
  }

  /**
   * Hard freezes refuse the window (422 FREEZE_WINDOW naming them). Soft freezes refuse it too
   * when `soft` applies (scheduling), unless a change manager overrides them with a reason: the
   * override is stored on the change and audited.
   */
  async #checkFreezes(
    tx: Db,
    actor: Actor,
    row: ChangeRow,
    ciIds: readonly number[],
    soft: boolean,
    override: FreezeOverrideInput | undefined,
    fields: Parameters<typeof changeRepository.write>[2],
  ): Promise<void> {
    if (!row.planned_start || !row.planned_end) return;
    const facts = await ciFactsRepository.byIds(tx, ciIds);
    const calendar = await this.freezes.calendar(tx);
    const hits = calendar.freezeHits(
      facts.map((f) => ({ id: f.id, class: f.class, environment: f.environment })),
      Date.parse(row.planned_start),
      Date.parse(row.planned_end),
    );
    const describe = (h: FreezeHit) => ({
      id: h.freeze.id,
      name: h.freeze.name,
      kind: h.freeze.kind,
      start: new Date(h.occurrence.start).toISOString(),
      end: new Date(h.occurrence.end).toISOString(),
      ciIds: h.ciIds,
    });
    const hard = hits.filter((h) => h.freeze.kind === 'hard');
    if (hard.length > 0) {
      const names = [...new Set(hard.map((h) => `"${h.freeze.name}" (id ${h.freeze.id})`))].join(', ');
      throw new AppError('FREEZE_WINDOW', `The planned window of change ${row.id} falls in hard freeze ${names}`, {
        freezes: hard.map(describe),
        overridable: false,
      });
    }
    const softHits = hits.filter((h) => h.freeze.kind === 'soft');
    if (!soft || softHits.length === 0) return;
    const names = [...new Set(softHits.map((h) => `"${h.freeze.name}" (id ${h.freeze.id})`))].join(', ');
    if (!override) {
      throw new AppError(
        'FREEZE_WINDOW',
        `The planned window of change ${row.id} falls in soft freeze ${names}: a change manager may override it with freezeOverride.reason`,
        { freezes: softHits.map(describe), overridable: true },
      );
    }
    if (!actorHolds(actor, 'changes.manage')) {
      throw new ForbiddenError('Only a change manager (changes.manage) may override a soft freeze', {
        permission: 'changes.manage',
      });
    }
    const reason = override.reason.trim();
    if (reason.length < 3)
      throw new InputError('freezeOverride.reason must explain the override', { field: 'freezeOverride.reason' });
    const record = {
      reason,
      by: actor.username,
      at: isoNow(this.clock),
      freezes: [...new Map(softHits.map((h) => [h.freeze.id, { id: h.freeze.id, name: h.freeze.name }])).values()],
    };
    fields.freeze_override = writeJson(record);
    await this.audit.record(tx, actor, {
      action: 'change.freeze_override',
      objectType: 'change',
      objectId: row.id,
      after: {
        ...record,
        window: { start: row.planned_start, end: row.planned_end },
        occurrences: softHits.map(describe),
      },
    });
  }

  /** Approves the change's current scope (SoD: never the requester or the implementer; each approver once per round). */
  async approve(actor: Actor, id: number, comment: string, expectedVersion?: number): Promise<Change> {
    const result = await this.#write(async (tx, policy) => {
      const row = await this.#require(tx, id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('change', id, expectedVersion, row.version);
      }
      return this.#decide(tx, policy, actor, row, 'approved', comment, expectedVersion);
    });
    return result;
  }

  async reject(actor: Actor, id: number, comment: string, expectedVersion?: number): Promise<Change> {
    const result = await this.#write(async (tx, policy) => {
      const row = await this.#require(tx, id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('change', id, expectedVersion, row.version);
      }
      return this.#decide(tx, policy, actor, row, 'rejected', comment, expectedVersion);
    });
    await this.index.sync();
    return result;
  }

  async #decide(
    tx: Db,
    policy: PolicyVersion,
    actor: Actor,
    row: ChangeRow,
    decision: 'approved' | 'rejected',
    comment: string,
    expectedVersion: number | undefined,
  ): Promise<Change> {
    const verb = decision === 'approved' ? 'approve' : 'reject';
    if (row.state === 'assess' && decision === 'rejected') {
      // A change manager's rejection at assessment: not a CAB decision.
      if (!actorHolds(actor, 'changes.manage')) {
        throw new ForbiddenError(`Only a change manager may reject change ${row.id} at assessment`, {
          permission: 'changes.manage',
        });
      }
      if (comment.trim().length === 0)
        throw new InputError('A rejection needs a comment saying why', { field: 'comment' });
      const transition = findChangeTransition('assess', 'rejected', row.type as ChangeType) as ChangeTransition;
      const changed = await this.#apply(tx, policy, actor, row, transition, { comment, expectedVersion });
      await this.#publish(tx, 'change.rejected', changed);
      return changed;
    }
    if (row.state !== 'authorize') {
      throw new DomainRuleError(
        `Change ${row.id} is in state ${row.state}: only changes awaiting authorization can be ${decision}`,
        {
          rule: 'authorize_state',
          state: row.state,
        },
      );
    }
    if (!actorHolds(actor, 'changes.approve') || actor.userId === null) {
      throw new ForbiddenError(`Only CAB members (changes.approve) may ${verb} changes`, {
        permission: 'changes.approve',
      });
    }
    // Break-glass waives the rule, flagged: the approval's audit entry carries the elevation.
    if (actor.userId === row.requester_id && !sodWaived(actor)) {
      throw new SodViolation(
        `Segregation of duties: ${actor.username} requested change ${row.id} and cannot ${verb} it`,
        {
          rule: 'requester_cannot_decide',
        },
      );
    }
    if (actor.userId === row.implementer_id && !sodWaived(actor)) {
      throw new SodViolation(
        `Segregation of duties: ${actor.username} implements change ${row.id} and cannot ${verb} it`,
        {
          rule: 'implementer_cannot_decide',
        },
      );
    }
    if (decision === 'rejected' && comment.trim().length === 0) {
      throw new InputError('A rejection needs a comment saying why', { field: 'comment' });
    }
    const approvals = await changeRepository.approvals(tx, row.id);
    if (
      approvals.some(
        (a) => a.approver_id === actor.userId && a.scope_version === row.scope_version && a.voided_at === null,
      )
    ) {
      throw new ConflictError(`${actor.username} already decided on change ${row.id} in this round of approval`, {
        rule: 'one_decision_per_approver',
      });
    }
    const before = (await this.present([row], tx, policy))[0] as Change;
    const now = isoNow(this.clock);
    await this.#claim(tx, row, expectedVersion, now);
    const asServiceOwner = (before.impact?.services ?? []).some((s) => sameOwner(s.owner, actor.username));
    try {
      await changeRepository.insertApproval(tx, {
        change_id: row.id,
        approver_id: actor.userId,
        approver_name: actor.username,
        decision,
        comment: comment.trim(),
        scope_version: row.scope_version,
        scope_hash: row.scope_hash,
        change_version: row.version,
        as_service_owner: asServiceOwner ? 1 : 0,
        voided_at: null,
        voided_reason: null,
        created_at: now,
      });
    } catch (error) {
      // The unique index (change, round, approver) is the last word on "each approver counts once".
      if (/unique|duplicate/i.test(error instanceof Error ? error.message : String(error))) {
        throw new ConflictError(`${actor.username} already decided on change ${row.id} in this round of approval`, {
          rule: 'one_decision_per_approver',
        });
      }
      throw error;
    }
    let written: ChangeRow;
    if (decision === 'rejected') {
      written = await changeRepository.write(tx, row.id, { state: 'rejected' });
      await this.#transitionRow(tx, actor, row.id, row.state, 'rejected', 'reject', comment.trim(), now);
      await changeRepository.logIndexChange(tx, row.id, now);
    } else {
      written = (await changeRepository.findById(tx, row.id)) as ChangeRow;
    }
    const after = (await this.present([written], tx, policy))[0] as Change;
    await this.audit.record(tx, actor, {
      action: `change.${verb}`,
      objectType: 'change',
      objectId: row.id,
      before: { state: before.state, approval: before.approval, version: before.version },
      after: {
        state: after.state,
        decision,
        comment: comment.trim(),
        asServiceOwner,
        round: row.scope_version,
        scopeHash: row.scope_hash,
        approvedVersion: row.version,
        approval: after.approval,
        version: after.version,
      },
    });
    if (decision === 'rejected') await this.#publish(tx, 'change.rejected', after);
    else if (after.approval.met && !before.approval.met) await this.#publish(tx, 'change.approved', after);
    return after;
  }

  /** Recomputes and stores impact and risk (e.g. after the CMDB changed). */
  async refreshAssessment(actor: Actor, id: number, expectedVersion?: number): Promise<Change> {
    return this.#write(async (tx, policy) => {
      const row = await this.#require(tx, id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('change', id, expectedVersion, row.version);
      }
      if (['closed', 'cancelled', 'rejected'].includes(row.state)) {
        throw new DomainRuleError(`Change ${id} is ${row.state}: its assessment is kept as it was`, {
          rule: 'not_terminal',
        });
      }
      const ciIds = await changeRepository.ciIds(tx, id);
      const before = (await this.present([row], tx, policy))[0] as Change;
      const assessed = await this.assessment.assess(
        {
          id,
          type: row.type as ChangeType,
          ciIds,
          plannedStart: row.planned_start,
          plannedEnd: row.planned_end,
          backoutPlan: row.backout_plan,
        },
        { db: tx, policy },
      );
      const now = isoNow(this.clock);
      await this.#claim(tx, row, expectedVersion, now);
      const written = await changeRepository.write(tx, id, {
        impact: writeJson(assessed.impact),
        risk: writeJson(assessed.risk),
        risk_score: assessed.risk.score,
        risk_level: assessed.risk.level,
      });
      const after = (await this.present([written], tx, policy))[0] as Change;
      await this.audit.record(tx, actor, {
        action: 'change.assess',
        objectType: 'change',
        objectId: id,
        before: { impact: before.impact, risk: before.risk },
        after: { impact: after.impact, risk: after.risk },
      });
      return after;
    });
  }

  /** Impact and risk as they would be now, without storing anything. */
  async previewAssessment(id: number): Promise<{ impact: ChangeImpact; risk: StoredRisk }> {
    const row = await this.#require(this.db, id);
    const ciIds = await changeRepository.ciIds(this.db, id);
    return this.assessment.assess({
      id,
      type: row.type as ChangeType,
      ciIds,
      plannedStart: row.planned_start,
      plannedEnd: row.planned_end,
      backoutPlan: row.backout_plan,
    });
  }

  /** Records (or corrects) the post-implementation review of a change in review. */
  async recordReview(
    actor: Actor,
    id: number,
    input: { outcome: ReviewOutcome; incidentIds?: number[] | undefined; lessons?: string | undefined },
    expectedVersion?: number,
  ): Promise<Change> {
    if ((input.lessons ?? '').length > 20_000)
      throw new InputError('lessons is at most 20000 characters', { field: 'lessons' });
    return this.#write(async (tx, policy) => {
      const row = await this.#require(tx, id);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new StaleVersionError('change', id, expectedVersion, row.version);
      }
      if (row.state !== 'review') {
        throw new DomainRuleError(`Change ${id} is in state ${row.state}: a review is recorded in state review`, {
          rule: 'review_state',
          state: row.state,
        });
      }
      const mayReview =
        (actor.userId !== null && (actor.userId === row.requester_id || actor.userId === row.implementer_id)) ||
        actorHolds(actor, 'changes.manage');
      if (!mayReview) {
        throw new ForbiddenError('Only the requester, the implementer or a change manager may review a change', {
          permission: 'changes.manage',
        });
      }
      const before = (await this.present([row], tx, policy))[0] as Change;
      const now = isoNow(this.clock);
      await this.#claim(tx, row, expectedVersion, now);
      await changeRepository.upsertReview(tx, {
        change_id: id,
        outcome: input.outcome,
        incident_ids: writeJson([...new Set(input.incidentIds ?? [])]),
        lessons: input.lessons ?? '',
        reviewed_by_id: actor.userId,
        reviewed_by_name: actor.username,
        reviewed_at: now,
      });
      const written = (await changeRepository.findById(tx, id)) as ChangeRow;
      const after = (await this.present([written], tx, policy))[0] as Change;
      await this.audit.record(tx, actor, {
        action: 'change.review',
        objectType: 'change',
        objectId: id,
        before: before.review,
        after: after.review,
      });
      await this.#publish(tx, 'change.reviewed', after);
      return after;
    });
  }

  /** Changes whose post-implementation review is overdue (emergency changes past the policy's days). */
  async overdueReviews(
    afterId: number | undefined,
    limit: number,
    visibility: Visibility = SEES_ALL,
  ): Promise<Change[]> {
    return this.present(await changeRepository.overdueReviews(this.db, isoNow(this.clock), afterId, limit, visibility));
  }

  /**
   * What waits for the caller: changes to approve (awaiting authorization, not requested or
   * implemented by them, not yet decided by them), and by role, changes to assess, to schedule
   * (approved), to start or complete (as implementer), to review and to close.
   */
  async agenda(actor: Actor, visibility: Visibility = SEES_ALL): Promise<AgendaItem[]> {
    const rows = await changeRepository.list(this.db, {
      state: ['assess', 'authorize', 'scheduled', 'implement', 'review'],
      limit: 5000,
      visibility,
    });
    const changes = await this.present(rows);
    const items: AgendaItem[] = [];
    const approver = actorHolds(actor, 'changes.approve');
    const manager = actorHolds(actor, 'changes.manage');
    for (const change of changes) {
      const mine = actor.userId !== null && change.requester.id === actor.userId;
      const implementing = actor.userId !== null && change.implementer?.id === actor.userId;
      if (change.state === 'authorize') {
        const decided = change.approval.approvals.some((a) => a.approverId === actor.userId);
        if (approver && !mine && !implementing && !decided && !change.approval.met) {
          const owner = change.impact?.services.some((s) => sameOwner(s.owner, actor.username)) ?? false;
          items.push({
            reason: 'approve',
            task: `${change.approval.board.toUpperCase()}: approve or reject${owner ? ' (you own an impacted service)' : ''}`,
            change,
          });
        }
        if (manager && change.approval.met) items.push({ reason: 'schedule', task: 'Approved: schedule it', change });
      } else if (change.state === 'assess' && manager) {
        items.push({ reason: 'assess', task: 'Assess impact and risk, then send it to the CAB or reject it', change });
      } else if (change.state === 'scheduled' && implementing) {
        items.push({ reason: 'implement', task: 'Scheduled: start it in its window', change });
      } else if (change.state === 'implement' && implementing) {
        items.push({ reason: 'implement', task: 'In progress: complete it when done', change });
      } else if (change.state === 'review' && (manager || mine || implementing)) {
        items.push(
          change.review === null
            ? {
                reason: 'review',
                task: `Record the post-implementation review${change.reviewDueAt ? ` (due ${change.reviewDueAt})` : ''}`,
                change,
              }
            : { reason: 'close', task: 'Reviewed: close it', change },
        );
      }
    }
    const order = { approve: 0, assess: 1, schedule: 2, implement: 3, review: 4, close: 5 } as const;
    return items.sort(
      (a, b) =>
        order[a.reason] - order[b.reason] ||
        (a.change.plannedStart ?? '').localeCompare(b.change.plannedStart ?? '') ||
        a.change.id - b.change.id,
    );
  }
}

function toApprovalView(row: ApprovalRow): ApprovalView {
  return {
    id: row.id,
    approverId: row.approver_id,
    approverName: row.approver_name,
    decision: row.decision as ApprovalView['decision'],
    comment: row.comment,
    asServiceOwner: row.as_service_owner === 1,
    round: row.scope_version,
    scopeHash: row.scope_hash,
    changeVersion: row.change_version,
    at: row.created_at,
    voidedAt: row.voided_at,
    voidedReason: row.voided_reason,
  };
}

function toHistory(row: TransitionRow): HistoryItem {
  return {
    id: row.id,
    from: row.from_state,
    to: row.to_state,
    action: row.action,
    actor: { id: row.actor_id, name: row.actor_name },
    comment: row.comment,
    at: row.at,
  };
}

function toReview(row: ReviewRow | undefined): ChangeReview | null {
  if (!row) return null;
  return {
    outcome: row.outcome as ReviewOutcome,
    incidentIds: readJson<number[]>(row.incident_ids),
    lessons: row.lessons,
    reviewedBy: { id: row.reviewed_by_id, username: row.reviewed_by_name },
    reviewedAt: row.reviewed_at,
  };
}

/**
 * The approval status of a change: the standing decisions of the current round (approvals given
 * for exactly the current scope), judged against the quorum the current policy asks for.
 */
export function approvalStatus(
  row: ChangeRow,
  approvals: readonly ApprovalRow[],
  policy: ChangePolicy,
): ApprovalStatus {
  const quorum = quorumFor(policy, row.type as ChangeType, (row.risk_level as RiskLevel | null) ?? null);
  const standing = approvals.filter(
    (a) =>
      a.voided_at === null &&
      a.decision === 'approved' &&
      a.scope_version === row.scope_version &&
      a.scope_hash === row.scope_hash,
  );
  const impact = row.impact === null ? null : readJson<ChangeImpact>(row.impact);
  const serviceOwners = [
    ...new Set((impact?.services ?? []).map((s) => s.owner).filter((o): o is string => o !== null && o.trim() !== '')),
  ];
  const serviceOwnerApproved = standing.some((a) => a.as_service_owner === 1);
  const missing: string[] = [];
  if (standing.length < quorum.required) {
    missing.push(
      `${quorum.required - standing.length} more ${quorum.board.toUpperCase()} approval(s) (${quorum.required} needed)`,
    );
  }
  if (quorum.serviceOwner && !serviceOwnerApproved && (impact?.services.length ?? 0) > 0) {
    missing.push(
      serviceOwners.length > 0
        ? `an approval by an owner of an impacted service (${serviceOwners.slice(0, 5).join(', ')})`
        : 'an approval by an owner of an impacted service, but no impacted service has an owner in the CMDB',
    );
  }
  return {
    board: quorum.board,
    required: quorum.required,
    serviceOwnerRequired: quorum.serviceOwner,
    serviceOwners,
    round: row.scope_version,
    approvals: standing.map((a) => ({
      approverId: a.approver_id,
      approverName: a.approver_name,
      at: a.created_at,
      asServiceOwner: a.as_service_owner === 1,
    })),
    serviceOwnerApproved,
    met: missing.length === 0,
    missing,
  };
}
