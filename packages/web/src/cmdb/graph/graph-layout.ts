import { classRank, type VisibleGraph, type VisibleNode } from './graph-model.js';

/** Node box size and spacing, in graph units (1 unit = 1 CSS pixel at zoom 1). */
export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 24;
const ROW_PITCH = 32;
const COLUMN_PITCH = NODE_WIDTH + 24;
const LAYER_GAP = 150;
/** A layer grows columns once it is this many rows tall, so thousands of CIs make a block, not a tower. */
const MIN_ROWS = 24;
/** One collator for every sort: String.prototype.localeCompare builds its comparison state on each call. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export interface LayoutBounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/**
 * A layered layout: one band per depth, left to right from the root. Within a band, nodes are
 * ordered by class (services first) and then by the mean position of the nodes they link to in
 * earlier bands (the barycentre heuristic, one sweep), so lines mostly run straight; a big band
 * wraps into columns about as tall as they are wide.
 *
 * Deterministic and O(N log N + E): it runs once per change, never as a simulation that keeps
 * the page busy. Writes x and y into the nodes and returns the bounds.
 */
export function layoutLayers(graph: VisibleGraph): LayoutBounds {
  const layers = new Map<number, VisibleNode[]>();
  for (const node of graph.nodes) {
    const layer = layers.get(node.depth);
    if (layer) layer.push(node);
    else layers.set(node.depth, [node]);
  }
  const neighbours = neighbourLists(graph);
  const depths = [...layers.keys()].sort((a, b) => a - b);

  const bounds: LayoutBounds = { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  let x = 0;
  let first = true;
  for (const depth of depths) {
    const layer = layers.get(depth) as VisibleNode[];
    // Sort keys computed once per node, not once per comparison.
    const keys = new Map<VisibleNode, { rank: number; barycentre: number }>();
    for (const node of layer) {
      let sum = 0;
      let count = 0;
      for (const other of neighbours.get(node) ?? []) {
        if (other.depth < depth) {
          sum += other.y;
          count++;
        }
      }
      keys.set(node, {
        rank: node.root ? -1 : classRank(node.class),
        barycentre: count > 0 ? sum / count : Number.POSITIVE_INFINITY,
      });
    }
    layer.sort((a, b) => {
      const left = keys.get(a) as { rank: number; barycentre: number };
      const right = keys.get(b) as { rank: number; barycentre: number };
      return (
        left.rank - right.rank ||
        (a.class === b.class ? 0 : a.class < b.class ? -1 : 1) ||
        compareNumbers(left.barycentre, right.barycentre) ||
        Number(b.kind === 'group') - Number(a.kind === 'group') ||
        collator.compare(a.label, b.label)
      );
    });
    const rows = Math.min(layer.length, Math.max(MIN_ROWS, Math.ceil(Math.sqrt(layer.length * 3))));
    const columns = Math.ceil(layer.length / rows);
    const top = -((rows - 1) * ROW_PITCH) / 2;
    layer.forEach((node, i) => {
      // Column-major: one class fills a column before the next starts, so classes stay together.
      node.x = x + Math.floor(i / rows) * COLUMN_PITCH;
      node.y = top + (i % rows) * ROW_PITCH;
    });
    const layerRight = x + (columns - 1) * COLUMN_PITCH;
    if (first) {
      bounds.minX = x - NODE_WIDTH / 2;
      first = false;
    }
    bounds.maxX = layerRight + NODE_WIDTH / 2;
    bounds.minY = Math.min(bounds.minY, top - NODE_HEIGHT / 2);
    bounds.maxY = Math.max(bounds.maxY, -top + NODE_HEIGHT / 2);
    x = layerRight + COLUMN_PITCH + LAYER_GAP;
  }
  return bounds;
}

function compareNumbers(a: number, b: number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function neighbourLists(graph: VisibleGraph): Map<VisibleNode, VisibleNode[]> {
  const lists = new Map<VisibleNode, VisibleNode[]>();
  const add = (a: VisibleNode, b: VisibleNode) => {
    const list = lists.get(a);
    if (list) list.push(b);
    else lists.set(a, [b]);
  };
  for (const edge of graph.edges) {
    const from = graph.nodes[edge.from] as VisibleNode;
    const to = graph.nodes[edge.to] as VisibleNode;
    add(from, to);
    add(to, from);
  }
  return lists;
}
