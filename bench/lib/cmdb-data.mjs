/**
 * Data shared by the CMDB workloads within one `npm run bench` run: the generated graphs and their
 * files, the databases the product imported them into (so `impact` reuses what `import` built),
 * and PostgreSQL databases created for the run. Everything lives in one temporary directory,
 * removed when the harness exits; PostgreSQL databases are dropped by the workload that created
 * them (`ctx.defer`), and ones left behind by a killed run are dropped by the next.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chooseSeeds, generateGraph, impactCsr, writeNdjson, writeTsv } from './cmdb-graph.mjs';
import { postgresUrl } from './machine.mjs';
import { importServerDependency, ROOT } from './modules.mjs';

export const CMDB_TIERS = {
  S: { cis: 10_000, relationships: 50_000 },
  M: { cis: 100_000, relationships: 500_000 },
  L: { cis: 1_000_000, relationships: 5_000_000 },
};
export const GRAPH_SEED = 20261128;
/** The import source name: relationships remember it as their origin, CIs as their source. */
export const IMPORT_SOURCE = 'bench';
/** Timestamp written into the raw baselines' rows (the product writes its own clock's time). */
const RAW_AT = '2026-11-28T00:00:00.000Z';

const state = {
  dir: null,
  datasets: new Map(),
  files: new Map(),
  imports: new Map(),
};

/** The run's scratch directory (created on first use, removed when the process exits). */
export function workDir() {
  if (!state.dir) {
    state.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-cmdb-'));
    const dir = state.dir;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return state.dir;
}

/** The generated graph of a tier and shape, its reference CSR and its seeds (memoised). */
export function dataset(tier, shape) {
  const key = `${tier}/${shape}`;
  let ds = state.datasets.get(key);
  if (!ds) {
    const size = CMDB_TIERS[tier];
    let t = performance.now();
    const graph = generateGraph({ shape, ...size, seed: GRAPH_SEED });
    const generateMs = performance.now() - t;
    t = performance.now();
    const csr = impactCsr(graph);
    const seeds = chooseSeeds(graph, csr);
    ds = { tier, shape, graph, csr, seeds, generateMs, seedsMs: performance.now() - t };
    state.datasets.set(key, ds);
  }
  return ds;
}

/** Frees a dataset's arrays (the files and databases stay). */
export function releaseDataset(tier, shape) {
  state.datasets.delete(`${tier}/${shape}`);
}

/** The dataset's NDJSON (product) and TSV (raw baselines) files (memoised). */
export function datasetFiles(tier, shape) {
  const key = `${tier}/${shape}`;
  let files = state.files.get(key);
  if (!files) {
    const { graph } = dataset(tier, shape);
    const dir = path.join(workDir(), `${tier}-${shape}-input`);
    fs.mkdirSync(dir, { recursive: true });
    const started = performance.now();
    files = {
      ndjson: path.join(dir, 'import.ndjson'),
      ciTsv: path.join(dir, 'cis.tsv'),
      relTsv: path.join(dir, 'relationships.tsv'),
    };
    files.ndjsonBytes = writeNdjson(graph, files.ndjson);
    Object.assign(files, writeTsv(graph, files.ciTsv, files.relTsv, { source: IMPORT_SOURCE, at: RAW_AT }));
    files.writeMs = performance.now() - started;
    state.files.set(key, files);
  }
  return files;
}

/** Deletes a dataset's input files (the import workload is done with them at tier L: ~1.3 GB). */
export function dropDatasetFiles(tier, shape) {
  const files = state.files.get(`${tier}/${shape}`);
  if (!files) return;
  fs.rmSync(path.dirname(files.ndjson), { recursive: true, force: true });
  state.files.delete(`${tier}/${shape}`);
}

// ---- HTTP -----------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request on a keep-alive agent; resolves with status, parsed body and elapsed ms. */
export function request(url, { method = 'GET', headers = {}, body = null, file = null } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, body: json, text, ms: performance.now() - started });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (file) {
      const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
      stream.on('error', reject);
      stream.pipe(req);
    } else {
      req.end(body ?? undefined);
    }
  });
}

// ---- PostgreSQL -----------------------------------------------------------------------------

const PG_PREFIX = 'slipway_bench_';

/** The URL of database `name` on the benchmark's PostgreSQL server. */
export function pgUrlFor(name) {
  const url = new URL(postgresUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function pgClient(url = postgresUrl()) {
  const pg = await importServerDependency('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

let staleDropped = false;

/** Creates a fresh database for this run; `ctx.defer` drops it after the last workload. */
export async function createPgDatabase(ctx, suffix) {
  const name = `${PG_PREFIX}${process.pid}_${suffix}`.toLowerCase();
  const admin = await pgClient();
  try {
    if (!staleDropped) {
      staleDropped = true;
      await dropStaleDatabases(admin);
    }
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    const client = await pgClient();
    try {
      await client.query(`drop database if exists ${name} with (force)`);
    } finally {
      await client.end();
    }
  };
  ctx.defer(drop);
  return { name, url: pgUrlFor(name), drop };
}

/** Databases of earlier benchmark runs whose process is gone (killed runs). */
async function dropStaleDatabases(admin) {
  const { rows } = await admin.query(`select datname from pg_database where datname like '${PG_PREFIX}%'`);
  for (const { datname } of rows) {
    const pid = Number(/^slipway_bench_(\d+)_/.exec(datname)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    await admin.query(`drop database if exists ${datname} with (force)`);
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

// ---- product import -------------------------------------------------------------------------

/**
 * Imports a dataset through the product's own path: a Slipway server process on a fresh
 * database, `POST /api/v1/import` with the NDJSON file streamed as the body. The call returns
 * once the impact index took the import (ImportService syncs the index before answering), which
 * the check right after proves: the hub's impact count over HTTP equals the generator's own BFS.
 * Memoised per tier/shape/database, so `impact` reuses `import`'s databases.
 */
export async function productImport(ctx, { tier, shape, db, pg = null, label = `${db}-${shape}` }) {
  const key = `${tier}/${shape}/${db}`;
  const done = state.imports.get(key);
  if (done) return done;
  const ds = dataset(tier, shape);
  const files = datasetFiles(tier, shape);
  const dir = path.join(workDir(), `${tier}-${shape}-${db}`);
  fs.mkdirSync(dir, { recursive: true });
  const options =
    db === 'sqlite'
      ? { db, sqlitePath: path.join(dir, 'slipway.db'), dataDir: path.join(dir, 'data') }
      : { db, pgUrl: pg.url, dataDir: path.join(dir, 'data') };
  const server = await ctx.startServer('slipway-cmdb', options, `import-${label}`);
  let response;
  let probe;
  let stats;
  let stopped;
  try {
    response = await request(`${server.url}/api/v1/import?source=${IMPORT_SOURCE}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.info.token}`,
        'content-type': 'application/x-ndjson',
        'content-length': String(files.ndjsonBytes),
      },
      file: files.ndjson,
    });
    const seed = ds.seeds.hub ?? ds.seeds.full;
    probe = await request(`${server.url}/api/v1/cis/${seed.index + 1}/impact?limit=1`, {
      headers: { authorization: `Bearer ${server.info.token}` },
    });
    stats = await server.stats();
  } finally {
    stopped = await server.stop();
  }
  const seed = ds.seeds.hub ?? ds.seeds.full;
  const result = {
    key,
    tier,
    shape,
    db,
    ...options,
    seconds: response.ms / 1000,
    status: response.status,
    answer: response.body,
    text: response.status === 200 ? undefined : response.text.slice(0, 2000),
    probe: { status: probe.status, count: probe.body?.count, expected: seed.closure },
    indexBytes: stats?.indexBytes,
    peakRssMb: stopped.maxRssMb,
  };
  state.imports.set(key, result);
  return result;
}

/**
 * A SQLite database in the product's schema holding a dataset, loaded by the raw bulk loader
 * (bench/lib/raw-load-child.mjs) instead of the product's API: the same rows, ~4× sooner. The
 * `impact` workload uses it at tier L for the skip-edge and uniform graphs, whose import through the
 * API would add minutes and measure nothing `import` does not (memoised like productImport).
 */
export async function bulkLoadedSqlite(tier, shape) {
  const key = `${tier}/${shape}/sqlite-raw`;
  const done = state.imports.get(key);
  if (done) return done;
  const files = datasetFiles(tier, shape);
  const dir = path.join(workDir(), `${tier}-${shape}-sqlite-raw`);
  fs.mkdirSync(dir, { recursive: true });
  const sqlitePath = path.join(dir, 'slipway.db');
  const loaded = await runRawLoad({ kind: 'sqlite', sqlitePath, ...files });
  const result = {
    key,
    tier,
    shape,
    db: 'sqlite',
    sqlitePath,
    seconds: loaded.totalMs / 1000,
    raw: true,
    counts: loaded.counts,
  };
  state.imports.set(key, result);
  return result;
}

/**
 * A cold restart of the product on an imported database: spawn a Slipway server process, then
 * ask for the hub's impact (count + first 100). Measures process start → first complete answer,
 * which includes loading the impact index from the database (issue 10 "cold start").
 */
export async function coldRestart(ctx, options, ds, label) {
  const seed = ds.seeds.hub ?? ds.seeds.full;
  const started = performance.now();
  const server = await ctx.startServer('slipway-cmdb', options, label);
  let res;
  let totalMs;
  let stopped;
  try {
    res = await request(`${server.url}/api/v1/cis/${seed.index + 1}/impact?limit=100`, {
      headers: { authorization: `Bearer ${server.info.token}` },
    });
    totalMs = performance.now() - started;
  } finally {
    stopped = await server.stop();
  }
  return {
    totalMs,
    listeningMs: server.info.readyMs,
    firstQueryMs: res.ms,
    status: res.status,
    count: res.body?.count,
    items: res.body?.items?.length,
    expected: seed.closure,
    ok:
      res.status === 200 && res.body?.count === seed.closure && res.body.items?.length === Math.min(100, seed.closure),
    peakRssMb: stopped.maxRssMb,
  };
}

/** Forgets a memoised import (its database was dropped). */
export function forgetImport(tier, shape, db) {
  state.imports.delete(`${tier}/${shape}/${db}`);
}

/** Whether the answer of an import is complete and clean. */
export function importChecks(label, imp, ds) {
  const a = imp.answer ?? {};
  return [
    {
      text: `${label}: 200, ${ds.graph.n.toLocaleString('en-US')} CIs and ${ds.graph.m.toLocaleString('en-US')} relationships created, no errors`,
      ok:
        imp.status === 200 &&
        a.cis?.created === ds.graph.n &&
        a.relationships?.created === ds.graph.m &&
        a.errorCount === 0,
      detail: imp.status === 200 ? JSON.stringify({ ...a, errors: a.errors?.slice(0, 3) }) : imp.text,
    },
    {
      text: `${label}: the impact index took the import before the call returned (hub count over HTTP = reference BFS)`,
      ok: imp.probe.status === 200 && imp.probe.count === imp.probe.expected,
      detail: `status ${imp.probe.status}, count ${imp.probe.count}, expected ${imp.probe.expected}`,
    },
  ];
}

// ---- child processes for raw baselines -------------------------------------------------------

const RAW_CHILD = path.join(ROOT, 'bench/lib/raw-load-child.mjs');

/** Runs bench/lib/raw-load-child.mjs with `options`; resolves with its result (and peak RSS). */
export function runRawLoad(options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RAW_CHILD, JSON.stringify(options)], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    child.on('message', (message) => {
      result = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (result?.type === 'result') resolve(result);
      else reject(new Error(result?.message ?? `raw load child exited with code ${code}`));
    });
  });
}
