import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../platform/database.js';
import { type ServerProcess, startServerProcess } from '../reliability/support/crash-server-process.js';
import { setupReleaseOrg } from '../test-support/release-kit.js';
import { approvedRelease } from '../test-support/rollout-kit.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

/**
 * Durability of rollouts against `kill -9` (issue 7): a real Slipway server in its own process
 * runs a phased rollout with the simulated executor and is killed with SIGKILL at random points
 * and restarted, again and again; then the same during the back-out. Afterwards every target is
 * deployed (and backed out) exactly once as recorded, no wave started before the previous wave's
 * gate passed, back-out waves ran in reverse order, and the executor was called again only for
 * steps in flight at a kill, with the same idempotency key (the simulated executor's journal,
 * written synchronously before each call's work, is the independent record of calls).
 *
 * Sizes: SLIPWAY_ROLLOUT_KILL_TARGETS (issue size 1000; default 240), SLIPWAY_ROLLOUT_KILLS
 * (kills during the rollout; issue size 20; default 3 — each restart of the tsx-started server costs seconds; the back-out gets half as many, at least 2), SLIPWAY_ROLLOUT_KILL_SEED (random; printed).
 */
const TARGETS = Number(process.env.SLIPWAY_ROLLOUT_KILL_TARGETS ?? 240);
const KILLS_SQLITE = Number(process.env.SLIPWAY_ROLLOUT_KILLS ?? 3);
const KILLS_POSTGRES = Number(process.env.SLIPWAY_ROLLOUT_KILLS ?? 3);
const SEED = Number(process.env.SLIPWAY_ROLLOUT_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 12;
const LATENCY_MS = 120;
// Each kill costs a restart of the tsx-started server (seconds on a busy machine): the time limit grows with them.

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Call {
  key: string;
  action: string;
  ci: number;
  attempt: number;
  pid: number;
}

describe.each(testDatabaseKinds())('rollout durability under kill -9 on %s', (kind) => {
  const kills = kind === 'sqlite' ? KILLS_SQLITE : KILLS_POSTGRES;
  let t: TestApp | undefined;
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.kill9();
    await t?.testDb.cleanup();
    if (t) fs.rmSync(t.dataDir, { recursive: true, force: true });
  });

  it(`deploys and backs out ${TARGETS} targets exactly once across kills`, {
    timeout: 120_000 + (Math.max(KILLS_SQLITE, KILLS_POSTGRES) * 2 + 2) * 25_000,
  }, async () => {
    const random = seeded(SEED);
    // Set up in-process (organisation, desktops, an approved release), then hand the database to a real server process.
    t = await createTestApp(kind);
    const org = await setupReleaseOrg(t);
    const lines = Array.from({ length: TARGETS }, (_, i) =>
      JSON.stringify({
        kind: 'ci',
        class: 'desktop',
        name: `KD-${String(i).padStart(5, '0')}`,
        environment: 'production',
        attributes: { site: ['AMS', 'RTM', 'HAM', 'LON'][i % 4] },
      }),
    );
    const imported = await t.slipway.app.inject({
      method: 'POST',
      url: '/api/v1/import',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
      payload: `${lines.join('\n')}\n`,
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const db = t.slipway.ctx.database.db;
    const targetIds = (
      await db.selectFrom('cis').select('id').where('name', 'like', 'KD-%').orderBy('id').execute()
    ).map((r) => r.id);
    expect(targetIds).toHaveLength(TARGETS);
    const release = await approvedRelease(t, org, targetIds, { product: 'Agent' });
    await t.slipway.close();

    const journal = path.join(t.dataDir, 'executor-journal.ndjson');
    const start = () =>
      startServerProcess({
        databaseUrl: t?.testDb.url ?? '',
        dataDir: t?.dataDir ?? '',
        adminToken: ADMIN_TOKEN,
        env: { SLIPWAY_ROLLOUT_LEASE_MS: '3000', SLIPWAY_SIMULATED_JOURNAL: journal },
      });
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${server?.url}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${org.users.rita.token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      expect(res.status, text).toBeLessThan(300);
      return JSON.parse(text) as { id: number; state: string };
    };
    const restarts: number[] = [];
    const killUntil = async (id: number, done: (state: string) => boolean, budget: number): Promise<number> => {
      let killed = 0;
      for (;;) {
        await sleep(150 + random() * 700);
        const state = (await call('GET', `/api/v1/rollouts/${id}`)).state;
        if (done(state)) return killed;
        if (killed >= budget) {
          await sleep(300);
          continue;
        }
        await server?.kill9();
        killed++;
        server = await start();
        restarts.push(server.startMs);
      }
    };

    server = await start();
    const rollout = await call('POST', `/api/v1/releases/${release.id}/rollouts`, {
      environment: 'production',
      strategy: { kind: 'phased', waves: { by: 'percentages', percentages: [10, 20, 30, 40] } },
      executor: { kind: 'simulated', latencyMs: LATENCY_MS, jitterMs: LATENCY_MS / 2 },
      defaults: { concurrency: CONCURRENCY },
    });
    const forwardKills = await killUntil(rollout.id, (s) => s === 'completed', kills);
    await call('POST', `/api/v1/rollouts/${rollout.id}/backout`, { reason: 'durability test: back out everything' });
    const backoutKills = await killUntil(
      rollout.id,
      (s) => s === 'backed_out' || s === 'failed',
      Math.max(2, Math.ceil(kills / 2)),
    );
    await server.kill9();
    server = undefined;

    // Judge from the database and the journal as the kills left them.
    const database = openDatabase(t.testDb.url);
    try {
      const ro = await database.db
        .selectFrom('rollouts')
        .selectAll()
        .where('id', '=', rollout.id)
        .executeTakeFirstOrThrow();
      expect(ro.state, `seed ${SEED}`).toBe('backed_out');
      const targets = await database.db
        .selectFrom('rollout_targets')
        .selectAll()
        .where('rollout_id', '=', rollout.id)
        .execute();
      expect(targets).toHaveLength(TARGETS);
      expect(targets.every((x) => x.state === 'backed_out')).toBe(true);
      const steps = await database.db
        .selectFrom('rollout_steps')
        .selectAll()
        .where('rollout_id', '=', rollout.id)
        .execute();
      const waves = await database.db
        .selectFrom('rollout_waves')
        .selectAll()
        .where('rollout_id', '=', rollout.id)
        .orderBy('idx')
        .execute();
      for (const action of ['deploy', 'backout']) {
        const mine = steps.filter((s) => s.action === action);
        // Exactly once as recorded: one succeeded step per target, and nothing else.
        expect(mine.length, `${action} steps (seed ${SEED})`).toBe(TARGETS);
        expect(mine.every((s) => s.state === 'succeeded')).toBe(true);
        expect(new Set(mine.map((s) => s.target_id)).size).toBe(TARGETS);
      }
      // Gate order: no wave started (and no step of it) before the previous wave's gate passed.
      for (let i = 1; i < waves.length; i++) {
        const gate = waves[i - 1]?.gate_passed_at as string;
        expect(gate).toBeTruthy();
        expect((waves[i]?.started_at as string) >= gate).toBe(true);
        for (const s of steps.filter((x) => x.action === 'deploy' && x.wave_idx === i))
          expect(s.started_at >= gate, `seed ${SEED}`).toBe(true);
      }
      // Back-out in reverse wave order: every step of wave k+1 finished before any step of wave k started.
      const back = steps.filter((s) => s.action === 'backout');
      for (let i = 0; i + 1 < waves.length; i++) {
        const laterFinished = back
          .filter((s) => s.wave_idx === i + 1)
          .map((s) => s.finished_at as string)
          .sort()
          .at(-1) as string;
        const earliestStart = back
          .filter((s) => s.wave_idx === i)
          .map((s) => s.started_at)
          .sort()[0] as string;
        expect(earliestStart >= laterFinished, `back-out order wave ${i} (seed ${SEED})`).toBe(true);
      }
      // Executor calls: one key per target and action; a repeat only for a step re-run after a kill.
      const calls = fs
        .readFileSync(journal, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Call);
      const byKey = new Map<string, Call[]>();
      for (const c of calls) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
      expect(byKey.size, `seed ${SEED}`).toBe(2 * TARGETS);
      const stepByKey = new Map(steps.map((s) => [s.idempotency_key, s]));
      let repeated = 0;
      for (const [key, list] of byKey) {
        const step = stepByKey.get(key);
        expect(step, key).toBeDefined();
        // Each executor call was recorded as a started attempt first (a kill may fall between the
        // record and the call: one recorded attempt more than calls, never fewer).
        expect(step?.attempts ?? 0).toBeGreaterThanOrEqual(list.length);
        expect(step?.attempts ?? 0).toBeLessThanOrEqual(list.length + 1);
        // The executor saw the attempt number grow with every re-run.
        for (let i = 1; i < list.length; i++)
          expect((list[i]?.attempt ?? 0) > (list[i - 1]?.attempt ?? 0), key).toBe(true);
        if (list.length > 1) {
          repeated++;
          // A repeat comes from a later process (a restarted server), never twice from the same one.
          expect(new Set(list.map((c) => c.pid)).size, key).toBe(list.length);
        }
      }
      expect(repeated).toBeLessThanOrEqual((forwardKills + backoutKills) * CONCURRENCY);
      process.stdout.write(
        `rollout durability (${kind}, seed ${SEED}): ${TARGETS} targets, ${forwardKills} kills during the rollout, ${backoutKills} during the back-out, ${repeated} steps re-run with their key, ${calls.length} executor calls, restarts ${restarts.map((ms) => Math.round(ms)).join('/')} ms\n`,
      );
    } finally {
      await database.close();
    }
  });
});
