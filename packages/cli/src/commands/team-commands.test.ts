import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slipway, startTestServer, type TestServer } from '../test-support/cli-harness.js';

const system = { userId: null, username: 'cli-test', roles: ['admin'], requestId: null, via: 'system' } as const;

describe('slipway team … and --team against a real server', () => {
  let server: TestServer;
  const users: Record<string, { id: number; env: Record<string, string> }> = {};

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const { users: userService, tokens } = server.slipway.ctx;
    for (const [name, roles] of [
      ['tina', ['release_manager']],
      ['otto', ['engineer']],
    ] as const) {
      const { user } = await userService.create(
        { ...system, roles: ['admin'] },
        { username: name, roles: [...roles], password: null },
      );
      const { secret } = await tokens.create({ ...system, roles: ['admin'] }, { name: 'cli', userId: user.id }, true);
      users[name] = { id: user.id, env: { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: secret } };
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  const admin = () => ({ env: server.apiEnv });
  const as = (name: string) => ({ env: users[name]?.env ?? {} });

  it('creates teams, sets members by name and id, and scopes changes and releases with --team', async () => {
    const created = await slipway(['team', 'create', 'Payments'], admin());
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created team #\d+ "Payments"/);
    const duplicate = await slipway(['team', 'create', 'payments'], admin());
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');

    const members = await slipway(
      ['team', 'members', 'payments', '--add', 'tina', '--add', String(users.otto?.id)],
      admin(),
    );
    expect(members.code, members.stderr).toBe(0);
    expect(members.stdout).toMatch(/tina/);
    expect(members.stdout).toMatch(/otto/);
    const removed = await slipway(['team', 'members', 'Payments', '--remove', 'otto', '--json'], admin());
    expect(removed.code, removed.stderr).toBe(0);
    expect((JSON.parse(removed.stdout) as { items: { username: string }[] }).items.map((m) => m.username)).toEqual([
      'tina',
    ]);

    const listed = await slipway(['team', 'list'], as('tina'));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/Payments\s+1\s+yes/);
    // Only admins staff teams.
    const refused = await slipway(['team', 'create', 'Mine'], as('tina'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('teams.admin');

    const change = await slipway(
      ['change', 'create', '--type', 'normal', '--title', 'Rotate keys', '--team', 'Payments', '--json'],
      as('tina'),
    );
    expect(change.code, change.stderr).toBe(0);
    const teamChange = (JSON.parse(change.stdout) as { change: { id: number; teamId: number } }).change;
    const changeId = teamChange.id;
    const shown = await slipway(['change', 'show', String(changeId)], as('tina'));
    expect(shown.stdout).toMatch(new RegExp(`team\\s+#${teamChange.teamId}`));
    // otto is no longer a member: the change does not exist for him.
    const hidden = await slipway(['change', 'show', String(changeId)], as('otto'));
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toContain(`No change with id ${changeId}`);
    const notMine = await slipway(
      ['change', 'create', '--type', 'normal', '--title', 'Sneak in', '--team', 'Payments'],
      as('otto'),
    );
    expect(notMine.code).toBe(1);
    expect(notMine.stderr).toContain('only into a team you belong to');
    const unknown = await slipway(
      ['change', 'create', '--type', 'normal', '--title', 'x', '--team', 'Nope'],
      as('otto'),
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No team "Nope" (teams: Payments)');

    const release = await slipway(
      [
        'release',
        'create',
        '--type',
        'minor',
        '--element',
        'desktop',
        '--unit',
        'cli-team-unit',
        '--version',
        '1.0.0',
        '--title',
        'Team release',
        '--team',
        'Payments',
        '--json',
      ],
      as('tina'),
    );
    expect(release.code, release.stderr).toBe(0);
    expect((JSON.parse(release.stdout) as { release: { teamId: number } }).release.teamId).toBeGreaterThan(0);

    const renamed = await slipway(['team', 'rename', 'Payments', 'Payments & Billing'], admin());
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stdout).toContain('to "Payments & Billing"');
  });
});
