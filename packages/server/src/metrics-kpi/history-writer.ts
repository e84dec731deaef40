import { PLAN_SECTIONS } from '@slipway/model';
import { changeRepository } from '../changes/change.repository.js';
import { writeJson } from '../cmdb/json-column.js';
import type { Db } from '../platform/database.js';
import { releaseRepository } from '../releases/release.repository.js';

/**
 * Writes past records — releases, production rollouts and changes that already happened — for
 * the demo organisation's year of history and for KPI tests. Releases and changes go through
 * their modules' repositories; rollouts have no repository for finished history, so their rows
 * are written here directly, into `rollouts` and `rollout_targets` only (never the engine's job,
 * wave or step rows: a history rollout is terminal and nothing will ever drive it).
 */

export interface PastRelease {
  type: 'major' | 'minor' | 'emergency';
  element: string;
  unitName: string;
  unitCiId: number | null;
  version: string;
  title: string;
  state: string;
  createdAt: string;
  approvedAt: string | null;
  deployedAt: string | null;
  /** Fill every plan section (done), or leave the plan not started. */
  planComplete: boolean;
  passedProtocols: string[];
  rehearsedBackout: boolean;
  review: { outcome: string; at: string } | null;
  requester: string;
  /** The requester's account, when there is one (the demo's people are real accounts). */
  requesterId?: number | null | undefined;
}

export async function writePastRelease(db: Db, r: PastRelease): Promise<number> {
  const row = await releaseRepository.insert(db, {
    type: r.type,
    element: r.element,
    unit_name: r.unitName,
    unit_ci_id: r.unitCiId,
    version_label: r.version,
    title: r.title,
    description: `${r.title} (history)`,
    state: r.state,
    template_id: null,
    rollout_strategy: 'phased',
    extra_tests: writeJson({}),
    known_issues: '',
    planned_start: r.deployedAt,
    planned_end: r.deployedAt,
    requester_id: r.requesterId ?? null,
    requester_name: r.requester,
    implementer_id: null,
    current_environment: r.deployedAt === null ? null : 'production',
    contents_hash: 'history',
    scope_round: 1,
    policy_version: null,
    freeze_override: null,
    accepted_at: r.approvedAt,
    approved_at: r.approvedAt,
    scheduled_at: r.approvedAt,
    rollout_started_at: r.deployedAt,
    deployed_at: r.deployedAt,
    review_due_at: null,
    closed_at: r.review?.at ?? null,
    created_at: r.createdAt,
    updated_at: r.review?.at ?? r.deployedAt ?? r.createdAt,
    version: 1,
  });
  await releaseRepository.insertSections(
    db,
    PLAN_SECTIONS.map((s) => ({
      release_id: row.id,
      section: s.key,
      title: s.title,
      owner: null,
      status: r.planComplete ? 'done' : 'not_started',
      content: r.planComplete ? `${s.title} for ${r.unitName} ${r.version}.` : '',
      revision: 1,
      updated_by: r.requester,
      updated_at: r.createdAt,
    })),
  );
  for (const protocol of r.passedProtocols) {
    await releaseRepository.insertTest(db, {
      release_id: row.id,
      environment: 'test',
      protocol,
      outcome: 'passed',
      summary: `${protocol} passed`,
      evidence_kind: 'text',
      evidence_text: 'Recorded with the release history',
      contents_hash: 'history',
      recorded_by: r.requester,
      recorded_via: 'import',
      recorded_at: r.approvedAt ?? r.createdAt,
    });
  }
  if (r.rehearsedBackout) {
    await releaseRepository.insertRehearsal(db, {
      release_id: row.id,
      environment: 'staging',
      outcome: 'passed',
      notes: 'Back-out rehearsed in staging',
      plan_revision: 1,
      recorded_by: r.requester,
      recorded_at: r.approvedAt ?? r.createdAt,
    });
  }
  if (r.review) {
    await releaseRepository.upsertReview(db, {
      release_id: row.id,
      outcome: r.review.outcome,
      notes: 'Post-implementation review',
      reviewed_by: r.requester,
      reviewed_at: r.review.at,
    });
  }
  return row.id;
}

export interface PastRollout {
  releaseId: number;
  environment: string;
  state: 'completed' | 'backed_out' | 'aborted' | 'failed' | 'running';
  plannedStart: string;
  plannedEnd: string;
  startedAt: string;
  finishedAt: string | null;
  backoutStartedAt: string | null;
  targets: { ciId: number; ciClass: string; ciName: string; downtimeMs: number }[];
  createdBy: string;
}

export async function writePastRollout(db: Db, r: PastRollout): Promise<number> {
  const terminal = r.state !== 'running';
  const row = await db
    .insertInto('rollouts')
    .values({
      release_id: r.releaseId,
      environment: r.environment,
      strategy: 'big_bang',
      spec: writeJson({ strategy: 'big_bang', history: true }),
      executor_kind: 'simulated',
      executor: writeJson({}),
      state: r.state,
      pause_reason: null,
      reason: r.state === 'backed_out' ? 'Health gate failed; backed out' : null,
      activation: null,
      phase: r.backoutStartedAt === null ? 'deploy' : 'backout',
      scheduled_at: null,
      planned_start: r.plannedStart,
      planned_end: r.plannedEnd,
      started_at: r.startedAt,
      finished_at: r.finishedAt,
      backout_started_at: r.backoutStartedAt,
      baseline_id: null,
      prechecks: writeJson([]),
      // A finished rollout holds nothing; a running one holds its release and environment.
      active_key: terminal ? null : `${r.releaseId}:${r.environment}`,
      driver_epoch: 0,
      created_by: r.createdBy,
      created_at: r.startedAt,
      updated_at: r.finishedAt ?? r.startedAt,
      version: 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (r.targets.length > 0) {
    await db
      .insertInto('rollout_targets')
      .values(
        r.targets.map((t) => ({
          rollout_id: row.id,
          wave_idx: 0,
          ci_id: t.ciId,
          ci_class: t.ciClass,
          ci_name: t.ciName,
          state: r.state === 'backed_out' ? 'backed_out' : terminal ? 'deployed' : 'running',
          changed: 1,
          started_at: r.startedAt,
          finished_at: r.finishedAt,
          downtime_ms: t.downtimeMs,
          error: null,
          facts: null,
        })),
      )
      .execute();
  }
  return row.id;
}

export interface PastChange {
  type: 'standard' | 'normal' | 'emergency';
  title: string;
  releaseId: number | null;
  ciIds: number[];
  createdAt: string;
  submittedAt: string;
  /** First approval (by `approverId`), or null for none. */
  approvedAt: string | null;
  approverId: number | null;
  approverName: string;
  startedAt: string | null;
  completedAt: string | null;
  review: { outcome: string; at: string; incidentIds: number[] } | null;
  requester: string;
  /** The requester's account, when there is one (the demo's people are real accounts). */
  requesterId?: number | null | undefined;
  riskScore: number | null;
}

export async function writePastChange(db: Db, c: PastChange): Promise<number> {
  const state = c.review ? 'closed' : c.completedAt ? 'review' : c.startedAt ? 'implement' : 'scheduled';
  const row = await changeRepository.insert(db, {
    type: c.type,
    state,
    title: c.title,
    description: `${c.title} (history)`,
    justification: 'Recorded with the change history',
    template_id: null,
    planned_start: c.startedAt,
    planned_end: c.completedAt,
    implementer_id: null,
    requester_id: c.requesterId ?? null,
    requester_name: c.requester,
    backout_plan: 'Restore the previous configuration',
    release_id: c.releaseId,
    impact: null,
    risk: null,
    risk_score: c.riskScore,
    risk_level: c.riskScore === null ? null : c.riskScore >= 60 ? 'high' : c.riskScore >= 30 ? 'moderate' : 'low',
    scope_version: 1,
    scope_hash: 'history',
    freeze_override: null,
    review_due_at: null,
    submitted_at: c.submittedAt,
    scheduled_at: c.approvedAt,
    started_at: c.startedAt,
    completed_at: c.completedAt,
    closed_at: c.review?.at ?? null,
    created_at: c.createdAt,
    updated_at: c.review?.at ?? c.completedAt ?? c.submittedAt,
    version: 1,
  });
  if (c.ciIds.length > 0) await changeRepository.setCis(db, row.id, c.ciIds);
  if (c.approvedAt !== null && c.approverId !== null) {
    await changeRepository.insertApproval(db, {
      change_id: row.id,
      approver_id: c.approverId,
      approver_name: c.approverName,
      decision: 'approved',
      comment: 'Approved by CAB',
      scope_version: 1,
      scope_hash: 'history',
      change_version: 1,
      as_service_owner: 0,
      voided_at: null,
      voided_reason: null,
      created_at: c.approvedAt,
    });
  }
  if (c.review) {
    await changeRepository.upsertReview(db, {
      change_id: row.id,
      outcome: c.review.outcome,
      incident_ids: writeJson(c.review.incidentIds),
      lessons: '',
      reviewed_by_id: null,
      reviewed_by_name: c.requester,
      reviewed_at: c.review.at,
    });
  }
  return row.id;
}
