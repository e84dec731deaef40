/**
 * W-API (foundation issue, anchors W5): HTTP API throughput on loopback with autocannon.
 * Product: Slipway's `GET /api/v1/users/{id}` with a bearer token on SQLite, the whole app as
 * `slipway serve` builds it. Baselines in the same run: a bare Fastify route (`{hello:'world'}`)
 * and the same users route on Fastify + raw better-sqlite3 without product layers.
 * Goals (issue 2): Slipway ≥ 15,000 req/s and within 2× of bare Fastify.
 */
import { median } from '../lib/stats.mjs';

const TIERS = {
  S: { users: 100, durationS: 10, warmupS: 2, connections: 50, rounds: 1 },
  M: { users: 1_000, durationS: 10, warmupS: 3, connections: 50, rounds: 3 },
  L: { users: 10_000, durationS: 10, warmupS: 3, connections: 50, rounds: 5 },
};
const CI = { users: 10, durationS: 1, warmupS: 0.5, connections: 10, rounds: 1 };

const GOAL_REQ_PER_SEC = 15_000;
const GOAL_RATIO_BARE = 2;
const GOAL_RATIO_RAW = 1.5;

/** What is loaded, in the order each round runs them. */
const TARGETS = [
  {
    id: 'bare-fastify',
    label: 'bare Fastify GET /hello',
    role: 'baseline',
    server: 'bare-fastify',
    path: () => '/hello',
    expect: (body) => body?.hello === 'world',
  },
  {
    id: 'raw-sqlite',
    label: 'Fastify + raw better-sqlite3 GET /api/v1/users/{id}',
    role: 'baseline',
    server: 'raw-sqlite',
    path: (info) => `/api/v1/users/${info.userId}`,
    expect: (body, info) => body?.id === info.userId && typeof body.username === 'string',
  },
  {
    id: 'slipway',
    label: 'Slipway GET /api/v1/users/{id} (bearer token, SQLite)',
    role: 'product',
    server: 'slipway',
    path: (info) => `/api/v1/users/${info.userId}`,
    headers: (info) => ({ authorization: `Bearer ${info.token}` }),
    expect: (body, info) => body?.id === info.userId && typeof body.username === 'string',
    unauthenticatedStatus: 401,
  },
];

export default {
  name: 'api',
  title: 'HTTP API throughput (autocannon, loopback)',

  async run(ctx) {
    const params = { ...(ctx.ci ? CI : TIERS[ctx.tier]) };
    if (ctx.options.duration) params.durationS = ctx.options.duration;
    if (ctx.options.connections) params.connections = ctx.options.connections;
    ctx.log(
      `${params.connections} connections, ${params.warmupS} s warm-up + ${params.durationS} s measured, ` +
        `${params.rounds} round(s), ${params.users} seeded users${ctx.pin ? ', server on CPU 0 and load on CPU 1' : ''}`,
    );

    const checks = [];
    const runs = new Map(TARGETS.map((t) => [t.id, []]));
    for (let round = 1; round <= params.rounds; round++) {
      for (const target of TARGETS) {
        const server = await ctx.startServer(target.server, { users: params.users }, `${target.id}-r${round}`);
        let measured;
        try {
          const url = server.url + target.path(server.info);
          const headers = target.headers?.(server.info) ?? {};
          if (round === 1) checks.push(...(await correctness(target, server.info, url, headers)));
          measured = await ctx.loadTest({
            url,
            headers,
            connections: params.connections,
            durationS: params.durationS,
            warmupS: params.warmupS,
            server,
          });
        } finally {
          const { maxRssMb } = await server.stop();
          if (measured) measured.peakRssMb = maxRssMb;
        }
        runs.get(target.id).push(measured);
        ctx.log(
          `round ${round}: ${target.label}: ${Math.round(measured.reqPerSec).toLocaleString('en-US')} req/s, ` +
            `p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms, server CPU ${Math.round(measured.serverCpuUsPerReq)} µs/request`,
        );
      }
    }

    const rows = TARGETS.map((target) => {
      const all = runs.get(target.id);
      // The round with the median throughput represents the target (latencies from the same round).
      const mid = median(all.map((r) => r.reqPerSec));
      const representative = all.find((r) => r.reqPerSec === mid) ?? all[0];
      checks.push({
        text: `${target.label}: every response 2xx, no errors or timeouts`,
        ok: all.every((r) => r.requests > 0 && r.non2xx === 0 && r.errors === 0 && r.timeouts === 0),
        detail: all.map(
          (r) => `${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`,
        ),
      });
      return { id: target.id, label: target.label, role: target.role, ...representative, rounds: all };
    });

    const by = Object.fromEntries(rows.map((r) => [r.id, r]));
    const product = by.slipway.reqPerSec;
    const ratioBare = by['bare-fastify'].reqPerSec / product;
    const ratioRaw = by['raw-sqlite'].reqPerSec / product;
    const cpuRatio = (id) => by.slipway.serverCpuUsPerReq / by[id].serverCpuUsPerReq;
    return {
      params,
      columns: [
        { key: 'label', label: 'target' },
        { key: 'role', label: 'role' },
        { key: 'reqPerSec', label: 'req/s', format: 'int' },
        { key: 'p50Ms', label: 'p50 ms', format: 'wholeMs' },
        { key: 'p99Ms', label: 'p99 ms', format: 'wholeMs' },
        { key: 'maxMs', label: 'max ms', format: 'wholeMs' },
        { key: 'serverCpuUsPerReq', label: 'server CPU µs/req', format: 'int' },
        { key: 'peakRssMb', label: 'server peak RSS MB', format: 'mb' },
      ],
      rows,
      ratios: [
        {
          label: 'bare Fastify ÷ Slipway (req/s)',
          value: ratioBare,
          goal: `≤ ${GOAL_RATIO_BARE}`,
          met: ratioBare <= GOAL_RATIO_BARE,
        },
        {
          label: 'raw better-sqlite3 route ÷ Slipway (req/s)',
          value: ratioRaw,
          goal: `≤ ${GOAL_RATIO_RAW} (anchors W5)`,
          met: ratioRaw <= GOAL_RATIO_RAW,
        },
        { label: 'Slipway ÷ bare Fastify (server CPU per request)', value: cpuRatio('bare-fastify') },
        { label: 'Slipway ÷ raw better-sqlite3 route (server CPU per request)', value: cpuRatio('raw-sqlite') },
      ],
      goals: [
        {
          text: `Slipway GET user by id ≥ ${GOAL_REQ_PER_SEC.toLocaleString('en-US')} req/s`,
          value: product,
          met: product >= GOAL_REQ_PER_SEC,
        },
        {
          text: `Slipway within ${GOAL_RATIO_BARE}× of bare Fastify`,
          value: ratioBare,
          met: ratioBare <= GOAL_RATIO_BARE,
        },
      ],
      checks,
    };
  },
};

/** Before loading: the route answers what it should (and Slipway refuses a request without a token). */
async function correctness(target, info, url, headers) {
  const checks = [];
  const res = await fetch(url, { headers });
  const body = await res.json().catch(() => undefined);
  checks.push({
    text: `${target.label}: answers 200 with the expected object`,
    ok: res.status === 200 && target.expect(body, info),
    detail: `status ${res.status}`,
  });
  if (target.unauthenticatedStatus) {
    const anonymous = await fetch(url);
    await anonymous.arrayBuffer();
    checks.push({
      text: `${target.label}: refuses a request without a token (${target.unauthenticatedStatus})`,
      ok: anonymous.status === target.unauthenticatedStatus,
      detail: `status ${anonymous.status}`,
    });
  }
  return checks;
}
