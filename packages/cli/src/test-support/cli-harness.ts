import fs from 'node:fs';
import { Readable } from 'node:stream';
import { buildApp, resolveConfig, type SlipwayApp, type SlipwayConfig } from '@slipway/server';
// Relative imports: the server's test support is not part of its public package.
import {
  createTestDatabase,
  type TestDatabase,
  type TestDbKind,
  tempDir,
} from '../../../server/src/test-support/test-databases.js';
import type { CliInput, CliIo } from '../cli-io.js';
import { runCli } from '../cli-program.js';

export const ADMIN_TOKEN = 'cli-test-admin-token-0123456789abcdef';

/** What one `slipway …` run printed and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (fails the test with the output when it is not JSON). */
  json<T = Record<string, unknown>>(): T;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Text on stdin; stdin is empty (not a terminal) otherwise. */
  stdin?: string;
}

/** Variables of the developer's own shell that would point the CLI elsewhere. */
const INHERITED_OUT = ['SLIPWAY_DB', 'SLIPWAY_DATA_DIR', 'SLIPWAY_URL', 'SLIPWAY_TOKEN', 'SLIPWAY_AUDIT_KEY_FILE'];

function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of INHERITED_OUT) delete env[name];
  return env;
}

/** Runs `slipway <argv>` in-process, exactly as bin/slipway.js would, and captures its output. */
export async function slipway(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const stdin: CliInput = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]);
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    stdin,
    env: { ...baseEnv(), ...options.env },
  };
  const code = await runCli(argv, io);
  return {
    code,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

/** A real Slipway listening on a random port on 127.0.0.1, on a fresh database of the given kind. */
export interface TestServer {
  url: string;
  testDb: TestDatabase;
  dataDir: string;
  config: SlipwayConfig;
  slipway: SlipwayApp;
  /** `--db … --data-dir …` for admin commands on this server's database. */
  dbArgs: string[];
  /** Environment for API commands: SLIPWAY_URL and the bootstrap admin's SLIPWAY_TOKEN. */
  apiEnv: Record<string, string>;
  /** Stops the server, keeping the database and data directory. */
  stop(): Promise<void>;
  /** Stops the server and deletes the database and data directory. */
  close(): Promise<void>;
}

/** Starts a server on an existing database and data directory (after a restore, say). */
export async function listen(config: SlipwayConfig): Promise<{ slipway: SlipwayApp; url: string }> {
  const app = await buildApp(config, { logger: false });
  const address = await app.app.listen({ port: 0, host: '127.0.0.1' });
  return { slipway: app, url: address };
}

export async function startTestServer(kind: TestDbKind): Promise<TestServer> {
  const testDb = await createTestDatabase(kind);
  const dataDir = tempDir('slipway-cli-data-');
  const config = resolveConfig(
    { db: testDb.url, dataDir, port: 0, host: '127.0.0.1' },
    { SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN },
  );
  const { slipway: app, url } = await listen(config);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    url,
    testDb,
    dataDir,
    config,
    slipway: app,
    dbArgs: ['--db', testDb.url, '--data-dir', dataDir],
    apiEnv: { SLIPWAY_URL: url, SLIPWAY_TOKEN: ADMIN_TOKEN },
    stop,
    async close() {
      await stop();
      await testDb.cleanup();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { type TestDbKind, tempDir };
