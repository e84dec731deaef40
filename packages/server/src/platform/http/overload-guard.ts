import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, type Registry } from 'prom-client';
import { AppError } from '../errors.js';

/**
 * Load shedding. A Node server past its capacity does not fail, it queues: requests wait in the
 * kernel and in the event loop until every one of them is late, /healthz and the writes an
 * operator needs included. Answering the excess at once with 503 + Retry-After keeps the
 * requests that are admitted fast, and tells well-behaved clients when to come back.
 *
 * The signals, measured over short windows and cheap to read on every request:
 * - event-loop utilisation: the share of the window the loop spent working rather than waiting
 *   for I/O. Near 1 the server has no spare capacity: whatever arrives next queues. This is the
 *   signal that catches saturation on a machine whose CPU the server shares (the loop is never
 *   very late then, only never idle).
 * - event-loop delay: how late a timer fires. It is the time a request that arrives now waits
 *   before Slipway even looks at it, and it covers every cause (CPU, synchronous SQLite commits,
 *   garbage collection).
 * - median response time of the requests answered: with PostgreSQL the bottleneck is often the
 *   database, and requests queue for a pool connection while the event loop idles.
 * A window counts as busy when either is past its limit AND at least `minArrivals` requests
 * arrived in it: a loop kept busy by one big task (an import, an impact walk over a large graph)
 * with only a trickle of other requests gains nothing from turning that trickle away. Shedding
 * starts after `windows` busy windows in a row and then adapts the share it admits (see
 * OverloadDetector).
 * - requests in flight: work admitted but not yet answered (mostly waiting for PostgreSQL's
 *   pool). Past the cap, more concurrency only lengthens every request's wait.
 *
 * The guard belongs to a server taking network traffic (server.ts turns it on); in-process uses
 * of the app (tests through `inject`, the CLI's admin sessions) do not shed.
 */
export interface OverloadGuardOptions {
  /**
   * A window is busy when the mean event-loop delay or the median response time of the requests
   * answered in it exceeds this many ms (0 turns both checks off).
   */
  maxDelayMs: number;
  /** A window is overloaded past this event-loop utilisation, 0–1 (0 turns the check off). */
  maxEventLoopUtilization: number;
  /** Shed while this many requests are already being handled (0 turns the check off). */
  maxInFlight: number;
  /** Length of one measurement window. */
  sampleIntervalMs?: number;
  /** Consecutive overloaded windows before shedding starts. */
  windows?: number;
  /** Requests that must arrive in a window for it to count as overloaded. */
  minArrivals?: number;
  /** Seconds a shed client is told to wait (Retry-After). */
  retryAfterSeconds?: number;
  registry?: Registry;
  /** Replaces the event-loop measurements (tests): the window just ended. */
  sampleWindow?: () => WindowSample;
}

/** One measurement window. */
export interface WindowSample {
  /** Mean event-loop delay, ms. */
  delayMs: number;
  /** Event-loop utilisation, 0–1. */
  utilization: number;
  /** Median response time of the admitted requests answered in the window, ms (0: none). */
  responseMs?: number;
}

/** Paths never shed: a busy server must still tell its supervisor that it is alive. */
const EXEMPT_PATHS = new Set(['/healthz', '/metrics']);
/** Response times kept per window for its median (the first ones: plenty for a median). */
const MAX_RESPONSE_SAMPLES = 2000;
const HISTOGRAM_RESOLUTION_MS = 10;
/** Even deep in overload a few requests get through, so recovery is seen as soon as it happens. */
const MIN_ADMIT_SHARE = 0.02;

/**
 * Decides from a series of windows how much of the arriving traffic to admit. After `windows`
 * consecutive busy windows (past a limit, with at least `minArrivals` arrivals) every further
 * busy window cuts the admitted share by a fifth; every calm window gives back a tenth. The
 * share settles where the admitted work keeps the loop just under its limits: all-or-nothing
 * shedding would instead turn everyone away for as long as answering 503s keeps the loop busy.
 */
export class OverloadDetector {
  #busyWindows = 0;
  #admitShare = 1;
  #last: WindowSample = { delayMs: 0, utilization: 0 };

  constructor(
    private readonly limits: { maxDelayMs: number; maxUtilization: number },
    private readonly windows: number,
    private readonly minArrivals = 0,
  ) {}

  record(sample: WindowSample, arrivals: number): void {
    this.#last = sample;
    const { maxDelayMs, maxUtilization } = this.limits;
    const pastLimit =
      (maxDelayMs > 0 && (sample.delayMs > maxDelayMs || (sample.responseMs ?? 0) > maxDelayMs)) ||
      (maxUtilization > 0 && sample.utilization > maxUtilization);
    if (pastLimit && arrivals >= this.minArrivals) {
      this.#busyWindows++;
      if (this.#busyWindows >= this.windows) this.#admitShare = Math.max(MIN_ADMIT_SHARE, this.#admitShare * 0.8);
    } else {
      this.#busyWindows = 0;
      this.#admitShare = Math.min(1, this.#admitShare + 0.1);
    }
  }

  /** Whether to serve the next request; `random` is uniform in [0, 1). */
  admit(random: number): boolean {
    return this.#admitShare >= 1 || random < this.#admitShare;
  }

  /** The share of arriving requests currently admitted (1: no shedding). */
  get admitShare(): number {
    return this.#admitShare;
  }

  get overloaded(): boolean {
    return this.#admitShare < 1;
  }

  get last(): WindowSample {
    return this.#last;
  }
}

/** Real measurements of the event loop, one window per call. */
function eventLoopSampler(sampleIntervalMs: number): { sample: () => WindowSample; stop: () => void } {
  const histogram = monitorEventLoopDelay({ resolution: HISTOGRAM_RESOLUTION_MS });
  histogram.enable();
  let lastUtilization = performance.eventLoopUtilization();
  return {
    sample: () => {
      // The histogram's own timer is due every `resolution` ms: only the excess is delay. A
      // window without a single sample had the loop blocked throughout: as late as it gets.
      const delayMs =
        histogram.count > 0 ? Math.max(0, histogram.mean / 1e6 - HISTOGRAM_RESOLUTION_MS) : sampleIntervalMs;
      histogram.reset();
      const now = performance.eventLoopUtilization();
      const utilization = performance.eventLoopUtilization(now, lastUtilization).utilization;
      lastUtilization = now;
      return { delayMs, utilization };
    },
    stop: () => histogram.disable(),
  };
}

export const overloadGuard = fp<OverloadGuardOptions>(async (app: FastifyInstance, options) => {
  const { maxDelayMs, maxEventLoopUtilization, maxInFlight, registry } = options;
  const measuring = maxDelayMs > 0 || maxEventLoopUtilization > 0;
  if (!measuring && maxInFlight <= 0) return;
  const sampleIntervalMs = options.sampleIntervalMs ?? 100;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  // Five windows of 100 ms: shedding starts 0.5 s into a sustained overload, and a stall shorter
  // than that (a slow fsync, a garbage collection) sheds nothing. 20 arrivals per window
  // (200 req/s): below that, the requests themselves are not what keeps the loop busy.
  const detector = new OverloadDetector(
    { maxDelayMs, maxUtilization: maxEventLoopUtilization },
    options.windows ?? 5,
    options.minArrivals ?? 20,
  );
  let arrivals = 0;
  let responseTimes: number[] = [];

  const metrics = registry ? [registry] : [];
  const shed = new Counter({
    name: 'slipway_http_requests_shed_total',
    help: 'Requests answered 503 by the overload guard, by reason',
    labelNames: ['reason'] as const,
    registers: metrics,
  });
  const delayGauge = new Gauge({
    name: 'slipway_event_loop_delay_window_seconds',
    help: 'Mean event-loop delay over the last overload-guard window',
    registers: metrics,
  });
  const admitGauge = new Gauge({
    name: 'slipway_overload_admitted_share',
    help: 'Share (0-1) of arriving requests the overload guard admits; 1 when not shedding',
    registers: metrics,
  });
  const utilizationGauge = new Gauge({
    name: 'slipway_event_loop_utilization_window',
    help: 'Event-loop utilisation (0-1) over the last overload-guard window',
    registers: metrics,
  });

  const sampler = measuring && !options.sampleWindow ? eventLoopSampler(sampleIntervalMs) : undefined;
  const sampleWindow = options.sampleWindow ?? sampler?.sample;
  const timer = sampleWindow
    ? setInterval(() => {
        responseTimes.sort((a, b) => a - b);
        const sample = { ...sampleWindow(), responseMs: responseTimes[responseTimes.length >> 1] ?? 0 };
        detector.record(sample, arrivals);
        arrivals = 0;
        responseTimes = [];
        delayGauge.set(sample.delayMs / 1000);
        utilizationGauge.set(sample.utilization);
        admitGauge.set(detector.admitShare);
      }, sampleIntervalMs)
    : undefined;
  timer?.unref();

  let inFlight = 0;
  const counted = Symbol('overloadGuardCounted');
  type Counted = { [counted]?: boolean };

  // Callback-style hooks: they run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, _reply, done) => {
    if (EXEMPT_PATHS.has(request.url)) return done();
    arrivals++;
    let reason: 'event_loop' | 'in_flight' | undefined;
    if (!detector.admit(Math.random())) reason = 'event_loop';
    else if (maxInFlight > 0 && inFlight >= maxInFlight) reason = 'in_flight';
    if (reason) {
      shed.inc({ reason });
      return done(
        new AppError(
          'UNAVAILABLE',
          'The server is overloaded; retry after the number of seconds in Retry-After',
          { reason },
          { 'retry-after': retryAfter },
        ),
      );
    }
    inFlight++;
    (request as unknown as Counted)[counted] = true;
    done();
  });
  // onResponse runs once per request that got an answer, onRequestAbort when the client left
  // first; the flag makes sure each admitted request is released exactly once.
  const release = (request: object): boolean => {
    const marked = request as Counted;
    if (!marked[counted]) return false;
    marked[counted] = false;
    inFlight--;
    return true;
  };
  app.addHook('onResponse', (request, reply, done) => {
    // Time from arrival to answer: with PostgreSQL, the wait for a pool connection shows here
    // (the event loop itself is idle while requests queue for the database).
    if (release(request) && responseTimes.length < MAX_RESPONSE_SAMPLES) responseTimes.push(reply.elapsedTime);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    release(request);
    done();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    sampler?.stop();
  });
});
