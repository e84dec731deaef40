/**
 * Child-process entry for a server under test: `node child.mjs <kind> <options-json>`.
 * Loads ./<kind>.mjs, whose `start(options)` listens on 127.0.0.1 (random port) and returns
 * `{ port, info?, stats?(), close() }`; reports `ready` over IPC, answers `cpu` with its CPU time so
 * far and `stats` with its memory (and whatever `stats()` adds),
 * and on `stop` closes and reports its peak RSS before exiting (a normal exit, so --cpu-prof can
 * write its profile).
 */
const [kind, optionsJson = '{}'] = process.argv.slice(2);

if (!kind || !/^[a-z0-9-]+$/.test(kind) || typeof process.send !== 'function') {
  process.stderr.write('usage: node child.mjs <kind> [options-json] (run by bench/lib/server-process.mjs)\n');
  process.exit(2);
}

let server;
try {
  const module = await import(`./${kind}.mjs`);
  server = await module.start(JSON.parse(optionsJson));
  process.send({ type: 'ready', port: server.port, info: server.info ?? {} });
} catch (error) {
  process.send(
    { type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) },
    () => process.exit(1),
  );
}

process.on('message', async (message) => {
  if (message?.type === 'cpu') {
    // CPU time of the whole process (every thread: GC, libuv pool), µs; robust to a busy machine.
    const { user, system } = process.cpuUsage();
    process.send({ type: 'cpu', id: message.id, micros: user + system });
    return;
  }
  if (message?.type === 'stats') {
    // What the server module chooses to report (memory, index size…), plus the process's RSS.
    const stats = { maxRssKb: process.resourceUsage().maxRSS, memory: process.memoryUsage(), ...server?.stats?.() };
    process.send({ type: 'stats', id: message.id, stats });
    return;
  }
  if (message?.type !== 'stop') return;
  try {
    await server?.close();
  } finally {
    process.send({ type: 'stopped', maxRssKb: process.resourceUsage().maxRSS }, () => process.exit(0));
  }
});
// The harness died: do not linger.
process.on('disconnect', () => process.exit(0));
