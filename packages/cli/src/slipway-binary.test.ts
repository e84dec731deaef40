import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './test-support/cli-harness.js';

const cliDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(cliDir, 'bin/slipway.js');
const built = fs.existsSync(path.join(cliDir, 'dist/main.js'));

/** Runs the real launcher in a child process, with argv (never a shell string). */
function run(args: string[], input?: string) {
  const env = { ...process.env };
  for (const name of ['SLIPWAY_DB', 'SLIPWAY_DATA_DIR', 'SLIPWAY_URL', 'SLIPWAY_TOKEN']) delete env[name];
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, input: input ?? '' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// The in-process tests cover behaviour; these check the built launcher's exit codes and streams.
// They need `npm run build` (CI builds before testing); without a build there is nothing to spawn.
describe.skipIf(!built)('bin/slipway.js (built)', () => {
  const dir = tempDir('slipway-cli-bin-');
  const db = ['--db', `sqlite:${path.join(dir, 'slipway.db')}`, '--data-dir', dir];
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints help and the version with exit 0', () => {
    const help = run(['--help']);
    expect(help.code).toBe(0);
    const commands = ['serve', 'migrate', 'user', 'audit', 'backup', 'restore', 'login', 'whoami', 'token'];
    const cmdb = ['import', 'import-backstage', 'impact', 'dependencies', 'ci', 'rel', 'baseline', 'quality'];
    for (const command of [...commands, ...cmdb]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(run(['--version']).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(run(['token', 'create', '--help']).stdout).toContain('--expires-in-days <days>');
  }, 60_000);

  it('migrates, adds a user and verifies the trail; errors are one line with a non-zero exit', () => {
    expect(run(['migrate', '--json', ...db]).code).toBe(0);
    const add = run(
      ['user', 'add', 'ops', '--role', 'admin', '--password-stdin', '--json', ...db],
      'a fine long password\n',
    );
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({
      user: { username: 'ops', roles: ['admin'] },
      initialPassword: null,
    });

    const verify = run(['audit', 'verify', '--json', ...db]);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, entries: 1 });

    const duplicate = run(['user', 'add', 'ops', '--role', 'admin', ...db]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stdout).toBe('');
    expect(duplicate.stderr).toBe('slipway: A user named "ops" already exists\n');

    const unknown = run(['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("slipway: unknown command 'frobnicate' (see --help)\n");

    const pg = run(['backup', 'x.dump', '--db', 'postgres://u:pw@127.0.0.1:1/db']);
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(/^slipway: .* is PostgreSQL: back it up with pg_dump/);
    // Each admin run loads the whole server package: generous on a loaded 2-core CI machine.
  }, 120_000);
});
