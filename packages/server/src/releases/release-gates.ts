import {
  PLAN_SECTIONS,
  RELEASE_GUARDS,
  type ReleaseElement,
  type ReleaseGuard,
  type ReleasePolicy,
  type ReleaseType,
  type TestProtocol,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Change, ChangeService } from '../changes/change.service.js';
import type { FreezeService } from '../changes/freeze.service.js';
import { readJson } from '../cmdb/json-column.js';
import type { HardwareService } from '../hardware/hardware.service.js';
import type { ArtifactService } from '../library/artifact.service.js';
import type { Database } from '../platform/database-schema.js';
import { AppError } from '../platform/errors.js';
import type { PolicyVersion } from '../policy/policy.service.js';
import {
  type ApprovalRow,
  type PlanSectionRow,
  type RehearsalRow,
  type ReleaseRow,
  releaseRepository,
  type TestRow,
} from './release.repository.js';
import type { ReleaseAnalysisService } from './release-analysis.service.js';
import { releaseCmdbRepository } from './release-cmdb.repository.js';
import { allTargetIds, type ResolvedTargets, type TargetResolver } from './target-resolver.js';

/** One unmet rule: its id (RELEASE_GATE_RULES or a library rule) and what is missing, in words. */
export interface GateViolation {
  id: string;
  message: string;
  details?: Record<string, unknown>;
}

/** One gate as evaluated: met, or every violation it found. */
export interface GateCheck {
  guard: ReleaseGuard;
  description: string;
  met: boolean;
  violations: GateViolation[];
}

/** A blocked transition or write: 422 POLICY_VIOLATION with every unmet rule. */
export class PolicyViolationError extends AppError {
  constructor(
    prefix: string,
    readonly violations: GateViolation[],
    policyVersion: number,
    details: Record<string, unknown> = {},
  ) {
    const shown = violations.slice(0, 5).map((v) => `${v.id}: ${v.message}`);
    super(
      'POLICY_VIOLATION',
      `${prefix}: ${violations.length} rule${violations.length === 1 ? '' : 's'} unmet — ${shown.join('; ')}${
        violations.length > shown.length ? `; and ${violations.length - shown.length} more` : ''
      }`,
      { ...details, policyVersion, violations },
    );
  }
}

export interface FreezeOverride {
  reason: string;
  by: string;
  at: string;
  freezes: { id: number; name: string; kind: string }[];
}

export interface GateOptions {
  now: string;
  /** A freeze override asked for with this transition (policy `override-with-reason`). */
  freezeOverride?: { reason: string } | undefined;
  /** Who asks (the override is recorded in their name). */
  actorName?: string | undefined;
  /** Targets already resolved by the caller (saves resolving twice). */
  targets?: ResolvedTargets | undefined;
}

export interface GateResult {
  checks: GateCheck[];
  violations: GateViolation[];
  /** A freeze override this evaluation granted (stored by the transition that asked for it). */
  freezeOverride: FreezeOverride | null;
}

const DAY_MS = 86_400_000;
const MAX_COEXISTENCE_VIOLATIONS = 50;
const APPROVED_CHANGE_STATES = new Set(['authorize', 'scheduled', 'implement', 'review', 'closed']);
const WITHDRAWN_CHANGE_STATES = new Set(['cancelled', 'rejected']);
const SECTION_TITLES = new Map<string, string>(PLAN_SECTIONS.map((s) => [s.key, s.title]));

/** The tests a release must pass, per environment: the policy's for its type plus its template's. */
export function requiredTestsOf(row: ReleaseRow, policy: ReleasePolicy): Record<string, TestProtocol[]> {
  const last = policy.environments.at(-1);
  const required: Record<string, Set<TestProtocol>> = {};
  const add = (tests: Record<string, TestProtocol[]>) => {
    for (const [env, protocols] of Object.entries(tests)) {
      // Tests are required before promotion past an environment: none in the last one, none in unknown ones.
      if (!policy.environments.includes(env) || env === last) continue;
      required[env] ??= new Set();
      for (const p of protocols) required[env].add(p);
    }
  };
  add(policy.releaseTypes[row.type as ReleaseType].requiredTests);
  add(readJson<Record<string, TestProtocol[]>>(row.extra_tests));
  return Object.fromEntries(
    policy.environments.filter((env) => required[env]).map((env) => [env, [...(required[env] ?? [])].sort()]),
  );
}

/** The approval quorum of a release type: `ecab` boards for emergencies, `cab` otherwise. */
export function quorumOf(policy: ReleasePolicy, type: ReleaseType): { board: 'cab' | 'ecab'; required: number } {
  const rule = policy.releaseTypes[type].approvals;
  return { board: (rule.ecab ?? 0) > 0 ? 'ecab' : 'cab', required: (rule.cab ?? 0) + (rule.ecab ?? 0) };
}

/** The current result of each (environment, protocol): the latest record for the release's current build. */
export function currentTests(row: ReleaseRow, tests: readonly TestRow[]): Map<string, TestRow> {
  const current = new Map<string, TestRow>();
  for (const t of tests) {
    if (t.contents_hash !== row.contents_hash) continue;
    const key = `${t.environment}/${t.protocol}`;
    const prior = current.get(key);
    if (!prior || prior.id < t.id) current.set(key, t);
  }
  return current;
}

/** Standing approvals of the current round that count, and those that do not (with why). */
export function approvalStanding(
  row: ReleaseRow,
  approvals: readonly ApprovalRow[],
): { counting: ApprovalRow[]; excluded: { approval: ApprovalRow; violation: GateViolation }[] } {
  const counting: ApprovalRow[] = [];
  const excluded: { approval: ApprovalRow; violation: GateViolation }[] = [];
  for (const a of approvals) {
    if (a.voided_at !== null || a.scope_round !== row.scope_round) continue;
    if (a.approver_id === row.requester_id) {
      excluded.push({
        approval: a,
        violation: {
          id: 'sod.approver_not_requester',
          message: `The approval by ${a.approver_name} does not count: ${a.approver_name} requested release ${row.id}`,
        },
      });
    } else if (a.approver_id === row.implementer_id) {
      excluded.push({
        approval: a,
        violation: {
          id: 'sod.approver_not_implementer',
          message: `The approval by ${a.approver_name} does not count: ${a.approver_name} implements release ${row.id}`,
        },
      });
    } else counting.push(a);
  }
  return { counting, excluded };
}

function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= load();
    return promise;
  };
}

function days(ms: number): string {
  return (Math.round((ms / DAY_MS) * 10) / 10).toFixed(1);
}

/**
 * Evaluates a release's gates against one version of the release policy. Every gate reports
 * every rule it finds unmet (not just the first), so a blocked transition tells the release
 * manager everything that is missing at once. Facts are loaded once per evaluation, lazily: a
 * transition that names two gates reads only what those two need.
 *
 * It reads through the root handle and other domains' services, so it must run outside any
 * transaction (on SQLite a root-handle query would wait for the connection the transaction
 * holds); the transition then commits only if the release is still at the version evaluated.
 */
export class ReleaseGateEvaluator {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly resolver: TargetResolver,
    private readonly analysis: ReleaseAnalysisService,
    private readonly artifacts: ArtifactService,
    private readonly hardware: HardwareService,
    private readonly changes: ChangeService,
    private readonly freezes: FreezeService,
  ) {}

  async evaluate(
    row: ReleaseRow,
    guards: readonly ReleaseGuard[],
    policyVersion: PolicyVersion,
    options: GateOptions,
  ): Promise<GateResult> {
    const policy = policyVersion.policy;
    const type = row.type as ReleaseType;
    const typePolicy = policy.releaseTypes[type];
    const now = Date.parse(options.now);
    const path = (setting: string) => `releaseTypes.${type}.${setting}`;
    const sections = lazy(
      async () => new Map((await releaseRepository.sections(this.db, row.id)).map((s) => [s.section, s])),
    );
    const artifactIds = lazy(() => releaseRepository.artifactIds(this.db, row.id));
    const targets = lazy(async () => options.targets ?? (await this.resolver.forRelease(row.id)));
    const approvals = lazy(() => releaseRepository.approvals(this.db, [row.id]));
    const linkedChanges = lazy(() => this.changes.list({ releaseId: row.id, limit: 200 }));
    let freezeOverride: FreezeOverride | null = null;

    const gate: Record<ReleaseGuard, () => Promise<GateViolation[]>> = {
      plan_complete: async () => {
        const byKey = await sections();
        const violations: GateViolation[] = [];
        for (const key of typePolicy.requiredPlanSections ?? []) {
          const section: PlanSectionRow | undefined = byKey.get(key);
          const title = SECTION_TITLES.get(key) ?? key;
          const missing = [
            ...(section?.owner?.trim() ? [] : ['an owner']),
            ...(section?.content.trim() ? [] : ['content']),
          ];
          if (missing.length > 0) {
            violations.push({
              id: 'plan.required_sections',
              message: `Plan section "${title}" (${key}) needs ${missing.join(' and ')} (${path('requiredPlanSections')})`,
              details: { section: key, missing },
            });
          }
        }
        return violations;
      },
      window_planned: async () => {
        if (!row.planned_start || !row.planned_end) {
          return [
            {
              id: 'release.window',
              message: `Release ${row.id} has no planned window: set plannedStart and plannedEnd`,
            },
          ];
        }
        if (Date.parse(row.planned_end) <= now) {
          return [{ id: 'release.window', message: `The planned window ended at ${row.planned_end}: plan a new one` }];
        }
        return [];
      },
      contents_present: async () => {
        const [ids, reservations, ciChanges] = await Promise.all([
          artifactIds(),
          this.hardware.listReservations({ releaseId: row.id, state: 'active', limit: 1 }),
          releaseRepository.ciChanges(this.db, row.id),
        ]);
        return ids.length + reservations.length + ciChanges.length > 0
          ? []
          : [
              {
                id: 'contents.present',
                message: `Release ${row.id} contains nothing: add approved artifacts, hardware reservations or planned CI changes`,
              },
            ];
      },
      contents_releasable: async () => {
        const ids = await artifactIds();
        if (ids.length === 0) return [];
        return (await this.artifacts.gateProblems(ids, row.element as ReleaseElement)).map((p) => ({
          id: p.rule,
          message: p.message,
          details: { artifactId: p.artifactId },
        }));
      },
      targets_defined: async () => {
        const last = policy.environments.at(-1) as string;
        const count = (await targets()).get(last)?.size ?? 0;
        return count > 0
          ? []
          : [
              {
                id: 'targets.defined',
                message: `Release ${row.id} has no targets in ${last}: add CIs or a target query for ${last}`,
                details: { environment: last },
              },
            ];
      },
      required_tests_passed: async () => {
        const tests = await releaseRepository.tests(this.db, row.id);
        const current = currentTests(row, tests);
        const violations: GateViolation[] = [];
        for (const [environment, protocols] of Object.entries(requiredTestsOf(row, policy))) {
          for (const protocol of protocols) {
            const result = current.get(`${environment}/${protocol}`);
            const details = { environment, protocol };
            if (!result) {
              const earlier = tests.some((t) => t.environment === environment && t.protocol === protocol);
              violations.push({
                id: 'tests.required',
                message: earlier
                  ? `${protocol} in ${environment}: recorded for an earlier build only (the contents changed since); record it again`
                  : `${protocol} in ${environment}: no result recorded (${path('requiredTests')}.${environment})`,
                details,
              });
            } else if (result.outcome !== 'passed') {
              const junit =
                result.junit === null
                  ? null
                  : readJson<{ failed: number; errors: number; tests: number }>(result.junit);
              violations.push({
                id: 'tests.required',
                message: `${protocol} in ${environment}: ${result.outcome}${
                  junit ? ` (${junit.failed + junit.errors} of ${junit.tests} failed)` : ''
                } — recorded by ${result.recorded_by} at ${result.recorded_at}`,
                details: { ...details, testId: result.id, outcome: result.outcome },
              });
            }
          }
        }
        return violations;
      },
      coexistence_clean: async () => {
        const report = await this.analysis.coexistence(row.id, {
          targets: await targets(),
          limit: MAX_COEXISTENCE_VIOLATIONS,
        });
        const violations: GateViolation[] = report.releaseClashes.map((c) => ({
          id: c.rule,
          message: c.message,
          details: { artifactId: c.artifact.id },
        }));
        for (const target of report.targets) {
          for (const c of target.clashes) {
            violations.push({
              id: c.rule,
              message: `${target.ci.class}/${target.ci.name}: ${c.message}`,
              details: {
                targetId: target.ci.id,
                artifactId: c.artifact.id,
                ciId: c.ci?.id ?? null,
                installedVersion: c.installedVersion,
              },
            });
          }
        }
        if (violations.length > MAX_COEXISTENCE_VIOLATIONS) {
          const more = report.summary.clashes - MAX_COEXISTENCE_VIOLATIONS;
          return [
            ...violations.slice(0, MAX_COEXISTENCE_VIOLATIONS),
            {
              id: 'coexistence.conflicts',
              message: `… and ${more} more clashes: see GET /api/v1/releases/${row.id}/coexistence`,
            },
          ];
        }
        return violations;
      },
      change_approved: async () => {
        const active = (await linkedChanges()).filter((c) => !WITHDRAWN_CHANGE_STATES.has(c.state));
        if (active.length === 0) {
          return [
            {
              id: 'change.linked',
              message: `Release ${row.id} has no linked request for change: create one (POST /api/v1/releases/${row.id}/change) or link one`,
            },
          ];
        }
        return active.flatMap((c: Change): GateViolation[] => {
          if (APPROVED_CHANGE_STATES.has(c.state) && c.approval.met) return [];
          const why = c.approval.met
            ? `it is in ${c.state}`
            : `it is in ${c.state}, missing ${c.approval.missing.join('; ') || 'approval'}`;
          return [
            {
              id: 'change.approved',
              message: `Change #${c.id} "${c.title}" is not approved: ${why}`,
              details: { changeId: c.id, state: c.state },
            },
          ];
        });
      },
      notice_period: async () => {
        const minDays = typePolicy.minNoticeDays ?? 0;
        if (minDays === 0) return [];
        if (!row.planned_start) {
          return [{ id: 'notice.min_days', message: `No planned window to measure the ${minDays}-day notice against` }];
        }
        // Notice runs from the approval request (acceptance); before it, from now.
        const from = row.accepted_at ?? options.now;
        const notice = Date.parse(row.planned_start) - Date.parse(from);
        if (notice >= minDays * DAY_MS) return [];
        return [
          {
            id: 'notice.min_days',
            message: `The window starts ${days(notice)} days after the approval request (${from}); ${path('minNoticeDays')} asks ${minDays}: move plannedStart to ${new Date(Date.parse(from) + minDays * DAY_MS).toISOString()} or later`,
            details: { noticeDays: Number(days(notice)), minNoticeDays: minDays, from },
          },
        ];
      },
      backout_ready: async () => {
        const rule = typePolicy.backoutPlan;
        if (!rule?.required && !rule?.rehearsed) return [];
        const section = (await sections()).get('backout_plan');
        if (!section?.content.trim()) {
          return [
            {
              id: 'backout.required',
              message: `The back-out plan section is empty (${path('backoutPlan')}.required)`,
            },
          ];
        }
        if (!rule.rehearsed) return [];
        const rehearsals: RehearsalRow[] = await releaseRepository.rehearsals(this.db, row.id);
        const ofCurrent = rehearsals.filter((r) => r.plan_revision === section.revision);
        if (ofCurrent.some((r) => r.outcome === 'passed')) return [];
        const latest = rehearsals.at(-1);
        return [
          {
            id: 'backout.rehearsed',
            message:
              ofCurrent.length > 0
                ? `The back-out rehearsal of the current plan (revision ${section.revision}) failed: rehearse it again until it passes`
                : latest
                  ? `The back-out plan was rehearsed at revision ${latest.plan_revision} but is now at revision ${section.revision}: rehearse the current plan`
                  : `The back-out plan was never rehearsed (${path('backoutPlan')}.rehearsed): record a passed rehearsal`,
            details: { planRevision: section.revision },
          },
        ];
      },
      freeze_clear: async () => {
        if (!row.planned_start || !row.planned_end) return [];
        const ids = allTargetIds(await targets());
        if (row.unit_ci_id !== null) ids.push(row.unit_ci_id);
        const cis = await releaseCmdbRepository.cisByIds(this.db, [...new Set(ids)]);
        const calendar = await this.freezes.calendar();
        const hits = calendar.freezeHits(
          cis.map((c) => ({ id: c.id, class: c.class, environment: c.environment })),
          Date.parse(row.planned_start),
          Date.parse(row.planned_end),
        );
        if (hits.length === 0) return [];
        const freezes = [...new Map(hits.map((h) => [h.freeze.id, h.freeze])).values()];
        const names = (list: typeof freezes) => list.map((f) => `"${f.name}" (${f.kind}, id ${f.id})`).join(', ');
        const details = {
          freezes: freezes.map((f) => ({ id: f.id, name: f.name, kind: f.kind })),
          window: { start: row.planned_start, end: row.planned_end },
        };
        if (typePolicy.freeze === 'override-with-reason') {
          const stored = row.freeze_override === null ? null : readJson<FreezeOverride>(row.freeze_override);
          const covered = stored !== null && freezes.every((f) => stored.freezes.some((s) => s.id === f.id));
          if (covered) return [];
          const reason = options.freezeOverride?.reason.trim() ?? '';
          if (reason.length >= 3) {
            freezeOverride = { reason, by: options.actorName ?? 'unknown', at: options.now, freezes };
            return [];
          }
          return [
            {
              id: 'freeze.override_reason',
              message: `The window falls in ${names(freezes)}; ${path('freeze')} is override-with-reason: give freezeOverride.reason`,
              details,
            },
          ];
        }
        return freezes.map((f) => ({
          id: f.kind === 'hard' ? 'freeze.hard' : 'freeze.respect',
          message: `The window ${row.planned_start} – ${row.planned_end} falls in ${f.kind} freeze ${names([f])} covering the targets (${path('freeze')}: respect)`,
          details: { ...details, freezes: [{ id: f.id, name: f.name, kind: f.kind }] },
        }));
      },
      approval_quorum: async () => {
        const { board, required } = quorumOf(policy, type);
        const { counting, excluded } = approvalStanding(row, await approvals());
        const violations = excluded.map((e) => e.violation);
        if (counting.length < required) {
          violations.push({
            id: 'approvals.quorum',
            message: `${counting.length} of ${required} ${board.toUpperCase()} approval${required === 1 ? '' : 's'} for the current scope (round ${row.scope_round}; ${path('approvals')})`,
            details: { board, required, approvals: counting.map((a) => a.approver_name) },
          });
          return violations;
        }
        return [];
      },
      review_recorded: async () =>
        (await releaseRepository.review(this.db, row.id))
          ? []
          : [
              {
                id: 'review.recorded',
                message: `Release ${row.id} has no post-implementation review: record one first`,
              },
            ],
    };

    const checks: GateCheck[] = [];
    for (const guard of guards) {
      const violations = await gate[guard]();
      checks.push({ guard, description: RELEASE_GUARDS[guard], met: violations.length === 0, violations });
    }
    return { checks, violations: checks.flatMap((c) => c.violations), freezeOverride };
  }
}
