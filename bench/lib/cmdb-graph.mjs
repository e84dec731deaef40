/**
 * Deterministic generator of CMDB-shaped graphs for the `import` and `impact` workloads
 * (performance anchors §2 and §5.1). Same tier + shape + seed ⇒ byte-identical output.
 *
 * Shapes:
 * - `layered`: 6 layers from infrastructure up to business services, sized 0.2 / 2 / 30 / 45 / 20
 *   / 2.8 % of the CIs. Every CI above the bottom layer depends on 1 + Exp(mean 4) CIs of the layer
 *   below (scaled so the relationships total exactly the tier's count), picked in a window of ±4 %
 *   around its own relative position (locality, as real estates have: a rack's VMs run on that
 *   rack's hosts); 0.5 % of the picks are long-range (anywhere in the layer below). Closures are
 *   skewed like a real CMDB's: at 1M/5M the bottom layer reaches ~50k CIs, the next ~3k, the
 *   middle ~40.
 * - `skip`: the layered graph, but 10 % of the picks jump 2–3 layers (an application that depends
 *   on a storage array directly). CIs are then reachable at several depths, which is what makes
 *   SQL depth-column CTEs blow up.
 * - `uniform`: random edges (same CI count, same in-degree law, parents anywhere): the adversarial
 *   case, one giant component, an impact query reaches ~99 % of the graph.
 *
 * Classes are Slipway's built-in ones (packages/model/src/cmdb.ts), and relationship types are
 * chosen so that impact flows bottom-up with the model's propagation rules:
 *   software —installed_on→ server/VM            (source_to_target: the software impacts the host)
 *   server —depends_on→ network_device/storage    (target_to_source: the device impacts the server)
 *   VM —runs_on→ server, database/app —runs_on→ VM (target_to_source)
 *   application —depends_on→ database/messaging/application
 *   application —part_of→ service                 (source_to_target)
 * The uniform shape uses depends_on only (valid between any two classes).
 *
 * Everything is kept in typed arrays (a 1M/5M graph is ~70 MB); files are written on demand:
 * NDJSON for the product's import, and PostgreSQL COPY text (TSV) rows of the exact `cis` and
 * `relationships` rows the product writes, for the raw bulk-load baselines.
 */
import fs from 'node:fs';

export const SHAPES = ['layered', 'skip', 'uniform'];
export const LAYER_FRACTIONS = [0.002, 0.02, 0.3, 0.45, 0.2, 0.028];
export const LAYER_NAMES = ['infrastructure', 'hosts', 'virtual machines', 'components', 'applications', 'services'];
const WINDOW_FRACTION = 0.08; // ±4 %
const MIN_WINDOW = 16;
const LONG_RANGE = 0.005;
const SKIP_SHARE = 0.1;
const MEAN_EXTRA_DEGREE = 4;

/** Relationship types the generator uses, with how impact flows along them (model's propagation). */
export const REL_TYPES = ['depends_on', 'runs_on', 'installed_on', 'part_of'];
export const REL_TYPE_CODE = Object.fromEntries(REL_TYPES.map((t, i) => [t, i]));
/** true when impact flows target → source (the source needs the target). */
export const TARGET_TO_SOURCE = [true, true, false, false];

/** CI classes used (all built in), with their name prefix. */
export const CLASSES = [
  'software',
  'network_device',
  'storage',
  'server',
  'virtual_machine',
  'database',
  'messaging',
  'application',
  'service',
];
const C = Object.fromEntries(CLASSES.map((c, i) => [c, i]));
const PREFIX = ['sw', 'net', 'san', 'srv', 'vm', 'db', 'mq', 'app', 'svc'];

/** sfc32 seeded through splitmix32: fast, good enough, and the same on every platform. */
export function createRandom(seed) {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

function layerSizes(n) {
  const sizes = LAYER_FRACTIONS.map((f) => Math.max(1, Math.round(n * f)));
  sizes[3] += n - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

function classFor(layer, rand) {
  const u = rand();
  switch (layer) {
    case 0:
      return u < 0.4 ? C.software : u < 0.75 ? C.network_device : C.storage;
    case 1:
      return C.server;
    case 2:
      return C.virtual_machine;
    case 3:
      return u < 0.3 ? C.database : u < 0.4 ? C.messaging : C.application;
    case 4:
      return C.application;
    default:
      return C.service;
  }
}

/**
 * Generates a graph. `cis` CIs, exactly `relationships` relationships (all propagate impact),
 * no duplicates, no self-relationships.
 * @returns {{ shape: string, seed: number, n: number, m: number, layerStart: number[],
 *   layerOf: Uint8Array, classOf: Uint8Array, relSource: Int32Array, relType: Uint8Array,
 *   relTarget: Int32Array }} indices are 0-based; the product's ids are index + 1.
 */
export function generateGraph({ shape, cis: n, relationships: m, seed = 20261128 }) {
  if (!SHAPES.includes(shape)) throw new Error(`unknown graph shape ${shape}`);
  const rand = createRandom(seed ^ (SHAPES.indexOf(shape) * 0x1000193));
  const sizes = layerSizes(n);
  const layerStart = [0];
  for (const size of sizes) layerStart.push(layerStart.at(-1) + size);
  const layerOf = new Uint8Array(n);
  const classOf = new Uint8Array(n);
  for (let l = 0; l < 6; l++) {
    for (let i = layerStart[l]; i < layerStart[l + 1]; i++) {
      layerOf[i] = l;
      classOf[i] = classFor(l, rand);
    }
  }
  const uniform = shape === 'uniform';
  const firstChild = uniform ? 0 : layerStart[1];
  const windowOf = (l) => Math.min(sizes[l], Math.max(MIN_WINDOW, Math.round(sizes[l] * WINDOW_FRACTION)));
  /** Most distinct parents a CI may get (keeps picking in its window cheap). */
  const capOf = (child) => Math.min(1000, uniform ? n - 1 : Math.max(1, Math.floor(windowOf(layerOf[child] - 1) / 2)));

  // In-degrees: 1 + Exp(mean 4), scaled to total exactly m, capped; the excess goes round-robin.
  const degree = new Int32Array(n);
  const weights = new Float64Array(n);
  let weightSum = 0;
  for (let c = firstChild; c < n; c++) {
    const w = 1 - MEAN_EXTRA_DEGREE * Math.log(1 - rand());
    weights[c] = w;
    weightSum += w;
  }
  let acc = 0;
  let assigned = 0;
  for (let c = firstChild; c < n; c++) {
    const next = acc + (weights[c] * m) / weightSum;
    let d = Math.round(next) - Math.round(acc);
    acc = next;
    const cap = capOf(c);
    if (d > cap) d = cap;
    degree[c] = d;
    assigned += d;
  }
  let excess = m - assigned;
  for (let c = firstChild + Math.floor(rand() * (n - firstChild)); excess > 0; c = c + 1 < n ? c + 1 : firstChild) {
    if (degree[c] < capOf(c)) {
      degree[c]++;
      excess--;
    }
  }

  const relSource = new Int32Array(m);
  const relTarget = new Int32Array(m);
  const relType = new Uint8Array(m);
  const picked = new Int32Array(1024);
  let r = 0;
  for (let c = firstChild; c < n; c++) {
    const d = degree[c];
    const lc = layerOf[c];
    const position = uniform ? 0 : (c - layerStart[lc] + 0.5) / sizes[lc];
    let count = 0;
    while (count < d) {
      let parent;
      if (uniform) {
        parent = Math.floor(rand() * n);
        if (parent === c) continue;
      } else {
        let lp = lc - 1;
        if (shape === 'skip' && rand() < SKIP_SHARE) {
          const jump = rand() < 0.5 ? 2 : 3;
          if (lc - jump >= 0) lp = lc - jump;
        }
        if (rand() < LONG_RANGE) {
          parent = layerStart[lp] + Math.floor(rand() * sizes[lp]);
        } else {
          const width = windowOf(lp);
          const lo = Math.min(sizes[lp] - width, Math.max(0, Math.round(position * sizes[lp] - width / 2)));
          parent = layerStart[lp] + lo + Math.floor(rand() * width);
        }
      }
      let duplicate = false;
      for (let k = 0; k < count; k++) {
        if (picked[k] === parent) {
          duplicate = true;
          break;
        }
      }
      if (duplicate) continue;
      picked[count++] = parent;
      // The relationship as stored: direction and type follow the model's propagation.
      const pc = classOf[parent];
      const lp = layerOf[parent];
      let type;
      if (uniform) type = REL_TYPE_CODE.depends_on;
      else if (pc === C.software && lc <= 2) type = REL_TYPE_CODE.installed_on;
      else if ((lc === 2 && lp === 1) || (lc === 3 && lp === 2)) type = REL_TYPE_CODE.runs_on;
      else if (lc === 5 && lp === 4) type = REL_TYPE_CODE.part_of;
      else type = REL_TYPE_CODE.depends_on;
      if (TARGET_TO_SOURCE[type]) {
        relSource[r] = c;
        relTarget[r] = parent;
      } else {
        relSource[r] = parent;
        relTarget[r] = c;
      }
      relType[r] = type;
      r++;
    }
  }
  if (r !== m) throw new Error(`generator produced ${r} relationships, expected ${m}`);
  return { shape, seed, n, m, layerStart, layerOf, classOf, relSource, relType, relTarget };
}

/** The impact edge of relationship `r`: from the CI whose change propagates, to the CI it impacts. */
export function impactEnds(graph, r) {
  return TARGET_TO_SOURCE[graph.relType[r]]
    ? [graph.relTarget[r], graph.relSource[r]]
    : [graph.relSource[r], graph.relTarget[r]];
}

/** Forward CSR of the impact edges (index space), for the generator's own reference BFS. */
export function impactCsr(graph) {
  const { n, m } = graph;
  const offsets = new Int32Array(n + 1);
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const t2s = TARGET_TO_SOURCE[graph.relType[r]];
    from[r] = t2s ? graph.relTarget[r] : graph.relSource[r];
    to[r] = t2s ? graph.relSource[r] : graph.relTarget[r];
    offsets[from[r] + 1]++;
  }
  for (let i = 0; i < n; i++) offsets[i + 1] += offsets[i];
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(m);
  const types = new Uint8Array(m);
  for (let r = 0; r < m; r++) {
    const slot = fill[from[r]]++;
    targets[slot] = to[r];
    types[slot] = graph.relType[r];
  }
  return { n, offsets, targets, types, visited: new Uint32Array(n), epoch: 0, queue: new Int32Array(n) };
}

/**
 * Reference BFS (independent of the product's code): the CIs reached from `root` (index space),
 * without the root, optionally within `maxDepth` hops and along relationship types in `typeMask`
 * (bit per REL_TYPES code). Returns the count, or the set when `collect`.
 */
export function closure(csr, root, { maxDepth = Number.POSITIVE_INFINITY, typeMask = 0xff, collect = false } = {}) {
  const { offsets, targets, types, visited, queue } = csr;
  const epoch = ++csr.epoch;
  visited[root] = epoch;
  queue[0] = root;
  let head = 0;
  let tail = 1;
  let levelEnd = 1;
  let depth = 0;
  while (head < tail && depth < maxDepth) {
    for (; head < levelEnd; head++) {
      const node = queue[head];
      for (let e = offsets[node], end = offsets[node + 1]; e < end; e++) {
        const next = targets[e];
        if (visited[next] === epoch || ((1 << types[e]) & typeMask) === 0) continue;
        visited[next] = epoch;
        queue[tail++] = next;
      }
    }
    levelEnd = tail;
    depth++;
  }
  return collect ? queue.slice(1, tail) : tail - 1;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** Up to `count` evenly spaced members of [start, end) that satisfy `keep`. */
function spread(start, end, count, keep = () => true) {
  const out = [];
  const step = Math.max(1, (end - start) / count);
  for (let x = start; x < end && out.length < count; x += step) {
    let i = Math.floor(x);
    while (i < end && !keep(i)) i++;
    if (i < end && (out.length === 0 || out.at(-1) !== i)) out.push(i);
  }
  return out;
}

/**
 * Seeds chosen by measured closure size (index space), plus the closure medians by layer.
 * layered/skip: hub = the median-closure infrastructure CI (not software: the type-filtered
 * variant follows runs_on/depends_on, which software does not use), mid = median host,
 * leaf = median VM; hubs / mids = up to 30 CIs of those layers closest to the hub's / mid's size
 * (distinct roots, for HTTP requests that no cache answers). uniform: full = the CI with the largest closure among a few.
 */
export function chooseSeeds(graph, csr = impactCsr(graph)) {
  const { layerStart, classOf } = graph;
  const sizeOf = (i) => closure(csr, i);
  if (graph.shape === 'uniform') {
    let best = 0;
    let bestSize = -1;
    for (const i of spread(0, graph.n, 5)) {
      const size = sizeOf(i);
      if (size > bestSize) {
        best = i;
        bestSize = size;
      }
    }
    return { full: { index: best, closure: bestSize }, layerMedians: [] };
  }
  const layerMedians = [];
  const pickMedian = (layer, count, keep) => {
    const candidates = spread(layerStart[layer], layerStart[layer + 1], count, keep).map((i) => ({
      index: i,
      closure: sizeOf(i),
    }));
    const mid = median(candidates.map((c) => c.closure));
    candidates.sort((a, b) => Math.abs(a.closure - mid) - Math.abs(b.closure - mid) || a.index - b.index);
    return { chosen: candidates[0], candidates, median: mid };
  };
  const infra = pickMedian(0, 201, (i) => classOf[i] !== C.software);
  const hosts = pickMedian(1, 201);
  const vms = pickMedian(2, 201);
  for (let l = 0; l < 6; l++) {
    layerMedians.push(
      l === 0
        ? median(spread(layerStart[0], layerStart[1], 201).map(sizeOf))
        : l === 1
          ? hosts.median
          : l === 2
            ? vms.median
            : median(spread(layerStart[l], layerStart[l + 1], 51).map(sizeOf)),
    );
  }
  return {
    hub: infra.chosen,
    mid: hosts.chosen,
    leaf: vms.chosen,
    hubs: infra.candidates.slice(0, 30).map((c) => c.index),
    mids: hosts.candidates.slice(0, 30).map((c) => c.index),
    layerMedians,
  };
}

// ---- files -------------------------------------------------------------------------------

const ENVIRONMENTS = ['production', 'production', 'staging', 'test'];
const CRITICALITY = ['low', 'medium', 'high', 'critical'];
const SOFTWARE = ['openssl', 'glibc', 'openjdk', 'nginx', 'python', 'nodejs', 'log4j', 'zlib'];

export function ciName(graph, i) {
  return `${PREFIX[graph.classOf[i]]}-${String(i).padStart(7, '0')}`;
}

export function ciRef(graph, i) {
  return `${CLASSES[graph.classOf[i]]}/${ciName(graph, i)}`;
}

/** Index of a generated CI from its name (the digits after the prefix). */
export function indexOfName(name) {
  return Number.parseInt(name.slice(name.indexOf('-') + 1), 10);
}

const ip = (i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;

/** Attributes of CI `i` as canonical JSON (keys sorted), valid for its built-in class. */
function attributesJson(graph, i) {
  const name = ciName(graph, i);
  switch (CLASSES[graph.classOf[i]]) {
    case 'software':
      return `{"product":"${SOFTWARE[i % SOFTWARE.length]}","version":"${1 + (i % 3)}.${i % 10}.${i % 17}"}`;
    case 'network_device':
      return `{"device_type":"${['router', 'switch', 'firewall', 'load_balancer'][i % 4]}","ip":"${ip(i)}"}`;
    case 'storage':
      return `{"capacity_tb":${50 + (i % 200)},"tier":"${['gold', 'silver', 'bronze'][i % 3]}"}`;
    case 'server':
      return `{"cpu_cores":${16 + (i % 4) * 16},"hostname":"${name}.dc.example.net","ip":"${ip(i)}","os":"linux"}`;
    case 'virtual_machine':
      return `{"cpu_cores":${2 << (i % 3)},"hostname":"${name}.example.net","ip":"${ip(i)}"}`;
    case 'database':
      return `{"engine":"${['postgresql', 'oracle', 'mysql'][i % 3]}","engine_version":"${10 + (i % 7)}.${i % 5}"}`;
    case 'messaging':
      return `{"engine":"${['kafka', 'rabbitmq'][i % 2]}","engine_version":"3.${i % 9}.1"}`;
    case 'application':
      return `{"language":"${['java', 'go', 'python', 'typescript'][i % 4]}","version":"${i % 5}.${i % 13}.0"}`;
    default:
      return `{"service_level":"${['gold', 'silver', 'bronze'][i % 3]}"}`;
  }
}

/** Writes ASCII lines through one reused 4 MiB buffer (no big concatenated strings to collect). */
class FileWriter {
  constructor(file) {
    this.fd = fs.openSync(file, 'w');
    this.buffer = Buffer.allocUnsafe(1 << 22);
    this.used = 0;
    this.bytes = 0;
  }
  write(text) {
    if (this.used + text.length > this.buffer.length) this.flush();
    this.used += this.buffer.write(text, this.used, 'latin1');
  }
  flush() {
    if (this.used === 0) return;
    this.bytes += fs.writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }
  close() {
    this.flush();
    fs.closeSync(this.fd);
    return this.bytes;
  }
}

/** The NDJSON the product imports: every CI (bottom layer first), then every relationship. */
export function writeNdjson(graph, file) {
  const out = new FileWriter(file);
  for (let i = 0; i < graph.n; i++) {
    out.write(
      `{"kind":"ci","class":"${CLASSES[graph.classOf[i]]}","name":"${ciName(graph, i)}",` +
        `"environment":"${ENVIRONMENTS[i % 4]}","owner":"team-${i % 500}","criticality":"${CRITICALITY[i % 4]}",` +
        `"attributes":${attributesJson(graph, i)}}\n`,
    );
  }
  for (let r = 0; r < graph.m; r++) {
    out.write(
      `{"kind":"relationship","source":"${ciRef(graph, graph.relSource[r])}","type":"${REL_TYPES[graph.relType[r]]}",` +
        `"target":"${ciRef(graph, graph.relTarget[r])}"}\n`,
    );
  }
  return out.close();
}

/**
 * COPY text rows of exactly what the product stores for this import (ids 1..n and 1..m in file
 * order, as a fresh database hands them out), for the raw baselines:
 * cis(id, class, name, status, environment, owner, criticality, attributes, source, last_seen_at,
 *     created_at, updated_at, version)
 * relationships(id, source_id, type, target_id, origin, created_at, last_seen_at)
 */
export const CI_COLUMNS = [
  'id',
  'class',
  'name',
  'status',
  'environment',
  'owner',
  'criticality',
  'attributes',
  'source',
  'last_seen_at',
  'created_at',
  'updated_at',
  'version',
];
export const REL_COLUMNS = ['id', 'source_id', 'type', 'target_id', 'origin', 'created_at', 'last_seen_at'];

export function writeTsv(graph, ciFile, relFile, { source = 'bench', at }) {
  const cis = new FileWriter(ciFile);
  for (let i = 0; i < graph.n; i++) {
    cis.write(
      `${i + 1}\t${CLASSES[graph.classOf[i]]}\t${ciName(graph, i)}\tactive\t${ENVIRONMENTS[i % 4]}\tteam-${i % 500}\t` +
        `${CRITICALITY[i % 4]}\t${attributesJson(graph, i)}\t${source}\t${at}\t${at}\t${at}\t1\n`,
    );
  }
  const ciBytes = cis.close();
  const rels = new FileWriter(relFile);
  for (let r = 0; r < graph.m; r++) {
    rels.write(
      `${r + 1}\t${graph.relSource[r] + 1}\t${REL_TYPES[graph.relType[r]]}\t${graph.relTarget[r] + 1}\t${source}\t${at}\t${at}\n`,
    );
  }
  return { ciBytes, relBytes: rels.close() };
}
