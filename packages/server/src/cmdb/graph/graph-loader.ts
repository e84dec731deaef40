import type { SlipwayDatabase } from '../../platform/database.js';
import { graphChangeRepository, streamCiClasses, streamRelationships } from './graph.repository.js';
import { type EdgeList, ImpactIndex, PROPAGATION_BY_CODE, typeCode } from './impact-index.js';

/** Growable typed arrays for the cold-start load (no object per row). */
class IntBuffer {
  data: Int32Array;
  length = 0;
  constructor(initial = 1 << 16) {
    this.data = new Int32Array(initial);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
}

class ByteBuffer {
  data: Uint8Array;
  length = 0;
  constructor(initial = 1 << 16) {
    this.data = new Uint8Array(initial);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint8Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
}

export interface LoadedIndex {
  index: ImpactIndex;
  /** The graph change log position the index reflects (changes after it must be replayed). */
  seq: number;
  ciCount: number;
  durationMs: number;
}

/**
 * Builds the impact index from the database. Reads the change-log position first, so any change
 * committed while the tables are read is replayed afterwards (replays are idempotent).
 */
export async function loadImpactIndex(database: SlipwayDatabase): Promise<LoadedIndex> {
  const started = performance.now();
  const seq = await graphChangeRepository.latestSeq(database.db);

  const ids = new IntBuffer();
  const classCodes = new IntBuffer();
  const classNames: string[] = [];
  const classCode = new Map<string, number>();
  let maxId = 0;
  await streamCiClasses(database, (row) => {
    const id = row[0] as number;
    const name = row[1] as string;
    let code = classCode.get(name);
    if (code === undefined) {
      code = classNames.length;
      classNames.push(name);
      classCode.set(name, code);
    }
    ids.push(id);
    classCodes.push(code);
    if (id > maxId) maxId = id;
  });

  const from = new IntBuffer(1 << 20);
  const to = new IntBuffer(1 << 20);
  const codes = new ByteBuffer(1 << 20);
  await streamRelationships(database, (row) => {
    // Inlined impactEdge(): millions of rows, no object per row.
    const code = typeCode(row[1] as string);
    if (code === undefined) return;
    const direction = PROPAGATION_BY_CODE[code];
    if (direction === 0) return;
    const source = row[0] as number;
    const target = row[2] as number;
    from.push(direction === 1 ? target : source);
    to.push(direction === 1 ? source : target);
    codes.push(code);
    if (source > maxId) maxId = source;
    if (target > maxId) maxId = target;
  });

  const edges: EdgeList = { from: from.data, to: to.data, code: codes.data, count: from.length };
  const index = ImpactIndex.build(Math.max(1024, maxId + 1), edges);
  index.setClasses(ids.data, Uint16Array.from(classCodes.data.subarray(0, classCodes.length)), classNames, ids.length);
  return { index, seq, ciCount: ids.length, durationMs: Math.round(performance.now() - started) };
}
