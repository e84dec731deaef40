import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateAuditKeys } from '../platform/audit/audit-keys.js';
import { CheckpointStore } from '../platform/audit/checkpoint-store.js';
import { resolveConfig } from '../platform/config.js';
import { tempDir } from '../test-support/test-databases.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
const dir = () => {
  const d = tempDir('slipway-shared-files-');
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs `loadOrCreateAuditKeys(dataDir)` in a separate Node process and resolves to its key id. */
function keyIdFromProcess(script: string, dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { cwd: here });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

describe('files that instances share through one data directory', () => {
  it('creates exactly one audit key when several processes start at once on an empty directory', async () => {
    const work = dir();
    const script = path.join(work, 'load-key.mts');
    fs.writeFileSync(
      script,
      `import { loadOrCreateAuditKeys } from ${JSON.stringify(path.join(here, '../platform/audit/audit-keys.ts'))};\n` +
        'process.stdout.write(loadOrCreateAuditKeys(process.argv[2], {}).keyId);\n',
    );
    const shared = path.join(work, 'shared');
    const ids = await Promise.all([1, 2, 3, 4, 5, 6].map(() => keyIdFromProcess(script, shared)));
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(loadOrCreateAuditKeys(shared, {}).keyId).toBe(ids[0]);
    // Only the key itself is left behind: no temporary files, and it is private.
    expect(fs.readdirSync(shared)).toEqual(['audit.key']);
    expect(fs.statSync(path.join(shared, 'audit.key')).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('keeps each instance its own checkpoint file when one is configured', () => {
    const data = dir();
    const own = path.join(dir(), 'instance-1.checkpoints');
    const config = resolveConfig(
      { dataDir: data },
      { SLIPWAY_AUDIT_CHECKPOINT_FILE: own, SLIPWAY_JOB_LEASE_SECONDS: '15' },
    );
    expect(config.auditCheckpointFile).toBe(own);
    expect(config.jobLeaseSeconds).toBe(15);
    const defaults = resolveConfig({ dataDir: data }, {});
    expect(defaults.auditCheckpointFile).toBe(path.join(data, 'audit-checkpoints.jsonl'));
    expect(defaults.jobLeaseSeconds).toBeUndefined();
    expect(defaults.databasePoolSize).toBe(10);
    expect(resolveConfig({ dataDir: data }, { SLIPWAY_DB_POOL_SIZE: '25' }).databasePoolSize).toBe(25);
    expect(() => resolveConfig({ dataDir: data }, { SLIPWAY_DB_POOL_SIZE: '1' })).toThrow(/SLIPWAY_DB_POOL_SIZE/);

    const store = new CheckpointStore(data, config.auditCheckpointFile);
    const checkpoint = { seq: 1, hash: 'ab', at: '2026-11-28T00:00:00.000Z', keyId: 'k', sig: 's' };
    store.append(checkpoint);
    expect(store.latest()).toEqual(checkpoint);
    expect(fs.existsSync(path.join(data, 'audit-checkpoints.jsonl'))).toBe(false);
    // A file name without the .jsonl suffix is still set aside under a new name, never overwritten.
    const moved = store.supersede('2026-11-28T01:02:03.000Z');
    expect(moved).toBe(`${own}.superseded-2026-11-28T01-02-03-000Z`);
    expect(fs.existsSync(own)).toBe(false);
    expect(fs.readFileSync(moved as string, 'utf8')).toContain('"seq":1');
  });
});
