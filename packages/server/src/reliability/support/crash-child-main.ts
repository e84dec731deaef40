/**
 * Entry of a real Slipway server in its own process, for the crash, backup and load suites:
 * started from source (tsx) so the suites test the code in the tree, not a stale build.
 * Reads the usual SLIPWAY_* variables, listens on 127.0.0.1 on a random port and prints one line
 * `SLIPWAY_LISTENING <url>` on stdout once it serves. No graceful shutdown is needed: the suites
 * end it with SIGKILL (the crash under test) or SIGTERM (server.ts's own handler).
 */
import { Writable } from 'node:stream';
import { resolveConfig } from '../../platform/config.js';
import { startServer } from '../../server.js';

const quiet = new Writable({
  write(_chunk, _encoding, callback) {
    callback();
  },
});

const config = resolveConfig({ port: 0, host: '127.0.0.1' });
const running = await startServer(config, quiet);
process.stdout.write(`SLIPWAY_LISTENING ${running.url}\n`);
