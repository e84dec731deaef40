import { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { loadServer } from '../server-module.js';

interface ServeOptions {
  port?: string;
  host?: string;
  db?: string;
  dataDir?: string;
  logLevel?: string;
  demo?: boolean;
  json?: boolean;
}

/** Swallows the human welcome text when --json asks for a machine-readable line instead. */
const discard = new Writable({
  write(_chunk, _encoding, callback) {
    callback();
  },
});

export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('Start the Slipway server (migrates the database first)')
    .option('-p, --port <port>', 'port to listen on (env SLIPWAY_PORT, default 8080)')
    .option('-H, --host <host>', 'address to bind (env SLIPWAY_HOST, default 0.0.0.0)')
    .option('--db <url>', 'sqlite:/path/file.db or postgres://… (env SLIPWAY_DB, default sqlite:<data-dir>/slipway.db)')
    .option('--data-dir <dir>', 'data directory (env SLIPWAY_DATA_DIR, default ./data)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (env SLIPWAY_LOG_LEVEL, default info)')
    .option('--demo', 'load the demo organisation into an empty database (env SLIPWAY_DEMO=1)')
    .option('--json', 'print one JSON line {url, firstStart} instead of the welcome text (logs are JSON lines anyway)')
    .action(async (options: ServeOptions) => {
      const { resolveConfig, startServer } = await loadServer();
      const config = resolveConfig(
        {
          port: options.port,
          host: options.host,
          db: options.db,
          dataDir: options.dataDir,
          logLevel: options.logLevel,
          demo: options.demo,
        },
        io.env,
      );
      if (!options.json) {
        await startServer(config, io.stdout instanceof Writable ? io.stdout : undefined);
        return;
      }
      const running = await startServer(config, discard);
      const bootstrap = running.slipway.bootstrap;
      // The first-start password is printed once, here, exactly as the welcome text would.
      io.stdout.write(
        `${JSON.stringify({ url: running.url, firstStart: bootstrap.kind === 'none' ? null : bootstrap })}\n`,
      );
    });
}
