import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slipway, startTestServer, type TestServer } from '../test-support/cli-harness.js';

interface JsonToken {
  id: number;
  name: string;
  prefix: string;
  userId: number;
  expiresAt: string | null;
  revokedAt: string | null;
  secret?: string;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('API commands against a real server', () => {
  let server: TestServer;
  const password = 'a long enough passphrase 42';

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const add = await slipway(['user', 'add', 'erin', '--role', 'engineer', '--password-stdin', ...server.dbArgs], {
      stdin: `${password}\n`,
    });
    expect(add.code).toBe(0);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('whoami names the token owner, as text and JSON', async () => {
    const text = await slipway(['whoami'], { env: server.apiEnv });
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`admin (Administrator) at ${server.url}`);
    expect(text.stdout).toMatch(/^roles: admin$/m);

    const json = await slipway(['whoami', '--json', '--url', server.url, '--token', server.apiEnv.SLIPWAY_TOKEN ?? '']);
    expect(json.json()).toMatchObject({
      url: server.url,
      user: { username: 'admin', roles: ['admin'] },
      via: 'token',
      permissions: expect.arrayContaining(['users.write', 'audit.read']),
    });
  });

  it('login reads the password from stdin and prints a working API token', async () => {
    const run = await slipway(['login', '--username', 'erin', '--url', server.url], { stdin: `${password}\n` });
    expect(run.code).toBe(0);
    const token = run.stdout.trim();
    expect(token).toMatch(/^slw_\S+$/);
    expect(run.stdout).toBe(`${token}\n`);
    expect(run.stderr).toMatch(/Created API token \d+ "slipway-cli@[^"]+"/);
    expect(run.stderr).not.toContain(password);

    const whoami = await slipway(['whoami', '--json'], { env: { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: token } });
    expect(whoami.json()).toMatchObject({ user: { username: 'erin', roles: ['engineer'] } });

    // The session used to create the token was ended: the only thing left behind is the token.
    const sessions = await server.slipway.ctx.database.db.selectFrom('sessions').selectAll().execute();
    expect(sessions).toHaveLength(0);
  });

  it('login --json carries the user and the token with its secret', async () => {
    const run = await slipway(
      ['login', '-u', 'erin', '--token-name', 'laptop', '--expires-in-days', '7', '--password-stdin', '--json'],
      { env: { SLIPWAY_URL: server.url }, stdin: password },
    );
    expect(run.code).toBe(0);
    const body = run.json<{ user: { username: string }; token: JsonToken }>();
    expect(body.user.username).toBe('erin');
    expect(body.token).toMatchObject({ name: 'laptop', secret: expect.stringMatching(/^slw_/) });
    const days = (Date.parse(body.token.expiresAt ?? '') - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
  });

  it('login with a wrong password fails with the server message and never says whether the user exists', async () => {
    const run = await slipway(['login', '--username', 'erin', '--url', server.url], {
      stdin: 'not the password at all',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('slipway: Invalid username or password (HTTP 401 INVALID_CREDENTIALS)\n');
  });

  it('token create prints the secret once on stdout; list shows it without the secret; revoke stops it', async () => {
    const create = await slipway(['token', 'create', '--name', 'ci-pipeline', '--expires-in-days', '30'], {
      env: server.apiEnv,
    });
    expect(create.code).toBe(0);
    const secret = create.stdout.trim();
    expect(secret).toMatch(/^slw_/);
    expect(create.stderr).toMatch(/^Created API token (\d+) "ci-pipeline" \(slw_/);
    const id = Number(/Created API token (\d+)/.exec(create.stderr)?.[1]);

    const list = await slipway(['token', 'list'], { env: server.apiEnv });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+PREFIX\s+USER\s+CREATED\s+EXPIRES\s+LAST USED\s+STATUS$/m);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+ci-pipeline\\s+slw_\\S+…\\s.*active$`, 'm'));
    expect(list.stdout).not.toContain(secret);

    const json = await slipway(['token', 'list', '--json'], { env: server.apiEnv });
    const items = json.json<{ items: JsonToken[] }>().items;
    expect(items.find((t) => t.id === id)).toMatchObject({ name: 'ci-pipeline', revokedAt: null });
    expect(JSON.stringify(items)).not.toContain(secret);

    const whoami = await slipway(['whoami'], { env: { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: secret } });
    expect(whoami.code).toBe(0);

    const revoke = await slipway(['token', 'revoke', String(id), '--json'], { env: server.apiEnv });
    expect(revoke.code).toBe(0);
    expect(revoke.json()).toMatchObject({ token: { id, revokedAt: expect.any(String) } });

    const after = await slipway(['whoami'], { env: { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: secret } });
    expect(after.code).toBe(1);
    expect(after.stderr).toBe(
      'slipway: The token is unknown, expired or revoked, or its user is disabled (HTTP 401 UNAUTHENTICATED)\n',
    );

    const revoked = await slipway(['token', 'list', '--include-revoked', '--json'], { env: server.apiEnv });
    expect(revoked.json<{ items: JsonToken[] }>().items.find((t) => t.id === id)?.revokedAt).not.toBeNull();
  });

  it('token create --json includes the secret; list --all needs users.read', async () => {
    const created = await slipway(['token', 'create', '-n', 'json', '--json'], { env: server.apiEnv });
    expect(created.json<{ token: JsonToken }>().token).toMatchObject({
      name: 'json',
      secret: expect.stringMatching(/^slw_/),
    });

    const login = await slipway(['login', '-u', 'erin', '--url', server.url], { stdin: password });
    const engineer = { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: login.stdout.trim() };
    const all = await slipway(['token', 'list', '--all'], { env: engineer });
    expect(all.code).toBe(1);
    expect(all.stderr).toBe('slipway: Listing other users\' tokens needs "users.read" (HTTP 403 FORBIDDEN)\n');

    // Admins create tokens for other users (service accounts); others may not.
    const erinId = (await slipway(['whoami', '--json'], { env: engineer })).json<{ user: { id: number } }>().user.id;
    const forErin = await slipway(['token', 'create', '-n', 'svc', '--user-id', String(erinId), '--json'], {
      env: server.apiEnv,
    });
    expect(forErin.json<{ token: JsonToken }>().token.userId).toBe(erinId);
    const notAllowed = await slipway(['token', 'create', '-n', 'svc', '--user-id', '1'], { env: engineer });
    expect(notAllowed.code).toBe(1);
    expect(notAllowed.stderr).toBe('slipway: Only an admin may create a token for another user (HTTP 403 FORBIDDEN)\n');

    const admin = await slipway(['token', 'list', '--all', '--json'], { env: server.apiEnv });
    const owners = new Set(admin.json<{ items: JsonToken[] }>().items.map((t) => t.userId));
    expect(owners.size).toBeGreaterThan(1);
  });

  it('explains a missing token, a bad id, an unknown token id and an unreachable server in one line', async () => {
    const noToken = await slipway(['whoami'], { env: { SLIPWAY_URL: server.url } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toBe(
      'slipway: No API token: set SLIPWAY_TOKEN or pass --token (get one with `slipway login --username <you>`)\n',
    );

    const badId = await slipway(['token', 'revoke', 'abc'], { env: server.apiEnv });
    expect(badId.code).toBe(1);
    expect(badId.stderr).toMatch(
      /^slipway: command-argument value 'abc' is invalid for argument 'id'\. expected a whole number/,
    );

    const unknown = await slipway(['token', 'revoke', '999999'], { env: server.apiEnv });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('slipway: No token with id 999999 (HTTP 404 NOT_FOUND)\n');

    const port = await closedPort();
    const down = await slipway(['whoami', '--url', `http://127.0.0.1:${port}`], { env: server.apiEnv });
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(
      `slipway: Cannot reach Slipway at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} (is the server running? set SLIPWAY_URL or --url)\n`,
    );

    const badUrl = await slipway(['whoami', '--url', 'ftp://example'], { env: server.apiEnv });
    expect(badUrl.stderr).toBe('slipway: Invalid server URL "ftp://example": only http and https are supported\n');
  });
});
