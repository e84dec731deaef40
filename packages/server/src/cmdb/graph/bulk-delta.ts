import { impactEdge } from './impact-index.js';

/** A growable Int32Array. */
class Int32Column {
  data = new Int32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
}

/**
 * What one bulk import changed in the graph, kept compactly (12 bytes per created edge) so the
 * importing instance can fold it into its impact index at the end instead of re-reading every
 * relationship from the database.
 */
export class BulkGraphDelta {
  readonly from = new Int32Column();
  readonly to = new Int32Column();
  readonly code = new Int32Column();
  readonly ciIds = new Int32Column();
  readonly ciClasses: string[] = [];
  readonly removed: { sourceId: number; type: string; targetId: number }[] = [];

  addRelationship(sourceId: number, type: string, targetId: number): void {
    const edge = impactEdge(sourceId, type, targetId);
    if (!edge) return;
    this.from.push(edge.from);
    this.to.push(edge.to);
    this.code.push(edge.code);
  }

  addCi(id: number, ciClass: string): void {
    this.ciIds.push(id);
    this.ciClasses.push(ciClass);
  }

  removeRelationship(sourceId: number, type: string, targetId: number): void {
    this.removed.push({ sourceId, type, targetId });
  }

  get edgeCount(): number {
    return this.from.length;
  }
}
