/**
 * The CIs and links the dependency graph knows, and the picture derived from them: filtered by
 * class and relationship type, with large neighbourhoods grouped into one node.
 *
 * Pure data, no DOM: the layout and the tests use it as it is.
 */

import { pluralClassLabel } from '../ci-format.js';

/** A CI in the graph. `depth` is its layer: hops from the root along the walk or the expansions. */
export interface GraphCi {
  id: number;
  class: string;
  name: string;
  depth: number;
  /** Reached by the impact (or dependencies) walk, so the server can explain why. */
  reached: boolean;
  /** Its neighbours were fetched (the user expanded it). */
  expanded: boolean;
}

/** A relationship between two CIs of the graph, as the API lists it. */
export interface GraphLink {
  id: number;
  sourceId: number;
  targetId: number;
  type: string;
}

/** Everything fetched so far for one root. Grows as the user expands nodes. */
export class GraphStore {
  readonly cis = new Map<number, GraphCi>();
  readonly links = new Map<number, GraphLink>();

  constructor(readonly rootId: number) {}

  /** Adds a CI, or lowers the depth of a known one (a shorter way to it was found). */
  addCi(ci: GraphCi): GraphCi {
    const known = this.cis.get(ci.id);
    if (!known) {
      this.cis.set(ci.id, ci);
      return ci;
    }
    if (ci.depth < known.depth) known.depth = ci.depth;
    if (ci.reached) known.reached = true;
    return known;
  }

  addLink(link: GraphLink): void {
    this.links.set(link.id, link);
  }

  /** The number of CIs of each class, biggest first (the class filter's choices). */
  classCounts(): { class: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const ci of this.cis.values()) counts.set(ci.class, (counts.get(ci.class) ?? 0) + 1);
    return [...counts]
      .map(([name, count]) => ({ class: name, count }))
      .sort((a, b) => classRank(a.class) - classRank(b.class) || b.count - a.count);
  }
}

/** Classes in the order a reader scans a layer: what the business feels first, then what it runs on. */
const CLASS_ORDER = [
  'service',
  'application',
  'database',
  'messaging',
  'virtual_machine',
  'server',
  'storage',
  'network_device',
  'desktop',
  'software',
  'document',
  'site',
  'hardware_model',
];

export function classRank(ciClass: string): number {
  const rank = CLASS_ORDER.indexOf(ciClass);
  return rank >= 0 ? rank : CLASS_ORDER.length;
}

export type VisibleNodeKind = 'ci' | 'group';

/** A node on screen: one CI, or a group standing for many CIs of one class at one depth. */
export interface VisibleNode {
  key: string;
  kind: VisibleNodeKind;
  class: string;
  label: string;
  depth: number;
  /** The CI of a `ci` node; null for a group. */
  ciId: number | null;
  /** The CIs it stands for (one for a `ci` node). */
  members: readonly number[];
  root: boolean;
  reached: boolean;
  expanded: boolean;
  /** Set by the layout: the centre of the node in graph coordinates. */
  x: number;
  y: number;
}

/** A line between two visible nodes; `count` relationships of `type` are drawn as one. */
export interface VisibleEdge {
  from: number;
  to: number;
  type: string;
  count: number;
}

export interface VisibleGraph {
  nodes: VisibleNode[];
  edges: VisibleEdge[];
  /** Visible node index of each visible CI (a grouped CI maps to its group). */
  nodeOfCi: Map<number, number>;
  nodeByKey: Map<string, number>;
  /** CIs left out by the class filter. */
  hiddenByClass: number;
}

export interface ViewOptions {
  /** Classes not to show (the root is always shown). */
  hiddenClasses: ReadonlySet<string>;
  /** Relationship types whose links are not drawn. */
  hiddenTypes: ReadonlySet<string>;
  /** Group CIs of one class at one depth when there are more than this; 0 turns grouping off. */
  groupThreshold: number;
  /** Groups the user opened, by key. */
  openGroups: ReadonlySet<string>;
}

export function groupKey(depth: number, ciClass: string): string {
  return `group:${depth}:${ciClass}`;
}

export function ciKey(id: number): string {
  return `ci:${id}`;
}

/**
 * The picture for the current filters. A CI the user expanded, and the root, always stand alone:
 * grouping them would hide the very node the user is working from.
 * O(CIs + links).
 */
export function visibleGraph(store: GraphStore, options: ViewOptions): VisibleGraph {
  const nodes: VisibleNode[] = [];
  const nodeOfCi = new Map<number, number>();
  const nodeByKey = new Map<string, number>();
  let hiddenByClass = 0;

  const buckets = new Map<string, GraphCi[]>();
  for (const ci of store.cis.values()) {
    const isRoot = ci.id === store.rootId;
    if (!isRoot && options.hiddenClasses.has(ci.class)) {
      hiddenByClass++;
      continue;
    }
    if (isRoot || ci.expanded) {
      addCiNode(ci, isRoot);
      continue;
    }
    const key = groupKey(ci.depth, ci.class);
    const bucket = buckets.get(key);
    if (bucket) bucket.push(ci);
    else buckets.set(key, [ci]);
  }

  for (const [key, members] of buckets) {
    const grouped =
      options.groupThreshold > 0 && members.length > options.groupThreshold && !options.openGroups.has(key);
    if (!grouped) {
      for (const ci of members) addCiNode(ci, false);
      continue;
    }
    const first = members[0] as GraphCi;
    const index = nodes.length;
    nodes.push({
      key,
      kind: 'group',
      class: first.class,
      label: `+${members.length} ${pluralClassLabel(first.class, members.length)}`,
      depth: first.depth,
      ciId: null,
      members: members.map((ci) => ci.id),
      root: false,
      reached: members.some((ci) => ci.reached),
      expanded: false,
      x: 0,
      y: 0,
    });
    nodeByKey.set(key, index);
    for (const ci of members) nodeOfCi.set(ci.id, index);
  }

  const edges: VisibleEdge[] = [];
  // One map per type keyed by from * N + to: numbers hash much faster than built strings.
  const edgeIndex = new Map<string, Map<number, number>>();
  const width = nodes.length;
  for (const link of store.links.values()) {
    if (options.hiddenTypes.has(link.type)) continue;
    const from = nodeOfCi.get(link.sourceId);
    const to = nodeOfCi.get(link.targetId);
    if (from === undefined || to === undefined || from === to) continue;
    let byPair = edgeIndex.get(link.type);
    if (!byPair) {
      byPair = new Map();
      edgeIndex.set(link.type, byPair);
    }
    const key = from * width + to;
    const existing = byPair.get(key);
    if (existing !== undefined) {
      (edges[existing] as VisibleEdge).count++;
    } else {
      byPair.set(key, edges.length);
      edges.push({ from, to, type: link.type, count: 1 });
    }
  }

  return { nodes, edges, nodeOfCi, nodeByKey, hiddenByClass };

  function addCiNode(ci: GraphCi, isRoot: boolean): void {
    const index = nodes.length;
    const key = ciKey(ci.id);
    nodes.push({
      key,
      kind: 'ci',
      class: ci.class,
      label: ci.name,
      depth: ci.depth,
      ciId: ci.id,
      members: [ci.id],
      root: isRoot,
      reached: ci.reached,
      expanded: ci.expanded,
      x: 0,
      y: 0,
    });
    nodeOfCi.set(ci.id, index);
    nodeByKey.set(key, index);
  }
}
