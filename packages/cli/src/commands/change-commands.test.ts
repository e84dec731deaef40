import type { ChangeState, Role } from '@slipway/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transitionTarget as targetOf } from '../lifecycle-words.js';
import { slipway, startTestServer, type TestServer } from '../test-support/cli-harness.js';
import { CHANGE_LIFECYCLE } from './change.js';

const transitionTarget = (word: string, change: { state: ChangeState; type: string }) =>
  targetOf(CHANGE_LIFECYCLE, word, change);

interface SystemActorLike {
  userId: null;
  username: string;
  roles: Role[];
  requestId: null;
  via: 'system';
}

const system: SystemActorLike = {
  userId: null,
  username: 'cli-test',
  roles: ['admin'],
  requestId: null,
  via: 'system',
};

describe('slipway change … against a real server', () => {
  let server: TestServer;
  const users: Record<string, { id: number; env: Record<string, string> }> = {};
  const start = new Date(Date.now() + 2 * 86_400_000);
  start.setUTCMinutes(0, 0, 0);
  const end = new Date(start.getTime() + 2 * 3_600_000);

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const { users: userService, tokens } = server.slipway.ctx;
    for (const [name, roles] of [
      ['rita', ['engineer']],
      ['ivan', ['engineer']],
      ['carl', ['cab_member']],
      ['maria', ['change_manager']],
    ] as const) {
      const { user } = await userService.create(system, { username: name, roles: [...roles], password: null });
      const { secret } = await tokens.create(system, { name: 'cli', userId: user.id }, true);
      users[name] = { id: user.id, env: { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: secret } };
    }
    const ci = await slipway(
      ['ci', 'create', '--class', 'server', '--name', 'cli-web', '--environment', 'production'],
      {
        env: server.apiEnv,
      },
    );
    expect(ci.code, ci.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.close();
  });

  const as = (name: string) => ({ env: users[name]?.env ?? {} });

  it('runs a change from create to approval, with risk, agenda, conflicts and calendar, as text and JSON', async () => {
    const created = await slipway(
      [
        'change',
        'create',
        '--type',
        'normal',
        '--title',
        'Patch cli-web',
        '--ci',
        'server/cli-web',
        '--start',
        start.toISOString(),
        '--end',
        end.toISOString(),
        '--implementer',
        String(users.ivan?.id),
        '--backout',
        'Revert the package',
        '--json',
      ],
      as('rita'),
    );
    expect(created.code, created.stderr).toBe(0);
    const id = created.json<{ change: { id: number; state: string } }>().change.id;
    expect(created.json<{ change: { state: string } }>().change.state).toBe('new');

    const submitted = await slipway(['change', 'submit', String(id)], as('rita'));
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout).toContain(`Change #${id} is now assess`);
    expect(submitted.stdout).toMatch(/backoutPlan\s+a back-out plan is given/);

    const assessed = await slipway(['change', 'transition', String(id), 'authorize'], as('maria'));
    expect(assessed.code, assessed.stderr).toBe(0);
    expect(assessed.stdout).toContain('assess → authorize');

    const agenda = await slipway(['change', 'agenda'], as('carl'));
    expect(agenda.stdout).toContain(`#${id}`);
    expect(agenda.stdout).toContain('approve');

    const byEngineer = await slipway(['change', 'approve', String(id)], as('rita'));
    expect(byEngineer.code).not.toBe(0);
    expect(byEngineer.stderr).toContain('403 FORBIDDEN');

    const approved = await slipway(['change', 'approve', String(id), '--comment', 'ok'], as('carl'));
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('quorum met');

    const shown = await slipway(['change', 'show', String(id)], as('rita'));
    expect(shown.stdout).toContain('✓ carl');
    expect(shown.stdout).toContain('criticality');
    expect(shown.stdout).toContain('schedule (→ scheduled)');

    const conflicts = await slipway(['change', 'conflicts', String(id), '--json'], as('rita'));
    expect(conflicts.json<{ changeId: number; conflicts: unknown[] }>()).toMatchObject({ changeId: id, conflicts: [] });
    const report = await slipway(['change', 'conflicts', '--json'], as('rita'));
    expect(report.json<{ changes: number }>().changes).toBe(1);

    const calendar = await slipway(['change', 'calendar', '--json'], as('rita'));
    expect(calendar.json<{ events: { objectId: number }[] }>().events.map((e) => e.objectId)).toContain(id);
    const table = await slipway(['change', 'calendar'], as('rita'));
    expect(table.stdout).toContain('Patch cli-web');

    const list = await slipway(['change', 'list', '--state', 'authorize', '--json'], as('rita'));
    expect(list.json<{ items: { id: number }[] }>().items.map((c) => c.id)).toEqual([id]);

    const noReason = await slipway(['change', 'reject', String(id)], as('carl'));
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toContain('--comment');
  });

  it('refuses self-approval with the server’s SOD_VIOLATION', async () => {
    const created = await slipway(
      [
        'change',
        'create',
        '--type',
        'emergency',
        '--title',
        'Carl fixes it',
        '--ci',
        'server/cli-web',
        '--start',
        start.toISOString(),
        '--end',
        end.toISOString(),
        '--json',
      ],
      as('carl'),
    );
    const id = created.json<{ change: { id: number } }>().change.id;
    expect((await slipway(['change', 'submit', String(id)], as('carl'))).code).toBe(0);
    const self = await slipway(['change', 'approve', String(id)], as('carl'));
    expect(self.code).not.toBe(0);
    expect(self.stderr).toContain('SOD_VIOLATION');
  });

  it('takes the action `change show` hints, or a state name, for `change transition`', async () => {
    const created = await slipway(
      [
        'change',
        'create',
        '--type',
        'normal',
        '--title',
        'Rotate cli-web certificates',
        '--ci',
        'server/cli-web',
        '--start',
        start.toISOString(),
        '--end',
        end.toISOString(),
        '--backout',
        'Restore the old certificate',
        '--json',
      ],
      as('rita'),
    );
    expect(created.code, created.stderr).toBe(0);
    const id = created.json<{ change: { id: number } }>().change.id;
    expect((await slipway(['change', 'submit', String(id)], as('rita'))).code).toBe(0);

    const shown = await slipway(['change', 'show', String(id)], as('maria'));
    expect(shown.stdout).toContain(`assess (→ authorize)`);
    expect(shown.stdout).toContain(`slipway change transition ${id} <action or state>`);
    // In state assess, "assess" is the action the hint names, not the state the change is in.
    const assessed = await slipway(['change', 'transition', String(id), 'assess'], as('maria'));
    expect(assessed.code, assessed.stderr).toBe(0);
    expect(assessed.stdout).toContain(`Change #${id}: assess → authorize`);
    const cancelled = await slipway(['change', 'transition', String(id), 'cancelled', '--json'], as('maria'));
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.json<{ change: { state: string } }>().change.state).toBe('cancelled');

    const unknown = await slipway(['change', 'transition', String(id), 'finish'], as('maria'));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("value 'finish' is invalid");
    expect(unknown.stderr).toContain('cancelled, submit, reject, schedule');
  });

  it('maps action names to target states from the model lifecycle', () => {
    expect(transitionTarget('assess', { state: 'assess', type: 'normal' })).toBe('authorize');
    expect(transitionTarget('assess', { state: 'new', type: 'normal' })).toBe('assess');
    expect(transitionTarget('submit', { state: 'new', type: 'emergency' })).toBe('authorize');
    expect(transitionTarget('schedule', { state: 'authorize', type: 'normal' })).toBe('scheduled');
    expect(transitionTarget('start', { state: 'authorize', type: 'normal' })).toBe('implement');
    expect(transitionTarget('cancel', { state: 'scheduled', type: 'standard' })).toBe('cancelled');
    expect(transitionTarget('review', { state: 'implement', type: 'normal' })).toBe('review');
    expect(transitionTarget('assess', { state: 'new', type: 'standard' })).toBe('assess');
  });

  it('lists the first --limit changes and says how to get the rest; --all follows the pages to the end', async () => {
    const all = await slipway(['change', 'list', '--all', '--json'], as('rita'));
    expect(all.code, all.stderr).toBe(0);
    const every = all.json<{ items: { id: number }[]; next: string | null }>();
    expect(every.next).toBeNull();
    expect(every.items.length).toBeGreaterThanOrEqual(3);

    const first = await slipway(['change', 'list', '--limit', '2', '--json'], as('rita'));
    const page = first.json<{ items: { id: number }[]; next: string | null }>();
    expect(page.items.map((c) => c.id)).toEqual(every.items.slice(0, 2).map((c) => c.id));
    expect(page.next).not.toBeNull();
    const text = await slipway(['change', 'list', '--limit', '2'], as('rita'));
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('(first 2; --all lists every change)');
    const whole = await slipway(['change', 'list', '--all'], as('rita'));
    expect(whole.stdout).not.toContain('--all lists');
  });
});
