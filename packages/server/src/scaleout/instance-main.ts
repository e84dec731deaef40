/**
 * One Slipway server process for the scale-out test: the same `startServer` that `slipway serve`
 * runs, configured from the `SLIPWAY_*` environment (database, data directory, host, port 0 for
 * a free one). Tells its parent the port it listens on over the IPC channel, so the parent never
 * has to guess free ports. Not part of the product: `slipway serve` is.
 */
import { resolveConfig } from '../platform/config.js';
import { startServer } from '../server.js';

try {
  const server = await startServer(resolveConfig(), process.stderr);
  const address = server.slipway.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : Number(address);
  process.send?.({ type: 'ready', port, pid: process.pid, workerId: server.slipway.ctx.jobs.workerId });
} catch (error) {
  // Exit once the parent has the message: a half-started server may hold open handles (a pool).
  const message = { type: 'error', message: error instanceof Error ? error.stack : String(error) };
  if (process.send) process.send(message, undefined, undefined, () => process.exit(1));
  else process.exit(1);
}
