import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { systemActor } from '@slipway/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slipway, startTestServer, type TestServer, tempDir } from '../test-support/cli-harness.js';
import { reasonText } from './compliance.js';

const FIXTURES = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  '../../../server/src/library/test-fixtures',
);

describe('artifact, hardware and compliance commands against a real server', () => {
  let server: TestServer;
  let dir: string;
  let engineerEnv: Record<string, string>;
  let approverEnv: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    dir = tempDir('slipway-cli-artifacts-');
    const { users, tokens } = server.slipway.ctx;
    const token = async (username: string, role: 'engineer' | 'release_manager') => {
      const { user } = await users.create(systemActor('test'), { username, roles: [role], password: null });
      return (await tokens.create(systemActor('test'), { name: 'cli', userId: user.id }, true)).secret;
    };
    engineerEnv = { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: await token('eve', 'engineer') };
    approverEnv = { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: await token('rita', 'release_manager') };
  });
  afterAll(async () => {
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pushes with a signature and an SBOM, shows, approves, verifies and downloads an artifact', async () => {
    const trust = await slipway(
      ['artifact', 'trust', path.join(FIXTURES, 'trusted.pub'), '--key-name', 'release signing'],
      { env: server.apiEnv },
    );
    expect(trust.code, trust.stderr).toBe(0);
    expect(trust.stdout).toMatch(/Trusted key [0-9A-F]{16}/);

    const sbom = path.join(dir, 'bom.json');
    fs.writeFileSync(
      sbom,
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        components: [{ type: 'library', name: 'swt', version: '4.3', licenses: [{ license: { id: 'EPL-2.0' } }] }],
      }),
    );
    const push = await slipway(
      [
        'artifact',
        'push',
        path.join(FIXTURES, 'artifact.txt'),
        '--name',
        'fixture-tool',
        '--version',
        '1.0.0',
        '--license',
        'MIT',
        '--element',
        'server',
        '--requires',
        'openssl >=3.0.0 <4',
        '--signature',
        path.join(FIXTURES, 'artifact.txt.minisig'),
        '--sbom',
        sbom,
        '--json',
      ],
      { env: engineerEnv },
    );
    expect(push.code, push.stderr).toBe(0);
    const pushed = push.json<{
      id: number;
      sha256: string;
      state: string;
      signature: { status: string };
      sbom: { componentCount: number };
    }>();
    expect(pushed).toMatchObject({
      state: 'quarantined',
      signature: { status: 'verified' },
      sbom: { componentCount: 1 },
    });
    expect(pushed.sha256).toBe(
      crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(FIXTURES, 'artifact.txt')))
        .digest('hex'),
    );

    const show = await slipway(['artifact', 'show', String(pushed.id)], { env: engineerEnv });
    expect(show.stdout).toContain('fixture-tool 1.0.0');
    expect(show.stdout).toMatch(/signature\s+verified/);
    expect(show.stdout).toMatch(/CycloneDX 1.5, 1 components/);

    const own = await slipway(['artifact', 'approve', String(pushed.id)], { env: engineerEnv });
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/FORBIDDEN/);
    // EPL-2.0 is not on the default allow list: the SBOM blocks approval until reviewed.
    const blocked = await slipway(['artifact', 'approve', String(pushed.id)], { env: approverEnv });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/licences\.unknown/);
    const components = await slipway(['artifact', 'sbom', String(pushed.id), '--json'], { env: engineerEnv });
    const [swt] = components.json<{ id: number }[]>();
    const reviewed = await server.slipway.app.inject({
      method: 'POST',
      url: `/api/v1/artifacts/${pushed.id}/sbom/components/${swt?.id}/review`,
      headers: { authorization: `Bearer ${approverEnv.SLIPWAY_TOKEN}` },
    });
    expect(reviewed.statusCode, reviewed.body).toBe(200);
    const approve = await slipway(['artifact', 'approve', String(pushed.id)], { env: approverEnv });
    expect(approve.code, approve.stderr).toBe(0);
    expect(approve.stdout).toContain('Approved fixture-tool 1.0.0');

    const list = await slipway(['artifact', 'list', '--state', 'approved'], { env: engineerEnv });
    expect(list.stdout).toMatch(/fixture-tool\s+1\.0\.0\s+approved/);

    const verify = await slipway(['artifact', 'verify', String(pushed.id)], { env: engineerEnv });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/content ok, state approved/);

    const out = path.join(dir, 'downloaded.txt');
    const download = await slipway(['artifact', 'download', String(pushed.id), '-o', out], { env: engineerEnv });
    expect(download.code, download.stderr).toBe(0);
    expect(fs.readFileSync(out)).toEqual(fs.readFileSync(path.join(FIXTURES, 'artifact.txt')));
  });

  it('streams a larger file and refuses a bad licence with the server message', async () => {
    const file = path.join(dir, 'big.bin');
    fs.writeFileSync(file, crypto.randomBytes(3 * 1024 * 1024 + 17));
    const push = await slipway(
      ['artifact', 'push', file, '--name', 'big', '--version', '2.0', '--license', 'Apache-2.0', '--json'],
      { env: engineerEnv },
    );
    expect(push.code, push.stderr).toBe(0);
    expect(push.json<{ size: number }>().size).toBe(3 * 1024 * 1024 + 17);
    const bad = await slipway(
      ['artifact', 'push', file, '--name', 'big', '--version', '2.1', '--license', 'MIT AND Nope'],
      { env: engineerEnv },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"Nope" at offset 8.*INVALID_INPUT/);
    const clash = await slipway(
      [
        'artifact',
        'push',
        path.join(FIXTURES, 'artifact.txt'),
        '--name',
        'big',
        '--version',
        '2.0',
        '--license',
        'MIT',
      ],
      { env: engineerEnv },
    );
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/409 CONFLICT/);
  });

  it('runs the hardware store: models, sites, receive, stock, reserve with a shortage, release', async () => {
    const model = await slipway(
      ['hardware', 'model-add', '--name', 'Latitude 5440', '--class', 'desktop', '--threshold', '3', '--json'],
      { env: engineerEnv },
    );
    expect(model.code, model.stderr).toBe(0);
    const site = await slipway(['hardware', 'site-add', '--code', 'RTM', '--name', 'Rotterdam', '--json'], {
      env: engineerEnv,
    });
    const modelId = model.json<{ id: number }>().id;
    const siteId = site.json<{ id: number }>().id;
    for (const serial of ['CN-1', 'CN-2']) {
      const r = await slipway(
        ['hardware', 'receive', '--model', String(modelId), '--site', String(siteId), '--serial', serial],
        { env: engineerEnv },
      );
      expect(r.code, r.stderr).toBe(0);
    }
    const stock = await slipway(['hardware', 'stock', '--low'], { env: engineerEnv });
    expect(stock.stdout).toMatch(/Latitude 5440\s+all\s+2\s+0\s+0\s+3\s+LOW/);
    const short = await slipway(['hardware', 'reserve', '--release', '5', '--line', `${modelId}:${siteId}:3`], {
      env: engineerEnv,
    });
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/3 requested, 2 available \(1 short\).*409 CONFLICT/);
    const ok = await slipway(['hardware', 'reserve', '--release', '5', '--line', `${modelId}:${siteId}:2`, '--json'], {
      env: engineerEnv,
    });
    expect(ok.code, ok.stderr).toBe(0);
    const reservation = ok.json<{ id: number; itemIds: number[] }>();
    expect(reservation.itemIds).toHaveLength(2);
    const items = await slipway(['hardware', 'items', '--state', 'reserved', '--json'], { env: engineerEnv });
    expect(items.json<unknown[]>()).toHaveLength(2);
    const release = await slipway(['hardware', 'release', String(reservation.id)], { env: engineerEnv });
    expect(release.stdout).toMatch(/released, 0 item/);
  });

  it('prints the compliance report', async () => {
    const run = await slipway(['compliance'], { env: engineerEnv });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/installed software versions checked against policy version 1/);
    const json = await slipway(['compliance', '--json'], { env: engineerEnv });
    expect(json.json()).toMatchObject({ counts: { software: 0 }, items: [] });
  });

  it('names the rule of a compliance reason once', () => {
    expect(reasonText({ rule: 'library.approved', message: 'nginx 1.2 is not in the software library' })).toBe(
      'nginx 1.2 is not in the software library (library.approved)',
    );
    expect(
      reasonText({
        rule: 'licences.deny',
        message: "licence AGPL-3.0: AGPL-3.0 is on the policy's deny list (licences.deny)",
      }),
    ).toBe("licence AGPL-3.0: AGPL-3.0 is on the policy's deny list (licences.deny)");
  });
});
