import type { Role } from '@slipway/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReleaseOrg, setupReleaseOrg } from '../../../server/src/test-support/release-kit.js';
import { approvedRelease, desktops } from '../../../server/src/test-support/rollout-kit.js';
import type { TestApp } from '../../../server/src/test-support/test-app.js';
import { ADMIN_TOKEN, slipway, startTestServer, type TestServer } from '../test-support/cli-harness.js';
import { parseThreshold } from './rollout.js';

const system = {
  userId: null,
  username: 'cli-test',
  roles: ['admin'] as Role[],
  requestId: null,
  via: 'system' as const,
};

/** The server test kit's TestApp over a listening CLI test server (same in-process app). */
function asTestApp(server: TestServer): TestApp {
  const { users, tokens } = server.slipway.ctx;
  return {
    slipway: server.slipway,
    testDb: server.testDb,
    dataDir: server.dataDir,
    config: server.config,
    adminToken: ADMIN_TOKEN,
    async userWithRoles(username: string, roles: Role[]) {
      const { user } = await users.create(system, { username, roles, password: null });
      const { secret } = await tokens.create(system, { name: 'cli', userId: user.id }, true);
      return { id: user.id, token: secret };
    },
    request({ method, url, token = ADMIN_TOKEN, body, headers = {} }) {
      return server.slipway.app.inject({
        method,
        url,
        headers: {
          ...(token !== null && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
    },
    close: () => server.close(),
  };
}

describe('slipway rollout … against a real server', () => {
  let server: TestServer;
  let org: ReleaseOrg;
  let env: Record<string, string>;
  let releaseId: number;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const t = asTestApp(server);
    org = await setupReleaseOrg(t);
    const fleet = await desktops(t, 'CLI-DT', 6, ['AMS', 'RTM', 'HAM'], org.cis.zoomOld);
    releaseId = (await approvedRelease(t, org, fleet, { product: 'Zoom' })).id;
    env = { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: org.users.rita.token };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('parses failure thresholds', () => {
    expect(parseThreshold('3')).toEqual({ count: 3 });
    expect(parseThreshold('12.5%')).toEqual({ percent: 12.5 });
    expect(() => parseThreshold('many')).toThrow(/count/);
  });

  it('starts a phased rollout by site, watches it to the end, shows it, and backs it out', async () => {
    const started = await slipway(
      [
        'rollout',
        'start',
        String(releaseId),
        '--env',
        'production',
        '--strategy',
        'phased',
        '--by',
        'site',
        '--executor',
        'simulated',
        '--latency',
        '5',
        '--concurrency',
        '2',
        '--json',
      ],
      { env },
    );
    expect(started.code, started.stderr).toBe(0);
    const rollout = started.json<{ id: number; waves: { name: string }[] }>();
    expect(rollout.waves.map((w) => w.name)).toEqual(['site=AMS', 'site=HAM', 'site=RTM']);
    const id = String(rollout.id);

    const watched = await slipway(['rollout', 'watch', id], { env });
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/rollout\.wave_passed wave 2/);
    expect(watched.stdout).toMatch(/rollout\.completed/);
    expect(watched.stdout).toMatch(/Targets 6: 6 deployed, 0 failed/);

    const shown = await slipway(['rollout', 'show', id], { env });
    expect(shown.stdout).toMatch(/WAVE\s+NAME\s+ACTION\s+STATE/);
    expect(shown.stdout).toMatch(/Next: backout/);

    const noReason = await slipway(['rollout', 'backout', id], { env });
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toMatch(/needs --reason/);
    const backout = await slipway(['rollout', 'backout', id, '--reason', 'help desk flooded', '--json'], { env });
    expect(backout.code, backout.stderr).toBe(0);
    expect(backout.json<{ state: string }>().state).toBe('backing_out');
    const events = await slipway(['rollout', 'watch', id, '--json'], { env });
    expect(events.code, events.stderr).toBe(0);
    expect(events.stdout).toMatch(/"type": "rollout.backed_out"/);
    const listed = await slipway(['rollout', 'list', '--release', String(releaseId)], { env });
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+${releaseId}\\s+production\\s+phased\\s+backed_out\\s+0/6`));
    const refused = await slipway(['rollout', 'resume', id], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ILLEGAL_TRANSITION|cannot go/);
  });
});
