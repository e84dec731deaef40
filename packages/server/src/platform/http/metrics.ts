import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One Prometheus registry per app instance (tests run several apps in one process). */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'slipway_' });
  return registry;
}

/** Request count and latency by route pattern (never by raw URL: ids would explode cardinality). */
export const requestMetrics = fp<{ registry: Registry }>(async (app: FastifyInstance, { registry }) => {
  const requests = new Counter({
    name: 'slipway_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'slipway_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // prom-client hashes a label object on every inc/observe; the children for each
  // method/route/status are looked up once and kept (the set is bounded by the route table).
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(seconds: number): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const method = request.method;
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    const routeKey = `${method} ${route}`;
    const countKey = `${routeKey} ${status}`;
    let counter = counters.get(countKey);
    if (!counter) {
      counter = requests.labels({ method, route, status });
      counters.set(countKey, counter);
    }
    let timer = timers.get(routeKey);
    if (!timer) {
      timer = duration.labels({ method, route });
      timers.set(routeKey, timer);
    }
    counter.inc();
    timer.observe(reply.elapsedTime / 1000);
    done();
  });
});
