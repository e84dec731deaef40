import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slipway, startTestServer, type TestServer } from '../test-support/cli-harness.js';

const REASON = 'INC-4711: payments outage, CAB unreachable, approve hotfix';

describe('slipway break-glass … against a real server', () => {
  let server: TestServer;
  let auditorEnv: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const system = {
      userId: null,
      username: 'cli-test',
      roles: ['admin' as const],
      requestId: null,
      via: 'system' as const,
    };
    const { user } = await server.slipway.ctx.users.create(system, {
      username: 'audrey',
      roles: ['auditor'],
      password: null,
    });
    const { secret } = await server.slipway.ctx.tokens.create(system, { name: 'cli', userId: user.id }, true);
    auditorEnv = { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: secret };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a short reason and an out-of-range duration before calling the server', async () => {
    const short = await slipway(['break-glass', 'start', '--reason', 'urgent'], { env: server.apiEnv });
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/--reason.*expected 20 to 1000 characters/);
    const long = await slipway(['break-glass', 'start', '--reason', REASON, '--minutes', '61'], { env: server.apiEnv });
    expect(long.code).not.toBe(0);
    expect(long.stderr).toContain('expected a whole number from 1 to 60');
    const none = await slipway(['break-glass', 'start'], { env: server.apiEnv });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('--reason');
  });

  it('starts, lists, refuses a second, ends; an auditor lists but cannot start', async () => {
    const started = await slipway(['break-glass', 'start', '--reason', REASON, '--minutes', '15'], {
      env: server.apiEnv,
    });
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^Break-glass elevation \d+ active until \S+Z$/m);
    expect(started.stderr).toContain('slipway break-glass end');

    const again = await slipway(['break-glass', 'start', '--reason', REASON], { env: server.apiEnv });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('409 CONFLICT');

    const mine = await slipway(['break-glass', 'list', '--json'], { env: server.apiEnv });
    const overview = mine.json<{ current: { id: number; reason: string } | null; items: { id: number }[] }>();
    expect(overview.current?.reason).toBe(REASON);

    const byAuditor = await slipway(['break-glass', 'list'], { env: auditorEnv });
    expect(byAuditor.code, byAuditor.stderr).toBe(0);
    expect(byAuditor.stdout).toMatch(/admin\s+.*active, 1[45] min left\s+INC-4711/);
    const auditorStart = await slipway(['break-glass', 'start', '--reason', REASON], { env: auditorEnv });
    expect(auditorStart.code).not.toBe(0);
    expect(auditorStart.stderr).toContain('403 FORBIDDEN');

    const ended = await slipway(['break-glass', 'end'], { env: server.apiEnv });
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain(`Ended break-glass elevation ${overview.current?.id}`);
    const twice = await slipway(['break-glass', 'end', '--json'], { env: server.apiEnv });
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain('404 NOT_FOUND');

    const after = await slipway(['break-glass', 'list'], { env: server.apiEnv });
    expect(after.stdout).toContain('ended by admin');
    expect(after.stdout).not.toContain('You are elevated');
  });
});
