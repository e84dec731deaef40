import type { Role } from '@slipway/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReleaseOrg, setupReleaseOrg } from '../../../server/src/test-support/release-kit.js';
import { approvedRelease, desktops, inState, waitFor } from '../../../server/src/test-support/rollout-kit.js';
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
  let fleet: number[];

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const t = asTestApp(server);
    org = await setupReleaseOrg(t);
    fleet = await desktops(t, 'CLI-DT', 6, ['AMS', 'RTM', 'HAM'], org.cis.zoomOld);
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
    const backedOut = await slipway(['rollout', 'list', '--state', 'backed_out', '--json'], { env });
    expect(backedOut.json<{ items: { id: number; state: string }[] }>().items.map((r) => r.state)).toContain(
      'backed_out',
    );
    expect(
      backedOut.json<{ items: { id: number; state: string }[] }>().items.every((r) => r.state === 'backed_out'),
    ).toBe(true);
    const running = await slipway(['rollout', 'list', '--state', 'running', '--json'], { env });
    expect(running.json<{ items: { id: number }[] }>().items.map((r) => String(r.id))).not.toContain(id);
    const badState = await slipway(['rollout', 'list', '--state', 'sleeping'], { env });
    expect(badState.code).toBe(1);
    expect(badState.stderr).toMatch(/expected one of/);
    const refused = await slipway(['rollout', 'resume', id], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ILLEGAL_TRANSITION|cannot go/);
  });

  it('requests, cancels, rejects and approves the activation of a dormant rollout as two different people', async () => {
    const t = asTestApp(server);
    const dormantRelease = await approvedRelease(t, org, fleet.slice(0, 2), { element: 'messaging', product: 'Kafka' });
    const started = await slipway(
      [
        'rollout',
        'start',
        String(dormantRelease.id),
        '--env',
        'production',
        '--strategy',
        'dormant',
        '--latency',
        '1',
        '--json',
      ],
      { env },
    );
    expect(started.code, started.stderr).toBe(0);
    const id = String(started.json<{ id: number }>().id);
    await waitFor(t, Number(id), inState('dormant'));
    const carl = { ...env, SLIPWAY_TOKEN: org.users.carl.token };

    const bogus = await slipway(['rollout', 'activate', id, '--at', 'soon'], { env });
    expect(bogus.code).not.toBe(0);
    expect(bogus.stderr).toMatch(/expected a date-time/);
    const past = await slipway(['rollout', 'activate', id, '--at', '2020-01-01T00:00Z'], { env });
    expect(past.code).toBe(1);
    expect(past.stderr).toMatch(/activateAt must lie in the future/);

    const later = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const asked = await slipway(['rollout', 'activate', id, '--at', later, '--note', 'after the consumers'], { env });
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toMatch(/asked by rita for .*: waiting for approval/);
    expect(asked.stdout).toMatch(/Next: .*approve_activation/);
    const own = await slipway(['rollout', 'approve-activation', id], { env });
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/403|FORBIDDEN|rollouts\.approve/);
    const scheduled = await slipway(['rollout', 'approve-activation', id, '--note', 'ok'], { env: carl });
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toMatch(/approved by carl, scheduled/);
    const cancelled = await slipway(['rollout', 'cancel-activation', id, '--reason', 'consumers late'], { env });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(/cancelled by rita: consumers late/);

    await slipway(['rollout', 'activate', id], { env });
    const noReason = await slipway(['rollout', 'reject-activation', id], { env: carl });
    expect(noReason.code).not.toBe(0);
    const rejected = await slipway(['rollout', 'reject-activation', id, '--reason', 'not today'], { env: carl });
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toMatch(/rejected by carl: not today/);

    await slipway(['rollout', 'activate', id], { env });
    const approved = await slipway(['rollout', 'approve-activation', id], { env: carl });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/approved by carl, activated/);
    await waitFor(t, Number(id), inState('completed'));
    const history = await slipway(['rollout', 'activations', id], { env });
    expect(history.stdout.trim().split('\n')).toHaveLength(3);
    expect(history.stdout).toMatch(
      /^Activation \d+ asked by rita for as soon as it is approved: approved by carl, activated/,
    );
  });
});
