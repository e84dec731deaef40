import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = path.join(here, 'crash-child-main.ts');
/** Maps `@slipway/model` to its sources, so the child runs exactly the code in the tree. */
const TSCONFIG = path.join(here, 'crash-child.tsconfig.json');
const START_TIMEOUT_MS = 90_000;
const OUTPUT_TAIL = 4000;

/** Children still alive: killed when the test process exits, so no server outlives its suite. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ServerProcessOptions {
  databaseUrl: string;
  dataDir: string;
  adminToken: string;
  /** Further SLIPWAY_* variables (overload guard settings, log level…). */
  env?: Record<string, string>;
}

/** A real Slipway server running in its own Node process. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Milliseconds from spawn to the server listening. */
  startMs: number;
  /** `kill -9`: no shutdown hook, no final checkpoint, no flush. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM: the server's graceful shutdown. Resolves once the process has exited. */
  stop(): Promise<void>;
  /** The last few KiB the process printed (for failure messages). */
  output(): string;
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `crash-child-main.ts` under tsx with the given database and data directory and resolves
 * once it prints the URL it listens on (127.0.0.1, a free port chosen by the OS).
 */
export function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: TSCONFIG,
      SLIPWAY_DB: options.databaseUrl,
      SLIPWAY_DATA_DIR: options.dataDir,
      SLIPWAY_ADMIN_TOKEN: options.adminToken,
      SLIPWAY_LOG_LEVEL: 'warn',
      SLIPWAY_DEMO: '0',
      ...options.env,
    },
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  child.stderr?.on('data', keep);

  return new Promise((resolve, reject) => {
    let stdout = '';
    const fail = (message: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${message}\n--- server output ---\n${tail}`));
    };
    const timer = setTimeout(
      () => fail(`the server did not start within ${START_TIMEOUT_MS / 1000} s`),
      START_TIMEOUT_MS,
    );
    const onExit = (code: number | null, signal: string | null) =>
      fail(`the server exited before it listened (code ${code}, signal ${signal})`);
    child.once('exit', onExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      keep(chunk);
      stdout += chunk.toString('utf8');
      const match = /SLIPWAY_LISTENING (\S+)\n/.exec(stdout);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      stdout = '';
      const url = match[1];
      resolve({
        url,
        pid: child.pid ?? -1,
        startMs: performance.now() - started,
        async kill9() {
          const gone = exitOf(child);
          child.kill('SIGKILL');
          await gone;
        },
        async stop() {
          const gone = exitOf(child);
          child.kill('SIGTERM');
          await gone;
        },
        output: () => tail,
      });
    });
  });
}
