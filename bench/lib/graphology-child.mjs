/**
 * The graphology baseline of the `impact` workload, in its own process: at tier L the graph takes
 * ~2 GB of heap and a minute to build, which in the harness process would distort the product's
 * in-process timings (garbage collection over a huge heap) and could exhaust V8's heap limit.
 * Protocol (IPC, advanced serialization): `build` {from, to, codes, count, maxId} → `built`
 * {buildMs, heapMb}; `query` {id, root, maxDepth?, types?, timing} → `answer` {id, answer, times,
 * gc}; `exit` → `exited` {maxRssKb}.
 */
import Graph from 'graphology';
import traversal from 'graphology-traversal';
import { REL_TYPES } from './cmdb-graph.mjs';
import { measure } from './measure.mjs';

const bfsFromNode = traversal.bfsFromNode;
let graph;

function bfs(root, maxDepth = Number.POSITIVE_INFINITY, types = null) {
  const out = [];
  const key = String(root);
  if (!types) {
    bfsFromNode(graph, key, (node, _attributes, depth) => {
      if (depth > 0) out.push(Number(node));
      return depth >= maxDepth;
    });
    return out;
  }
  // bfsFromNode follows every edge; a typed walk needs the edges' attributes.
  const allowed = new Set(types);
  const seen = new Set([key]);
  let frontier = [key];
  for (let depth = 0; frontier.length > 0 && depth < maxDepth; depth++) {
    const next = [];
    for (const node of frontier) {
      graph.forEachOutEdge(node, (_edge, attributes, _source, target) => {
        if (!allowed.has(attributes.type) || seen.has(target)) return;
        seen.add(target);
        next.push(target);
        out.push(Number(target));
      });
    }
    frontier = next;
  }
  return out;
}

process.on('message', async (message) => {
  try {
    if (message.type === 'build') {
      const { from, to, codes, count, maxId } = message;
      const before = process.memoryUsage().heapUsed;
      const started = performance.now();
      graph = new Graph({ type: 'directed', multi: false, allowSelfLoops: false });
      for (let id = 1; id <= maxId; id++) graph.addNode(id);
      for (let i = 0; i < count; i++) graph.addEdge(from[i], to[i], { type: REL_TYPES[codes[i]] });
      const buildMs = performance.now() - started;
      process.send({ type: 'built', buildMs, heapMb: (process.memoryUsage().heapUsed - before) / 2 ** 20 });
    } else if (message.type === 'query') {
      const m = await measure(() => bfs(message.root, message.maxDepth, message.types), message.timing);
      process.send({ type: 'answer', id: message.id, answer: Int32Array.from(m.answer), times: m.times, gc: m.gc });
    } else if (message.type === 'exit') {
      process.send({ type: 'exited', maxRssKb: process.resourceUsage().maxRSS }, () => process.exit(0));
    }
  } catch (error) {
    process.send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
