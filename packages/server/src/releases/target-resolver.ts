import { parseCiReference, type TargetQuery } from '@slipway/model';
import { readJson } from '../cmdb/json-column.js';
import type { Db } from '../platform/database.js';
import { InputError } from '../platform/errors.js';
import { productOf } from './coexistence.js';
import { releaseRepository, type TargetQueryRow } from './release.repository.js';
import { type CiFactsRow, releaseCmdbRepository } from './release-cmdb.repository.js';
import { type CandidateCi, candidateMatches, type NormalisedQuery, normaliseTargetQuery } from './target-query.js';
import { satisfiesRange } from './versioning.js';

/** The most targets one environment of one release resolves to; more is refused, not truncated silently. */
export const MAX_TARGETS = 100_000;
const SCAN_PAGE = 5000;

export function toCandidate(row: CiFactsRow): CandidateCi {
  return {
    id: row.id,
    class: row.class,
    name: row.name,
    status: row.status,
    environment: row.environment,
    owner: row.owner,
    criticality: row.criticality,
    attributes: readJson<Record<string, unknown>>(row.attributes),
  };
}

/** Where a resolved target came from: listed explicitly, or selected by saved query `query:<id>`. */
export type TargetSource = 'explicit' | `query:${number}`;

/** A release's resolved targets: per release environment, each CI with the sources that selected it. */
export type ResolvedTargets = Map<string, Map<number, TargetSource[]>>;

function intersect(a: Set<number> | undefined, b: Set<number>): Set<number> {
  if (a === undefined) return b;
  return new Set([...a].filter((id) => b.has(id)));
}

/**
 * Turns saved target queries into CI sets, a set at a time: one statement per relationship or
 * installed-software condition (however many candidates), then the class/environment/status
 * scan in pages of SCAN_PAGE with the attribute conditions applied in memory. Restricting
 * conditions are evaluated first, so "desktops with Zoom below 6" scans only the hosts that
 * have such a Zoom, not all desktops.
 */
export class TargetResolver {
  constructor(private readonly db: Db) {}

  async #restriction(db: Db, query: NormalisedQuery): Promise<{ only?: Set<number>; excluded: Set<number> }> {
    let only: Set<number> | undefined;
    const excluded = new Set<number>();
    for (const condition of query.related) {
      let ciId: number | undefined;
      if (typeof condition.ci === 'number') ciId = condition.ci;
      else {
        const ref = parseCiReference(condition.ci);
        ciId = ref ? (await releaseCmdbRepository.idsByRefs(db, [ref])).get(`${ref.class}/${ref.name}`) : undefined;
      }
      only = intersect(
        only,
        ciId === undefined
          ? new Set()
          : await releaseCmdbRepository.ends(db, ciId, condition.type, condition.direction),
      );
    }
    if (query.installed.length > 0) {
      const software = (await releaseCmdbRepository.liveSoftware(db)).map(toCandidate);
      for (const condition of query.installed) {
        const product = condition.product.toLowerCase();
        const matching = software
          .filter((sw) => {
            const facts = productOf(sw);
            if (!facts || facts.product.toLowerCase() !== product) return false;
            return condition.range === undefined || satisfiesRange(facts.version, condition.range);
          })
          .map((sw) => sw.id);
        const hosts = await releaseCmdbRepository.hostsWithSoftware(db, matching);
        if (condition.present) only = intersect(only, hosts);
        else for (const id of hosts) excluded.add(id);
      }
    }
    return only === undefined ? { excluded } : { only, excluded };
  }

  /** The CI ids a query selects, ascending; InputError when more than `limit` match. */
  async resolve(query: NormalisedQuery, limit = MAX_TARGETS, db: Db = this.db): Promise<number[]> {
    const { only, excluded } = await this.#restriction(db, query);
    if (only !== undefined && only.size === 0) return [];
    const restricted = only === undefined ? undefined : [...only].sort((a, b) => a - b);
    const out: number[] = [];
    const consider = (rows: CiFactsRow[]) => {
      for (const row of rows) {
        if (excluded.has(row.id) || !candidateMatches(toCandidate(row), query)) continue;
        out.push(row.id);
        if (out.length > limit) {
          throw new InputError(`The target query selects more than ${limit} CIs: narrow it`, { field: 'query' });
        }
      }
    };
    const filter = {
      classes: query.classes,
      environments: query.environments,
      statuses: query.statuses,
      nameContains: query.nameContains,
    };
    if (restricted) {
      for (let i = 0; i < restricted.length; i += SCAN_PAGE) {
        const ids = restricted.slice(i, i + SCAN_PAGE);
        consider(await releaseCmdbRepository.scan(db, { ...filter, ids, afterId: 0, limit: ids.length }));
      }
    } else {
      let afterId = 0;
      for (;;) {
        const page = await releaseCmdbRepository.scan(db, { ...filter, afterId, limit: SCAN_PAGE });
        consider(page);
        const last = page.at(-1);
        if (page.length < SCAN_PAGE || !last) break;
        afterId = last.id;
      }
    }
    return out.sort((a, b) => a - b);
  }

  /** Resolves a saved query row (validated when it was saved). */
  async resolveRow(row: TargetQueryRow, db: Db = this.db): Promise<number[]> {
    return this.resolve(normaliseTargetQuery(readJson<TargetQuery>(row.query)), MAX_TARGETS, db);
  }

  /**
   * Every target of the given releases, per release and environment: explicit ones and those of
   * each saved query. `environment` narrows to one environment.
   */
  async forReleases(
    releaseIds: readonly number[],
    environment?: string,
    db: Db = this.db,
  ): Promise<Map<number, ResolvedTargets>> {
    const out = new Map<number, ResolvedTargets>();
    const add = (releaseId: number, env: string, ciId: number, source: TargetSource) => {
      let byEnv = out.get(releaseId);
      if (!byEnv) {
        byEnv = new Map();
        out.set(releaseId, byEnv);
      }
      let cis = byEnv.get(env);
      if (!cis) {
        cis = new Map();
        byEnv.set(env, cis);
      }
      const sources = cis.get(ciId);
      if (sources) sources.push(source);
      else cis.set(ciId, [source]);
    };
    for (const id of releaseIds) out.set(id, new Map());
    for (const t of await releaseRepository.explicitTargets(db, releaseIds)) {
      if (environment === undefined || t.environment === environment)
        add(t.release_id, t.environment, t.ci_id, 'explicit');
    }
    for (const q of await releaseRepository.targetQueries(db, releaseIds)) {
      if (environment !== undefined && q.environment !== environment) continue;
      for (const ciId of await this.resolveRow(q, db)) add(q.release_id, q.environment, ciId, `query:${q.id}`);
    }
    return out;
  }

  async forRelease(releaseId: number, environment?: string, db: Db = this.db): Promise<ResolvedTargets> {
    return (await this.forReleases([releaseId], environment, db)).get(releaseId) ?? new Map();
  }
}

/** Every distinct CI of resolved targets (all environments). */
export function allTargetIds(targets: ResolvedTargets): number[] {
  const ids = new Set<number>();
  for (const cis of targets.values()) for (const id of cis.keys()) ids.add(id);
  return [...ids].sort((a, b) => a - b);
}
