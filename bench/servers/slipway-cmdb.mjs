/**
 * The product for the CMDB workloads: a whole Slipway (as `slipway serve` builds it) on a given
 * SQLite file or PostgreSQL database, which may be empty (import) or already hold a CMDB (cold
 * restart, impact over HTTP). On an empty database the bootstrap admin gets a fixed API token;
 * on a restart the same token still works. Logging at `warn`. The database is left in place on
 * close: the workload that created it removes it.
 * `stats()` (over IPC, see child.mjs) reports the process's memory and the impact index's size.
 */
import fs from 'node:fs';
import { importSlipwayServer } from '../lib/modules.mjs';

export const BENCH_ADMIN_TOKEN = 'slipway-bench-admin-token-0001';

export async function start({ db = 'sqlite', sqlitePath = null, pgUrl = null, dataDir, logLevel = 'warn' } = {}) {
  const startedAt = performance.now();
  const { buildApp, resolveConfig } = await importSlipwayServer();
  fs.mkdirSync(dataDir, { recursive: true });
  const databaseUrl = db === 'postgres' ? pgUrl : `sqlite:${sqlitePath}`;
  const config = resolveConfig(
    { db: databaseUrl, dataDir, port: 0, host: '127.0.0.1', logLevel },
    { SLIPWAY_ADMIN_TOKEN: BENCH_ADMIN_TOKEN },
  );
  const slipway = await buildApp(config);
  await slipway.app.listen({ port: 0, host: '127.0.0.1' });
  const impact = slipway.ctx.cmdb.impact;
  return {
    port: slipway.app.server.address().port,
    info: {
      token: BENCH_ADMIN_TOKEN,
      /** From process start (not just this module) to listening. */
      readyMs: performance.now(),
      moduleReadyMs: performance.now() - startedAt,
      indexEdges: impact.index.edgeCount,
      indexBytes: impact.index.memoryBytes,
    },
    stats: () => ({
      memory: process.memoryUsage(),
      maxRssKb: process.resourceUsage().maxRSS,
      indexBytes: impact.index.memoryBytes,
      indexEdges: impact.index.edgeCount,
      indexCapacity: impact.index.capacity,
    }),
    close: () => slipway.close(),
  };
}
