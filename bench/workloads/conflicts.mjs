/**
 * W3 (change management issue "Performance", anchors-performance.md §5.2 W3): change conflict
 * detection and change risk, on a calendar of M changes, each with a window (1–8 h within a
 * year) and 1–10 affected CIs, 20 % of the links on 1,000 "hot" shared CIs, in a CMDB where a
 * hub CI reaches 50,500 others.
 *
 * Product (in process, the built packages/server/dist, on a SQLite database filled with the
 * generated calendar and CMDB):
 * - cold start: ChangeIndexService.load() (read every scheduled change and its CIs, build the
 *   per-CI interval index);
 * - full calendar scan: every pair of changes sharing a CI in overlapping windows (per-CI sorted
 *   sweep, ChangeIntervalIndex.scanSameCi);
 * - interactive check of one new change (ChangeIntervalIndex.sameCiConflicts), and the whole
 *   GET /changes/{id}/conflicts path in process (ConflictService.forChange: log sync, the index,
 *   impact overlaps, freezes, maintenance windows, the SQL that names the other changes);
 * - impact-aware check of a change on a hub CI (ConflictService.forSubject: its 50,500-CI closure
 *   against every change in an overlapping window);
 * - risk of a change on a hub CI (AssessmentService.assess: closure, class summary, the services
 *   listed, criticality, recent failures, freezes). Each repetition uses another hub (all reach the
 *   same 50,500 CIs), so no traversal cache helps.
 *
 * Baselines in the same run on the same data: SQLite self-join over Slipway's own tables
 * (change_cis ⋈ change_cis ⋈ changes, with its (ci_id, change_id) index); PostgreSQL self-join
 * (tables chg(id, s, e) and chg_ci(ci, chg) with indexes on (ci, chg) and (chg), jit off,
 * analysed); naive pairwise comparison on a 10k sample, extrapolated by (M/10k)²; and the
 * SQL form of the single check on both. Checks: every method finds the same number of
 * conflicting pairs, and the single checks return the same changes.
 *
 * Goals (M = 100,000, tiers M and L): full scan ≤ 1 s, ≥ 2.5× SQLite, ≥ 10× PostgreSQL; single
 * check p50 ≤ 1 ms (issue) and ≤ 0.1 ms (anchors), ≥ 10× PostgreSQL; impact-aware hub check
 * ≤ 20 ms; risk of a hub change ≤ 20 ms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresUrl } from '../lib/machine.mjs';
import { importServerDependency, importSlipwayServer } from '../lib/modules.mjs';
import { summarize } from '../lib/stats.mjs';

const TIERS = {
  S: { changes: 20_000, reps: 5, probes: 1_000, sqlReps: 1 },
  M: { changes: 100_000, reps: 20, probes: 2_000, sqlReps: 2 },
  L: { changes: 100_000, reps: 30, probes: 5_000, sqlReps: 3 },
};
const CI_TIER = { changes: 2_000, reps: 3, probes: 200, sqlReps: 1 };

const HUBS = 25;
const SERVERS = 250;
const APPS_PER_SERVER = 199;
const SERVICES = 500;
const COLD_CIS = 100_000;
const HOT = 1_000;
const USERS = 500;
const YEAR_HOURS = 365 * 24;
const BASE = Date.parse('2027-01-01T00:00:00.000Z');
const HOUR = 3_600_000;

/** Deterministic PRNG (mulberry32): the same calendar on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The CMDB: hubs (software) installed on servers, apps running on them, services depending on apps, cold desktops. */
function cmdbLayout(ciTier) {
  const servers = ciTier ? 25 : SERVERS;
  const appsPer = ciTier ? 199 : APPS_PER_SERVER;
  const services = ciTier ? 50 : SERVICES;
  const cold = ciTier ? 5_000 : COLD_CIS;
  let next = 1;
  const range = (n) => {
    const first = next;
    next += n;
    return { first, count: n };
  };
  const hubs = range(HUBS);
  const serverIds = range(servers);
  const apps = range(servers * appsPer);
  const serviceIds = range(services);
  const desktops = range(cold);
  return {
    hubs,
    servers: serverIds,
    apps,
    services: serviceIds,
    desktops,
    total: next - 1,
    reach: servers + servers * appsPer + services,
  };
}

function generateCalendar(layout, count, random) {
  const hot = [];
  for (let i = 0; i < layout.servers.count && hot.length < HOT; i++) hot.push(layout.servers.first + i);
  for (let i = 0; hot.length < HOT && i < layout.apps.count; i++) hot.push(layout.apps.first + i);
  const pickCi = () =>
    random() < 0.2
      ? hot[Math.floor(random() * hot.length)]
      : layout.desktops.first + Math.floor(random() * layout.desktops.count);
  const changes = [];
  for (let id = 1; id <= count; id++) {
    const n = 1 + Math.floor(random() * 10);
    const cis = new Set();
    while (cis.size < n) cis.add(pickCi());
    const start = BASE + Math.floor(random() * YEAR_HOURS) * HOUR;
    const end = start + (1 + Math.floor(random() * 8)) * HOUR;
    changes.push({
      id,
      start,
      end,
      ciIds: [...cis],
      implementerId: 1 + Math.floor(random() * USERS),
      state: 'scheduled',
    });
  }
  return { changes, pickCi };
}

function timeEach(items, fn) {
  const durations = [];
  for (const item of items) {
    const started = performance.now();
    fn(item);
    durations.push(performance.now() - started);
  }
  return durations;
}

async function timeEachAsync(items, fn) {
  const durations = [];
  for (const item of items) {
    const started = performance.now();
    await fn(item);
    durations.push(performance.now() - started);
  }
  return durations;
}

async function timed(fn) {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** Fills the product's own SQLite database through raw prepared statements (the fastest honest load). */
function fillSqlite(sqlite, layout, calendar) {
  const now = new Date().toISOString();
  const insertCi = sqlite.prepare(
    `insert into cis (id, class, name, status, environment, owner, criticality, attributes, source, last_seen_at, created_at, updated_at, version)
     values (?, ?, ?, 'active', ?, ?, ?, '{}', null, null, ?, ?, 1)`,
  );
  const insertRel = sqlite.prepare(
    `insert into relationships (source_id, type, target_id, origin, created_at, last_seen_at) values (?, ?, ?, 'bench', ?, null)`,
  );
  const insertUser = sqlite.prepare(
    `insert into users (username, display_name, email, roles, password_hash, disabled, last_login_at, created_at, updated_at, version)
     values (?, ?, null, '["engineer"]', null, 0, null, ?, ?, 1)`,
  );
  const insertChange = sqlite.prepare(
    `insert into changes (id, type, state, title, description, justification, template_id, planned_start, planned_end, implementer_id,
       requester_id, requester_name, backout_plan, release_id, impact, risk, risk_score, risk_level, scope_version, scope_hash,
       freeze_override, review_due_at, submitted_at, scheduled_at, started_at, completed_at, closed_at, created_at, updated_at, version)
     values (?, 'normal', 'scheduled', ?, '', '', null, ?, ?, ?, null, 'bench', 'roll back', null, null, null, null, null, 1, '', null,
       null, ?, ?, null, null, null, ?, ?, 1)`,
  );
  const insertLink = sqlite.prepare('insert into change_cis (change_id, ci_id) values (?, ?)');
  const random = prng(7);
  sqlite.transaction(() => {
    const { hubs, servers, apps, services, desktops } = layout;
    for (let i = 0; i < hubs.count; i++)
      insertCi.run(hubs.first + i, 'software', `hub-lib-${i}`, 'production', 'team-platform', 'high', now, now);
    for (let i = 0; i < servers.count; i++)
      insertCi.run(servers.first + i, 'server', `srv-${i}`, 'production', null, null, now, now);
    for (let i = 0; i < apps.count; i++)
      insertCi.run(apps.first + i, 'application', `app-${i}`, 'production', null, null, now, now);
    for (let i = 0; i < services.count; i++) {
      insertCi.run(
        services.first + i,
        'service',
        `svc-${i}`,
        'production',
        `owner-${i % 40}`,
        i % 10 === 0 ? 'critical' : 'medium',
        now,
        now,
      );
    }
    for (let i = 0; i < desktops.count; i++)
      insertCi.run(desktops.first + i, 'desktop', `pc-${i}`, 'production', null, null, now, now);
    const appsPer = apps.count / servers.count;
    for (let h = 0; h < hubs.count; h++) {
      for (let s = 0; s < servers.count; s++) insertRel.run(hubs.first + h, 'installed_on', servers.first + s, now);
    }
    for (let a = 0; a < apps.count; a++)
      insertRel.run(apps.first + a, 'runs_on', servers.first + Math.floor(a / appsPer), now);
    for (let s = 0; s < services.count; s++) {
      const chosen = new Set();
      while (chosen.size < 20) chosen.add(apps.first + Math.floor(random() * apps.count));
      for (const app of chosen) insertRel.run(services.first + s, 'depends_on', app, now);
    }
    for (let u = 1; u <= USERS; u++) insertUser.run(`bench-user-${u}`, `Bench user ${u}`, now, now);
    for (const c of calendar.changes) {
      const start = new Date(c.start).toISOString();
      insertChange.run(
        c.id,
        `Change ${c.id}`,
        start,
        new Date(c.end).toISOString(),
        c.implementerId,
        now,
        now,
        now,
        now,
      );
      for (const ci of c.ciIds) insertLink.run(c.id, ci);
    }
  })();
}

const SQLITE_SELF_JOIN = `
  select count(*) as n from (
    select distinct a.change_id as x, b.change_id as y
      from change_cis a
      join change_cis b on b.ci_id = a.ci_id and a.change_id < b.change_id
      join changes ca on ca.id = a.change_id
      join changes cb on cb.id = b.change_id
     where ca.planned_start < cb.planned_end and cb.planned_start < ca.planned_end)`;

const PG_SELF_JOIN = `
  select count(*)::int as n from (
    select distinct a.chg as x, b.chg as y
      from chg_ci a
      join chg_ci b on b.ci = a.ci and a.chg < b.chg
      join chg ca on ca.id = a.chg
      join chg cb on cb.id = b.chg
     where ca.s < cb.e and cb.s < ca.e) pairs`;

async function postgresBaseline(ctx, calendar, probes, params) {
  const pg = await importServerDependency('pg');
  const { from: copyFrom } = await importServerDependency('pg-copy-streams');
  const name = `slipway_bench_w3_${process.pid}`;
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  ctx.defer(async () => {
    const c = new pg.Client({ connectionString: postgresUrl() });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  });
  const url = new URL(postgresUrl());
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query('set jit = off');
    await client.query('create table chg (id integer primary key, s timestamptz not null, e timestamptz not null)');
    await client.query('create table chg_ci (ci integer not null, chg integer not null)');
    const copy = async (sql, lines) => {
      const stream = client.query(copyFrom(sql));
      const done = new Promise((resolve, reject) => {
        stream.on('finish', resolve);
        stream.on('error', reject);
      });
      let buffer = '';
      for (const line of lines()) {
        buffer += line;
        if (buffer.length > 1 << 20) {
          if (!stream.write(buffer)) await new Promise((resolve) => stream.once('drain', resolve));
          buffer = '';
        }
      }
      stream.end(buffer);
      await done;
    };
    await copy('copy chg (id, s, e) from stdin', function* () {
      for (const c of calendar.changes)
        yield `${c.id}\t${new Date(c.start).toISOString()}\t${new Date(c.end).toISOString()}\n`;
    });
    await copy('copy chg_ci (ci, chg) from stdin', function* () {
      for (const c of calendar.changes) for (const ci of c.ciIds) yield `${ci}\t${c.id}\n`;
    });
    await client.query('create index chg_ci_ci on chg_ci (ci, chg)');
    await client.query('create index chg_ci_chg on chg_ci (chg)');
    await client.query('analyze');
    const full = [];
    let pairs = null;
    for (let i = 0; i < params.sqlReps; i++) {
      const r = await timed(() => client.query(PG_SELF_JOIN));
      full.push(r.ms);
      pairs = r.value.rows[0].n;
    }
    const answers = [];
    const single = await timeEachAsync(probes, async (p) => {
      const r = await client.query(
        'select distinct c.id from chg_ci x join chg c on c.id = x.chg where x.ci = any($1::int[]) and c.s < $2 and c.e > $3',
        [p.ciIds, new Date(p.end).toISOString(), new Date(p.start).toISOString()],
      );
      answers.push(r.rows.map((row) => row.id).sort((a, b) => a - b));
    });
    return { full: summarize(full), pairs, single: summarize(single), answers };
  } finally {
    await client.end();
  }
}

function naivePairs(changes) {
  let pairs = 0;
  for (let i = 0; i < changes.length; i++) {
    const a = changes[i];
    for (let j = i + 1; j < changes.length; j++) {
      const b = changes[j];
      if (a.start >= b.end || b.start >= a.end) continue;
      if (a.ciIds.some((ci) => b.ciIds.includes(ci))) pairs++;
    }
  }
  return pairs;
}

export default {
  name: 'conflicts',
  title: 'W3: change conflict detection and change risk, in process against SQL self-joins',
  async run(ctx) {
    const params = ctx.ci ? CI_TIER : TIERS[ctx.tier];
    const judged = params.changes >= 100_000;
    const server = await importSlipwayServer();
    const layout = cmdbLayout(ctx.ci);
    const random = prng(20261128);
    const calendar = generateCalendar(layout, params.changes, random);
    const links = calendar.changes.reduce((n, c) => n + c.ciIds.length, 0);
    ctx.log(
      `${params.changes.toLocaleString('en-US')} changes, ${links.toLocaleString('en-US')} change→CI links; CMDB ${layout.total.toLocaleString('en-US')} CIs, hub reach ${layout.reach.toLocaleString('en-US')}`,
    );

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-w3-'));
    ctx.defer(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const config = server.resolveConfig(
      { db: `sqlite:${path.join(dir, 'w3.db')}`, dataDir: path.join(dir, 'data'), port: 0 },
      {},
    );
    const app = await server.createContext(config);
    const rows = [];
    const checks = [];
    try {
      await app.cmdb.classes.ensureBuiltins();
      await app.policy.ensureDefault(server.systemActor('bench'));
      const fill = await timed(async () => fillSqlite(app.database.sqlite, layout, calendar));
      ctx.log(`filled SQLite in ${(fill.ms / 1000).toFixed(1)} s`);
      await app.cmdb.impact.load();

      // Cold start of the calendar index.
      const loaded = await timed(() => app.changes.index.load());
      const index = app.changes.index.index;
      checks.push({
        text: `the index holds every change (${params.changes})`,
        ok: index.size === params.changes,
        detail: `${index.size}`,
      });

      // Full calendar scan.
      const scans = [];
      let productPairs = 0;
      for (let i = 0; i < Math.max(3, params.sqlReps); i++) {
        const r = await timed(async () => index.scanSameCi());
        scans.push(r.ms);
        productPairs = r.value.size;
      }
      const full = summarize(scans);

      // Single checks of new changes (not in the calendar).
      const probeRandom = prng(99);
      const probes = [];
      for (let i = 0; i < params.probes; i++) {
        const n = 1 + Math.floor(probeRandom() * 10);
        const cis = new Set();
        while (cis.size < n) cis.add(calendar.pickCi());
        const start = BASE + Math.floor(probeRandom() * YEAR_HOURS) * HOUR;
        probes.push({
          id: -1,
          start,
          end: start + (1 + Math.floor(probeRandom() * 8)) * HOUR,
          ciIds: [...cis],
          implementerId: 1,
        });
      }
      for (const p of probes.slice(0, 50)) index.sameCiConflicts(p);
      const single = summarize(timeEach(probes, (p) => index.sameCiConflicts(p)));
      const productAnswers = probes.map((p) => [...index.sameCiConflicts(p).keys()].sort((a, b) => a - b));

      // The whole GET /changes/{id}/conflicts path in process.
      const someIds = Array.from(
        { length: Math.min(200, params.changes) },
        (_, i) => 1 + ((i * 7919) % params.changes),
      );
      await app.changes.conflicts.forChange(someIds[0]);
      const endToEnd = summarize(await timeEachAsync(someIds, (id) => app.changes.conflicts.forChange(id)));

      // Impact-aware check and risk of a change on a hub CI; a different hub each time (cold traversal).
      const hubs = Array.from({ length: HUBS }, (_, i) => layout.hubs.first + i);
      const hubStart = new Date(BASE + 40 * 24 * HOUR).toISOString();
      const hubEnd = new Date(BASE + 40 * 24 * HOUR + 4 * HOUR).toISOString();
      const subject = (hub) => ({
        id: -1,
        title: 'hub change',
        state: 'new',
        type: 'normal',
        planned_start: hubStart,
        planned_end: hubEnd,
        implementer_id: null,
        hub,
      });
      let impactOverlaps = 0;
      const impactAware = summarize(
        await timeEachAsync(hubs.slice(0, Math.min(hubs.length, params.reps)), async (hub) => {
          const r = await app.changes.conflicts.forSubject(subject(hub), [hub]);
          impactOverlaps = r.conflicts.filter((c) => c.kind === 'impact_overlap').length;
        }),
      );
      let assessedCount = 0;
      let riskLevel = '';
      const risk = summarize(
        await timeEachAsync(hubs.slice(0, Math.min(hubs.length, params.reps)), async (hub) => {
          const r = await app.changes.assessment.assess({
            id: null,
            type: 'normal',
            ciIds: [hub],
            plannedStart: hubStart,
            plannedEnd: hubEnd,
            backoutPlan: 'Downgrade',
          });
          assessedCount = r.impact.count;
          riskLevel = r.risk.level;
        }),
      );
      checks.push({
        text: `risk sees the hub's whole closure (${layout.reach.toLocaleString('en-US')} CIs)`,
        ok: assessedCount === layout.reach,
        detail: `${assessedCount}`,
      });
      ctx.log(`hub change: risk ${riskLevel}, ${impactOverlaps} impact overlaps in its window`);

      // SQLite self-join on Slipway's own tables.
      const sqlite = app.database.sqlite;
      const sqliteRuns = [];
      let sqlitePairs = 0;
      const statement = sqlite.prepare(SQLITE_SELF_JOIN);
      for (let i = 0; i < params.sqlReps; i++) {
        const r = await timed(async () => statement.get().n);
        sqliteRuns.push(r.ms);
        sqlitePairs = r.value;
      }
      const sqliteFull = summarize(sqliteRuns);
      const sqliteAnswers = [];
      const sqliteSingle = summarize(
        timeEach(probes, (p) => {
          const marks = p.ciIds.map(() => '?').join(',');
          const ids = sqlite
            .prepare(
              `select distinct c.id from change_cis x join changes c on c.id = x.change_id where x.ci_id in (${marks}) and c.planned_start < ? and c.planned_end > ?`,
            )
            .pluck()
            .all(...p.ciIds, new Date(p.end).toISOString(), new Date(p.start).toISOString());
          sqliteAnswers.push(ids.sort((a, b) => a - b));
        }),
      );

      // Naive pairwise on a 10k sample, extrapolated.
      const sample = calendar.changes.slice(0, Math.min(10_000, params.changes));
      const naive = await timed(async () => naivePairs(sample));
      const naiveExtrapolated = naive.ms * (params.changes / sample.length) ** 2;

      let pgResult = null;
      if (ctx.machine.postgres) {
        pgResult = await postgresBaseline(ctx, calendar, probes, params);
      } else {
        ctx.log('PostgreSQL baseline SKIPPED (no postgres)');
      }

      checks.push({
        text: 'the in-memory sweep and the SQLite self-join find the same conflicting pairs',
        ok: productPairs === sqlitePairs,
        detail: `${productPairs} vs ${sqlitePairs}`,
      });
      if (pgResult) {
        checks.push({
          text: 'PostgreSQL finds the same pairs',
          ok: pgResult.pairs === productPairs,
          detail: `${pgResult.pairs} vs ${productPairs}`,
        });
        checks.push({
          text: 'single checks: PostgreSQL returns the same changes',
          ok: JSON.stringify(pgResult.answers) === JSON.stringify(productAnswers),
        });
      }
      checks.push({
        text: 'single checks: SQLite returns the same changes as the index',
        ok: JSON.stringify(sqliteAnswers) === JSON.stringify(productAnswers),
      });

      const row = (label, role, s, extra = {}) => ({
        label,
        role,
        p50: s.p50,
        p99: s.p99,
        min: s.min,
        n: s.n,
        ...extra,
      });
      rows.push(
        row('Slipway: index cold start (load + build)', 'product', summarize([loaded.ms]), { pairs: null }),
        row('Slipway: full scan, per-CI sweep', 'product', full, { pairs: productPairs }),
        row('SQLite self-join (Slipway tables)', 'baseline', sqliteFull, {
          pairs: sqlitePairs,
          ratio: sqliteFull.p50 / full.p50,
        }),
        ...(pgResult
          ? [
              row('PostgreSQL self-join, jit off', 'baseline', pgResult.full, {
                pairs: pgResult.pairs,
                ratio: pgResult.full.p50 / full.p50,
              }),
            ]
          : []),
        row(
          `naive pairwise (10k sample × ${((params.changes / sample.length) ** 2).toFixed(0)})`,
          'baseline',
          summarize([naiveExtrapolated]),
          {
            ratio: naiveExtrapolated / full.p50,
          },
        ),
        row('Slipway: single check (index)', 'product', single),
        row('SQLite: single check', 'baseline', sqliteSingle, { ratio: sqliteSingle.p50 / single.p50 }),
        ...(pgResult
          ? [row('PostgreSQL: single check', 'baseline', pgResult.single, { ratio: pgResult.single.p50 / single.p50 })]
          : []),
        row('Slipway: GET /changes/{id}/conflicts in process', 'product', endToEnd),
        row(
          `Slipway: impact-aware check, hub change (${layout.reach.toLocaleString('en-US')} reached)`,
          'product',
          impactAware,
        ),
        row(`Slipway: risk of a hub change (${layout.reach.toLocaleString('en-US')} impacted)`, 'product', risk),
      );

      const ratio = (label, value, goal, met) => ({ label, value, goal, met: judged ? met : true });
      return {
        params: { ...params, links, cmdbCis: layout.total, hubReach: layout.reach, judged },
        columns: [
          { key: 'label', label: 'variant' },
          { key: 'p50', label: 'p50 ms', format: 'ms' },
          { key: 'p99', label: 'p99 ms', format: 'ms' },
          { key: 'min', label: 'min ms', format: 'ms' },
          { key: 'n', label: 'runs', format: 'int' },
          { key: (r) => r.pairs ?? '', label: 'pairs' },
          { key: (r) => (r.ratio === undefined ? '' : `${r.ratio.toFixed(1)}×`), label: '÷ Slipway' },
        ],
        rows,
        ratios: [
          ratio(
            'SQLite self-join ÷ Slipway full scan (p50)',
            sqliteFull.p50 / full.p50,
            '≥ 2.5',
            sqliteFull.p50 / full.p50 >= 2.5,
          ),
          ...(pgResult
            ? [
                ratio(
                  'PostgreSQL self-join ÷ Slipway full scan (p50)',
                  pgResult.full.p50 / full.p50,
                  '≥ 10',
                  pgResult.full.p50 / full.p50 >= 10,
                ),
                ratio(
                  'PostgreSQL ÷ Slipway single check (p50)',
                  pgResult.single.p50 / single.p50,
                  '≥ 10',
                  pgResult.single.p50 / single.p50 >= 10,
                ),
              ]
            : []),
        ],
        goals: judged
          ? [
              {
                text: `full scan of ${params.changes.toLocaleString('en-US')} changes ≤ 1 s (p50 ${full.p50.toFixed(0)} ms)`,
                met: full.p50 <= 1000,
              },
              { text: `single check p50 ≤ 1 ms (issue) (${single.p50.toFixed(4)} ms)`, met: single.p50 <= 1 },
              { text: `single check p50 ≤ 0.1 ms (anchors) (${single.p50.toFixed(4)} ms)`, met: single.p50 <= 0.1 },
              {
                text: `impact-aware hub check ≤ 20 ms (p50 ${impactAware.p50.toFixed(1)} ms)`,
                met: impactAware.p50 <= 20,
              },
              { text: `risk of a hub change ≤ 20 ms (p50 ${risk.p50.toFixed(1)} ms)`, met: risk.p50 <= 20 },
            ]
          : [{ text: 'goals are judged at M = 100,000 changes (tiers M and L)', met: true }],
        checks,
      };
    } finally {
      app.changes.index.stop();
      app.cmdb.impact.stop();
      await app.database.close();
    }
  },
};
