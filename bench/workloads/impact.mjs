/**
 * W-IMPACT (CMDB issue "Performance", anchors W2 + W6): "what breaks if this CI changes?" on
 * generated CMDB-shaped graphs (bench/lib/cmdb-graph.mjs: layered, skip-edge, uniform) that the
 * product imported through its own API (shared with the `import` workload when both run).
 *
 * In process: Slipway's ImpactIndex, loaded from the imported SQLite database by the product's
 * own loader (packages/server/dist/cmdb/graph/graph-loader.js), `traverse()` timed over ≥ 20 runs
 * after warm-up, for the hub / mid / leaf CIs (closures ~50k / ~3k / ~40 at 1M/5M), a depth-limited
 * and a type-filtered hub query, the skip-edge hub (unbounded and depth-limited) and the uniform
 * graph's whole-graph reach.
 *
 * Baselines in the same run on the same edges (read back from the product's database), each of
 * whose answers must be exactly Slipway's set:
 * - PostgreSQL `WITH RECURSIVE … UNION` (depth column when depth-limited), jit off, work_mem
 *   256MB, on an edge table (src, type, dst) with a covering index, vacuumed (index-only scans) —
 *   the best case for SQL; plus, for the hub, the same query with the server's defaults;
 * - SQLite recursive CTE on the same edge table (WITHOUT ROWID, primary key (src, type, dst));
 *   plus, for the hub, the CTE a user would write over Slipway's own `relationships` table;
 * - a level-by-level query loop from Node, one query per BFS level (how classic CMDBs walk):
 *   SQLite `IN (json_each(?))`, PostgreSQL `= ANY($1)`;
 * - graphology `bfsFromNode` (at tier L only with --graphology: ~1 min and ~2 GB per graph).
 * Every answer is also compared with the generator's own reference BFS.
 *
 * Over HTTP (Slipway server process on the layered SQLite database): cold restart until the first
 * impact answer, `GET /api/v1/cis/{id}/impact?limit=100` latency at c=1 (distinct roots, so no
 * cached traversal helps, and the same root, cached) and throughput at c=8, for hub and mid;
 * the server's memory and the index size.
 *
 * Goals (tier L): hub p50 ≤ 5 ms and p99 ≤ 15 ms in process, ≥ 20× PostgreSQL WITH RECURSIVE, ≥ 10×
 * SQLite's CTE; whole graph ≤ 500 ms; HTTP p50 ≤ 10 ms; index ≤ 100 MB; restart ≤ 5 s.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  bulkLoadedSqlite,
  CMDB_TIERS,
  createPgDatabase,
  dataset,
  importChecks,
  pgClient,
  productImport,
  releaseDataset,
  request,
  workDir,
} from '../lib/cmdb-data.mjs';
import { closure, REL_TYPE_CODE, REL_TYPES, TARGET_TO_SOURCE } from '../lib/cmdb-graph.mjs';
import { measure } from '../lib/measure.mjs';
import { importServerDependency, importSlipwayModule, importSlipwayServer, ROOT } from '../lib/modules.mjs';
import { median, summarize } from '../lib/stats.mjs';

const TIERS = {
  S: { budgetMs: 1500, restarts: 1, httpRequests: 200, throughputS: 3, warmupS: 1 },
  M: { budgetMs: 3000, restarts: 2, httpRequests: 300, throughputS: 5, warmupS: 2 },
  L: { budgetMs: 8000, restarts: 3, httpRequests: 300, throughputS: 10, warmupS: 2 },
};
const CI = { budgetMs: 300, restarts: 1, httpRequests: 40, throughputS: 1, warmupS: 0.5 };

const VARIANTS = [
  { id: 'hub', shape: 'layered', seed: 'hub', label: 'hub' },
  { id: 'mid', shape: 'layered', seed: 'mid', label: 'mid' },
  { id: 'leaf', shape: 'layered', seed: 'leaf', label: 'leaf' },
  { id: 'hub-depth3', shape: 'layered', seed: 'hub', maxDepth: 3, label: 'hub, depth ≤ 3' },
  {
    id: 'hub-types',
    shape: 'layered',
    seed: 'hub',
    types: ['runs_on', 'depends_on'],
    label: 'hub, types runs_on+depends_on',
  },
  { id: 'skip-hub', shape: 'skip', seed: 'hub', label: 'skip-edge hub' },
  { id: 'skip-hub-depth3', shape: 'skip', seed: 'hub', maxDepth: 3, label: 'skip-edge hub, depth ≤ 3' },
  { id: 'uniform-full', shape: 'uniform', seed: 'full', label: 'uniform, whole graph' },
];
const SHAPES = ['layered', 'skip', 'uniform'];
const GRAPHOLOGY_CHILD = path.join(ROOT, 'bench/lib/graphology-child.mjs');

const GOAL = {
  hubP50: 5,
  hubP99: 15,
  pgRatio: 20,
  sqliteRatio: 10,
  uniformMs: 500,
  httpP50: 10,
  indexMb: 100,
  restartS: 5,
};
/** Generous, timing-independent-enough checks that also run in --ci. */
const CHECK_RATIO = 5;

export default {
  name: 'impact',
  title: 'CMDB impact analysis: in-memory index vs recursive SQL, level loops, graphology; HTTP; restart',

  async run(ctx) {
    const tier = ctx.tier;
    const params = { tier, ...CMDB_TIERS[tier], ...(ctx.ci ? CI : TIERS[tier]) };
    const graphology = tier !== 'L' || ctx.options.graphology;
    const postgres = ctx.machine.postgres !== null;
    params.graphology = graphology;
    params.postgres = ctx.machine.postgres;
    ctx.log(
      `${params.cis.toLocaleString('en-US')} CIs / ${params.relationships.toLocaleString('en-US')} relationships per graph; ` +
        `graphology ${graphology ? 'on' : 'off (add --graphology)'}; PostgreSQL ${postgres ? 'on' : 'SKIPPED (no postgres)'}`,
    );
    const { loadImpactIndex } = await importSlipwayModule('cmdb/graph/graph-loader.js');
    const { typeMaskOf } = await importSlipwayModule('cmdb/graph/impact-index.js');
    const { openDatabase } = await importSlipwayServer();
    const Database = await importServerDependency('better-sqlite3');

    const rows = [];
    const checks = [];
    const info = { shapes: {} };
    const pgDb = postgres ? await createPgDatabase(ctx, `${tier}_edges`) : null;

    for (const shape of SHAPES) {
      const ds = dataset(tier, shape);
      const variants = VARIANTS.filter((v) => v.shape === shape);
      const shapeInfo = { seeds: describeSeeds(ds), layerMedians: ds.seeds.layerMedians };
      info.shapes[shape] = shapeInfo;
      ctx.log(
        `${shape}: seeds ${Object.entries(shapeInfo.seeds)
          .map(([k, s]) => `${k} = CI ${s.id} (${s.closure.toLocaleString('en-US')} reached)`)
          .join(', ')}` +
          (ds.seeds.layerMedians.length
            ? `; closure medians by layer ${ds.seeds.layerMedians.map((x) => x.toLocaleString('en-US')).join(' / ')}`
            : ''),
      );

      // ---- the product's database: imported through its own API (at L, skip/uniform bulk-loaded) ----
      const bulk = tier === 'L' && shape !== 'layered';
      const imp = bulk ? await bulkLoadedSqlite(tier, shape) : await productImport(ctx, { tier, shape, db: 'sqlite' });
      shapeInfo.importSeconds = imp.seconds;
      shapeInfo.loadedBy = bulk ? 'raw bulk loader (product schema)' : 'Slipway POST /api/v1/import';
      if (bulk) {
        ctx.log(
          `   ${shape} graph bulk-loaded into Slipway's schema in ${imp.seconds.toFixed(1)} s (tier L: the API import is measured by \`import\`)`,
        );
        checks.push({
          text: `${shape} graph bulk-loaded into Slipway's schema: every CI and relationship`,
          ok: imp.counts.cis === ds.graph.n && imp.counts.relationships === ds.graph.m,
          detail: JSON.stringify(imp.counts),
        });
      } else {
        checks.push(...importChecks(`${shape} graph imported by Slipway (SQLite)`, imp, ds));
      }

      // ---- Slipway's index, loaded by the product's loader ----
      const database = openDatabase(`sqlite:${imp.sqlitePath}`);
      const heapBefore = process.memoryUsage();
      const loadStarted = performance.now();
      const loaded = await loadImpactIndex(database);
      shapeInfo.loadMs = performance.now() - loadStarted;
      await database.close();
      const index = loaded.index;
      shapeInfo.indexBytes = index.memoryBytes;
      shapeInfo.indexEdges = index.edgeCount;
      shapeInfo.arrayBuffersDeltaMb = (process.memoryUsage().arrayBuffers - heapBefore.arrayBuffers) / 2 ** 20;
      ctx.log(
        `   Slipway index loaded from SQLite in ${(shapeInfo.loadMs / 1000).toFixed(2)} s: ` +
          `${index.edgeCount.toLocaleString('en-US')} edges, ImpactIndex.memoryBytes ${(index.memoryBytes / 2 ** 20).toFixed(1)} MB`,
      );

      const answers = new Map();
      const product = new Map();
      /** Per variant: did each baseline return exactly Slipway's set? One check per variant at the end. */
      const exactness = new Map(variants.map((v) => [v.id, []]));
      for (const v of variants) {
        const seed = ds.seeds[v.seed];
        const root = seed.index + 1;
        const options = { typeMask: typeMaskOf(v.types), ...(v.maxDepth !== undefined && { maxDepth: v.maxDepth }) };
        const m = await measure(() => index.traverse(root, 'impact', options).order, {
          budgetMs: params.budgetMs,
          warmups: 5,
          minReps: 20,
          maxReps: 2000,
        });
        const reference = closure(ds.csr, seed.index, {
          collect: true,
          maxDepth: v.maxDepth,
          typeMask: v.types ? v.types.reduce((mask, t) => mask | (1 << REL_TYPE_CODE[t]), 0) : 0xff,
        }).map((i) => i + 1);
        answers.set(v.id, m.answer);
        checks.push({
          text: `${v.label}: Slipway's answer equals the generator's reference BFS (${reference.length.toLocaleString('en-US')} CIs)`,
          ok: sameSet(m.answer, reference),
          detail: `Slipway ${m.answer.length}, reference ${reference.length}`,
        });
        const r = resultRow(v, 'Slipway ImpactIndex.traverse (in process)', 'product', m, null, true);
        product.set(v.id, r);
        rows.push(r);
        ctx.log(
          `   ${v.label}: Slipway p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms (${r.reached.toLocaleString('en-US')} CIs; ` +
            `${r.n} runs, ${m.gc.count} GC pauses totalling ${fmt(m.gc.ms)} ms, longest ${fmt(m.gc.maxMs)} ms)`,
        );
      }
      const baselineTiming = { budgetMs: params.budgetMs, warmups: 2, minReps: ctx.ci ? 5 : 20, maxReps: 200 };
      const baseline = async (v, method, fn, options = {}) =>
        record(v, method, await measure(fn, baselineTiming), options);
      const record = (v, method, m, { optional = false } = {}) => {
        const exact = sameSet(m.answer, answers.get(v.id));
        exactness.get(v.id).push({ method, exact, detail: `${method}: ${m.answer.length} CIs` });
        const r = resultRow(v, method, optional ? 'info' : 'baseline', m, product.get(v.id), exact);
        rows.push(r);
        ctx.log(`   ${v.label}: ${method} p50 ${fmt(r.p50)} ms (${fmtRatio(r.ratio)} Slipway)`);
        return r;
      };

      // ---- edges for the baselines: the product's relationships, read back from its database ----
      const edges = readImpactEdges(Database, imp.sqlitePath);

      // ---- SQLite baselines ----
      const edgesFile = path.join(workDir(), `${tier}-${shape}-edges.db`);
      const sqlite = buildSqliteEdges(Database, edgesFile, edges);
      shapeInfo.sqliteEdgeTableMs = sqlite.buildMs;
      const own = new Database(imp.sqlitePath, { readonly: true });
      try {
        for (const v of variants) {
          const root = ds.seeds[v.seed].index + 1;
          await baseline(v, 'SQLite recursive CTE (UNION)', () => sqliteCte(sqlite, root, v));
          if (v.id === 'hub' || v.id === 'skip-hub') {
            await baseline(
              v,
              "SQLite recursive CTE on Slipway's own relationships table",
              () => ownTableCte(own, root),
              {
                optional: true,
              },
            );
          }
          await baseline(v, 'SQLite level-by-level loop (IN json_each)', () =>
            sqliteLevels(sqlite, root, v, edges.maxId),
          );
        }
      } finally {
        own.close();
        sqlite.db.close();
        for (const suffix of ['', '-wal', '-shm']) fs.rmSync(edgesFile + suffix, { force: true });
      }

      // ---- PostgreSQL baselines ----
      if (pgDb) {
        const table = `edges_${shape}`;
        const client = await pgClient(pgDb.url);
        try {
          shapeInfo.pgEdgeTableMs = await buildPgEdges(client, table, edges);
          await client.query("set jit = off; set work_mem = '256MB'");
          const plain = await pgClient(pgDb.url);
          try {
            for (const v of variants) {
              const root = ds.seeds[v.seed].index + 1;
              await baseline(v, 'PostgreSQL WITH RECURSIVE (UNION), jit off', () => pgCte(client, table, root, v));
              if (v.id === 'hub') {
                await baseline(
                  v,
                  `PostgreSQL WITH RECURSIVE, server defaults (jit=${ctx.machine.postgres.jit}, work_mem=${ctx.machine.postgres.work_mem})`,
                  () => pgCte(plain, table, root, v),
                  { optional: true },
                );
              }
              await baseline(v, 'PostgreSQL level-by-level loop (= ANY($1))', () =>
                pgLevels(client, table, root, v, edges.maxId),
              );
            }
          } finally {
            await plain.end();
          }
          await client.query(`drop table ${table}`);
        } finally {
          await client.end();
        }
      } else {
        for (const v of variants) {
          rows.push({ variant: v.label, method: 'PostgreSQL — SKIPPED (no postgres)', role: 'baseline' });
        }
      }

      // ---- graphology (in its own process: ~2 GB of heap at L) ----
      if (graphology) {
        const child = await GraphologyChild.start(edges);
        try {
          shapeInfo.graphologyBuildMs = child.buildMs;
          shapeInfo.graphologyHeapMb = child.heapMb;
          ctx.log(
            `   graphology graph built in ${(child.buildMs / 1000).toFixed(1)} s (+${child.heapMb.toFixed(0)} MB heap, in a child process)`,
          );
          for (const v of variants) {
            const root = ds.seeds[v.seed].index + 1;
            const m = await child.query(root, v, baselineTiming);
            record(v, v.types ? 'graphology BFS (forEachOutEdge, typed)' : 'graphology bfsFromNode', m);
          }
        } finally {
          shapeInfo.graphologyPeakRssMb = (await child.stop()) / 1024;
        }
      } else {
        for (const v of variants) {
          rows.push({ variant: v.label, method: 'graphology — not run at L (add --graphology)', role: 'baseline' });
        }
      }
      if (shape !== 'layered') releaseDataset(tier, shape);
      for (const v of variants) {
        const results = exactness.get(v.id);
        checks.push({
          text: `${v.label}: every baseline returns exactly Slipway's set (${results.length} methods)`,
          ok: results.length > 0 && results.every((r) => r.exact),
          detail: results.filter((r) => !r.exact).map((r) => r.detail),
        });
      }
    }
    if (pgDb) await pgDb.drop();

    // ---- over HTTP, restart and memory (layered graph) ----
    const http = await httpPart(ctx, params);
    rows.push(...http.rows);
    checks.push(...http.checks);
    info.http = http.info;

    // ---- ratios, goals, checks on ratios ----
    const find = (variant, prefix) => rows.find((r) => r.variantId === variant && r.method.startsWith(prefix));
    const ratios = [];
    const goals = [];
    const hub = find('hub', 'Slipway');
    const addRatio = (label, variant, prefix, goal) => {
      const r = find(variant, prefix);
      if (!r?.ratio) return;
      ratios.push({
        label,
        value: r.ratio,
        ...(tier === 'L' && goal && { goal: `≥ ${goal}`, met: r.ratio >= goal }),
      });
    };
    addRatio(
      'hub: PostgreSQL WITH RECURSIVE ÷ Slipway (p50)',
      'hub',
      'PostgreSQL WITH RECURSIVE (UNION)',
      GOAL.pgRatio,
    );
    addRatio('hub: SQLite recursive CTE ÷ Slipway (p50)', 'hub', 'SQLite recursive CTE (UNION)', GOAL.sqliteRatio);
    addRatio('hub: PostgreSQL level loop ÷ Slipway (p50)', 'hub', 'PostgreSQL level');
    addRatio('hub: SQLite level loop ÷ Slipway (p50)', 'hub', 'SQLite level');
    addRatio('hub: graphology ÷ Slipway (p50)', 'hub', 'graphology');
    addRatio('uniform: PostgreSQL WITH RECURSIVE ÷ Slipway (p50)', 'uniform-full', 'PostgreSQL WITH RECURSIVE (UNION)');
    addRatio('uniform: SQLite recursive CTE ÷ Slipway (p50)', 'uniform-full', 'SQLite recursive CTE (UNION)');
    addRatio(
      'skip-edge hub depth ≤ 3: PostgreSQL depth-column CTE ÷ Slipway',
      'skip-hub-depth3',
      'PostgreSQL WITH RECURSIVE (UNION)',
    );
    addRatio(
      'skip-edge hub depth ≤ 3: SQLite depth-column CTE ÷ Slipway',
      'skip-hub-depth3',
      'SQLite recursive CTE (UNION)',
    );
    for (const [variant, label] of [
      ['hub-depth3', 'hub depth ≤ 3'],
      ['hub-types', 'hub types-filtered'],
    ]) {
      const r = find(variant, 'Slipway');
      if (r && hub)
        ratios.push({
          label: `Slipway ${label} ÷ Slipway hub unbounded (p50; anchors: ≤ 1.5)`,
          value: r.p50 / hub.p50,
        });
    }

    for (const [variant, prefix, name] of [
      ['hub', 'SQLite recursive CTE (UNION)', 'SQLite recursive CTE'],
      ['hub', 'PostgreSQL WITH RECURSIVE (UNION)', 'PostgreSQL WITH RECURSIVE'],
    ]) {
      const r = find(variant, prefix);
      if (r?.ratio) {
        checks.push({
          text: `hub: Slipway at least ${CHECK_RATIO}× faster than ${name} (p50; generous, judged in --ci too)`,
          ok: r.ratio >= CHECK_RATIO,
          detail: `${r.ratio.toFixed(1)}×`,
        });
      }
    }

    if (tier === 'L') {
      const uniform = find('uniform-full', 'Slipway');
      const layered = info.shapes.layered;
      goals.push(
        {
          text: `hub (${hub.reached.toLocaleString('en-US')} reached) p50 ≤ ${GOAL.hubP50} ms in process`,
          value: hub.p50,
          met: hub.p50 <= GOAL.hubP50,
        },
        { text: `hub p99 ≤ ${GOAL.hubP99} ms in process`, value: hub.p99, met: hub.p99 <= GOAL.hubP99 },
        {
          text: `whole graph (${uniform.reached.toLocaleString('en-US')} reached) p50 ≤ ${GOAL.uniformMs} ms`,
          value: uniform.p50,
          met: uniform.p50 <= GOAL.uniformMs,
        },
        {
          text: `impact index ≤ ${GOAL.indexMb} MB for 1M/5M (ImpactIndex.memoryBytes)`,
          value: layered.indexBytes / 2 ** 20,
          met: layered.indexBytes / 2 ** 20 <= GOAL.indexMb,
        },
      );
      const pgRow = find('hub', 'PostgreSQL WITH RECURSIVE (UNION)');
      const sqRow = find('hub', 'SQLite recursive CTE (UNION)');
      if (pgRow?.ratio)
        goals.push({
          text: `hub ≥ ${GOAL.pgRatio}× faster than PostgreSQL WITH RECURSIVE`,
          value: pgRow.ratio,
          met: pgRow.ratio >= GOAL.pgRatio,
        });
      if (sqRow?.ratio)
        goals.push({
          text: `hub ≥ ${GOAL.sqliteRatio}× faster than SQLite's recursive CTE`,
          value: sqRow.ratio,
          met: sqRow.ratio >= GOAL.sqliteRatio,
        });
      goals.push(...http.goals);
    }

    return {
      params,
      columns: [
        { key: 'variant', label: 'query' },
        { key: 'method', label: 'method' },
        { key: 'role', label: 'role' },
        { key: 'reached', label: 'reached', format: 'int' },
        { key: 'p50', label: 'p50 ms', format: 'ms' },
        { key: 'p95', label: 'p95 ms', format: 'ms' },
        { key: 'p99', label: 'p99 ms', format: 'ms' },
        { key: 'min', label: 'min ms', format: 'ms' },
        { key: 'n', label: 'runs', format: 'int' },
        { key: 'ratio', label: '÷ Slipway', format: 'ratio' },
        { key: 'reqPerSec', label: 'req/s', format: 'int' },
        { key: 'exactText', label: 'same set' },
      ],
      rows,
      ratios,
      goals,
      checks,
      info,
    };
  },
};

// ---- measuring ------------------------------------------------------------------------------

function resultRow(v, method, role, m, productRow, exact) {
  const s = summarize(m.times);
  return {
    variantId: v.id,
    variant: v.label,
    method,
    role,
    reached: m.answer.length,
    ...s,
    ratio: productRow ? s.p50 / productRow.p50 : null,
    gc: m.gc,
    exact,
    exactText: exact ? 'yes' : 'NO',
  };
}

function sameSet(a, b) {
  if (a.length !== b.length) return false;
  const x = Int32Array.from(a).sort();
  const y = Int32Array.from(b).sort();
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 0.1 ? ms.toFixed(2) : ms.toFixed(4));
const fmtRatio = (r) => (r ? `${r.toFixed(1)}×` : '–');

function describeSeeds(ds) {
  const out = {};
  for (const key of ['hub', 'mid', 'leaf', 'full']) {
    const s = ds.seeds[key];
    if (s) out[key] = { id: s.index + 1, closure: s.closure };
  }
  return out;
}

// ---- edges --------------------------------------------------------------------------------------

/**
 * The impact edges (from → to, with the relationship type) of every relationship in the product's
 * database, oriented by the model's propagation rules — the same rows the product's loader reads.
 */
function readImpactEdges(Database, file) {
  const db = new Database(file, { readonly: true });
  try {
    const count = db.prepare('select count(*) as n from relationships').get().n;
    const from = new Int32Array(count);
    const to = new Int32Array(count);
    const type = new Uint8Array(count);
    let i = 0;
    let maxId = 0;
    for (const [s, t, target] of db
      .prepare('select source_id, type, target_id from relationships')
      .raw(true)
      .iterate()) {
      const code = REL_TYPE_CODE[t];
      if (code === undefined) continue;
      const t2s = TARGET_TO_SOURCE[code];
      from[i] = t2s ? target : s;
      to[i] = t2s ? s : target;
      type[i] = code;
      maxId = Math.max(maxId, s, target);
      i++;
    }
    return { from, to, type, count: i, maxId };
  } finally {
    db.close();
  }
}

function buildSqliteEdges(Database, file, edges) {
  const started = performance.now();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -262144');
  db.exec(
    'create table edges (src integer not null, type text not null, dst integer not null, primary key (src, type, dst)) without rowid',
  );
  const insert = db.prepare('insert into edges (src, type, dst) values (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < edges.count; i++) insert.run(edges.from[i], REL_TYPES[edges.type[i]], edges.to[i]);
  })();
  db.exec('analyze');
  return { db, buildMs: performance.now() - started, statements: new Map() };
}

const typeList = (types) => types.map((t) => `'${t}'`).join(', ');

function cached(sqlite, key, sql) {
  let statement = sqlite.statements.get(key);
  if (!statement) {
    statement = sqlite.db.prepare(sql).raw(true).pluck(true);
    sqlite.statements.set(key, statement);
  }
  return statement;
}

function sqliteCte(sqlite, root, v) {
  const typeFilter = v.types ? ` and e.type in (${typeList(v.types)})` : '';
  if (v.maxDepth === undefined) {
    return cached(
      sqlite,
      `cte|${v.types}`,
      `with recursive reach(id) as (select ? union select e.dst from edges e join reach r on e.src = r.id${typeFilter})
       select id from reach where id <> ?`,
    ).all(root, root);
  }
  return cached(
    sqlite,
    `cte-depth|${v.types}`,
    `with recursive reach(id, d) as (
       select ?, 0
       union
       select e.dst, r.d + 1 from reach r join edges e on e.src = r.id${typeFilter} where r.d < ?)
     select distinct id from reach where id <> ?`,
  ).all(root, v.maxDepth, root);
}

const ownStatements = new WeakMap();

/** The CTE over Slipway's own schema: two propagation directions, filtered by type. */
function ownTableCte(db, root) {
  let statement = ownStatements.get(db);
  if (!statement) {
    statement = db
      .prepare(
        `with recursive reach(id) as (
           select ?
           union
           select r.source_id from relationships r join reach x on r.target_id = x.id where r.type in ('depends_on', 'runs_on')
           union
           select r.target_id from relationships r join reach x on r.source_id = x.id where r.type in ('installed_on', 'part_of'))
         select id from reach where id <> ?`,
      )
      .raw(true)
      .pluck(true);
    ownStatements.set(db, statement);
  }
  return statement.all(root, root);
}

function sqliteLevels(sqlite, root, v, maxId) {
  const typeFilter = v.types ? ` and type in (${typeList(v.types)})` : '';
  const statement = cached(
    sqlite,
    `levels|${v.types}`,
    `select dst from edges where src in (select value from json_each(?))${typeFilter}`,
  );
  const visited = new Uint8Array(maxId + 1);
  visited[root] = 1;
  const out = [];
  let frontier = [root];
  for (let depth = 0; frontier.length > 0 && depth < (v.maxDepth ?? Number.POSITIVE_INFINITY); depth++) {
    const next = [];
    for (const id of statement.all(JSON.stringify(frontier))) {
      if (visited[id]) continue;
      visited[id] = 1;
      next.push(id);
      out.push(id);
    }
    frontier = next;
  }
  return out;
}

async function buildPgEdges(client, table, edges) {
  const { from: copyFrom } = await importServerDependency('pg-copy-streams');
  const started = performance.now();
  await client.query(`drop table if exists ${table}`);
  await client.query(`create table ${table} (src integer not null, type text not null, dst integer not null)`);
  const stream = client.query(copyFrom(`copy ${table} (src, type, dst) from stdin`));
  const done = new Promise((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let buffer = '';
  for (let i = 0; i < edges.count; i++) {
    buffer += `${edges.from[i]}\t${REL_TYPES[edges.type[i]]}\t${edges.to[i]}\n`;
    if (buffer.length > 1 << 20) {
      if (!stream.write(buffer)) await new Promise((resolve) => stream.once('drain', resolve));
      buffer = '';
    }
  }
  stream.end(buffer);
  await done;
  await client.query(`create index ${table}_src on ${table} (src, type, dst)`);
  await client.query(`vacuum analyze ${table}`);
  return performance.now() - started;
}

async function pgCte(client, table, root, v) {
  const typeFilter = v.types ? ` and e.type in (${typeList(v.types)})` : '';
  const sql =
    v.maxDepth === undefined
      ? `with recursive reach(id) as (select $1::int union select e.dst from ${table} e join reach r on e.src = r.id${typeFilter})
         select id from reach where id <> $1`
      : `with recursive reach(id, d) as (
           select $1::int, 0
           union
           select e.dst, r.d + 1 from reach r join ${table} e on e.src = r.id${typeFilter} where r.d < $2)
         select distinct id from reach where id <> $1`;
  const values = v.maxDepth === undefined ? [root] : [root, v.maxDepth];
  const result = await client.query({ text: sql, values, rowMode: 'array' });
  return result.rows.map((r) => r[0]);
}

async function pgLevels(client, table, root, v, maxId) {
  const typeFilter = v.types ? ` and type in (${typeList(v.types)})` : '';
  const sql = `select dst from ${table} where src = any($1::int[])${typeFilter}`;
  const visited = new Uint8Array(maxId + 1);
  visited[root] = 1;
  const out = [];
  let frontier = [root];
  for (let depth = 0; frontier.length > 0 && depth < (v.maxDepth ?? Number.POSITIVE_INFINITY); depth++) {
    const next = [];
    const result = await client.query({ text: sql, values: [frontier], rowMode: 'array' });
    for (const [id] of result.rows) {
      if (visited[id]) continue;
      visited[id] = 1;
      next.push(id);
      out.push(id);
    }
    frontier = next;
  }
  return out;
}

/** The graphology baseline, run by bench/lib/graphology-child.mjs in its own process. */
class GraphologyChild {
  static async start(edges) {
    const child = new GraphologyChild();
    child.process = spawn(process.execPath, ['--max-old-space-size=8192', GRAPHOLOGY_CHILD], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    child.pending = new Map();
    child.process.on('message', (message) => {
      const waiter = child.pending.get(message.type === 'answer' ? message.id : message.type);
      if (message.type === 'error') {
        for (const w of child.pending.values()) w.reject(new Error(message.message));
        child.pending.clear();
        return;
      }
      if (!waiter) return;
      child.pending.delete(message.type === 'answer' ? message.id : message.type);
      waiter.resolve(message);
    });
    child.process.once('exit', (code) => {
      for (const w of child.pending.values()) w.reject(new Error(`graphology child exited (code ${code})`));
      child.pending.clear();
    });
    const built = await child.#ask('built', {
      type: 'build',
      from: edges.from.subarray(0, edges.count),
      to: edges.to.subarray(0, edges.count),
      codes: edges.type.subarray(0, edges.count),
      count: edges.count,
      maxId: edges.maxId,
    });
    child.buildMs = built.buildMs;
    child.heapMb = built.heapMb;
    return child;
  }

  #next = 1;

  #ask(key, message) {
    return new Promise((resolve, reject) => {
      this.pending.set(key, { resolve, reject });
      this.process.send(message, (error) => {
        if (error) {
          this.pending.delete(key);
          reject(error);
        }
      });
    });
  }

  async query(root, v, timing) {
    const id = this.#next++;
    const m = await this.#ask(id, { type: 'query', id, root, maxDepth: v.maxDepth, types: v.types ?? null, timing });
    return { answer: m.answer, times: m.times, gc: m.gc };
  }

  /** Stops the child; resolves with its peak RSS in KiB. */
  async stop() {
    if (this.process.exitCode !== null) return null;
    const exited = await this.#ask('exited', { type: 'exit' }).catch(() => ({ maxRssKb: null }));
    return exited.maxRssKb;
  }
}

// ---- HTTP, restart, memory ------------------------------------------------------------------------

async function httpPart(ctx, params) {
  const tier = ctx.tier;
  const ds = dataset(tier, 'layered');
  const imp = await productImport(ctx, { tier, shape: 'layered', db: 'sqlite' });
  const rows = [];
  const checks = [];
  const goals = [];
  const info = {};
  const hub = ds.seeds.hub;
  const mid = ds.seeds.mid;
  const impactUrl = (server, index) => `${server.url}/api/v1/cis/${index + 1}/impact?limit=100`;
  const expectOk = (res, seed) =>
    res.status === 200 && res.body?.count === seed.closure && res.body.items.length === Math.min(100, seed.closure);

  // A Slipway with an empty CMDB, for the memory comparison (not in --ci: it judges no memory).
  let emptyStats = null;
  if (!ctx.ci) {
    const emptyDir = path.join(workDir(), `${tier}-empty`);
    const empty = await ctx.startServer(
      'slipway-cmdb',
      { db: 'sqlite', sqlitePath: path.join(emptyDir, 'slipway.db'), dataDir: path.join(emptyDir, 'data') },
      'impact-empty',
    );
    emptyStats = await empty.stats();
    await empty.stop();
    fs.rmSync(emptyDir, { recursive: true, force: true });
  }

  // Cold restarts on the imported database: process start → first impact answer.
  const restarts = [];
  let server;
  for (let i = 0; i < params.restarts; i++) {
    if (server) await server.stop();
    const started = performance.now();
    server = await ctx.startServer(
      'slipway-cmdb',
      { db: 'sqlite', sqlitePath: imp.sqlitePath, dataDir: imp.dataDir },
      `impact-restart-${i + 1}`,
    );
    const res = await request(impactUrl(server, hub.index), {
      headers: { authorization: `Bearer ${server.info.token}` },
    });
    const total = performance.now() - started;
    restarts.push({ totalMs: total, readyMs: server.info.readyMs, firstQueryMs: res.ms });
    checks.push({
      text: `restart ${i + 1}: the first impact answer after a restart is complete (hub count ${hub.closure.toLocaleString('en-US')}, 100 items)`,
      ok: expectOk(res, hub),
      detail: `status ${res.status}, count ${res.body?.count}`,
    });
    ctx.log(
      `   cold restart ${i + 1}: ${(total / 1000).toFixed(2)} s to the first impact answer (server listening after ${(server.info.readyMs / 1000).toFixed(2)} s)`,
    );
  }
  const restartMs = median(restarts.map((r) => r.totalMs));
  info.restarts = restarts;
  rows.push({
    variantId: 'restart',
    variant: 'cold restart on the SQLite database',
    method: 'spawn server → first GET …/impact answered (median)',
    role: 'product',
    reached: hub.closure,
    p50: restartMs,
    min: Math.min(...restarts.map((r) => r.totalMs)),
    n: restarts.length,
  });

  try {
    const headers = { authorization: `Bearer ${server.info.token}` };
    const sequential = async (urls) => {
      const times = [];
      const bad = [];
      for (const [url, seed] of urls) {
        const res = await request(url, { headers });
        times.push(res.ms);
        if (!expectOk(res, seed)) bad.push(`${url}: ${res.status} count ${res.body?.count}`);
      }
      return { times, bad };
    };
    for (const [name, seed, distinct] of [
      ['hub', hub, ds.seeds.hubs],
      ['mid', mid, ds.seeds.mids],
    ]) {
      // Distinct roots of the same layer and similar reach: every request walks the graph.
      const roots = distinct.filter((i) => i !== hub.index);
      const closures = new Map(roots.map((i) => [i, { closure: closure(ds.csr, i) }]));
      const uncached = await sequential(roots.map((i) => [impactUrl(server, i), closures.get(i)]));
      // The same root again and again: the traversal is cached while the graph is unchanged.
      const same = await sequential(
        Array.from({ length: params.httpRequests }, () => [impactUrl(server, seed.index), seed]),
      );
      checks.push({
        text: `HTTP ${name}: every answer 200 with the right count and 100 items`,
        ok: uncached.bad.length === 0 && same.bad.length === 0,
        detail: [...uncached.bad, ...same.bad].slice(0, 5),
      });
      const median_ = median(roots.map((i) => closures.get(i).closure));
      const u = summarize(uncached.times);
      const c = summarize(same.times);
      rows.push(
        {
          variantId: `http-${name}-uncached`,
          variant: `HTTP ${name}, ${roots.length} distinct roots (median ${median_.toLocaleString('en-US')} reached)`,
          method: 'GET …/impact?limit=100, c=1, uncached',
          role: 'product',
          reached: median_,
          ...u,
        },
        {
          variantId: `http-${name}-cached`,
          variant: `HTTP ${name}, same root`,
          method: 'GET …/impact?limit=100, c=1, cached traversal',
          role: 'product',
          reached: seed.closure,
          ...c,
        },
      );
      ctx.log(
        `   HTTP ${name} c=1: uncached p50 ${fmt(u.p50)} ms p99 ${fmt(u.p99)} ms; cached p50 ${fmt(c.p50)} ms p99 ${fmt(c.p99)} ms`,
      );
      const load = await ctx.loadTest({
        url: impactUrl(server, seed.index),
        headers,
        connections: 8,
        durationS: ctx.options.duration ?? params.throughputS,
        warmupS: params.warmupS,
        server,
      });
      checks.push({
        text: `HTTP ${name} c=8: every response 2xx, no errors or timeouts`,
        ok: load.requests > 0 && load.non2xx === 0 && load.errors === 0 && load.timeouts === 0,
        detail: `${load.requests} requests, ${load.non2xx} non-2xx, ${load.errors} errors`,
      });
      rows.push({
        variantId: `http-${name}-c8`,
        variant: `HTTP ${name}, same root`,
        method: `GET …/impact?limit=100, c=8 (autocannon, whole ms; ${Math.round(load.serverCpuUsPerReq)} µs server CPU/req)`,
        role: 'product',
        reached: seed.closure,
        p50: load.p50Ms,
        p99: load.p99Ms,
        reqPerSec: load.reqPerSec,
        n: load.requests,
      });
      ctx.log(
        `   HTTP ${name} c=8: ${Math.round(load.reqPerSec).toLocaleString('en-US')} req/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms`,
      );
      if (tier === 'L' && name === 'hub') {
        goals.push({
          text: `HTTP hub p50 ≤ ${GOAL.httpP50} ms (c=1, distinct roots, count + first 100)`,
          value: u.p50,
          met: u.p50 <= GOAL.httpP50,
        });
      }
    }
    const stats = await server.stats();
    info.memory = {
      indexBytes: stats.indexBytes,
      serverRssMb: stats.memory.rss / 2 ** 20,
      serverHeapUsedMb: stats.memory.heapUsed / 2 ** 20,
      serverArrayBuffersMb: stats.memory.arrayBuffers / 2 ** 20,
      serverPeakRssMb: stats.maxRssKb / 1024,
      emptyServerRssMb: emptyStats ? emptyStats.memory.rss / 2 ** 20 : null,
      emptyServerArrayBuffersMb: emptyStats ? emptyStats.memory.arrayBuffers / 2 ** 20 : null,
    };
    const m = info.memory;
    ctx.log(
      `   memory: ImpactIndex.memoryBytes ${(stats.indexBytes / 2 ** 20).toFixed(1)} MB; server RSS ${m.serverRssMb.toFixed(0)} MB ` +
        `(peak ${m.serverPeakRssMb.toFixed(0)} MB), array buffers ${m.serverArrayBuffersMb.toFixed(0)} MB` +
        (emptyStats
          ? `; with an empty CMDB: RSS ${m.emptyServerRssMb.toFixed(0)} MB, array buffers ${m.emptyServerArrayBuffersMb.toFixed(0)} MB`
          : ''),
    );
  } finally {
    await server.stop();
  }
  if (tier === 'L') {
    goals.push({
      text: `restart on the 1M/5M SQLite database answers impact within ${GOAL.restartS} s`,
      value: restartMs / 1000,
      met: restartMs / 1000 <= GOAL.restartS,
    });
  }
  return { rows, checks, goals, info };
}
