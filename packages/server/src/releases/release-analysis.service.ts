import { COMMITTED_RELEASE_STATES } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { AssessmentService, ChangeImpact } from '../changes/assessment.service.js';
import { readJson } from '../cmdb/json-column.js';
import type { ArtifactService } from '../library/artifact.service.js';
import type { Artifact } from '../library/artifact-view.js';
import type { Clock } from '../platform/clock.js';
import { isoNow } from '../platform/clock.js';
import type { Database } from '../platform/database-schema.js';
import { NotFoundError } from '../platform/errors.js';
import { hiddenRefs } from '../platform/teams/team-filter.js';
import { SEES_ALL, type Visibility } from '../platform/teams/team-scope.js';
import {
  type CiRef,
  type Clash,
  type OtherReleaseFacts,
  ownArtifactClashes,
  type ProductFact,
  productOf,
  type ReleaseArtifactFacts,
  type TargetReport,
  targetClashes,
} from './coexistence.js';
import { type ReleaseRow, releaseRepository } from './release.repository.js';
import { type CiFactsRow, releaseCmdbRepository } from './release-cmdb.repository.js';
import { allTargetIds, type ResolvedTargets, type TargetResolver, toCandidate } from './target-resolver.js';

export interface CoexistenceReport {
  releaseId: number;
  environment: string | null;
  ok: boolean;
  checkedAt: string;
  artifacts: { id: number; name: string; version: string }[];
  /** Clashes among the release's own artifacts. */
  releaseClashes: Clash[];
  summary: { targets: number; clean: number; clashing: number; clashes: number };
  /** Other releases on shared targets in an overlapping window that were checked against. */
  concurrentReleases: OtherReleaseFacts['release'][];
  /** Per target (clashing ones first), at most `limit`. */
  targets: TargetReport[];
  truncated: boolean;
}

export interface ReleaseImpact {
  releaseId: number;
  environment: string | null;
  roots: { count: number; byClass: { class: string; count: number }[] };
  /** CIs reached downstream from the roots (the roots themselves not counted). */
  count: number;
  summary: ChangeImpact['summary'];
  services: ChangeImpact['services'];
  servicesTotal: number;
  /** Impacted CIs, services first, at most `limit`. */
  items: CiRef[];
  truncated: boolean;
  computedAt: string;
}

const MAX_CONCURRENT_RELEASES = 50;
const FACT_TYPES = ['runs_on', 'depends_on'] as const;

function ref(row: { id: number; class: string; name: string }): CiRef {
  return { id: row.id, class: row.class, name: row.name };
}

function facts(ci: CiFactsRow, via: ProductFact['via']): ProductFact | undefined {
  const product = productOf(toCandidate(ci));
  return product ? { product: product.product, version: product.version, ci: ref(ci), via } : undefined;
}

export function artifactFacts(artifact: Artifact): ReleaseArtifactFacts {
  return {
    id: artifact.id,
    name: artifact.name,
    version: artifact.artifactVersion,
    requires: artifact.requires,
    conflicts: artifact.conflicts,
  };
}

/**
 * The release's questions about its environment: does it coexist peacefully with what is already
 * on its targets (and with other releases headed there), and what is its blast radius? Both work
 * a set at a time over the CMDB read model and the impact index, so a release on 2,600 desktops
 * costs a handful of queries.
 */
/**
 * A target's report as a reader who may not see some concurrent releases gets it: the clash stays
 * (it is real, and blocks readiness), but the other team's release is not named.
 */
function redacted(report: TargetReport, hidden: ReadonlySet<string>): TargetReport {
  return {
    ...report,
    clashes: report.clashes.map((c) =>
      c.otherRelease && hidden.has(`release:${c.otherRelease.id}`)
        ? {
            ...c,
            otherRelease: null,
            message: `${c.artifact.name} ${c.artifact.version} clashes with ${c.clause.name} of another team's release on ${report.ci.class}/${report.ci.name} in an overlapping window`,
          }
        : c,
    ),
  };
}

export class ReleaseAnalysisService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly resolver: TargetResolver,
    private readonly artifacts: ArtifactService,
    private readonly assessment: AssessmentService,
    private readonly clock: Clock,
  ) {}

  async #row(id: number): Promise<ReleaseRow> {
    const row = await releaseRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('release', id);
    return row;
  }

  /** The library artifacts of the given ids that exist, each once, in one batch. */
  async artifactsByIds(ids: readonly number[]): Promise<Map<number, Artifact>> {
    return this.artifacts.getMany(ids);
  }

  /** Product facts on and around each target: itself, its software, its hosts and their software, its dependencies. */
  async #factsFor(targetIds: readonly number[]): Promise<Map<number, ProductFact[]>> {
    const out = new Map<number, ProductFact[]>(targetIds.map((id) => [id, []]));
    const push = (targetId: number, fact: ProductFact | undefined) => {
      if (fact) out.get(targetId)?.push(fact);
    };
    const targets = await releaseCmdbRepository.cisByIds(this.db, targetIds);
    for (const t of targets) push(t.id, facts(t, 'target'));
    for (const sw of await releaseCmdbRepository.softwareOn(this.db, targetIds))
      push(sw.host_id, facts(sw, 'installed'));
    const edges = await releaseCmdbRepository.edges(this.db, targetIds, 'out', FACT_TYPES);
    const neighbourIds = [...new Set(edges.map((e) => e.target_id))];
    const neighbours = new Map((await releaseCmdbRepository.cisByIds(this.db, neighbourIds)).map((c) => [c.id, c]));
    const hostIds = [...new Set(edges.filter((e) => e.type === 'runs_on').map((e) => e.target_id))];
    const hostSoftware = new Map<number, CiFactsRow[]>();
    for (const sw of await releaseCmdbRepository.softwareOn(this.db, hostIds)) {
      hostSoftware.set(sw.host_id, [...(hostSoftware.get(sw.host_id) ?? []), sw]);
    }
    for (const edge of edges) {
      const neighbour = neighbours.get(edge.target_id);
      if (!neighbour || neighbour.status === 'retired') continue;
      if (edge.type === 'runs_on') {
        push(edge.source_id, facts(neighbour, 'host'));
        for (const sw of hostSoftware.get(edge.target_id) ?? []) push(edge.source_id, facts(sw, 'host_installed'));
      } else push(edge.source_id, facts(neighbour, 'dependency'));
    }
    return out;
  }

  /** Releases committed to overlapping windows that share targets with this one, with their artifacts. */
  async #concurrent(row: ReleaseRow, targetIds: ReadonlySet<number>): Promise<OtherReleaseFacts[]> {
    if (!row.planned_start || !row.planned_end || targetIds.size === 0) return [];
    const others = (
      await releaseRepository.inWindow(
        this.db,
        COMMITTED_RELEASE_STATES,
        row.planned_start,
        row.planned_end,
        MAX_CONCURRENT_RELEASES + 1,
      )
    ).filter((r) => r.id !== row.id);
    if (others.length === 0) return [];
    const targets = await this.resolver.forReleases(others.map((o) => o.id));
    const artifactIds = await releaseRepository.artifactIdsOf(
      this.db,
      others.map((o) => o.id),
    );
    const artifacts = await this.artifactsByIds([...artifactIds.values()].flat());
    const out: OtherReleaseFacts[] = [];
    for (const other of others.slice(0, MAX_CONCURRENT_RELEASES)) {
      const shared = new Set(allTargetIds(targets.get(other.id) ?? new Map()).filter((id) => targetIds.has(id)));
      if (shared.size === 0) continue;
      out.push({
        release: {
          id: other.id,
          unit: other.unit_name,
          version: other.version_label,
          title: other.title,
          state: other.state,
        },
        artifacts: (artifactIds.get(other.id) ?? []).flatMap((id) => {
          const a = artifacts.get(id);
          return a ? [artifactFacts(a)] : [];
        }),
        targetIds: shared,
      });
    }
    return out;
  }

  /**
   * The peaceful-coexistence report: per target ok or every clash (rule, artifact clause, CI and
   * installed version), clashing targets first; plus clashes among the release's own artifacts.
   */
  async coexistence(
    releaseId: number,
    options: {
      environment?: string | undefined;
      limit?: number | undefined;
      targets?: ResolvedTargets;
      /** The reader's visibility: another team's concurrent release is named only to who may see it. */
      visibility?: Visibility | undefined;
    } = {},
  ): Promise<CoexistenceReport> {
    const row = await this.#row(releaseId);
    const limit = options.limit ?? 1000;
    const resolved = options.targets ?? (await this.resolver.forRelease(releaseId, options.environment));
    const targetIds = allTargetIds(resolved);
    const artifacts = [
      ...(await this.artifactsByIds(await releaseRepository.artifactIds(this.db, releaseId))).values(),
    ].map(artifactFacts);
    const releaseClashes = ownArtifactClashes(artifacts);
    const reports: TargetReport[] = [];
    let concurrent: OtherReleaseFacts[] = [];
    let hidden = new Set<string>();
    if (artifacts.length > 0 && targetIds.length > 0) {
      const [factsByTarget, others] = await Promise.all([
        this.#factsFor(targetIds),
        this.#concurrent(row, new Set(targetIds)),
      ]);
      concurrent = others;
      hidden = await hiddenRefs(
        this.db,
        others.map((o) => ({ object: 'release' as const, id: o.release.id })),
        options.visibility ?? SEES_ALL,
      );
      const cis = new Map((await releaseCmdbRepository.cisByIds(this.db, targetIds)).map((c) => [c.id, ref(c)]));
      for (const id of targetIds) {
        const ci = cis.get(id) ?? { id, class: '', name: '' };
        const clashes = targetClashes(ci, factsByTarget.get(id) ?? [], artifacts, others);
        reports.push({ ci, ok: clashes.length === 0, clashes });
      }
    } else {
      const cis = await releaseCmdbRepository.cisByIds(this.db, targetIds);
      for (const c of cis) reports.push({ ci: ref(c), ok: true, clashes: [] });
    }
    reports.sort((a, b) => Number(a.ok) - Number(b.ok) || a.ci.id - b.ci.id);
    const clashing = reports.filter((r) => !r.ok).length;
    return {
      releaseId,
      environment: options.environment ?? null,
      ok: clashing === 0 && releaseClashes.length === 0,
      checkedAt: isoNow(this.clock),
      artifacts: artifacts.map((a) => ({ id: a.id, name: a.name, version: a.version })),
      releaseClashes,
      summary: {
        targets: reports.length,
        clean: reports.length - clashing,
        clashing,
        clashes: reports.reduce((n, r) => n + r.clashes.length, 0) + releaseClashes.length,
      },
      concurrentReleases: concurrent.map((c) => c.release).filter((r) => !hidden.has(`release:${r.id}`)),
      targets: hidden.size === 0 ? reports.slice(0, limit) : reports.slice(0, limit).map((r) => redacted(r, hidden)),
      truncated: reports.length > limit,
    };
  }

  /**
   * The release-level blast radius: the union of the impact walks from every target, every CI
   * with a planned attribute change, the release unit, and the installed software the release's
   * artifacts replace. One multi-root traversal over the in-memory impact index; services first.
   */
  async impact(
    releaseId: number,
    options: { environment?: string | undefined; limit?: number | undefined } = {},
  ): Promise<ReleaseImpact> {
    const row = await this.#row(releaseId);
    const limit = options.limit ?? 200;
    const targetIds = allTargetIds(await this.resolver.forRelease(releaseId, options.environment));
    const roots = new Set<number>(targetIds);
    if (row.unit_ci_id !== null) roots.add(row.unit_ci_id);
    for (const change of await releaseRepository.ciChanges(this.db, releaseId)) roots.add(change.ci_id);
    const products = new Set(
      [...(await this.artifactsByIds(await releaseRepository.artifactIds(this.db, releaseId))).values()].map((a) =>
        a.name.toLowerCase(),
      ),
    );
    if (products.size > 0 && targetIds.length > 0) {
      for (const sw of await releaseCmdbRepository.softwareOn(this.db, targetIds)) {
        const p = productOf(toCandidate(sw));
        if (p && products.has(p.product.toLowerCase())) roots.add(sw.id);
      }
    }
    const rootIds = [...roots];
    const { impact } = await this.assessment.impactOf(rootIds);
    const closure = this.assessment.closure(rootIds).ids;
    const rootRows = await releaseCmdbRepository.cisByIds(this.db, rootIds);
    const byClass = new Map<string, number>();
    for (const r of rootRows) byClass.set(r.class, (byClass.get(r.class) ?? 0) + 1);
    const serviceIds = new Set(impact.services.map((s) => s.id));
    // Services first (what the business feels), then the rest in traversal order (nearest first).
    const ordered = [...impact.services.map((s) => s.id).filter((id) => !roots.has(id))];
    for (let i = 0; i < closure.length && ordered.length < limit + 1; i++) {
      const id = closure[i] as number;
      if (!serviceIds.has(id)) ordered.push(id);
    }
    const refs = new Map(
      (await releaseCmdbRepository.cisByIds(this.db, ordered.slice(0, limit))).map((c) => [c.id, ref(c)]),
    );
    return {
      releaseId,
      environment: options.environment ?? null,
      roots: {
        count: rootIds.length,
        byClass: [...byClass].map(([cls, count]) => ({ class: cls, count })).sort((a, b) => b.count - a.count),
      },
      count: impact.count,
      summary: impact.summary,
      services: impact.services,
      servicesTotal: impact.servicesTotal,
      items: ordered.slice(0, limit).flatMap((id) => {
        const found = refs.get(id);
        return found ? [found] : [];
      }),
      truncated: impact.count > limit,
      computedAt: impact.computedAt,
    };
  }
}

/** Used by the gate: the readable attributes of a CI row. */
export function attributesOf(row: CiFactsRow): Record<string, unknown> {
  return readJson<Record<string, unknown>>(row.attributes);
}
