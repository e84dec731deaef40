import { type ChangeType, CRITICALITIES, type Criticality } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { ImpactService } from '../cmdb/impact.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import type { PolicyService, PolicyVersion } from '../policy/policy.service.js';
import { type CiFacts, changeRepository, ciFactsRepository } from './change.repository.js';
import type { FreezeService } from './freeze.service.js';
import { computeRisk, type RiskAssessment } from './risk.js';
import type { WindowCalendar } from './window-calendar.js';

/** At most this many impacted services are listed (and consulted for owners and criticality). */
export const LISTED_SERVICES = 500;
const DAY_MS = 86_400_000;

export interface ImpactedService {
  id: number;
  name: string;
  owner: string | null;
  criticality: string | null;
}

/** The stored impact of a change: computed at submit, refreshed on request or on a scope edit. */
export interface ChangeImpact {
  /** CIs reached downstream from the change's CIs (the CIs themselves not counted). */
  count: number;
  summary: { class: string; count: number }[];
  /** Impacted CIs of class service (the change's own service CIs included), first LISTED_SERVICES. */
  services: ImpactedService[];
  servicesTotal: number;
  computedAt: string;
}

export interface StoredRisk extends RiskAssessment {
  computedAt: string;
  policyVersion: number;
}

export interface AssessmentSubject {
  id: number | null;
  type: ChangeType;
  ciIds: readonly number[];
  plannedStart: string | null;
  plannedEnd: string | null;
  backoutPlan: string | null;
}

/** The impacted CIs of a set of roots: a union of impact walks on the in-memory index. */
export interface Closure {
  /** Reached CIs, roots excluded, each once. */
  ids: Int32Array;
}

/**
 * Impact and risk of a change, from the CMDB's in-memory impact index (counts and class summary
 * never touch SQL per CI) plus a handful of small queries: the change's own CIs, the impacted
 * services listed, recent failures on the CIs. So a change on a CI that reaches 50,000 others
 * costs one traversal, one countByClass pass and a few indexed queries.
 */
export class AssessmentService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly impact: ImpactService,
    private readonly policy: PolicyService,
    private readonly freezes: FreezeService,
    private readonly clock: Clock,
  ) {}

  /** Union of the impact closures of `roots`, roots excluded. */
  closure(roots: readonly number[]): Closure {
    const index = this.impact.index;
    const unique = [...new Set(roots)].filter((r) => r >= 0 && r < index.capacity);
    if (unique.length === 0) return { ids: new Int32Array(0) };
    if (unique.length === 1) {
      const order = this.impact.traverse(unique[0] as number, 'impact', {}).order;
      return { ids: order };
    }
    const seen = new Uint8Array(index.capacity);
    for (const r of unique) seen[r] = 2;
    const out: number[] = [];
    for (const root of unique) {
      const order = this.impact.traverse(root, 'impact', {}).order;
      for (let i = 0; i < order.length; i++) {
        const id = order[i] as number;
        if (seen[id] === 0) {
          seen[id] = 1;
          out.push(id);
        }
      }
    }
    return { ids: Int32Array.from(out) };
  }

  async impactOf(ciIds: readonly number[], db: Db = this.db): Promise<{ impact: ChangeImpact; cis: CiFacts[] }> {
    const closure = this.closure(ciIds);
    const index = this.impact.index;
    const summary = [...index.countByClass(closure.ids)]
      .map(([name, count]) => ({ class: name, count }))
      .sort((a, b) =>
        a.class === 'service' ? -1 : b.class === 'service' ? 1 : b.count - a.count || a.class.localeCompare(b.class),
      );
    const impactedServices = index.filterByClass(closure.ids, new Set(['service']));
    const cis = await ciFactsRepository.byIds(db, ciIds);
    const ownServices = cis.filter((c) => c.class === 'service').map((c) => c.id);
    const serviceIds = [...new Set([...ownServices, ...impactedServices])];
    const listed = (await ciFactsRepository.byIds(db, serviceIds.slice(0, LISTED_SERVICES)))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id)
      .map((s) => ({ id: s.id, name: s.name, owner: s.owner, criticality: s.criticality }));
    return {
      impact: {
        count: closure.ids.length,
        summary,
        services: listed,
        servicesTotal: serviceIds.length,
        computedAt: isoNow(this.clock),
      },
      cis,
    };
  }

  /** Impact and risk of a change as it is now (nothing is stored here). */
  async assess(
    subject: AssessmentSubject,
    options: { db?: Db; calendar?: WindowCalendar; policy?: PolicyVersion } = {},
  ): Promise<{ impact: ChangeImpact; risk: StoredRisk }> {
    const db = options.db ?? this.db;
    const policyVersion = options.policy ?? (await this.policy.current());
    const policy = policyVersion.policy;
    const { impact, cis } = await this.impactOf(subject.ciIds, db);
    const now = this.clock.now().getTime();

    let criticality: { level: Criticality | null; source: string | null } = { level: null, source: null };
    const consider = (value: string | null, source: string) => {
      const rank = CRITICALITIES.indexOf(value as Criticality);
      if (rank < 0) return;
      if (criticality.level === null || rank > CRITICALITIES.indexOf(criticality.level)) {
        criticality = { level: value as Criticality, source };
      }
    };
    for (const ci of cis) consider(ci.criticality, `${ci.class}/${ci.name}`);
    for (const s of impact.services) consider(s.criticality, `service/${s.name}`);

    let environment: string | null = null;
    let environmentRank = -2;
    for (const ci of cis) {
      if (ci.environment === null) continue;
      const rank = policy.environments.indexOf(ci.environment);
      if (rank > environmentRank) {
        environment = ci.environment;
        environmentRank = rank;
      }
    }

    const start = subject.plannedStart ? Date.parse(subject.plannedStart) : null;
    const end = subject.plannedEnd ? Date.parse(subject.plannedEnd) : null;
    const since = new Date(now - policy.changes.risk.recentFailureDays * DAY_MS).toISOString();
    const failures = await changeRepository.recentFailures(db, subject.ciIds, since, subject.id);

    let freeze: { name: string; gapDays: number } | null = null;
    if (start !== null && end !== null) {
      const calendar = options.calendar ?? (await this.freezes.calendar(db));
      freeze = calendar.nearestFreeze(
        cis.map((c) => ({ id: c.id, class: c.class, environment: c.environment })),
        start,
        end,
        policy.changes.risk.freezeProximityDays,
      );
    }

    const risk = computeRisk(
      {
        type: subject.type,
        impactedCount: impact.count,
        criticality,
        environment,
        noticeDays: start === null ? null : (start - now) / DAY_MS,
        backoutPlan: (subject.backoutPlan ?? '').trim().length > 0,
        recentFailures: { count: failures.length, changeIds: failures },
        freeze,
      },
      policy.changes,
      policy.environments,
    );
    return { impact, risk: { ...risk, computedAt: impact.computedAt, policyVersion: policyVersion.version } };
  }
}
