/**
 * Runs a server under test in its own Node process (bench/servers/<kind>.mjs through
 * servers/child.mjs), so the load generator in this process never shares an event loop with it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { RESULTS_DIR, ROOT } from './modules.mjs';

const CHILD = path.join(ROOT, 'bench/servers/child.mjs');
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

/** Children still running; killed if the harness exits early, so no server is ever left behind. */
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

/**
 * Starts `bench/servers/<kind>.mjs` with `options` and resolves once it listens.
 * @param {string} kind
 * @param {Record<string, unknown>} options passed to the server module's `start`
 * @param {{ pin?: boolean, profile?: string | null, env?: Record<string, string> }} run
 *   `pin`: run on CPU 0 only; `profile`: file name (in bench/results) for a V8 CPU profile.
 */
export function startServerProcess(kind, options = {}, run = {}) {
  const nodeArgs = [];
  if (run.profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${RESULTS_DIR}`, `--cpu-prof-name=${run.profile}`);
  const argv = [...nodeArgs, CHILD, kind, JSON.stringify(options)];
  const [command, args] = run.pin ? ['taskset', ['-c', '0', process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...run.env },
  });
  live.add(child);
  child.once('exit', () => live.delete(child));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} server did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited before it was ready (code ${code}, signal ${signal})`));
    };
    child.once('exit', onExit);
    child.once('message', (message) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      if (message?.type === 'error') {
        reject(new Error(`${kind} server failed to start: ${message.message}`));
        return;
      }
      resolve({
        kind,
        port: message.port,
        url: `http://127.0.0.1:${message.port}`,
        info: message.info ?? {},
        pid: child.pid,
        cpuMicros: () => cpuMicros(child),
        stats: () => ask(child, 'stats').then((m) => m.stats),
        stop: () => stopChild(child, kind),
      });
    });
  });
}

let nextCpuRequest = 1;

/** Sends `{ type, id }` to the child and resolves with its answer of the same type and id. */
function ask(child, type) {
  const id = nextCpuRequest++;
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message?.type !== type || message.id !== id) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send({ type, id }, (error) => error && reject(error));
  });
}

/** The server process's CPU time so far (user + system, all threads), in µs. */
function cpuMicros(child) {
  const id = nextCpuRequest++;
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message?.type !== 'cpu' || message.id !== id) return;
      child.off('message', onMessage);
      resolve(message.micros);
    };
    child.on('message', onMessage);
    child.send({ type: 'cpu', id }, (error) => error && reject(error));
  });
}

/** Asks the server to close; resolves with its peak RSS. Kills it if it does not exit in time. */
function stopChild(child, kind) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ maxRssMb: null });
  return new Promise((resolve) => {
    let stats = { maxRssMb: null };
    const timer = setTimeout(() => {
      process.stderr.write(`bench: ${kind} server did not stop in time; killing it\n`);
      child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    child.on('message', (message) => {
      if (message?.type === 'stopped') stats = { maxRssMb: message.maxRssKb / 1024 };
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(stats);
    });
    child.send({ type: 'stop' });
  });
}
