/**
 * The change calendar's in-memory interval index: for every CI (and every implementer) the
 * planned windows of the changes that touch it, sorted by start. It answers "which changes
 * overlap this window on this CI?" with a binary search and a short scan, and finds every
 * overlapping pair of a whole calendar with one sorted sweep per CI (anchors W3: the per-CI
 * sweep the SQL self-join is the baseline for).
 *
 * Invariants:
 * - every bucket is sorted by (start, id) and holds a change at most once;
 * - `maxDuration` of a bucket is at least the longest window it ever held (it never shrinks, so
 *   a query's lower bound `start ≥ s − maxDuration` is always safe, at worst a little wide);
 * - windows are half-open [start, end): a change ending at 10:00 does not overlap one starting at 10:00.
 */

/** A change as the index holds it: windows are epoch ms. */
export interface IndexedChange {
  id: number;
  start: number;
  end: number;
  ciIds: readonly number[];
  implementerId: number | null;
  state: string;
}

/**
 * A sorted list of windows with their change ids, kept flat as [start, end, id, start, end, id, …]
 * in one array: a calendar has as many buckets as touched CIs (hundreds of thousands), so one
 * array per bucket instead of three keeps the cold-start build and the garbage collector quick.
 */
export class IntervalBucket {
  /** start, end, id triples, sorted by (start, id). */
  data: number[] = [];
  maxDuration = 0;

  get size(): number {
    return this.data.length / 3;
  }

  /** First triple index whose (start, id) is ≥ the given one. */
  #lowerBound(start: number, id: number): number {
    const data = this.data;
    let lo = 0;
    let hi = data.length / 3;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const s = data[mid * 3] as number;
      if (s < start || (s === start && (data[mid * 3 + 2] as number) < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(id: number, start: number, end: number): void {
    const at = this.#lowerBound(start, id);
    this.data.splice(at * 3, 0, start, end, id);
    if (end - start > this.maxDuration) this.maxDuration = end - start;
  }

  /** Appends without keeping order: call `sort()` after a bulk load (a no-op when pushed in order). */
  push(id: number, start: number, end: number): void {
    this.data.push(start, end, id);
    if (end - start > this.maxDuration) this.maxDuration = end - start;
  }

  sort(): void {
    const data = this.data;
    const n = data.length / 3;
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) {
      const ds = (data[i * 3] as number) - (data[i * 3 - 3] as number);
      sorted = ds > 0 || (ds === 0 && (data[i * 3 + 2] as number) > (data[i * 3 - 1] as number));
    }
    if (sorted) return;
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort(
      (a, b) =>
        (data[a * 3] as number) - (data[b * 3] as number) || (data[a * 3 + 2] as number) - (data[b * 3 + 2] as number),
    );
    const next: number[] = new Array(data.length);
    order.forEach((from, to) => {
      next[to * 3] = data[from * 3] as number;
      next[to * 3 + 1] = data[from * 3 + 1] as number;
      next[to * 3 + 2] = data[from * 3 + 2] as number;
    });
    this.data = next;
  }

  remove(id: number, start: number): boolean {
    const at = this.#lowerBound(start, id);
    if (this.data[at * 3 + 2] !== id || this.data[at * 3] !== start) return false;
    this.data.splice(at * 3, 3);
    return true;
  }

  /** Calls `visit(id, start, end)` for every window overlapping [s, e). */
  overlapping(s: number, e: number, visit: (id: number, start: number, end: number) => void): void {
    const data = this.data;
    const n = data.length;
    for (
      let i = this.#lowerBound(s - this.maxDuration, Number.MIN_SAFE_INTEGER) * 3;
      i < n && (data[i] as number) < e;
      i += 3
    ) {
      const end = data[i + 1] as number;
      if (end > s) visit(data[i + 2] as number, data[i] as number, end);
    }
  }

  /**
   * Every pair of windows in the bucket that overlap each other and the range [from, to):
   * one sweep, O(n + pairs) after the sort the bucket already has.
   */
  overlappingPairs(from: number, to: number, visit: (a: number, b: number) => void): void {
    const data = this.data;
    const n = data.length;
    for (
      let i = this.#lowerBound(from - this.maxDuration, Number.MIN_SAFE_INTEGER) * 3;
      i < n && (data[i] as number) < to;
      i += 3
    ) {
      const endI = data[i + 1] as number;
      if (endI <= from) continue;
      for (let j = i + 3; j < n && (data[j] as number) < endI; j += 3) {
        if ((data[j] as number) >= to) break;
        if ((data[j + 1] as number) <= from) continue;
        visit(data[i + 2] as number, data[j + 2] as number);
      }
    }
  }
}

/** Collects unordered pairs of change ids once each, with the values (CIs) that connect them. */
export class PairSet<V> {
  readonly #pairs = new Map<number, Map<number, V[]>>();
  #count = 0;

  add(a: number, b: number, value: V): void {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    let inner = this.#pairs.get(lo);
    if (!inner) {
      inner = new Map();
      this.#pairs.set(lo, inner);
    }
    const values = inner.get(hi);
    if (values) values.push(value);
    else {
      inner.set(hi, [value]);
      this.#count++;
    }
  }

  has(a: number, b: number): boolean {
    return this.#pairs.get(Math.min(a, b))?.has(Math.max(a, b)) ?? false;
  }

  get size(): number {
    return this.#count;
  }

  *entries(): Generator<[number, number, V[]]> {
    for (const [a, inner] of this.#pairs) for (const [b, values] of inner) yield [a, b, values];
  }
}

export class ChangeIntervalIndex {
  readonly #changes = new Map<number, IndexedChange>();
  readonly #byCi = new Map<number, IntervalBucket>();
  readonly #byImplementer = new Map<number, IntervalBucket>();
  readonly #byTime = new IntervalBucket();

  /** Builds an index from many changes at once (sorting each bucket once: the cold-start path). */
  static build(changes: Iterable<IndexedChange>): ChangeIntervalIndex {
    const index = new ChangeIntervalIndex();
    // In (start, id) order every bucket fills already sorted, so no bucket needs sorting after.
    const ordered = [...changes].sort((a, b) => a.start - b.start || a.id - b.id);
    for (const change of ordered) {
      index.#changes.set(change.id, change);
      index.#byTime.push(change.id, change.start, change.end);
      for (const ci of change.ciIds) index.#bucket(index.#byCi, ci).push(change.id, change.start, change.end);
      if (change.implementerId !== null) {
        index.#bucket(index.#byImplementer, change.implementerId).push(change.id, change.start, change.end);
      }
    }
    index.#byTime.sort();
    for (const bucket of index.#byCi.values()) bucket.sort();
    for (const bucket of index.#byImplementer.values()) bucket.sort();
    return index;
  }

  #bucket(map: Map<number, IntervalBucket>, key: number): IntervalBucket {
    let bucket = map.get(key);
    if (!bucket) {
      bucket = new IntervalBucket();
      map.set(key, bucket);
    }
    return bucket;
  }

  get size(): number {
    return this.#changes.size;
  }

  get(id: number): IndexedChange | undefined {
    return this.#changes.get(id);
  }

  values(): IterableIterator<IndexedChange> {
    return this.#changes.values();
  }

  /** Adds or replaces a change (its old windows, CIs and implementer are removed first). */
  upsert(change: IndexedChange): void {
    this.remove(change.id);
    this.#changes.set(change.id, change);
    this.#byTime.insert(change.id, change.start, change.end);
    for (const ci of new Set(change.ciIds)) this.#bucket(this.#byCi, ci).insert(change.id, change.start, change.end);
    if (change.implementerId !== null) {
      this.#bucket(this.#byImplementer, change.implementerId).insert(change.id, change.start, change.end);
    }
  }

  remove(id: number): void {
    const old = this.#changes.get(id);
    if (!old) return;
    this.#changes.delete(id);
    this.#byTime.remove(id, old.start);
    for (const ci of new Set(old.ciIds)) {
      const bucket = this.#byCi.get(ci);
      if (bucket?.remove(id, old.start) && bucket.size === 0) this.#byCi.delete(ci);
    }
    if (old.implementerId !== null) {
      const bucket = this.#byImplementer.get(old.implementerId);
      if (bucket?.remove(id, old.start) && bucket.size === 0) this.#byImplementer.delete(old.implementerId);
    }
  }

  /** Changes that touch `ciId` in a window overlapping [s, e). */
  overlappingOnCi(ciId: number, s: number, e: number, visit: (id: number) => void): void {
    this.#byCi.get(ciId)?.overlapping(s, e, visit);
  }

  overlappingForImplementer(userId: number, s: number, e: number, visit: (id: number) => void): void {
    this.#byImplementer.get(userId)?.overlapping(s, e, visit);
  }

  overlappingInTime(s: number, e: number, visit: (id: number) => void): void {
    this.#byTime.overlapping(s, e, visit);
  }

  /**
   * The interactive check: the changes sharing a CI with a (possibly unsaved) change in an
   * overlapping window, with the shared CIs. O(CIs × (log n + matches)).
   */
  sameCiConflicts(change: Omit<IndexedChange, 'state'>): Map<number, number[]> {
    const found = new Map<number, number[]>();
    for (const ci of new Set(change.ciIds)) {
      this.#byCi.get(ci)?.overlapping(change.start, change.end, (other) => {
        if (other === change.id) return;
        const cis = found.get(other);
        if (cis) cis.push(ci);
        else found.set(other, [ci]);
      });
    }
    return found;
  }

  implementerConflicts(change: Omit<IndexedChange, 'state'>): number[] {
    if (change.implementerId === null) return [];
    const found: number[] = [];
    this.#byImplementer.get(change.implementerId)?.overlapping(change.start, change.end, (other) => {
      if (other !== change.id) found.push(other);
    });
    return found;
  }

  /** Every pair of changes sharing a CI in overlapping windows within [from, to): the full scan. */
  scanSameCi(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): PairSet<number> {
    const pairs = new PairSet<number>();
    for (const [ci, bucket] of this.#byCi) {
      if (bucket.size > 1) bucket.overlappingPairs(from, to, (a, b) => pairs.add(a, b, ci));
    }
    return pairs;
  }

  /** Every pair of changes with the same implementer in overlapping windows within [from, to). */
  scanImplementers(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): PairSet<number> {
    const pairs = new PairSet<number>();
    for (const [user, bucket] of this.#byImplementer) {
      if (bucket.size > 1) bucket.overlappingPairs(from, to, (a, b) => pairs.add(a, b, user));
    }
    return pairs;
  }
}
