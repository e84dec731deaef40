import type { GraphDirection, SlipwayApi } from '../../api/slipway-api.js';
import type { GraphAnswer, Relationship } from '../../api/types.js';
import { type GraphCi, GraphStore } from './graph-model.js';

/** The walk is fetched in one request of at most this many CIs (nearest first); beyond it the graph says so. */
export const MAX_WALK_CIS = 5000;
/** Links are looked up per CI; past this many lookups the rest of the graph is shown without its links. */
const MAX_LINK_LOOKUPS = 150;
/** Parallel lookups: enough to hide latency, few enough to leave the server room for others. */
const LOOKUP_CONCURRENCY = 6;
/** Relationships read per CI (pages of 1000); a hub with more shows the first ones. */
const MAX_RELATIONSHIPS_PER_CI = 5000;
const PAGE = 1000;

export interface WalkOptions {
  direction: GraphDirection;
  /** Hops to follow; undefined for no limit. */
  depth: number | undefined;
  /** Relationship types the walk follows; undefined for all. */
  types: readonly string[] | undefined;
}

export interface LoadedWalk {
  store: GraphStore;
  answer: GraphAnswer;
  /** CIs whose links were looked up, and how many would have been needed to link every layer. */
  linkedCis: number;
  linkLookupsNeeded: number;
}

/**
 * The walk from the root. With every propagating type filtered out nothing is reached; the API
 * reads an empty `types` as "all types", so that case is answered here with the root alone.
 */
export async function walkAnswer(
  api: SlipwayApi,
  rootId: number,
  options: WalkOptions & { limit?: number },
  signal?: AbortSignal,
): Promise<GraphAnswer> {
  const limit = options.limit ?? MAX_WALK_CIS;
  if (options.types && options.types.length === 0) {
    const answer = await api.cmdb.cis.graph(rootId, options.direction, { depth: 1, limit: 0 }, signal);
    return { ...answer, count: 0, items: [], next: null, summary: [] };
  }
  return api.cmdb.cis.graph(rootId, options.direction, { depth: options.depth, types: options.types, limit }, signal);
}

/** Every relationship of a CI (both ends), up to MAX_RELATIONSHIPS_PER_CI. */
export async function relationshipsOf(api: SlipwayApi, ciId: number, signal?: AbortSignal): Promise<Relationship[]> {
  const all: Relationship[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.cmdb.relationships.list({ ciId, limit: PAGE, cursor }, signal);
    all.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor && all.length < MAX_RELATIONSHIPS_PER_CI);
  return all;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Fetches the walk from the root and the links between its layers.
 *
 * The walk answer has each CI's depth but not the relationship that reached it, so links are
 * looked up per CI (GET /relationships?ciId=): for each pair of adjacent layers, on the side
 * with fewer CIs, since either side's relationships hold every link between the two. The number
 * of lookups is capped so a walk of thousands of CIs still opens quickly.
 */
export async function loadWalk(
  api: SlipwayApi,
  rootId: number,
  options: WalkOptions,
  signal?: AbortSignal,
  onProgress?: (message: string) => void,
): Promise<LoadedWalk> {
  const answer = await walkAnswer(api, rootId, options, signal);
  const store = new GraphStore(rootId);
  store.addCi({ ...answer.root, depth: 0, reached: false, expanded: false });
  for (const item of answer.items) {
    store.addCi({ id: item.id, class: item.class, name: item.name, depth: item.depth, reached: true, expanded: false });
  }

  const layers: GraphCi[][] = [];
  for (const ci of store.cis.values()) {
    const layer = layers[ci.depth];
    if (layer) layer.push(ci);
    else layers[ci.depth] = [ci];
  }
  const lookups = new Set<number>();
  for (let depth = 0; depth + 1 < layers.length; depth++) {
    const here = layers[depth] ?? [];
    const there = layers[depth + 1] ?? [];
    for (const ci of here.length <= there.length ? here : there) lookups.add(ci.id);
  }
  const chosen = [...lookups].slice(0, MAX_LINK_LOOKUPS);
  let done = 0;
  onProgress?.(`Loading the links of ${chosen.length} CIs…`);
  await eachLimited(chosen, LOOKUP_CONCURRENCY, async (ciId) => {
    for (const relationship of await relationshipsOf(api, ciId, signal)) {
      if (store.cis.has(relationship.sourceId) && store.cis.has(relationship.targetId)) {
        store.addLink({
          id: relationship.id,
          sourceId: relationship.sourceId,
          targetId: relationship.targetId,
          type: relationship.type,
        });
      }
    }
    done++;
    if (done % 10 === 0) onProgress?.(`Loading links: ${done} of ${chosen.length} CIs…`);
  });
  return { store, answer, linkedCis: chosen.length, linkLookupsNeeded: lookups.size };
}

/**
 * Adds a CI's neighbours (both directions, every type) one layer beyond it and marks it expanded.
 * Neighbours already in the graph keep their place; only the links are added. Returns how many
 * CIs were new.
 */
export async function expandCi(
  api: SlipwayApi,
  store: GraphStore,
  ciId: number,
  signal?: AbortSignal,
): Promise<number> {
  const ci = store.cis.get(ciId);
  if (!ci) return 0;
  const relationships = await relationshipsOf(api, ciId, signal);
  let added = 0;
  for (const relationship of relationships) {
    const other = relationship.sourceId === ciId ? relationship.target : relationship.source;
    if (!store.cis.has(other.id)) {
      store.addCi({
        id: other.id,
        class: other.class,
        name: other.name,
        depth: ci.depth + 1,
        reached: false,
        expanded: false,
      });
      added++;
    }
    store.addLink({
      id: relationship.id,
      sourceId: relationship.sourceId,
      targetId: relationship.targetId,
      type: relationship.type,
    });
  }
  ci.expanded = true;
  return added;
}
