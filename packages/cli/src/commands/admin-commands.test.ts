import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../server/src/test-support/test-databases.js';
import { slipway, startTestServer, type TestServer } from '../test-support/cli-harness.js';

interface JsonUser {
  id: number;
  username: string;
  roles: string[];
  disabled: boolean;
  hasPassword: boolean;
}

/** A GET against the running server with a bearer token; the status tells whether the token still works. */
async function apiStatus(server: TestServer, token: string, path = '/api/v1/auth/session'): Promise<number> {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

describe.each(testDatabaseKinds())('admin commands on %s while the server runs', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('user add prints a generated password once and the user can sign in with it', async () => {
    const run = await slipway([
      'user',
      'add',
      'alice',
      '--role',
      'release_manager',
      'cab_member',
      '--display-name',
      'Alice Example',
      ...server.dbArgs,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Created user alice \(id \d+, roles: release_manager, cab_member, enabled\)/);
    const password = /Password \(shown only now[^)]*\): (\S+)/.exec(run.stdout)?.[1];
    expect(password).toHaveLength(20);

    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password }),
    });
    expect(login.status).toBe(200);
  });

  it('user add --json, --no-password and --password-stdin', async () => {
    const tokenOnly = await slipway([
      'user',
      'add',
      'robot',
      '--role',
      'engineer',
      '--no-password',
      '--json',
      ...server.dbArgs,
    ]);
    expect(tokenOnly.code).toBe(0);
    const created = tokenOnly.json<{ user: JsonUser; initialPassword: string | null }>();
    expect(created.user).toMatchObject({ username: 'robot', roles: ['engineer'], hasPassword: false });
    expect(created.initialPassword).toBeNull();

    const fromStdin = await slipway(
      [
        'user',
        'add',
        'bob',
        '--role',
        'auditor,engineer',
        '--password-stdin',
        '--email',
        'bob@example.org',
        '--json',
        ...server.dbArgs,
      ],
      { stdin: 'correct horse battery staple\n' },
    );
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.json<{ user: JsonUser; initialPassword: string | null }>()).toMatchObject({
      user: { username: 'bob', roles: ['auditor', 'engineer'], hasPassword: true },
      initialPassword: null,
    });
    expect(fromStdin.stdout).not.toContain('correct horse');
  });

  it('user add refuses a duplicate, an unknown role and a weak password with one line each', async () => {
    const duplicate = await slipway(['user', 'add', 'alice', '--role', 'engineer', ...server.dbArgs]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toBe('slipway: A user named "alice" already exists\n');

    const badRole = await slipway(['user', 'add', 'carol', '--role', 'wizard', ...server.dbArgs]);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/^slipway: Unknown role "wizard": roles are admin, /);

    const weak = await slipway(['user', 'add', 'dave', '--role', 'engineer', '--password-stdin', ...server.dbArgs], {
      stdin: 'short\n',
    });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toBe('slipway: Password must be at least 12 characters long\n');

    const missingRole = await slipway(['user', 'add', 'erin', ...server.dbArgs]);
    expect(missingRole.code).toBe(1);
    expect(missingRole.stderr).toMatch(/^slipway: required option '-r, --role <role\.\.\.>' not specified/);
  });

  it('user list shows every user, as a table or as JSON, filtered by role', async () => {
    const table = await slipway(['user', 'list', ...server.dbArgs]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+USERNAME\s+NAME\s+ROLES\s+STATUS\s+PASSWORD\s+LAST LOGIN$/);
    expect(table.stdout).toMatch(/alice\s+Alice Example\s+release_manager,cab_member\s+enabled\s+yes/);

    const json = await slipway(['user', 'list', '--json', ...server.dbArgs]);
    const names = json.json<{ items: JsonUser[] }>().items.map((u) => u.username);
    expect(names).toEqual(expect.arrayContaining(['admin', 'alice', 'robot', 'bob']));

    const auditors = await slipway(['user', 'list', '--role', 'auditor', '--json', ...server.dbArgs]);
    expect(auditors.json<{ items: JsonUser[] }>().items.map((u) => u.username)).toEqual(['bob']);
  });

  it('user disable stops the user at once on the running server; enable brings them back', async () => {
    const { user } = await server.slipway.ctx.users
      .list({ q: 'robot', limit: 10 })
      .then((users) => ({ user: users.find((u) => u.username === 'robot') }));
    if (!user) throw new Error('robot missing');
    const { secret } = await server.slipway.ctx.tokens.create(
      { userId: null, username: 'test', roles: ['admin'], requestId: null, via: 'system' },
      { name: 'robot', userId: user.id },
      true,
    );
    expect(await apiStatus(server, secret)).toBe(200);

    const disable = await slipway(['user', 'disable', 'robot', ...server.dbArgs]);
    expect(disable.code).toBe(0);
    expect(disable.stdout).toMatch(/^Disabled robot \(id \d+, roles: engineer, disabled\)/);
    // The server caches a verified token for at most a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await apiStatus(server, secret)).toBe(401);

    const again = await slipway(['user', 'disable', 'robot', '--json', ...server.dbArgs]);
    expect(again.json()).toMatchObject({ changed: false, user: { disabled: true } });

    const enable = await slipway(['user', 'enable', 'robot', '--json', ...server.dbArgs]);
    expect(enable.json()).toMatchObject({ changed: true, user: { username: 'robot', disabled: false } });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await apiStatus(server, secret)).toBe(200);

    const unknown = await slipway(['user', 'disable', 'nobody', ...server.dbArgs]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('slipway: No user named "nobody"\n');
  });

  it('user reset-password prints a new password once', async () => {
    const run = await slipway(['user', 'reset-password', 'alice', '--json', ...server.dbArgs]);
    expect(run.code).toBe(0);
    const { password } = run.json<{ password: string }>();
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password }),
    });
    expect(login.status).toBe(200);
  });

  it('audits CLI writes as cli:<os user>, visible through the API', async () => {
    const response = await fetch(`${server.url}/api/v1/audit?objectType=user&limit=100`, {
      headers: { authorization: `Bearer ${server.apiEnv.SLIPWAY_TOKEN}` },
    });
    const body = (await response.json()) as { items: { action: string; actor: { name: string }; requestId: string }[] };
    const cliEntries = body.items.filter((e) => e.actor.name.startsWith('cli:'));
    expect(cliEntries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['user.create', 'user.update', 'user.password_set']),
    );
    expect(cliEntries.every((e) => /^cli-[0-9a-f-]{36}$/.test(e.requestId))).toBe(true);
    // Secrets never reach the trail.
    expect(JSON.stringify(body)).not.toContain('correct horse');
  });

  it('audit verify passes on the clean trail, as text and JSON', async () => {
    const text = await slipway(['audit', 'verify', ...server.dbArgs]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Audit trail OK: \d+ entries, /);

    const json = await slipway(['audit', 'verify', '--json', ...server.dbArgs]);
    expect(json.code).toBe(0);
    expect(json.json()).toMatchObject({ ok: true, firstBad: null, problems: [] });
  });

  it('refuses to write with a data directory that lacks the audit key', async () => {
    const run = await slipway([
      'user',
      'add',
      'frank',
      '--role',
      'engineer',
      '--db',
      server.testDb.url,
      '--data-dir',
      '/nonexistent-slipway-dir',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^slipway: No audit key at \/nonexistent-slipway-dir\/audit\.key, but .* has an audit trail/,
    );
  });

  it('audit verify exits 1 and names the first tampered entry', async () => {
    const handle = server.testDb.open();
    try {
      await handle.db.updateTable('audit_log').set({ action: 'user.delete' }).where('seq', '=', 3).execute();
    } finally {
      await handle.close();
    }
    const text = await slipway(['audit', 'verify', ...server.dbArgs]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^Audit trail BROKEN: /);
    expect(text.stdout).toContain('entry 3: modified: Entry 3 was modified after it was written');
    expect(text.stderr).toBe(
      'slipway: audit trail is broken: first bad entry 3: Entry 3 was modified after it was written\n',
    );

    const json = await slipway(['audit', 'verify', '--json', ...server.dbArgs]);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ ok: false, firstBad: { seq: 3, reason: 'modified' } });
  });
});

describe('admin commands without a database', () => {
  it('refuse a SQLite path that does not exist instead of creating an empty database', async () => {
    const run = await slipway(['user', 'list', '--db', 'sqlite:/nonexistent-slipway-dir/x.db']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^slipway: No Slipway database at \/nonexistent-slipway-dir\/x\.db: /);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
