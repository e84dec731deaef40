/**
 * W-IMPORT (CMDB issue "Performance", anchors W1): bulk import of a generated CMDB-shaped graph
 * (layered shape, bench/lib/cmdb-graph.mjs) through the product's own path — `POST
 * /api/v1/import` with the NDJSON streamed to a Slipway server process, on SQLite and on
 * PostgreSQL — end to end until the impact index took the import (the call returns after that).
 * Baselines in the same run on the same rows and the same schema: raw better-sqlite3 prepared
 * inserts (indexes built afterwards) and PostgreSQL COPY (pg-copy-streams; indexes and foreign
 * keys re-created afterwards). See bench/lib/raw-load-child.mjs.
 * Goals (tier L, 1M CIs + 5M relationships): ≤ 25 s on SQLite, ≤ 30 s on PostgreSQL, and ≤ 2× the
 * raw bulk load (issue 10).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  CMDB_TIERS,
  coldRestart,
  createPgDatabase,
  dataset,
  datasetFiles,
  forgetImport,
  importChecks,
  pgClient,
  productImport,
  runRawLoad,
  workDir,
} from '../lib/cmdb-data.mjs';
import { importServerDependency } from '../lib/modules.mjs';

const GOALS_S = { sqlite: 25, postgres: 30 };
const GOAL_RATIO = 2;
/** Issue 10 "cold start": a restart on the 1M/5M database answers impact within 5 s. */
const GOAL_RESTART_S = 5;

export default {
  name: 'import',
  title: 'CMDB import: product API (NDJSON) vs raw bulk load, SQLite and PostgreSQL',

  async run(ctx) {
    const tier = ctx.tier;
    const size = CMDB_TIERS[tier];
    const ds = dataset(tier, 'layered');
    const files = datasetFiles(tier, 'layered');
    const rowsTotal = ds.graph.n + ds.graph.m;
    ctx.log(
      `layered graph: ${ds.graph.n.toLocaleString('en-US')} CIs, ${ds.graph.m.toLocaleString('en-US')} relationships ` +
        `(generated in ${(ds.generateMs / 1000).toFixed(1)} s; NDJSON ${(files.ndjsonBytes / 2 ** 20).toFixed(0)} MiB ` +
        `and TSV written in ${(files.writeMs / 1000).toFixed(1)} s)`,
    );

    const rows = [];
    const checks = [];
    const ratios = [];
    const goals = [];
    const row = (label, role, engine, seconds, extra = {}) => ({
      label,
      role,
      engine,
      seconds,
      rowsPerSec: seconds ? rowsTotal / seconds : null,
      ...extra,
    });

    // ---- SQLite ----
    ctx.log('SQLite: product import over HTTP…');
    const sqlite = await productImport(ctx, { tier, shape: 'layered', db: 'sqlite' });
    checks.push(...importChecks('Slipway import on SQLite', sqlite, ds));
    checks.push(await sqliteIdsInFileOrder(sqlite.sqlitePath, ds));
    ctx.log(`   ${sqlite.seconds.toFixed(2)} s, server peak RSS ${sqlite.peakRssMb?.toFixed(0)} MB`);
    ctx.log('SQLite: raw better-sqlite3 bulk load…');
    const rawSqlitePath = path.join(workDir(), `${tier}-raw.db`);
    const rawSqlite = await runRawLoad({ kind: 'sqlite', sqlitePath: rawSqlitePath, ...files });
    checks.push(await sameRowsSqlite(sqlite.sqlitePath, rawSqlitePath));
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(rawSqlitePath + suffix, { force: true });
    ctx.log(`   ${(rawSqlite.totalMs / 1000).toFixed(2)} s (${phaseText(rawSqlite.phases)})`);
    rows.push(
      row('Slipway POST /api/v1/import (NDJSON over HTTP), index ready', 'product', 'SQLite', sqlite.seconds, {
        peakRssMb: sqlite.peakRssMb,
        note: `server-side ${fmtS(sqlite.answer?.durationMs)}; also writes ${ds.graph.n.toLocaleString('en-US')} history rows`,
      }),
      row('raw better-sqlite3 prepared INSERTs, indexes afterwards', 'baseline', 'SQLite', rawSqlite.totalMs / 1000, {
        peakRssMb: rawSqlite.maxRssKb / 1024,
        note: phaseText(rawSqlite.phases),
      }),
    );
    const sqliteRatio = sqlite.seconds / (rawSqlite.totalMs / 1000);
    ratios.push({
      label: 'SQLite: Slipway import ÷ raw bulk load (time)',
      value: sqliteRatio,
      ...(tier === 'L' && { goal: `≤ ${GOAL_RATIO} (issue 10)`, met: sqliteRatio <= GOAL_RATIO }),
    });
    if (tier === 'L') {
      goals.push({
        text: `SQLite import of 1M CIs + 5M relationships ≤ ${GOALS_S.sqlite} s`,
        value: sqlite.seconds,
        met: sqlite.seconds <= GOALS_S.sqlite,
      });
    }

    // ---- PostgreSQL ----
    if (!ctx.machine.postgres) {
      ctx.log('PostgreSQL: SKIPPED (no postgres)');
      rows.push(
        row('Slipway POST /api/v1/import — SKIPPED (no postgres)', 'product', 'PostgreSQL', null),
        row('PostgreSQL COPY — SKIPPED (no postgres)', 'baseline', 'PostgreSQL', null),
      );
    } else {
      ctx.log('PostgreSQL: product import over HTTP…');
      const productDb = await createPgDatabase(ctx, `${tier}_import`);
      let pgImport;
      try {
        pgImport = await productImport(ctx, { tier, shape: 'layered', db: 'postgres', pg: productDb });
        checks.push(...importChecks('Slipway import on PostgreSQL', pgImport, ds));
      } finally {
        forgetImport(tier, 'layered', 'postgres');
      }
      ctx.log(`   ${pgImport.seconds.toFixed(2)} s, server peak RSS ${pgImport.peakRssMb?.toFixed(0)} MB`);
      // Cold start on PostgreSQL (the SQLite restart is measured by `impact`): the imported
      // database, a fresh server process, until the first complete impact answer.
      const restart = await coldRestart(
        ctx,
        { db: 'postgres', pgUrl: productDb.url, dataDir: pgImport.dataDir },
        ds,
        'import-pg-restart',
      );
      checks.push({
        text: 'PostgreSQL: the first impact answer after a cold restart is complete (hub count, 100 items)',
        ok: restart.ok,
        detail: `status ${restart.status}, count ${restart.count}, expected ${restart.expected}, items ${restart.items}`,
      });
      ctx.log(
        `   cold restart: ${(restart.totalMs / 1000).toFixed(2)} s to the first impact answer ` +
          `(listening after ${(restart.listeningMs / 1000).toFixed(2)} s)`,
      );
      ctx.log('PostgreSQL: raw COPY bulk load…');
      const rawDb = await createPgDatabase(ctx, `${tier}_copy`);
      const rawPg = await runRawLoad({ kind: 'postgres', pgUrl: rawDb.url, ...files });
      checks.push(await sameRowsPostgres(productDb.url, rawDb.url));
      await productDb.drop();
      await rawDb.drop();
      ctx.log(`   ${(rawPg.totalMs / 1000).toFixed(2)} s (${phaseText(rawPg.phases)})`);
      rows.push(
        row('Slipway POST /api/v1/import (NDJSON over HTTP), index ready', 'product', 'PostgreSQL', pgImport.seconds, {
          peakRssMb: pgImport.peakRssMb,
          note: `server-side ${fmtS(pgImport.answer?.durationMs)}`,
        }),
        row('raw COPY FROM STDIN, indexes + foreign keys afterwards', 'baseline', 'PostgreSQL', rawPg.totalMs / 1000, {
          peakRssMb: rawPg.maxRssKb / 1024,
          note: phaseText(rawPg.phases),
        }),
        row(
          'Slipway cold restart: spawn → first GET …/impact answered',
          'product',
          'PostgreSQL',
          restart.totalMs / 1000,
          {
            rowsPerSec: null,
            peakRssMb: restart.peakRssMb,
            note: `listening after ${fmtS(restart.listeningMs)} (index loaded from PostgreSQL); first query ${fmtS(restart.firstQueryMs)}`,
          },
        ),
      );
      if (tier === 'L') {
        goals.push({
          text: `a restart on the 1M/5M PostgreSQL database answers impact within ${GOAL_RESTART_S} s (issue 10)`,
          value: restart.totalMs / 1000,
          met: restart.totalMs / 1000 <= GOAL_RESTART_S,
        });
      }
      const pgRatio = pgImport.seconds / (rawPg.totalMs / 1000);
      ratios.push({
        label: 'PostgreSQL: Slipway import ÷ COPY bulk load (time)',
        value: pgRatio,
        ...(tier === 'L' && { goal: `≤ ${GOAL_RATIO} (issue 10)`, met: pgRatio <= GOAL_RATIO }),
      });
      if (tier === 'L') {
        goals.push({
          text: `PostgreSQL import of 1M CIs + 5M relationships ≤ ${GOALS_S.postgres} s`,
          value: pgImport.seconds,
          met: pgImport.seconds <= GOALS_S.postgres,
        });
      }
    }

    return {
      params: {
        tier,
        ...size,
        shape: 'layered',
        seed: ds.graph.seed,
        ndjsonBytes: files.ndjsonBytes,
        postgres: ctx.machine.postgres,
      },
      columns: [
        { key: 'engine', label: 'engine' },
        { key: 'label', label: 'path' },
        { key: 'role', label: 'role' },
        { key: 'seconds', label: 'seconds', format: 'ms' },
        { key: 'rowsPerSec', label: 'rows/s', format: 'int' },
        { key: 'peakRssMb', label: 'peak RSS MB', format: 'mb' },
        { key: 'note', label: 'notes' },
      ],
      rows,
      ratios,
      goals,
      checks,
    };
  },
};

const fmtS = (ms) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(2)} s`);

function phaseText(phases) {
  return Object.entries(phases)
    .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
}

/** The product assigned ids in file order (id = generator index + 1), which later checks rely on. */
async function sqliteIdsInFileOrder(file, ds) {
  const Database = await importServerDependency('better-sqlite3');
  const db = new Database(file, { readonly: true });
  try {
    const bad = db
      .prepare("select count(*) as n from cis where cast(substr(name, instr(name, '-') + 1) as integer) + 1 <> id")
      .get().n;
    return {
      text: 'Slipway on SQLite assigned CI ids in file order',
      ok: bad === 0 && db.prepare('select count(*) as n from cis').get().n === ds.graph.n,
      detail: `${bad} CIs out of order`,
    };
  } finally {
    db.close();
  }
}

const REL_DIGEST =
  'select count(*) as n, sum(source_id) as s, sum(target_id) as t, sum(length(type)) as ty, ' +
  'sum(length(origin)) as o from relationships';
const CI_DIGEST =
  'select count(*) as n, sum(id) as i, sum(length(name)) as nm, sum(length(class)) as c, ' +
  'sum(length(attributes)) as a, sum(length(owner)) as ow from cis';

/** Product and raw databases hold the same CI and relationship rows (digest over every row). */
async function sameRowsSqlite(productFile, rawFile) {
  const Database = await importServerDependency('better-sqlite3');
  const digest = (file) => {
    const db = new Database(file, { readonly: true });
    try {
      return JSON.stringify([db.prepare(CI_DIGEST).get(), db.prepare(REL_DIGEST).get()]);
    } finally {
      db.close();
    }
  };
  const [a, b] = [digest(productFile), digest(rawFile)];
  return { text: 'SQLite: product and raw load hold the same rows (digest)', ok: a === b, detail: `${a} vs ${b}` };
}

async function sameRowsPostgres(productUrl, rawUrl) {
  const digest = async (url) => {
    const client = await pgClient(url);
    try {
      const ci = await client.query(CI_DIGEST.replace('length(attributes)', 'length(attributes::text)'));
      const rel = await client.query(REL_DIGEST);
      return JSON.stringify([ci.rows[0], rel.rows[0]]);
    } finally {
      await client.end();
    }
  };
  const [a, b] = [await digest(productUrl), await digest(rawUrl)];
  return { text: 'PostgreSQL: product and COPY load hold the same rows (digest)', ok: a === b, detail: `${a} vs ${b}` };
}
