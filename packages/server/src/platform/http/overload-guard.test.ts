import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { registerErrorHandling } from './error-handler.js';
import { OverloadDetector, type OverloadGuardOptions, overloadGuard } from './overload-guard.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the event loop busy for `ms` (a synchronous task: a big import batch, a sync commit). */
function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('OverloadDetector', () => {
  const limits = { maxDelayMs: 50, maxUtilization: 0.9 };
  const late = (delayMs: number) => ({ delayMs, utilization: 0.5 });
  const busy = (utilization: number) => ({ delayMs: 1, utilization });

  it('starts shedding after the given number of late windows in a row, not after one', () => {
    const detector = new OverloadDetector(limits, 2, 10);
    detector.record(late(400), 100);
    expect(detector.overloaded).toBe(false);
    detector.record(late(10), 100);
    detector.record(late(60), 100);
    expect(detector.overloaded).toBe(false);
    detector.record(late(70), 100);
    expect(detector.overloaded).toBe(true);
    expect(detector.admitShare).toBeCloseTo(0.8);
    expect(detector.last).toEqual(late(70));
  });

  it('cuts the admitted share by a fifth per busy window and gives back a tenth per calm one', () => {
    const detector = new OverloadDetector(limits, 1, 10);
    for (let i = 0; i < 3; i++) detector.record(busy(0.99), 100);
    expect(detector.admitShare).toBeCloseTo(0.512);
    expect(detector.admit(0.5)).toBe(true);
    expect(detector.admit(0.52)).toBe(false);
    detector.record(busy(0.5), 100);
    expect(detector.admitShare).toBeCloseTo(0.612);
    for (let i = 0; i < 4; i++) detector.record(busy(0.5), 100);
    expect(detector.admitShare).toBe(1);
    expect(detector.overloaded).toBe(false);
    expect(detector.admit(0.999)).toBe(true);
    for (let i = 0; i < 100; i++) detector.record(busy(1), 100);
    expect(detector.admitShare).toBe(0.02);
  });

  it('counts a slow median response (requests queueing for the database) like a late loop', () => {
    const detector = new OverloadDetector(limits, 2, 10);
    detector.record({ delayMs: 1, utilization: 0.1, responseMs: 300 }, 50);
    detector.record({ delayMs: 1, utilization: 0.1, responseMs: 300 }, 50);
    expect(detector.overloaded).toBe(true);
  });

  it('does not count a busy window with few arrivals: one big task is not overload', () => {
    const detector = new OverloadDetector(limits, 2, 10);
    for (let i = 0; i < 5; i++) detector.record({ delayMs: 500, utilization: 1 }, 9);
    expect(detector.overloaded).toBe(false);
    detector.record(late(500), 10);
    detector.record(late(500), 10);
    expect(detector.overloaded).toBe(true);
  });

  it('never sheds when both limits are off', () => {
    const detector = new OverloadDetector({ maxDelayMs: 0, maxUtilization: 0 }, 1);
    for (let i = 0; i < 5; i++) detector.record({ delayMs: 10_000, utilization: 1 }, 1000);
    expect(detector.overloaded).toBe(false);
  });
});

describe('overload guard plugin', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function build(options: OverloadGuardOptions, slow?: Promise<void>): Promise<FastifyInstance> {
    const instance = Fastify();
    registerErrorHandling(instance);
    await instance.register(overloadGuard, options);
    instance.get('/healthz', async () => ({ status: 'ok' }));
    instance.get('/work', async () => {
      await slow;
      return { done: true };
    });
    await instance.ready();
    app = instance;
    return instance;
  }

  it('answers 503 UNAVAILABLE with Retry-After past the in-flight cap, /healthz still served', async () => {
    let finish: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const registry = new Registry();
    const instance = await build({ maxDelayMs: 0, maxEventLoopUtilization: 0, maxInFlight: 2, registry }, slow);
    const first = instance.inject({ method: 'GET', url: '/work' });
    const second = instance.inject({ method: 'GET', url: '/work' });
    await sleep(20);
    const third = await instance.inject({ method: 'GET', url: '/work' });
    expect(third.statusCode).toBe(503);
    expect(third.headers['retry-after']).toBe('1');
    expect(third.json()).toEqual({
      error: {
        code: 'UNAVAILABLE',
        message: 'The server is overloaded; retry after the number of seconds in Retry-After',
        details: { reason: 'in_flight' },
      },
    });
    expect((await instance.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    finish();
    expect((await first).statusCode).toBe(200);
    expect((await second).statusCode).toBe(200);
    // Released: the slots are free again.
    expect((await instance.inject({ method: 'GET', url: '/work' })).statusCode).toBe(200);
    expect(await registry.getSingleMetricAsString('slipway_http_requests_shed_total')).toContain(
      'slipway_http_requests_shed_total{reason="in_flight"} 1',
    );
  });

  it('sheds while the measured delay stays above the limit and admits again at once when it falls', async () => {
    let delay = 0;
    const instance = await build({
      maxDelayMs: 50,
      maxEventLoopUtilization: 0.95,
      maxInFlight: 0,
      sampleIntervalMs: 10,
      windows: 2,
      minArrivals: 0,
      sampleWindow: () => ({ delayMs: delay, utilization: 0.2 }),
    });
    expect((await instance.inject({ method: 'GET', url: '/work' })).statusCode).toBe(200);
    delay = 120;
    let shed: Awaited<ReturnType<typeof instance.inject>> | undefined;
    await until(async () => {
      shed = await instance.inject({ method: 'GET', url: '/work' });
      return shed.statusCode === 503;
    });
    expect(shed?.json()).toMatchObject({ error: { code: 'UNAVAILABLE', details: { reason: 'event_loop' } } });
    expect((await instance.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    delay = 5;
    await until(async () => (await instance.inject({ method: 'GET', url: '/work' })).statusCode === 200, 1000);
  });

  it('measures the real event loop: sustained saturation is shed, one long task is not', async () => {
    const instance = await build({
      maxDelayMs: 20,
      maxEventLoopUtilization: 0,
      maxInFlight: 0,
      sampleIntervalMs: 50,
      windows: 2,
      minArrivals: 0,
    });
    // One 300 ms task makes a single window late: requests right after it are still served.
    await sleep(120);
    blockFor(300);
    expect((await instance.inject({ method: 'GET', url: '/work' })).statusCode).toBe(200);

    // Saturation: the loop busy 40 ms of every ~45 ms for half a second.
    const saturate = setInterval(() => blockFor(40), 5);
    try {
      await until(async () => (await instance.inject({ method: 'GET', url: '/work' })).statusCode === 503, 3000);
    } finally {
      clearInterval(saturate);
    }
    await until(async () => (await instance.inject({ method: 'GET', url: '/work' })).statusCode === 200, 3000);
  });

  it('measures utilisation: a loop never idle under many requests is shed', async () => {
    const instance = await build({
      maxDelayMs: 0,
      maxEventLoopUtilization: 0.9,
      maxInFlight: 0,
      sampleIntervalMs: 50,
      windows: 2,
      minArrivals: 5,
    });
    // Requests back to back, each with a little synchronous work: the loop never rests.
    let shed = 0;
    const deadline = Date.now() + 3000;
    while (shed === 0 && Date.now() < deadline) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, async () => {
          blockFor(2);
          return (await instance.inject({ method: 'GET', url: '/work' })).statusCode;
        }),
      );
      shed += batch.filter((status) => status === 503).length;
      // Through the event loop (as network traffic goes), so the guard's timers run in between,
      // but never idle.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(shed).toBeGreaterThan(0);
    // Idle again: admitted within a few windows.
    await until(async () => {
      await sleep(60);
      return (await instance.inject({ method: 'GET', url: '/work' })).statusCode === 200;
    }, 3000);
  });

  it('sheds when requests queue outside the event loop (slow answers, idle loop)', async () => {
    const instance = Fastify();
    registerErrorHandling(instance);
    await instance.register(overloadGuard, {
      maxDelayMs: 50,
      maxEventLoopUtilization: 0,
      maxInFlight: 0,
      sampleIntervalMs: 50,
      windows: 2,
      minArrivals: 5,
    });
    instance.get('/db', async () => {
      await sleep(120);
      return { done: true };
    });
    await instance.ready();
    app = instance;
    // 40 clients, each sending again as soon as it is answered: arrivals never stop.
    let shed = 0;
    const deadline = Date.now() + 5000;
    const client = async () => {
      while (shed === 0 && Date.now() < deadline) {
        if ((await instance.inject({ method: 'GET', url: '/db' })).statusCode === 503) shed++;
      }
    };
    await Promise.all(Array.from({ length: 40 }, () => client()));
    expect(shed).toBeGreaterThan(0);
  });

  it('is not installed at all when every check is off', async () => {
    const instance = await build({ maxDelayMs: 0, maxEventLoopUtilization: 0, maxInFlight: 0 });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => instance.inject({ method: 'GET', url: '/work' })),
    );
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
  });
});
