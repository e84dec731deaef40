import { EVIDENCE_KEYS, type Evidence, type EvidenceKey, kpiReport, ratio } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { LibraryServices } from '../library/library.module.js';
import type { KpiService } from '../metrics-kpi/kpi.service.js';
import { kpiDataRepository as repo } from '../metrics-kpi/kpi-data.repository.js';
import type { Clock } from '../platform/clock.js';
import type { Database } from '../platform/database-schema.js';

const DAY_MS = 86_400_000;
/** Evidence looks back one year; reviews are due within 30 days, freshness is judged over 90. */
const WINDOW_DAYS = 365;
const REVIEW_GRACE_DAYS = 30;
const FRESH_DAYS = 90;

/**
 * Measures, from Slipway's own records, what the maturity questionnaire asks (model/maturity.ts
 * EVIDENCE_KEYS). Each measure keeps its numerator and denominator so the report can show them.
 */
export class EvidenceService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly kpis: KpiService,
    private readonly library: LibraryServices,
  ) {}

  async measure(): Promise<Evidence[]> {
    const nowMs = this.clock.now().getTime();
    const now = new Date(nowMs).toISOString();
    const since = new Date(nowMs - WINDOW_DAYS * DAY_MS).toISOString();
    const reviewBefore = new Date(nowMs - REVIEW_GRACE_DAYS * DAY_MS).toISOString();
    const freshSince = new Date(nowMs - FRESH_DAYS * DAY_MS).toISOString();
    const data = await this.kpis.load(now);
    const year = kpiReport(data.input, { from: since, to: now, bucket: 'month' }).summary;

    const out: Evidence[] = [];
    const add = (key: EvidenceKey, numerator: number, denominator: number) => {
      const r = ratio(numerator, denominator);
      out.push({ key, value: r.value, numerator, denominator, description: EVIDENCE_KEYS[key] });
    };

    // Release management.
    const policies = await repo.policyVersions(this.db);
    add('release.policy_defined', policies > 0 ? 1 : 0, 1);
    const deployed = data.input.releases.filter(
      (r) => r.productionAt !== null && r.productionAt >= since && r.productionAt < now,
    );
    const deployedIds = deployed.map((r) => r.id);
    const sections = await repo.planSections(this.db, deployedIds);
    const sectionsOf = new Map<number, { done: number; total: number }>();
    for (const s of sections) {
      const entry = sectionsOf.get(s.release_id) ?? { done: 0, total: 0 };
      entry.total++;
      if (s.status === 'done' && s.content.trim() !== '') entry.done++;
      sectionsOf.set(s.release_id, entry);
    }
    add(
      'release.plans_complete',
      deployedIds.filter((id) => {
        const s = sectionsOf.get(id);
        return s !== undefined && s.total > 0 && s.done === s.total;
      }).length,
      deployedIds.length,
    );
    const protocols = new Map<number, number>();
    for (const t of await repo.passedTests(this.db, deployedIds)) {
      protocols.set(t.release_id, (protocols.get(t.release_id) ?? 0) + 1);
    }
    add('release.tests_recorded', deployedIds.filter((id) => (protocols.get(id) ?? 0) >= 1).length, deployedIds.length);
    add(
      'release.test_protocol_coverage',
      deployedIds.filter((id) => (protocols.get(id) ?? 0) >= 3).length,
      deployedIds.length,
    );
    const rehearsed = new Set((await repo.passedRehearsals(this.db, deployedIds)).map((r) => r.release_id));
    add('release.backout_rehearsed', deployedIds.filter((id) => rehearsed.has(id)).length, deployedIds.length);
    const approvedAt = new Map(data.releaseRows.map((r) => [r.id, r.approved_at]));
    add(
      'release.approved',
      deployed.filter((r) => {
        const at = approvedAt.get(r.id);
        return at !== null && at !== undefined && at <= (r.productionAt as string);
      }).length,
      deployed.length,
    );
    add('release.rollouts_on_time', year.rolloutsOnTime.numerator, year.rolloutsOnTime.denominator);
    add('release.no_backout', year.backoutRate.denominator - year.backoutRate.numerator, year.backoutRate.denominator);
    const dueForReview = deployed.filter((r) => (r.productionAt as string) < reviewBefore).map((r) => r.id);
    const reviewed = new Set((await repo.reviewedReleases(this.db, dueForReview)).map((r) => r.release_id));
    add('release.reviewed', dueForReview.filter((id) => reviewed.has(id)).length, dueForReview.length);

    // Change management.
    const implemented = data.changeRows.filter(
      (c) => c.started_at !== null && c.started_at >= since && c.started_at < now,
    );
    add(
      'change.approved_before_implementation',
      implemented.filter((c) => {
        if (c.type === 'standard') return true;
        const first = data.approvals.get(c.id);
        return first !== undefined && first <= (c.started_at as string);
      }).length,
      implemented.length,
    );
    const submitted = data.changeRows.filter(
      (c) => c.submitted_at !== null && c.submitted_at >= since && c.submitted_at < now,
    );
    add('change.risk_assessed', submitted.filter((c) => c.risk_score !== null).length, submitted.length);
    const completedDue = data.changeRows.filter(
      (c) => c.completed_at !== null && c.completed_at >= since && c.completed_at < reviewBefore,
    );
    add('change.reviewed', completedDue.filter((c) => c.outcome !== null).length, completedDue.length);
    add('change.success_rate', year.changeSuccessRate.numerator, year.changeSuccessRate.denominator);
    add(
      'change.emergency_low',
      year.emergencyChangeRatio.denominator - year.emergencyChangeRatio.numerator,
      year.emergencyChangeRatio.denominator,
    );
    const incidents = data.input.incidents.filter((i) => i.startedAt >= since && i.startedAt < now);
    add(
      'change.incidents_attributed',
      incidents.filter((i) => i.releaseId !== null || i.changeId !== null).length,
      incidents.length,
    );

    // Configuration management.
    const cmdb = await repo.cmdbCounts(this.db, freshSince);
    add('configuration.completeness', cmdb.complete, cmdb.total);
    add('configuration.freshness', cmdb.fresh, cmdb.total);
    add('configuration.relationships', cmdb.related, cmdb.total);
    add('configuration.baselines', (await repo.baselinesSince(this.db, freshSince)) > 0 ? 1 : 0, 1);
    try {
      const { counts } = await this.library.compliance.report({ limit: 1 });
      add('configuration.compliance', counts.compliant, counts.software);
    } catch {
      // No policy or library yet: not measurable, the question stays open.
      add('configuration.compliance', 0, 0);
    }
    return out;
  }
}
