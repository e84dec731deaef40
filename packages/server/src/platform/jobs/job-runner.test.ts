import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '../../test-support/test-databases.js';
import { ManualClock } from '../clock.js';
import type { SlipwayDatabase } from '../database.js';
import { migrateToLatest } from '../migrator.js';
import { jobRepository } from './job.repository.js';
import { backoffDelay, type Job, JobRunner } from './job-runner.js';

describe('backoff', () => {
  it('doubles per attempt, keeps at least half, never exceeds the cap', () => {
    const options = { baseMs: 1000, maxMs: 60_000 };
    expect(backoffDelay(1, options, () => 0)).toBe(500);
    expect(backoffDelay(1, options, () => 0.999_999)).toBe(1000);
    expect(backoffDelay(3, options, () => 0)).toBe(2000);
    expect(backoffDelay(3, options, () => 0.5)).toBe(3000);
    expect(backoffDelay(30, options, () => 0.999_999)).toBe(60_000);
  });
});

describe.each(testDatabaseKinds())('durable jobs on %s', (kind) => {
  let testDb: TestDatabase;
  let database: SlipwayDatabase;
  let other: SlipwayDatabase;
  let kindSeq = 0;
  const nextKind = () => `test.kind${++kindSeq}`;

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    database = testDb.open();
    await migrateToLatest(database.db);
    other = testDb.open();
  });
  afterAll(async () => {
    await database.close();
    await other.close();
    await testDb.cleanup();
  });

  it('enqueues inside the caller transaction: a rolled-back write leaves no job', async () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const runner = new JobRunner(database.db, clock);
    const k = nextKind();
    runner.register(k, { handler: async () => undefined });
    await database.db
      .transaction()
      .execute(async (tx) => {
        await runner.enqueue(tx, k, { n: 1 });
        throw new Error('the write failed');
      })
      .catch(() => undefined);
    expect(await jobRepository.countByState(database.db, k)).toEqual({});
    const id = await database.db.transaction().execute((tx) => runner.enqueue(tx, k, { n: 2 }));
    expect((await jobRepository.findById(database.db, id))?.state).toBe('pending');
  });

  it('runs a due job once and marks it succeeded; a job due later waits', async () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const runner = new JobRunner(database.db, clock);
    const k = nextKind();
    const seen: { id: number; payload: unknown; attempt: number }[] = [];
    runner.register<{ n: number }>(k, {
      handler: async (job) => {
        seen.push({ id: job.id, payload: job.payload, attempt: job.attempt });
      },
    });
    const now = await runner.enqueue(database.db, k, { n: 1 });
    const later = await runner.enqueue(database.db, k, { n: 2 }, { runAt: '2026-12-01T01:00:00.000Z' });
    await runner.drain();
    expect(seen).toEqual([{ id: now, payload: { n: 1 }, attempt: 1 }]);
    expect((await jobRepository.findById(database.db, now))?.state).toBe('succeeded');
    expect((await jobRepository.findById(database.db, later))?.state).toBe('pending');
    clock.advance(3_600_000);
    await runner.drain();
    expect(seen.map((s) => s.payload)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('retries a failing job with exponential backoff and jitter, then succeeds', async () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const runner = new JobRunner(database.db, clock, { random: () => 0.5 });
    const k = nextKind();
    let calls = 0;
    runner.register(k, {
      handler: async () => {
        calls++;
        if (calls < 3) throw new Error(`receiver answered 500 (call ${calls})`);
      },
      backoff: { baseMs: 10_000, maxMs: 3_600_000 },
    });
    const id = await runner.enqueue(database.db, k, {});
    await runner.drain();
    let row = await jobRepository.findById(database.db, id);
    expect(row).toMatchObject({ state: 'pending', attempts: 1, last_error: 'receiver answered 500 (call 1)' });
    // attempt 1 → 10 s nominal, equal jitter with random 0.5 → 7.5 s
    expect(Date.parse(row?.run_at ?? '') - clock.now().getTime()).toBe(7_500);
    await runner.drain();
    expect(calls).toBe(1);
    clock.advance(7_500);
    await runner.drain();
    row = await jobRepository.findById(database.db, id);
    expect(row).toMatchObject({ state: 'pending', attempts: 2 });
    expect(Date.parse(row?.run_at ?? '') - clock.now().getTime()).toBe(15_000);
    clock.advance(15_000);
    await runner.drain();
    row = await jobRepository.findById(database.db, id);
    expect(row).toMatchObject({ state: 'succeeded', attempts: 3 });
    expect(calls).toBe(3);
  });

  it('goes dead after the last attempt and tells onDead once', async () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const runner = new JobRunner(database.db, clock, { random: () => 0 });
    const k = nextKind();
    const dead: { job: Job<unknown>; error: string }[] = [];
    runner.register(k, {
      handler: async () => {
        throw new Error('always fails');
      },
      maxAttempts: 3,
      backoff: { baseMs: 1000, maxMs: 1000 },
      onDead: async (job, error) => {
        dead.push({ job, error });
      },
    });
    const id = await runner.enqueue(database.db, k, {});
    for (let i = 0; i < 5; i++) {
      await runner.drain();
      clock.advance(1000);
    }
    expect(await jobRepository.findById(database.db, id)).toMatchObject({
      state: 'dead',
      attempts: 3,
      last_error: 'always fails',
    });
    expect(dead).toHaveLength(1);
    expect(dead[0]?.job.finalAttempt).toBe(true);
  });

  it('lets another worker take over a job whose lease lapsed; the first worker cannot finish it afterwards', async () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const crashed = new JobRunner(database.db, clock, { workerId: 'worker-a' });
    const survivor = new JobRunner(other.db, clock, { workerId: 'worker-b' });
    const k = nextKind();
    let releaseA: () => void = () => undefined;
    const ran: string[] = [];
    crashed.register(k, {
      leaseMs: 60_000,
      handler: () =>
        new Promise<void>((resolve) => {
          ran.push('a');
          releaseA = resolve;
        }),
    });
    survivor.register(k, {
      leaseMs: 60_000,
      handler: async () => {
        ran.push('b');
      },
    });
    const id = await crashed.enqueue(database.db, k, {});
    expect(await crashed.poll()).toBe(1);
    expect(await jobRepository.findById(database.db, id)).toMatchObject({
      state: 'running',
      lease_owner: 'worker-a',
      attempts: 1,
    });
    // Within the lease nobody else may take it.
    expect(await survivor.poll()).toBe(0);
    clock.advance(60_001);
    await survivor.drain();
    expect(await jobRepository.findById(database.db, id)).toMatchObject({ state: 'succeeded', attempts: 2 });
    releaseA();
    await crashed.stop();
    // A's late completion was refused: the row still shows B's success.
    expect(await jobRepository.findById(database.db, id)).toMatchObject({
      state: 'succeeded',
      attempts: 2,
      lease_owner: null,
    });
    expect(ran).toEqual(['a', 'b']);
  });

  it("claims every kind with the installation's lease when one is set (SLIPWAY_JOB_LEASE_SECONDS)", async () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    // Heartbeats run on real timers (every third of the lease): 30 s keeps them out of this test.
    const runner = new JobRunner(database.db, clock, { workerId: 'worker-short', leaseMs: 30_000 });
    const survivor = new JobRunner(other.db, clock, { workerId: 'worker-survivor', leaseMs: 30_000 });
    const k = nextKind();
    let release: () => void = () => undefined;
    runner.register(k, { leaseMs: 600_000, handler: () => new Promise<void>((resolve) => (release = resolve)) });
    survivor.register(k, { leaseMs: 600_000, handler: async () => undefined });
    const id = await runner.enqueue(database.db, k, {});
    expect(await runner.poll()).toBe(1);
    // The kind asked for 10 minutes; the installation's 30 s wins.
    expect((await jobRepository.findById(database.db, id))?.lease_until).toBe('2026-12-01T00:00:30.000Z');
    clock.advance(29_999);
    expect(await survivor.poll()).toBe(0);
    clock.advance(2);
    await survivor.drain();
    expect(await jobRepository.findById(database.db, id)).toMatchObject({ state: 'succeeded', attempts: 2 });
    release();
    await runner.stop();
    expect(() => new JobRunner(database.db, clock, { leaseMs: 500 })).toThrow(/at least 1 s/);
    expect(() => new JobRunner(database.db, clock, { leaseMs: Number.NaN })).toThrow(/at least 1 s/);
  });

  it('never runs a job twice when two workers on separate connections drain the same queue', async () => {
    const clock = new ManualClock('2026-12-01T00:00:00Z');
    const k = nextKind();
    const runs = new Map<number, string[]>();
    const handler = (worker: string) => async (job: Job<unknown>) => {
      runs.set(job.id, [...(runs.get(job.id) ?? []), worker]);
      await new Promise((resolve) => setTimeout(resolve, 1));
    };
    const a = new JobRunner(database.db, clock, { workerId: 'a' });
    const b = new JobRunner(other.db, clock, { workerId: 'b' });
    a.register(k, { handler: handler('a'), concurrency: 5 });
    b.register(k, { handler: handler('b'), concurrency: 5 });
    const ids: number[] = [];
    await database.db.transaction().execute(async (tx) => {
      for (let i = 0; i < 150; i++) ids.push(await a.enqueue(tx, k, { i }));
    });
    await Promise.all([a.drain(200), b.drain(200)]);
    expect([...runs.keys()].sort((x, y) => x - y)).toEqual(ids);
    for (const [id, workers] of runs) expect(workers, `job ${id}`).toHaveLength(1);
    const byWorker = [...runs.values()].flat();
    expect(byWorker.filter((w) => w === 'a').length + byWorker.filter((w) => w === 'b').length).toBe(150);
    expect(await jobRepository.countByState(database.db, k)).toEqual({ succeeded: 150 });
  });
});
