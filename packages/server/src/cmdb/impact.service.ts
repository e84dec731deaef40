import type { FastifyBaseLogger } from 'fastify';
import type { SlipwayDatabase } from '../platform/database.js';
import { InputError, NotFoundError } from '../platform/errors.js';
import { decodeCursor, encodeCursor } from '../platform/http/pagination.js';
import { type CiRef, ciRepository } from './ci.repository.js';
import type { BulkGraphDelta } from './graph/bulk-delta.js';
import { type GraphChangeRow, graphChangeRepository } from './graph/graph.repository.js';
import { loadImpactIndex } from './graph/graph-loader.js';
import {
  type Direction,
  depthAt,
  ImpactIndex,
  impactEdge,
  type Traversal,
  type TraversalOptions,
  TYPE_CODES,
  typeMaskOf,
} from './graph/impact-index.js';
import { checkRelationshipType } from './relationship.service.js';

/** How often an instance looks for graph changes written by other instances. */
const POLL_INTERVAL_MS = 250;
const SYNC_BATCH = 10_000;
/** Graph change log entries are kept this long; an instance away longer reloads in full. */
const LOG_RETENTION_MS = 24 * 3_600_000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** Cached traversals (for paging through big answers) are bounded in total size. */
const CACHE_MAX_NODES = 4_000_000;

export interface GraphQuery {
  depth?: number | undefined;
  /** Relationship types to follow. */
  types?: string[] | undefined;
  /** Classes to list (the walk still crosses other classes). */
  classes?: string[] | undefined;
  limit: number;
  cursor?: string | undefined;
  explain?: number | undefined;
}

export interface GraphAnswer {
  root: CiRef;
  direction: Direction;
  count: number;
  items: (CiRef & { depth: number; via: { id: number; type: string } })[];
  next: string | null;
  summary: { class: string; count: number }[];
  path?: (CiRef & { via: string | null })[] | null;
}

/** Services first (what the business feels), then the biggest classes. */
function summaryOrder(a: { class: string; count: number }, b: { class: string; count: number }): number {
  if (a.class === 'service' && b.class !== 'service') return -1;
  if (b.class === 'service' && a.class !== 'service') return 1;
  return b.count - a.count || a.class.localeCompare(b.class);
}

interface CachedTraversal {
  version: number;
  traversal: Traversal;
}

/**
 * Owns this instance's impact index: loads it at start, replays the graph change log (local
 * writes right after they commit, other instances' writes within POLL_INTERVAL_MS), and answers
 * traversals. A bulk import writes one `reload` entry; the index is then rebuilt off to the side
 * and swapped in, so a query sees the graph before or after an import, never half of it.
 */
export class ImpactService {
  #index: ImpactIndex = ImpactIndex.empty();
  #seq = 0;
  #syncing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #cache = new Map<string, CachedTraversal>();
  #cachedNodes = 0;
  #loaded = false;

  #log: FastifyBaseLogger | undefined;

  constructor(private readonly database: SlipwayDatabase) {}

  setLogger(log: FastifyBaseLogger): void {
    this.#log = log;
  }

  get index(): ImpactIndex {
    return this.#index;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  /** Position in the graph change log this instance has applied. */
  get appliedSeq(): number {
    return this.#seq;
  }

  async load(): Promise<{ ciCount: number; edgeCount: number; durationMs: number }> {
    const loaded = await loadImpactIndex(this.database);
    this.#swap(loaded.index, loaded.seq);
    this.#loaded = true;
    await this.sync();
    this.#log?.info(
      { cis: loaded.ciCount, edges: loaded.index.edgeCount, ms: loaded.durationMs, bytes: loaded.index.memoryBytes },
      'impact index loaded',
    );
    return { ciCount: loaded.ciCount, edgeCount: loaded.index.edgeCount, durationMs: loaded.durationMs };
  }

  startPolling(): void {
    this.#timer = setInterval(() => {
      this.sync().catch((error: unknown) => this.#log?.error({ err: error }, 'impact index sync failed'));
    }, POLL_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /**
   * Applies every graph change committed since the last sync. Concurrent callers share one run;
   * a caller that arrives during a run waits for a fresh one, so "after my commit" is honoured.
   */
  async sync(): Promise<void> {
    const running = this.#syncing;
    if (running) await running.catch(() => undefined);
    if (this.#syncing) return this.#syncing;
    this.#syncing = this.#syncOnce().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #syncOnce(): Promise<void> {
    await this.#pruneLog();
    for (;;) {
      const changes = await graphChangeRepository.since(this.database.db, this.#seq, SYNC_BATCH);
      if (changes.length === 0) return;
      // Entries this instance never saw were pruned: it was away too long, so reload in full.
      if (this.#seq > 0 && (changes[0] as { seq: number }).seq > this.#seq + 1 && (await this.#gapIsPruned())) {
        const loaded = await loadImpactIndex(this.database);
        this.#swap(loaded.index, loaded.seq);
        continue;
      }
      let reloaded = false;
      for (const change of changes) {
        if (change.op === 'reload') {
          const local = this.#localBulks.get(change.seq);
          if (local) {
            this.#localBulks.delete(change.seq);
            await this.#applyLocalBulk(local, change.seq);
          } else {
            const loaded = await loadImpactIndex(this.database);
            this.#swap(loaded.index, Math.max(loaded.seq, change.seq));
            reloaded = true;
            break;
          }
        } else {
          this.#apply(this.#index, change);
        }
        this.#seq = change.seq;
      }
      if (this.#index.needsCompaction) this.#index.compact();
      if (!reloaded && changes.length < SYNC_BATCH) return;
    }
  }

  #apply(index: ImpactIndex, change: GraphChangeRow): void {
    if (change.op === 'ci' && change.source_id !== null && change.type !== null) {
      index.setClass(change.source_id, change.type);
    } else if ((change.op === 'add' || change.op === 'remove') && change.type !== null) {
      const edge = impactEdge(change.source_id ?? -1, change.type, change.target_id ?? -1);
      if (!edge) return;
      if (change.op === 'add') index.addEdge(edge.from, edge.to, edge.code);
      else index.removeEdge(edge.from, edge.to, edge.code);
    }
  }

  /**
   * The importing instance folds its own bulk import in from memory (a merge of typed arrays)
   * instead of re-reading every relationship. Writes by others that interleaved with the import
   * (log entries after `startSeq`) are replayed in order afterwards, so the result equals the
   * database: adds and removes are idempotent, and order decides the final state of an edge.
   */
  async #applyLocalBulk(local: { delta: BulkGraphDelta; startSeq: number }, reloadSeq: number): Promise<void> {
    const { delta } = local;
    const merged = ImpactIndex.merge(this.#index, {
      from: delta.from.data,
      to: delta.to.data,
      code: Uint8Array.from(delta.code.data.subarray(0, delta.code.length)),
      count: delta.edgeCount,
    });
    for (let i = 0; i < delta.ciIds.length; i++)
      merged.setClass(delta.ciIds.data[i] as number, delta.ciClasses[i] as string);
    for (const r of delta.removed) {
      const edge = impactEdge(r.sourceId, r.type, r.targetId);
      if (edge) merged.removeEdge(edge.from, edge.to, edge.code);
    }
    for (let after = local.startSeq; ; ) {
      const replay = await graphChangeRepository.since(this.database.db, after, SYNC_BATCH);
      const before = replay.filter((c) => c.seq < reloadSeq && c.op !== 'reload');
      for (const change of before) this.#apply(merged, change);
      if (replay.length < SYNC_BATCH || replay.some((c) => c.seq >= reloadSeq)) break;
      after = (replay.at(-1) as { seq: number }).seq;
    }
    this.#swap(merged, reloadSeq);
  }

  /**
   * Tells this instance that the `reload` entry at `seq` is its own bulk import, described by
   * `delta`; `startSeq` is the log position when the import began.
   */
  registerLocalBulk(seq: number, delta: BulkGraphDelta, startSeq: number): void {
    this.#localBulks.set(seq, { delta, startSeq });
  }

  #localBulks = new Map<number, { delta: BulkGraphDelta; startSeq: number }>();
  #lastPrune = Date.now();

  async #pruneLog(): Promise<void> {
    if (Date.now() - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = Date.now();
    await graphChangeRepository.pruneBefore(this.database.db, new Date(Date.now() - LOG_RETENTION_MS).toISOString());
  }

  /** True when log entries right after this instance's position no longer exist (pruned). */
  async #gapIsPruned(): Promise<boolean> {
    return (await graphChangeRepository.oldestSeq(this.database.db)) > this.#seq + 1;
  }

  #swap(index: ImpactIndex, seq: number): void {
    this.#index = index;
    this.#seq = seq;
    this.#cache.clear();
    this.#cachedNodes = 0;
  }

  /** A traversal, cached while the index is unchanged so paging through it is cheap. */
  traverse(root: number, direction: Direction, options: TraversalOptions): Traversal {
    const key = `${direction}|${root}|${options.maxDepth ?? ''}|${options.typeMask ?? ''}`;
    const index = this.#index;
    const cached = this.#cache.get(key);
    if (cached && cached.version === index.version) return cached.traversal;
    const traversal = index.traverse(root, direction, options);
    if (cached) {
      this.#cache.delete(key);
      this.#cachedNodes -= cached.traversal.order.length;
    }
    if (traversal.order.length <= CACHE_MAX_NODES / 4) {
      while (this.#cachedNodes + traversal.order.length > CACHE_MAX_NODES && this.#cache.size > 0) {
        const [oldestKey, oldest] = this.#cache.entries().next().value as [string, CachedTraversal];
        this.#cache.delete(oldestKey);
        this.#cachedNodes -= oldest.traversal.order.length;
      }
      this.#cache.set(key, { version: index.version, traversal });
      this.#cachedNodes += traversal.order.length;
    }
    return traversal;
  }

  /**
   * "What breaks if this changes?" (impact) or "what does this need?" (dependencies): the count,
   * a summary by class and one page of CIs in breadth-first order, optionally the shortest path
   * that explains why one CI is reached.
   */
  async query(rootId: number, direction: Direction, query: GraphQuery): Promise<GraphAnswer> {
    const [rootRef] = await ciRepository.refsByIds(this.database.db, [rootId]);
    if (!rootRef) throw new NotFoundError('CI', rootId);
    for (const type of query.types ?? []) checkRelationshipType(type);
    const options: TraversalOptions = {
      typeMask: typeMaskOf(query.types),
      ...(query.depth !== undefined && { maxDepth: query.depth }),
    };
    const traversal = this.traverse(rootId, direction, options);
    const classFilter = query.classes && query.classes.length > 0 ? new Set(query.classes) : undefined;
    const index = this.#index;
    const listed = classFilter ? index.filterByClass(traversal.order, classFilter) : traversal.order;
    const summary = [...index.countByClass(listed)].map(([name, count]) => ({ class: name, count })).sort(summaryOrder);

    const cursor = decodeCursor(query.cursor, ['number', 'number']);
    const offset = cursor ? (cursor[1] as number) : 0;
    if (cursor && cursor[0] !== rootId)
      throw new InputError("This cursor belongs to another CI's answer", { field: 'cursor' });
    const pageIds = Array.from(listed.subarray(offset, offset + query.limit));
    const refs = new Map((await ciRepository.refsByIds(this.database.db, pageIds)).map((r) => [r.id, r]));
    // Depths come from the unfiltered order; map id → position only for the page.
    const position = classFilter ? new Map<number, number>() : undefined;
    if (position) {
      const wanted = new Set(pageIds);
      for (let i = 0; i < traversal.order.length && position.size < wanted.size; i++) {
        const id = traversal.order[i] as number;
        if (wanted.has(id)) position.set(id, i);
      }
    }
    const items = pageIds.map((id, i) => {
      const ref = refs.get(id) ?? { id, class: index.classOf(id), name: '' };
      const at = position ? (position.get(id) ?? 0) : offset + i;
      return {
        ...ref,
        depth: depthAt(traversal, at),
        via: { id: traversal.via[at] as number, type: TYPE_CODES[traversal.viaCode[at] as number] ?? '' },
      };
    });
    const end = offset + pageIds.length;
    const answer: GraphAnswer = {
      root: rootRef,
      direction,
      count: listed.length,
      items,
      next: end < listed.length && query.limit > 0 ? encodeCursor([rootId, end]) : null,
      summary,
    };
    if (query.explain !== undefined) answer.path = await this.#explain(rootId, query.explain, direction, options);
    return answer;
  }

  async #explain(
    rootId: number,
    targetId: number,
    direction: Direction,
    options: TraversalOptions,
  ): Promise<(CiRef & { via: string | null })[] | null> {
    const path = this.#index.shortestPath(rootId, targetId, direction, options);
    if (!path) {
      // "Not reached" is an answer only about a CI that exists; an unknown id is the caller's mistake.
      if (!(await ciRepository.findById(this.database.db, targetId))) {
        throw new InputError(`explain: there is no CI ${targetId}`, { field: 'explain' });
      }
      return null;
    }
    const refs = new Map((await ciRepository.refsByIds(this.database.db, path.nodes)).map((r) => [r.id, r]));
    return path.nodes.map((id, i) => ({
      ...(refs.get(id) ?? { id, class: this.#index.classOf(id), name: '' }),
      via: i === 0 ? null : (TYPE_CODES[path.codes[i - 1] as number] ?? null),
    }));
  }
}
