import type { Command } from 'commander';
import { resolveConfig, startServer } from '@slipway/server';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the Slipway server (migrates the database first)')
    .option('-p, --port <port>', 'port to listen on (env SLIPWAY_PORT, default 8080)')
    .option('-H, --host <host>', 'address to bind (env SLIPWAY_HOST, default 0.0.0.0)')
    .option('--db <url>', 'sqlite:/path/file.db or postgres://… (env SLIPWAY_DB, default sqlite:<data-dir>/slipway.db)')
    .option('--data-dir <dir>', 'data directory (env SLIPWAY_DATA_DIR, default ./data)')
    .option('--log-level <level>', 'trace, debug, info, warn or error (env SLIPWAY_LOG_LEVEL, default info)')
    .action(async (options: { port?: string; host?: string; db?: string; dataDir?: string; logLevel?: string }) => {
      const config = resolveConfig({
        port: options.port,
        host: options.host,
        db: options.db,
        dataDir: options.dataDir,
        logLevel: options.logLevel,
      });
      await startServer(config);
    });
}
