import fc from 'fast-check';
import Graph from 'graphology';
import { bfsFromNode } from 'graphology-traversal';
import { describe, expect, it } from 'vitest';
import { ALL_TYPES_MASK, depthAt, type EdgeList, ImpactIndex, typeMaskOf } from './impact-index.js';

type Edge = [from: number, to: number, code: number];

function edgeList(edges: Edge[]): EdgeList {
  return {
    from: Int32Array.from(edges.map((e) => e[0])),
    to: Int32Array.from(edges.map((e) => e[1])),
    code: Uint8Array.from(edges.map((e) => e[2])),
    count: edges.length,
  };
}

/** Reachability by graphology, the reference the issue asks us to agree with. */
function reference(
  n: number,
  edges: Edge[],
  root: number,
  reverse: boolean,
  mask = ALL_TYPES_MASK,
): Map<number, number> {
  const graph = new Graph({ type: 'directed', multi: true });
  for (let i = 0; i < n; i++) graph.addNode(String(i));
  for (const [from, to, code] of edges) {
    if (((1 << code) & mask) === 0) continue;
    if (reverse) graph.addEdge(String(to), String(from));
    else graph.addEdge(String(from), String(to));
  }
  const reached = new Map<number, number>();
  bfsFromNode(graph, String(root), (node, _attr, depth) => {
    if (Number(node) !== root) reached.set(Number(node), depth);
  });
  return reached;
}

function asDepthMap(index: ImpactIndex, root: number, reverse: boolean, mask = ALL_TYPES_MASK): Map<number, number> {
  const t = index.traverse(root, reverse ? 'dependencies' : 'impact', { typeMask: mask });
  return new Map(Array.from(t.order, (id, i) => [id, depthAt(t, i)]));
}

const graphArb = fc.integer({ min: 2, max: 40 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.nat(4)), { maxLength: 120 }),
    root: fc.nat(n - 1),
  }),
);

function dedupe(edges: Edge[]): Edge[] {
  const seen = new Set<string>();
  return edges.filter(([a, b, c]) => {
    const key = `${a}|${b}|${c}`;
    if (a === b || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

describe('ImpactIndex', () => {
  it('reaches exactly the CIs (and depths) graphology reaches, both directions, with cycles', () => {
    fc.assert(
      fc.property(graphArb, ({ n, edges, root }) => {
        const unique = dedupe(edges as Edge[]);
        const index = ImpactIndex.build(n, edgeList(unique));
        expect(asDepthMap(index, root, false)).toEqual(reference(n, unique, root, false));
        expect(asDepthMap(index, root, true)).toEqual(reference(n, unique, root, true));
        // Every CI's `via` is one hop closer to the root, over a real edge.
        const t = index.traverse(root, 'impact');
        const depthOf = new Map(Array.from(t.order, (id, i) => [id, depthAt(t, i)]));
        t.order.forEach((id, i) => {
          const from = t.via[i] as number;
          expect(from === root ? 0 : depthOf.get(from)).toBe((depthOf.get(id) as number) - 1);
          expect(unique.some((e) => e[0] === from && e[1] === id && e[2] === t.viaCode[i])).toBe(true);
        });
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('stays exact through additions, removals and compaction', () => {
    fc.assert(
      fc.property(
        graphArb,
        fc.array(fc.tuple(fc.boolean(), fc.nat(39), fc.nat(39), fc.nat(4)), { maxLength: 80 }),
        ({ n, edges, root }, ops) => {
          let live = dedupe(edges as Edge[]);
          const index = ImpactIndex.build(n, edgeList(live));
          for (const [add, a, b, code] of ops) {
            const from = a % n;
            const to = b % n;
            if (from === to) continue;
            if (add) {
              index.addEdge(from, to, code);
              if (!live.some((e) => e[0] === from && e[1] === to && e[2] === code)) live.push([from, to, code]);
            } else {
              index.removeEdge(from, to, code);
              live = live.filter((e) => !(e[0] === from && e[1] === to && e[2] === code));
            }
          }
          expect(index.edgeCount).toBe(live.length);
          expect(asDepthMap(index, root, false)).toEqual(reference(n, live, root, false));
          index.compact();
          expect(asDepthMap(index, root, true)).toEqual(reference(n, live, root, true));
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('follows only the requested types and stops at the requested depth', () => {
    fc.assert(
      fc.property(
        graphArb,
        fc.subarray(['depends_on', 'runs_on', 'installed_on', 'part_of']),
        ({ n, edges, root }, types) => {
          const unique = dedupe(edges as Edge[]);
          const index = ImpactIndex.build(n, edgeList(unique));
          const mask = typeMaskOf(types.length > 0 ? types : undefined);
          expect(asDepthMap(index, root, false, mask)).toEqual(reference(n, unique, root, false, mask));
          const limited = index.traverse(root, 'impact', { maxDepth: 2 });
          const full = reference(n, unique, root, false);
          const expected = [...full]
            .filter(([, d]) => d <= 2)
            .map(([id]) => id)
            .sort((a, b) => a - b);
          expect(Array.from(limited.order).sort((a, b) => a - b)).toEqual(expected);
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });

  it('explains with a shortest path whose hops are real edges', () => {
    fc.assert(
      fc.property(graphArb, fc.nat(39), ({ n, edges, root }, t) => {
        const unique = dedupe(edges as Edge[]);
        const index = ImpactIndex.build(n, edgeList(unique));
        const target = t % n;
        const depths = reference(n, unique, root, false);
        const path = index.shortestPath(root, target, 'impact');
        if (target === root) {
          expect(path?.nodes).toEqual([root]);
          return;
        }
        if (!depths.has(target)) {
          expect(path).toBeUndefined();
          return;
        }
        expect(path?.nodes.length).toBe((depths.get(target) as number) + 1);
        path?.nodes.slice(1).forEach((node, i) => {
          const from = path.nodes[i] as number;
          expect(unique.some((e) => e[0] === from && e[1] === node && e[2] === path.codes[i])).toBe(true);
        });
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it('grows for new CI ids and keeps classes', () => {
    const index = ImpactIndex.empty();
    index.addEdge(5000, 7000, 0);
    index.setClass(7000, 'service');
    expect(Array.from(index.traverse(5000, 'impact').order)).toEqual([7000]);
    expect(index.classOf(7000)).toBe('service');
    expect([...index.countByClass(Int32Array.of(7000))]).toEqual([['service', 1]]);
  });
});
