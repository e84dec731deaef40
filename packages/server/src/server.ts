import { buildApp, type SlipwayApp } from './app.js';
import type { SlipwayConfig } from './platform/config.js';
import { redactUrl } from './platform/database.js';

export interface RunningServer {
  slipway: SlipwayApp;
  url: string;
  stop(): Promise<void>;
}

/** Prints how to sign in, once, to the terminal (not to the logs: secrets never go to logs). */
function printWelcome(slipway: SlipwayApp, url: string, out: NodeJS.WritableStream): void {
  const lines = [`Slipway is serving at ${url}  (API docs: ${url}/docs)`];
  const bootstrap = slipway.bootstrap;
  if (bootstrap.kind === 'password') {
    lines.push(
      '',
      'First start: created the administrator account. Sign in with',
      `  username: ${bootstrap.username}`,
      `  password: ${bootstrap.password}`,
      'This password is shown only now. Change it after signing in (Account page, or PUT /api/v1/users/me/password).',
    );
  } else if (bootstrap.kind === 'token') {
    lines.push('', `First start: created user "${bootstrap.username}" whose API token is SLIPWAY_ADMIN_TOKEN.`);
  }
  out.write(`\n${lines.join('\n')}\n\n`);
}

/**
 * Starts Slipway: builds the app, listens, and shuts down gracefully on SIGTERM/SIGINT
 * (stops accepting, finishes in-flight requests, writes a final audit checkpoint, closes the DB).
 */
export async function startServer(
  config: SlipwayConfig,
  out: NodeJS.WritableStream = process.stdout,
): Promise<RunningServer> {
  const slipway = await buildApp(config, { shedLoad: true });
  const address = await slipway.app.listen({ port: config.port, host: config.host });
  const url = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  slipway.app.log.info({ database: redactUrl(config.databaseUrl), dataDir: config.dataDir }, 'Slipway started');
  printWelcome(slipway, url, out);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= slipway.close();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    slipway.app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return { slipway, url, stop };
}
