/**
 * The raw bulk-load baselines of the `import` workload, in their own process (so their peak RSS
 * is theirs): `node raw-load-child.mjs <options-json>`, run by cmdb-data.mjs `runRawLoad`.
 *
 * Both load the rows the product writes for the same import (TSV from cmdb-graph.mjs) into the
 * same schema (the product's own migrations), the fastest way each engine offers:
 * - sqlite: better-sqlite3 prepared INSERTs, one transaction for the CIs and one per 100k
 *   relationships, with the secondary indexes dropped first and built afterwards, foreign keys
 *   checked in one pass at the end (`PRAGMA foreign_key_check`); same pragmas as the product
 *   otherwise (WAL, synchronous=FULL, 256 MiB cache);
 * - postgres: COPY FROM STDIN (pg-copy-streams) with secondary indexes and foreign keys dropped
 *   first, then indexes built and foreign keys re-added (validated) — PostgreSQL's own advice
 *   for populating a database.
 * Untimed: creating the schema and the CI classes. Timed: everything from the first row to the
 * last index. Sends `{ type: 'result', phases, totalMs, maxRssKb }` over IPC.
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { CI_COLUMNS, CLASSES, REL_COLUMNS } from './cmdb-graph.mjs';
import { importServerDependency, importSlipwayServer } from './modules.mjs';

const options = JSON.parse(process.argv[2] ?? '{}');
const AT = '2026-11-28T00:00:00.000Z';

/** Calls `onLine` for every line of a file, reading 8 MiB at a time. */
function forEachLine(file, onLine) {
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(1 << 23);
  let rest = '';
  try {
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      const text = rest + buffer.toString('utf8', 0, read);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        onLine(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    if (rest.length > 0) onLine(rest);
  } finally {
    fs.closeSync(fd);
  }
}

async function createSchema(url) {
  const { openDatabase, migrateToLatest } = await importSlipwayServer();
  const database = openDatabase(url);
  try {
    await migrateToLatest(database.db);
    for (const name of CLASSES) {
      await database.db
        .insertInto('ci_classes')
        .values({
          name,
          label: name,
          description: name,
          attributes: database.kind === 'postgres' ? JSON.stringify([]) : '[]',
          builtin: 1,
          created_at: AT,
          updated_at: AT,
          version: 1,
        })
        .execute();
    }
  } finally {
    await database.close();
  }
}

async function sqliteLoad() {
  await createSchema(`sqlite:${options.sqlitePath}`);
  const Database = await importServerDependency('better-sqlite3');
  const db = new Database(options.sqlitePath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // Foreign keys: not checked row by row while loading (as PostgreSQL's COPY baseline drops and
  // re-adds them), but checked in full afterwards, timed; `fk: 'inline'` checks each row instead.
  const inlineFk = options.fk === 'inline';
  db.pragma(`foreign_keys = ${inlineFk ? 'ON' : 'OFF'}`);
  db.pragma('cache_size = -262144');
  const indexes = db
    .prepare(
      "select name, sql from sqlite_master where type = 'index' and tbl_name in ('cis', 'relationships') and sql is not null",
    )
    .all();
  for (const { name } of indexes) db.exec(`drop index ${name}`);

  const phases = {};
  const started = performance.now();
  let t = started;
  const insertCi = db.prepare(
    `insert into cis (${CI_COLUMNS.join(', ')}) values (${CI_COLUMNS.map(() => '?').join(', ')})`,
  );
  db.exec('begin');
  forEachLine(options.ciTsv, (line) => {
    const f = line.split('\t');
    insertCi.run(Number(f[0]), f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], Number(f[12]));
  });
  db.exec('commit');
  phases.cis = performance.now() - t;
  t = performance.now();
  const insertRel = db.prepare(
    `insert into relationships (${REL_COLUMNS.join(', ')}) values (${REL_COLUMNS.map(() => '?').join(', ')})`,
  );
  let inTx = 0;
  db.exec('begin');
  forEachLine(options.relTsv, (line) => {
    const f = line.split('\t');
    insertRel.run(Number(f[0]), Number(f[1]), f[2], Number(f[3]), f[4], f[5], f[6]);
    if (++inTx === 100_000) {
      db.exec('commit');
      db.exec('begin');
      inTx = 0;
    }
  });
  db.exec('commit');
  phases.relationships = performance.now() - t;
  t = performance.now();
  for (const { sql } of indexes) db.exec(sql);
  phases.indexes = performance.now() - t;
  if (!inlineFk) {
    t = performance.now();
    const violations = db.pragma('foreign_key_check');
    if (violations.length > 0) throw new Error(`foreign key violations: ${JSON.stringify(violations.slice(0, 3))}`);
    phases.foreignKeys = performance.now() - t;
    db.pragma('foreign_keys = ON');
  }
  const totalMs = performance.now() - started;
  const counts = db
    .prepare('select (select count(*) from cis) as cis, (select count(*) from relationships) as relationships')
    .get();
  db.close();
  return { phases, totalMs, counts, indexes: indexes.map((i) => i.name) };
}

async function postgresLoad() {
  await createSchema(options.pgUrl);
  const pg = await importServerDependency('pg');
  const { from: copyFrom } = await importServerDependency('pg-copy-streams');
  const client = new pg.Client({ connectionString: options.pgUrl });
  await client.connect();
  try {
    const { rows: indexes } = await client.query(
      `select indexname, indexdef from pg_indexes
       where schemaname = 'public' and tablename in ('cis', 'relationships')
         and indexname not in (select conname from pg_constraint)`,
    );
    const { rows: foreignKeys } = await client.query(
      `select conname, conrelid::regclass::text as tbl, pg_get_constraintdef(oid) as def from pg_constraint
       where contype = 'f' and conrelid in ('cis'::regclass, 'relationships'::regclass)`,
    );
    for (const fk of foreignKeys) await client.query(`alter table ${fk.tbl} drop constraint ${fk.conname}`);
    for (const index of indexes) await client.query(`drop index ${index.indexname}`);

    const phases = {};
    const started = performance.now();
    let t = started;
    const copy = (table, columns, file) =>
      pipeline(
        fs.createReadStream(file, { highWaterMark: 1 << 20 }),
        client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`)),
      );
    await copy('cis', CI_COLUMNS, options.ciTsv);
    phases.cis = performance.now() - t;
    t = performance.now();
    await copy('relationships', REL_COLUMNS, options.relTsv);
    phases.relationships = performance.now() - t;
    t = performance.now();
    for (const index of indexes) await client.query(index.indexdef);
    phases.indexes = performance.now() - t;
    t = performance.now();
    for (const fk of foreignKeys) await client.query(`alter table ${fk.tbl} add constraint ${fk.conname} ${fk.def}`);
    for (const table of ['cis', 'relationships']) {
      await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
    }
    phases.foreignKeys = performance.now() - t;
    const totalMs = performance.now() - started;
    const { rows } = await client.query(
      'select (select count(*) from cis) as cis, (select count(*) from relationships) as relationships',
    );
    return {
      phases,
      totalMs,
      counts: { cis: Number(rows[0].cis), relationships: Number(rows[0].relationships) },
      indexes: indexes.map((i) => i.indexname),
      foreignKeys: foreignKeys.map((f) => f.conname),
    };
  } finally {
    await client.end();
  }
}

try {
  const result = options.kind === 'postgres' ? await postgresLoad() : await sqliteLoad();
  process.send({ type: 'result', ...result, maxRssKb: process.resourceUsage().maxRSS }, () => process.exit(0));
} catch (error) {
  process.send(
    { type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) },
    () => process.exit(1),
  );
}
