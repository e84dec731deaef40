import {
  bucketsOf,
  type DoraReport,
  doraReport,
  filterKpiInput,
  type KpiBucket,
  type KpiChange,
  type KpiIncident,
  type KpiInput,
  type KpiRelease,
  type KpiReport,
  type KpiRollout,
  kpiReport,
  RELEASE_ELEMENTS,
  TERMINAL_ROLLOUT_STATES,
} from '@slipway/model';
import type { Kysely } from 'kysely';
import type { CmdbServices } from '../cmdb/cmdb.module.js';
import { readJson } from '../cmdb/json-column.js';
import type { LibraryServices } from '../library/library.module.js';
import type { Clock } from '../platform/clock.js';
import type { Database } from '../platform/database-schema.js';
import { InputError } from '../platform/errors.js';
import type { PolicyService } from '../policy/policy.service.js';
import { kpiDataRepository as repo } from './kpi-data.repository.js';

export interface KpiQuery {
  from?: string | undefined;
  to?: string | undefined;
  service?: string | undefined;
  element?: string | undefined;
  bucket?: KpiBucket | undefined;
}

export interface Period {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 90;
/** About three years: enough for any leadership question, bounded so a trend stays a few hundred buckets. */
const MAX_DAYS = 1100;
const MAX_BUCKETS = 400;

/** What the KPIs are computed from, plus the raw facts the maturity evidence needs. */
export interface KpiData {
  input: KpiInput;
  productionEnvironment: string;
  releaseRows: Awaited<ReturnType<typeof repo.releases>>;
  changeRows: Awaited<ReturnType<typeof repo.changes>>;
  approvals: Map<number, string>;
  incidentRows: Awaited<ReturnType<typeof repo.incidents>>;
}

/**
 * Loads Slipway's records into the plain shapes of model/kpis.ts and dora.ts and runs the pure
 * computations. Services (by name) of a record are the `service` CIs its CIs impact (the impact
 * index's walk), or the CI itself when it is a service.
 */
export class KpiService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly policy: PolicyService,
    private readonly cmdb: CmdbServices,
    private readonly library: LibraryServices,
  ) {}

  /** The period asked for, defaulting to the last 90 days; 400 when it is not a sensible one. */
  period(query: { from?: string | undefined; to?: string | undefined }): Period {
    const parse = (field: string, value: string) => {
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) throw new InputError(`${field} must be a date or date-time`, { field });
      return ms;
    };
    const to = query.to !== undefined ? parse('to', query.to) : this.clock.now().getTime();
    const from = query.from !== undefined ? parse('from', query.from) : to - DEFAULT_DAYS * DAY_MS;
    if (from >= to) throw new InputError('from must be before to', { field: 'from' });
    if (to - from > MAX_DAYS * DAY_MS) {
      throw new InputError(`The period may span at most ${MAX_DAYS} days`, { field: 'from' });
    }
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }

  async #checkFilter(query: KpiQuery): Promise<void> {
    if (query.element !== undefined && !(RELEASE_ELEMENTS as readonly string[]).includes(query.element)) {
      throw new InputError(`element must be one of ${RELEASE_ELEMENTS.join(', ')}`, { field: 'element' });
    }
    if (query.service !== undefined) {
      const services = await repo.services(this.db);
      if (!services.some((s) => s.name === query.service)) {
        throw new InputError(`There is no service CI named ${query.service}`, { field: 'service' });
      }
    }
  }

  async #productionEnvironment(): Promise<string> {
    try {
      return (await this.policy.current()).policy.environments.at(-1) ?? 'production';
    } catch {
      return 'production';
    }
  }

  /** CI id → names of the services it impacts (itself included when it is a service). */
  async #servicesOf(ciIds: Iterable<number>): Promise<Map<number, string[]>> {
    const services = new Map((await repo.services(this.db)).map((s) => [s.id, s.name]));
    const out = new Map<number, string[]>();
    for (const ciId of new Set(ciIds)) {
      const names = new Set<string>();
      const own = services.get(ciId);
      if (own !== undefined) names.add(own);
      if (services.size > 0) {
        try {
          for (const reached of this.cmdb.impact.traverse(ciId, 'impact', {}).order) {
            const name = services.get(reached);
            if (name !== undefined) names.add(name);
          }
        } catch {
          // A CI the index does not know (deleted, or written by another instance a moment ago)
          // impacts nothing we can tell; its own service name above still counts.
        }
      }
      out.set(ciId, [...names].sort());
    }
    return out;
  }

  async #compliance(): Promise<KpiInput['compliance']> {
    try {
      const { counts } = await this.library.compliance.report({ limit: 1 });
      return { software: counts.software, unauthorized: counts.unauthorized, unlicensed: counts.unlicensed };
    } catch {
      // Without a policy or library the compliance figures are unknown, not zero.
      return null;
    }
  }

  /** Every record up to `to`, in the plain shapes the computations take. */
  async load(to: string): Promise<KpiData> {
    const production = await this.#productionEnvironment();
    const releaseRows = await repo.releases(this.db, to);
    const releaseIds = releaseRows.map((r) => r.id);
    const rolloutRows = await repo.rollouts(this.db, production, to);
    const rolloutTargets = await repo.rolloutTargets(
      this.db,
      rolloutRows.map((r) => r.id),
    );
    const releaseTargets = await repo.releaseTargets(this.db, releaseIds, production);
    const changeRows = await repo.changes(this.db, to);
    const changeCis = await repo.changeCis(
      this.db,
      changeRows.map((c) => c.id),
    );
    const approvals = new Map(
      (
        await repo.firstApprovals(
          this.db,
          changeRows.map((c) => c.id),
        )
      ).map((a) => [a.change_id, String(a.first_at)]),
    );
    const incidentRows = await repo.incidents(this.db, to);
    const incidentCis = await repo.incidentCis(
      this.db,
      incidentRows.map((i) => i.id),
    );

    const ciIds = [
      ...releaseRows.flatMap((r) => (r.unit_ci_id === null ? [] : [r.unit_ci_id])),
      ...releaseTargets.map((t) => t.ci_id),
      ...rolloutTargets.map((t) => t.ci_id),
      ...changeCis.map((c) => c.ci_id),
      ...incidentCis.map((c) => c.ci_id),
    ];
    const servicesOf = await this.#servicesOf(ciIds);
    const namesOf = (ids: Iterable<number>) => {
      const names = new Set<string>();
      for (const id of ids) for (const name of servicesOf.get(id) ?? []) names.add(name);
      return [...names].sort();
    };
    const group = <T, K>(rows: T[], key: (row: T) => K) => {
      const map = new Map<K, T[]>();
      for (const row of rows) map.set(key(row), [...(map.get(key(row)) ?? []), row]);
      return map;
    };

    const targetsByRollout = group(rolloutTargets, (t) => t.rollout_id);
    const rollouts: KpiRollout[] = rolloutRows.map((r) => {
      const targets = (targetsByRollout.get(r.id) ?? []).map((t) => ({
        downtimeMinutes: Number(t.downtime_ms) / 60_000,
        services: servicesOf.get(t.ci_id) ?? [],
      }));
      return {
        id: r.id,
        releaseId: r.release_id,
        state: r.state,
        terminal: (TERMINAL_ROLLOUT_STATES as readonly string[]).includes(r.state),
        plannedEnd: r.planned_end,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        backedOut: r.backout_started_at !== null || r.state === 'backed_out',
        targets,
        services: namesOf((targetsByRollout.get(r.id) ?? []).map((t) => t.ci_id)),
      };
    });

    // A release reaches production when its first production rollout completes; a release marked
    // deployed without rollout records (imported history) counts from its deployed_at.
    const firstProduction = new Map<number, string>();
    for (const r of rolloutRows) {
      if (r.state !== 'completed' || r.finished_at === null) continue;
      const known = firstProduction.get(r.release_id);
      if (known === undefined || r.finished_at < known) firstProduction.set(r.release_id, r.finished_at);
    }
    const targetsByRelease = group(releaseTargets, (t) => t.release_id);
    const rolloutServicesByRelease = group(rollouts, (r) => r.releaseId);
    const releases: KpiRelease[] = releaseRows.map((r) => ({
      id: r.id,
      type: r.type,
      element: r.element,
      createdAt: r.created_at,
      productionAt: firstProduction.get(r.id) ?? r.deployed_at,
      services: [
        ...new Set([
          ...namesOf([
            ...(r.unit_ci_id === null ? [] : [r.unit_ci_id]),
            ...(targetsByRelease.get(r.id) ?? []).map((t) => t.ci_id),
          ]),
          ...(rolloutServicesByRelease.get(r.id) ?? []).flatMap((x) => x.services),
        ]),
      ].sort(),
    }));

    const cisByChange = group(changeCis, (c) => c.change_id);
    const changes: KpiChange[] = changeRows.map((c) => ({
      id: c.id,
      type: c.type,
      releaseId: c.release_id,
      createdAt: c.created_at,
      submittedAt: c.submitted_at,
      startedAt: c.started_at,
      completedAt: c.completed_at,
      reviewOutcome: c.outcome,
      services: namesOf((cisByChange.get(c.id) ?? []).map((x) => x.ci_id)),
    }));

    // Unification with change reviews: a review that lists an incident is the change module's
    // way of saying "this change caused it"; it counts when the incident names no cause itself.
    const reviewCause = new Map<number, number>();
    for (const c of changeRows) {
      if (c.incident_ids === null) continue;
      for (const incidentId of readJson<number[]>(c.incident_ids)) {
        if (!reviewCause.has(incidentId)) reviewCause.set(incidentId, c.id);
      }
    }
    const releaseOfChange = new Map(changeRows.map((c) => [c.id, c.release_id]));
    const cisByIncident = group(incidentCis, (c) => c.incident_id);
    const incidents: KpiIncident[] = incidentRows.map((i) => {
      const changeId =
        i.caused_by_release_id !== null ? null : (i.caused_by_change_id ?? reviewCause.get(i.id) ?? null);
      return {
        id: i.id,
        startedAt: i.started_at,
        resolvedAt: i.resolved_at,
        releaseId: i.caused_by_release_id ?? (changeId === null ? null : (releaseOfChange.get(changeId) ?? null)),
        changeId,
        services: namesOf((cisByIncident.get(i.id) ?? []).map((x) => x.ci_id)),
      };
    });

    return {
      input: { releases, rollouts, changes, incidents, compliance: await this.#compliance() },
      productionEnvironment: production,
      releaseRows,
      changeRows,
      approvals,
      incidentRows,
    };
  }

  async kpis(query: KpiQuery): Promise<KpiReport> {
    const period = this.period(query);
    await this.#checkFilter(query);
    if (query.bucket !== undefined && bucketsOf(period.from, period.to, query.bucket).length > MAX_BUCKETS) {
      throw new InputError(`At most ${MAX_BUCKETS} ${query.bucket}s in a trend: choose a larger bucket`, {
        field: 'bucket',
      });
    }
    const { input } = await this.load(period.to);
    return kpiReport(input, { ...period, bucket: query.bucket }, { element: query.element, service: query.service });
  }

  async dora(query: KpiQuery): Promise<DoraReport & { filter: { element: string | null; service: string | null } }> {
    const period = this.period(query);
    await this.#checkFilter(query);
    const { input } = await this.load(period.to);
    const scoped = filterKpiInput(input, { element: query.element, service: query.service });
    return {
      ...doraReport(scoped, period.from, period.to),
      filter: { element: query.element ?? null, service: query.service ?? null },
    };
  }
}
