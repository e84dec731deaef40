/** HTTP load with autocannon: a warm-up round, then a measured round, summarised. */
import autocannon from 'autocannon';

function once(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * Loads `url` (`method`, optional `body`: every request sends the same one) with `connections` connections (no pipelining) for `warmupS` seconds (discarded),
 * then for `durationS` seconds (measured). With `server` (from startServerProcess), also the
 * server's CPU time per request during the measured part: unlike req/s it hardly depends on what
 * else the machine is doing, so it is the figure to compare across runs and to hunt overhead with.
 * autocannon records latencies in whole milliseconds.
 * @returns {{ reqPerSec: number, requests: number, p50Ms: number, p90Ms: number, p99Ms: number,
 *   maxMs: number, non2xx: number, errors: number, timeouts: number, durationS: number,
 *   serverCpuUsPerReq: number | null }}
 */
export async function loadTest({
  url,
  method = 'GET',
  body = undefined,
  headers = {},
  connections = 50,
  durationS = 10,
  warmupS = 2,
  server = null,
}) {
  const base = { url, method, body, headers, connections, pipelining: 1, timeout: 10 };
  if (warmupS > 0) await once({ ...base, duration: warmupS });
  const cpuBefore = server ? await server.cpuMicros() : 0;
  const r = await once({ ...base, duration: durationS });
  const cpuAfter = server ? await server.cpuMicros() : 0;
  return {
    serverCpuUsPerReq: server && r.requests.total > 0 ? (cpuAfter - cpuBefore) / r.requests.total : null,
    reqPerSec: r.duration > 0 ? r.requests.total / r.duration : 0,
    requests: r.requests.total,
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationS: r.duration,
    connections,
  };
}
