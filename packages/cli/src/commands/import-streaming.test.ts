import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { slipway, startTestServer, type TestServer, tempDir } from '../test-support/cli-harness.js';

const ROWS = 200_000;
const cliDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mainTs = path.join(cliDir, 'src/main.ts');

/** The child runs the CLI's current sources through tsx; its workspace dependencies load from their builds. */
function canSpawnCli(): boolean {
  try {
    const require = createRequire(path.join(cliDir, 'package.json'));
    require.resolve('tsx');
    return fs.existsSync(path.join(cliDir, '../client/dist/index.js'));
  } catch {
    return false;
  }
}

/** 200,000 server rows (about 19 MB of CSV, 46 MB once converted to NDJSON), written in pieces. */
function writeBigCsv(file: string): number {
  const fd = fs.openSync(file, 'w');
  let text = 'class,name,status,environment,owner,cpu_cores,memory_gb,ip,os,hostname\n';
  for (let i = 1; i <= ROWS; i++) {
    text += `server,srv-${i},active,production,team-${i % 50},${i % 64},${(i % 512) / 2},10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255},linux,srv-${i}.dc1.example.org\n`;
    if (text.length > 1_000_000) {
      fs.writeSync(fd, text);
      text = '';
    }
  }
  fs.writeSync(fd, text);
  fs.closeSync(fd);
  return fs.statSync(file).size;
}

/**
 * Runs `slipway <args>` in a child process of its own, whose heap is then the CLI's alone, and
 * reports the peak of its live heap (a full GC before each sample, so garbage waiting for a
 * collection does not count) and of its array buffers (file pieces, request body pieces).
 */
async function runMeasured(dir: string, args: string[], env: Record<string, string>) {
  const wrapper = path.join(dir, 'measure.mjs');
  const report = path.join(dir, 'memory.json');
  fs.writeFileSync(
    wrapper,
    `import fs from 'node:fs';
const start = process.memoryUsage();
const peak = { heapUsed: 0, arrayBuffers: 0 };
const sample = () => {
  globalThis.gc();
  const now = process.memoryUsage();
  peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
  peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
};
setInterval(sample, 100).unref();
process.on('exit', () => fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify({ start, peak })));
await import(${JSON.stringify(mainTs)});
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', wrapper, ...args], {
    cwd: cliDir,
    env: { ...process.env, SLIPWAY_URL: undefined, SLIPWAY_TOKEN: undefined, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const memory = JSON.parse(fs.readFileSync(report, 'utf8')) as {
    start: { heapUsed: number };
    peak: { heapUsed: number; arrayBuffers: number };
  };
  return { code, stdout, stderr, memory };
}

describe('a 200,000-line import is streamed', () => {
  let server: TestServer;
  let dir: string;
  let file: string;
  let size: number;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    dir = tempDir('slipway-cli-stream-');
    file = path.join(dir, 'servers.csv');
    size = writeBigCsv(file);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the file only as fast as the server takes the body', async () => {
    // Instrument both ends: the CLI's file streams (bytes read from disk) and the server's
    // request body (bytes received). Each time the server takes a piece, note how far each got.
    const streams: fs.ReadStream[] = [];
    const createReadStream = fs.createReadStream;
    vi.spyOn(fs, 'createReadStream').mockImplementation(((...args: Parameters<typeof fs.createReadStream>) => {
      const stream = createReadStream(...args);
      streams.push(stream);
      return stream;
    }) as typeof fs.createReadStream);
    const imports = server.slipway.ctx.cmdb.imports;
    const run = imports.run.bind(imports);
    let received = 0;
    const samples: { read: number; received: number }[] = [];
    vi.spyOn(imports, 'run').mockImplementation((actor, body, options) =>
      run(
        actor,
        (async function* () {
          for await (const piece of body) {
            samples.push({ read: Math.max(0, ...streams.map((s) => s.bytesRead)), received });
            received += piece.length;
            yield piece;
          }
        })(),
        options,
      ),
    );

    const result = await slipway(['import', file, '--json'], { env: server.apiEnv });
    vi.restoreAllMocks();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({
      files: [{ file, records: ROWS, lines: ROWS + 1 }],
      cis: { created: ROWS, updated: 0, unchanged: 0 },
      errorCount: 0,
      lines: ROWS + 1,
    });

    // Rows are alike, so a share of the file read matches a share of the body sent. Had the CLI
    // read the file ahead (or whole), it would be far ahead of the server at some sample.
    expect(samples.length).toBeGreaterThan(100);
    const lead = Math.max(...samples.map((s) => s.read / size - s.received / received));
    expect(lead).toBeLessThan(0.1);
  }, 240_000);

  it.skipIf(!canSpawnCli())(
    'keeps the CLI process memory small: a few MB, not the 19 MB file nor its 46 MB body',
    async () => {
      const { code, stdout, stderr, memory } = await runMeasured(dir, ['import', file, '--json'], server.apiEnv);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      // After the first test this is a re-import of identical data, which changes nothing.
      const { cis, errorCount } = JSON.parse(stdout) as { cis: Record<string, number>; errorCount: number };
      expect(errorCount).toBe(0);
      expect(cis.updated).toBe(0);
      expect((cis.created ?? 0) + (cis.unchanged ?? 0)).toBe(ROWS);
      const MiB = 1024 * 1024;
      expect(size).toBeGreaterThan(18 * MiB);
      // Measured about 3 MB of live heap growth and 2 MB of buffers; a body kept whole is 46 MB.
      expect(memory.peak.heapUsed - memory.start.heapUsed).toBeLessThan(12 * MiB);
      expect(memory.peak.arrayBuffers).toBeLessThan(12 * MiB);
    },
    240_000,
  );
});
