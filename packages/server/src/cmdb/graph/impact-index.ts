import { RELATIONSHIP_TYPE_NAMES, RELATIONSHIP_TYPES, type RelationshipType } from '@slipway/model';

/**
 * The in-memory impact graph: every CI is a node numbered by its id, every relationship that
 * propagates impact is one edge pointing the way impact flows (from the changed CI to the CI it
 * affects). Two compressed-sparse-row (CSR) arrays hold the edges, one per direction, so both
 * "what breaks if X changes" (forward) and "what does X need" (reverse) are a breadth-first walk
 * over typed arrays: ~12 bytes per edge per direction, no objects per node or edge.
 *
 * Writes after a build go to small per-node overlay lists (additions) and tombstones in the CSR
 * (removals); `compact()` folds them back into fresh CSR arrays when they grow.
 *
 * Invariants:
 * - an edge (from, to, type) is present at most once (adds are idempotent, removes of absent
 *   edges are no-ops), so replaying the graph change log twice is harmless;
 * - traversals never allocate per visited node beyond the result copy.
 */

/** Relationship types by 0-based code; codes index the `types` arrays and type masks. */
export const TYPE_CODES: readonly RelationshipType[] = RELATIONSHIP_TYPE_NAMES;
const TYPE_CODE = new Map<string, number>(TYPE_CODES.map((t, i) => [t, i]));
export const ALL_TYPES_MASK = (1 << TYPE_CODES.length) - 1;

/** Per type code: 1 = impact flows target → source, 2 = source → target, 0 = no propagation. */
export const PROPAGATION_BY_CODE: readonly number[] = TYPE_CODES.map((t) => {
  const propagation = RELATIONSHIP_TYPES[t].propagation as string;
  return propagation === 'target_to_source' ? 1 : propagation === 'source_to_target' ? 2 : 0;
});

export function typeCode(type: string): number | undefined {
  return TYPE_CODE.get(type);
}

export function typeMaskOf(types: readonly string[] | undefined): number {
  if (!types || types.length === 0) return ALL_TYPES_MASK;
  let mask = 0;
  for (const t of types) {
    const code = TYPE_CODE.get(t);
    if (code !== undefined) mask |= 1 << code;
  }
  return mask;
}

/**
 * The impact edge for a relationship `source —type→ target`, or undefined when the type does
 * not propagate (connected_to, located_in).
 */
export function impactEdge(
  sourceId: number,
  type: string,
  targetId: number,
): { from: number; to: number; code: number } | undefined {
  const code = TYPE_CODE.get(type);
  if (code === undefined) return undefined;
  const propagation = RELATIONSHIP_TYPES[type as RelationshipType].propagation;
  if (propagation === 'target_to_source') return { from: targetId, to: sourceId, code };
  if (propagation === 'source_to_target') return { from: sourceId, to: targetId, code };
  return undefined;
}

interface Csr {
  /** offsets[n]..offsets[n+1] index the edges of node n; length capacity + 1. */
  offsets: Int32Array;
  /** Neighbour ids; -1 marks a removed edge (tombstone). */
  targets: Int32Array;
  types: Uint8Array;
}

/** Edges as parallel arrays, the input of a build. */
export interface EdgeList {
  from: Int32Array;
  to: Int32Array;
  code: Uint8Array;
  count: number;
}

export type Direction = 'impact' | 'dependencies';

export interface TraversalOptions {
  /** Stop after this many hops (1 = direct neighbours). Default: no limit. */
  maxDepth?: number;
  /** Bit mask of relationship type codes to follow. Default: all. */
  typeMask?: number;
}

/** CIs reached from a root, in breadth-first order, without the root. */
export interface Traversal {
  order: Int32Array;
  /** For each CI of `order`, the CI it was reached from (the root or an earlier one) … */
  via: Int32Array;
  /** … and the relationship type code of that hop. */
  viaCode: Uint8Array;
  /** levelEnds[d] = index in `order` after the last CI at depth d + 1. */
  levelEnds: number[];
}

/** Depth (1-based) of the CI at position `index` of a traversal's order. */
export function depthAt(traversal: Traversal, index: number): number {
  const ends = traversal.levelEnds;
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ends[mid] as number) > index) hi = mid;
    else lo = mid + 1;
  }
  return lo + 1;
}

function buildCsr(capacity: number, edges: EdgeList, reverse: boolean): Csr {
  const offsets = new Int32Array(capacity + 1);
  const from = reverse ? edges.to : edges.from;
  const to = reverse ? edges.from : edges.to;
  for (let i = 0; i < edges.count; i++) (offsets[(from[i] as number) + 1] as number)++;
  for (let n = 0; n < capacity; n++) offsets[n + 1] = (offsets[n + 1] as number) + (offsets[n] as number);
  const fill = offsets.slice(0, capacity);
  const targets = new Int32Array(edges.count);
  const types = new Uint8Array(edges.count);
  for (let i = 0; i < edges.count; i++) {
    const slot = (fill[from[i] as number] as number)++;
    targets[slot] = to[i] as number;
    types[slot] = edges.code[i] as number;
  }
  return { offsets, targets, types };
}

function growOffsets(offsets: Int32Array, capacity: number): Int32Array {
  const grown = new Int32Array(capacity + 1);
  grown.set(offsets);
  grown.fill(offsets[offsets.length - 1] as number, offsets.length);
  return grown;
}

export class ImpactIndex {
  #capacity: number;
  #forward: Csr;
  #reverse: Csr;
  /** Added edges not yet compacted: node → [to, code, to, code, …]. */
  #addedForward = new Map<number, number[]>();
  #addedReverse = new Map<number, number[]>();
  #overlayEdges = 0;
  #tombstones = 0;
  #liveEdges: number;
  /** Class code per node (0 = unknown); names in #classNames. */
  #classOf: Uint16Array;
  #classNames: string[] = [''];
  #classCodes = new Map<string, number>();
  /** Scratch space reused by every traversal (JavaScript runs one at a time). */
  #queue: Int32Array;
  #parent: Int32Array;
  #parentCode: Uint8Array;
  #visited: Uint32Array;
  /** Bumped on every change, so cached traversals know they are stale. */
  #version = 0;

  private constructor(capacity: number, forward: Csr, reverse: Csr, liveEdges: number) {
    this.#capacity = capacity;
    this.#forward = forward;
    this.#reverse = reverse;
    this.#liveEdges = liveEdges;
    this.#classOf = new Uint16Array(capacity);
    this.#queue = new Int32Array(capacity);
    this.#parent = new Int32Array(capacity);
    this.#parentCode = new Uint8Array(capacity);
    this.#visited = new Uint32Array((capacity >> 5) + 1);
  }

  /** Builds the index from impact edges; `capacity` must exceed every node id. */
  static build(capacity: number, edges: EdgeList): ImpactIndex {
    const size = Math.max(capacity, 1);
    return new ImpactIndex(size, buildCsr(size, edges, false), buildCsr(size, edges, true), edges.count);
  }

  /**
   * A new index holding every live edge of `base` plus `added` (edges not already present: the
   * caller guarantees they are new), with `base`'s classes. Built off to the side; the caller swaps.
   */
  static merge(base: ImpactIndex, added: EdgeList): ImpactIndex {
    let maxId = base.#capacity - 1;
    for (let i = 0; i < added.count; i++) {
      if ((added.from[i] as number) > maxId) maxId = added.from[i] as number;
      if ((added.to[i] as number) > maxId) maxId = added.to[i] as number;
    }
    const total = base.#liveEdges + added.count;
    const edges: EdgeList = {
      from: new Int32Array(total),
      to: new Int32Array(total),
      code: new Uint8Array(total),
      count: 0,
    };
    base.forEachEdge((from, to, code) => {
      edges.from[edges.count] = from;
      edges.to[edges.count] = to;
      edges.code[edges.count] = code;
      edges.count++;
    });
    edges.from.set(added.from.subarray(0, added.count), edges.count);
    edges.to.set(added.to.subarray(0, added.count), edges.count);
    edges.code.set(added.code.subarray(0, added.count), edges.count);
    edges.count += added.count;
    const merged = ImpactIndex.build(Math.max(base.#capacity, maxId + 1), edges);
    merged.#classNames = [...base.#classNames];
    merged.#classCodes = new Map(base.#classCodes);
    merged.#classOf.set(base.#classOf);
    return merged;
  }

  static empty(): ImpactIndex {
    return ImpactIndex.build(1024, {
      from: new Int32Array(0),
      to: new Int32Array(0),
      code: new Uint8Array(0),
      count: 0,
    });
  }

  get version(): number {
    return this.#version;
  }

  get edgeCount(): number {
    return this.#liveEdges;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Bytes held by the typed arrays (what `process.memoryUsage().arrayBuffers` attributes to us). */
  get memoryBytes(): number {
    const csr = (c: Csr) => c.offsets.byteLength + c.targets.byteLength + c.types.byteLength;
    return (
      csr(this.#forward) +
      csr(this.#reverse) +
      this.#classOf.byteLength +
      this.#queue.byteLength +
      this.#parent.byteLength +
      this.#parentCode.byteLength +
      this.#visited.byteLength +
      this.#overlayEdges * 32
    );
  }

  /** Makes room for node ids up to `id`. Growth doubles, so it is amortised O(1) per CI. */
  ensureCapacity(id: number): void {
    if (id < this.#capacity) return;
    let capacity = this.#capacity;
    while (capacity <= id) capacity *= 2;
    this.#forward.offsets = growOffsets(this.#forward.offsets, capacity);
    this.#reverse.offsets = growOffsets(this.#reverse.offsets, capacity);
    const classOf = new Uint16Array(capacity);
    classOf.set(this.#classOf);
    this.#classOf = classOf;
    this.#queue = new Int32Array(capacity);
    this.#parent = new Int32Array(capacity);
    this.#parentCode = new Uint8Array(capacity);
    this.#visited = new Uint32Array((capacity >> 5) + 1);
    this.#capacity = capacity;
  }

  setClass(id: number, className: string): void {
    this.ensureCapacity(id);
    let code = this.#classCodes.get(className);
    if (code === undefined) {
      code = this.#classNames.length;
      this.#classNames.push(className);
      this.#classCodes.set(className, code);
    }
    this.#classOf[id] = code;
    this.#version++;
  }

  /** Sets classes in bulk (cold start): `classNameOf(i)` for each of `ids`. */
  setClasses(ids: Int32Array, classCodes: Uint16Array, classNames: readonly string[], count: number): void {
    const remap = classNames.map((name) => {
      let code = this.#classCodes.get(name);
      if (code === undefined) {
        code = this.#classNames.length;
        this.#classNames.push(name);
        this.#classCodes.set(name, code);
      }
      return code;
    });
    let maxId = 0;
    for (let i = 0; i < count; i++) if ((ids[i] as number) > maxId) maxId = ids[i] as number;
    this.ensureCapacity(maxId);
    for (let i = 0; i < count; i++) this.#classOf[ids[i] as number] = remap[classCodes[i] as number] as number;
    this.#version++;
  }

  classOf(id: number): string {
    return id < this.#capacity ? (this.#classNames[this.#classOf[id] as number] ?? '') : '';
  }

  /** Adds an impact edge; a no-op when it is already present. */
  addEdge(from: number, to: number, code: number): void {
    this.ensureCapacity(Math.max(from, to));
    if (this.#hasEdge(this.#forward, this.#addedForward, from, to, code)) return;
    this.#append(this.#addedForward, from, to, code);
    this.#append(this.#addedReverse, to, from, code);
    this.#overlayEdges++;
    this.#liveEdges++;
    this.#version++;
  }

  /** Removes an impact edge; a no-op when it is absent. */
  removeEdge(from: number, to: number, code: number): void {
    if (Math.max(from, to) >= this.#capacity) return;
    if (this.#removeFrom(this.#forward, this.#addedForward, from, to, code)) {
      this.#removeFrom(this.#reverse, this.#addedReverse, to, from, code);
      this.#liveEdges--;
      this.#version++;
    }
  }

  /** True when overlays and tombstones are large enough that compacting pays off. */
  get needsCompaction(): boolean {
    return this.#overlayEdges + this.#tombstones > Math.max(50_000, this.#liveEdges / 8);
  }

  /** Folds overlays and tombstones into fresh CSR arrays (O(edges); ~0.2 s for 5 M edges). */
  compact(): void {
    const edges: EdgeList = {
      from: new Int32Array(this.#liveEdges),
      to: new Int32Array(this.#liveEdges),
      code: new Uint8Array(this.#liveEdges),
      count: 0,
    };
    this.forEachEdge((from, to, code) => {
      edges.from[edges.count] = from;
      edges.to[edges.count] = to;
      edges.code[edges.count] = code;
      edges.count++;
    });
    this.#forward = buildCsr(this.#capacity, edges, false);
    this.#reverse = buildCsr(this.#capacity, edges, true);
    this.#addedForward.clear();
    this.#addedReverse.clear();
    this.#overlayEdges = 0;
    this.#tombstones = 0;
    this.#version++;
  }

  /** Every live impact edge, CSR first then overlays. */
  forEachEdge(visit: (from: number, to: number, code: number) => void): void {
    const { offsets, targets, types } = this.#forward;
    for (let n = 0; n < this.#capacity; n++) {
      for (let e = offsets[n] as number, end = offsets[n + 1] as number; e < end; e++) {
        const to = targets[e] as number;
        if (to >= 0) visit(n, to, types[e] as number);
      }
    }
    for (const [from, list] of this.#addedForward) {
      for (let i = 0; i < list.length; i += 2) visit(from, list[i] as number, list[i + 1] as number);
    }
  }

  /**
   * Breadth-first walk from `root`: along impact edges for `impact`, against them for
   * `dependencies`. Cycles are fine (each CI is visited once); no depth cap unless asked.
   */
  traverse(root: number, direction: Direction, options: TraversalOptions = {}): Traversal {
    if (root < 0 || root >= this.#capacity) {
      return { order: new Int32Array(0), levelEnds: [], via: new Int32Array(0), viaCode: new Uint8Array(0) };
    }
    const csr = direction === 'impact' ? this.#forward : this.#reverse;
    const added = direction === 'impact' ? this.#addedForward : this.#addedReverse;
    const { offsets, targets, types } = csr;
    const mask = options.typeMask ?? ALL_TYPES_MASK;
    const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
    const queue = this.#queue;
    const parent = this.#parent;
    const parentCode = this.#parentCode;
    const visited = this.#visited;
    visited.fill(0);
    visited[root >> 5] = (visited[root >> 5] as number) | (1 << (root & 31));
    queue[0] = root;
    let tail = 1;
    let levelStart = 0;
    let levelEnd = 1;
    let depth = 0;
    const levelEnds: number[] = [];
    const hasOverlay = added.size > 0;
    while (levelStart < levelEnd && depth < maxDepth) {
      for (let i = levelStart; i < levelEnd; i++) {
        const node = queue[i] as number;
        for (let e = offsets[node] as number, end = offsets[node + 1] as number; e < end; e++) {
          const next = targets[e] as number;
          if (next < 0 || ((1 << (types[e] as number)) & mask) === 0) continue;
          const word = next >> 5;
          const bit = 1 << (next & 31);
          if (((visited[word] as number) & bit) !== 0) continue;
          visited[word] = (visited[word] as number) | bit;
          parent[tail] = node;
          parentCode[tail] = types[e] as number;
          queue[tail++] = next;
        }
        if (hasOverlay) {
          const list = added.get(node);
          if (list) {
            for (let k = 0; k < list.length; k += 2) {
              const next = list[k] as number;
              if (((1 << (list[k + 1] as number)) & mask) === 0) continue;
              const word = next >> 5;
              const bit = 1 << (next & 31);
              if (((visited[word] as number) & bit) !== 0) continue;
              visited[word] = (visited[word] as number) | bit;
              parent[tail] = node;
              parentCode[tail] = list[k + 1] as number;
              queue[tail++] = next;
            }
          }
        }
      }
      if (tail > levelEnd) levelEnds.push(tail - 1);
      levelStart = levelEnd;
      levelEnd = tail;
      depth++;
    }
    return { order: queue.slice(1, tail), levelEnds, via: parent.slice(1, tail), viaCode: parentCode.slice(1, tail) };
  }

  /**
   * One shortest propagation path from `root` to `target` (both included), with the type of each
   * hop, or undefined when `target` is not reached. The hop types are relationship type codes.
   */
  shortestPath(
    root: number,
    target: number,
    direction: Direction,
    options: TraversalOptions = {},
  ): { nodes: number[]; codes: number[] } | undefined {
    if (root >= this.#capacity || target >= this.#capacity || root < 0 || target < 0) return undefined;
    if (root === target) return { nodes: [root], codes: [] };
    const csr = direction === 'impact' ? this.#forward : this.#reverse;
    const added = direction === 'impact' ? this.#addedForward : this.#addedReverse;
    const mask = options.typeMask ?? ALL_TYPES_MASK;
    const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
    const parent = new Map<number, { from: number; code: number }>([[root, { from: -1, code: -1 }]]);
    let frontier = [root];
    for (let depth = 0; frontier.length > 0 && depth < maxDepth; depth++) {
      const next: number[] = [];
      for (const node of frontier) {
        const visit = (to: number, code: number): boolean => {
          if (to < 0 || ((1 << code) & mask) === 0 || parent.has(to)) return false;
          parent.set(to, { from: node, code });
          next.push(to);
          return to === target;
        };
        for (let e = csr.offsets[node] as number, end = csr.offsets[node + 1] as number; e < end; e++) {
          if (visit(csr.targets[e] as number, csr.types[e] as number)) return this.#unwind(parent, target);
        }
        const list = added.get(node);
        if (list) {
          for (let k = 0; k < list.length; k += 2) {
            if (visit(list[k] as number, list[k + 1] as number)) return this.#unwind(parent, target);
          }
        }
      }
      frontier = next;
    }
    return undefined;
  }

  /** Class code of every node of a traversal, counted: [className, count][]. */
  countByClass(order: Int32Array, classFilter?: ReadonlySet<string>): Map<string, number> {
    const counts = new Uint32Array(this.#classNames.length);
    for (let i = 0; i < order.length; i++) (counts[this.#classOf[order[i] as number] as number] as number)++;
    const out = new Map<string, number>();
    counts.forEach((count, code) => {
      const name = this.#classNames[code] ?? '';
      if (count > 0 && (!classFilter || classFilter.has(name))) out.set(name, count);
    });
    return out;
  }

  /** Keeps only nodes whose class is in `classes`. */
  filterByClass(order: Int32Array, classes: ReadonlySet<string>): Int32Array {
    const codes = new Set<number>();
    for (const name of classes) {
      const code = this.#classCodes.get(name);
      if (code !== undefined) codes.add(code);
    }
    const out = new Int32Array(order.length);
    let n = 0;
    for (let i = 0; i < order.length; i++) {
      const id = order[i] as number;
      if (codes.has(this.#classOf[id] as number)) out[n++] = id;
    }
    return out.slice(0, n);
  }

  #unwind(parent: Map<number, { from: number; code: number }>, target: number): { nodes: number[]; codes: number[] } {
    const nodes: number[] = [];
    const codes: number[] = [];
    let at = target;
    while (at !== -1) {
      nodes.push(at);
      const step = parent.get(at) as { from: number; code: number };
      if (step.code >= 0) codes.push(step.code);
      at = step.from;
    }
    return { nodes: nodes.reverse(), codes: codes.reverse() };
  }

  #hasEdge(csr: Csr, added: Map<number, number[]>, from: number, to: number, code: number): boolean {
    for (let e = csr.offsets[from] as number, end = csr.offsets[from + 1] as number; e < end; e++) {
      if (csr.targets[e] === to && csr.types[e] === code) return true;
    }
    const list = added.get(from);
    if (list) for (let k = 0; k < list.length; k += 2) if (list[k] === to && list[k + 1] === code) return true;
    return false;
  }

  #append(added: Map<number, number[]>, from: number, to: number, code: number): void {
    const list = added.get(from);
    if (list) list.push(to, code);
    else added.set(from, [to, code]);
  }

  #removeFrom(csr: Csr, added: Map<number, number[]>, from: number, to: number, code: number): boolean {
    for (let e = csr.offsets[from] as number, end = csr.offsets[from + 1] as number; e < end; e++) {
      if (csr.targets[e] === to && csr.types[e] === code) {
        csr.targets[e] = -1;
        if (csr === this.#forward) this.#tombstones++;
        return true;
      }
    }
    const list = added.get(from);
    if (list) {
      for (let k = 0; k < list.length; k += 2) {
        if (list[k] === to && list[k + 1] === code) {
          list.splice(k, 2);
          if (list.length === 0) added.delete(from);
          if (added === this.#addedForward) this.#overlayEdges--;
          return true;
        }
      }
    }
    return false;
  }
}
