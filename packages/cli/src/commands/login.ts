import os from 'node:os';
import { createSlipwayClient, unwrap } from '@slipway/client';
import type { Command } from 'commander';
import { type ApiOptions, serverUrl, withApiOptions } from '../api-context.js';
import { CliError, type CliIo } from '../cli-io.js';
import { promptSecret, readSecretFromStdin } from '../secret-input.js';
import { positiveInteger, printCreatedToken } from './token.js';

interface LoginOptions extends ApiOptions {
  username: string;
  passwordStdin?: boolean;
  tokenName?: string;
  expiresInDays?: number;
  json?: boolean;
}

/** `name=value` of the session cookie from the login answer's Set-Cookie headers. */
function sessionCookie(response: Response): string {
  for (const header of response.headers.getSetCookie()) {
    const pair = header.split(';', 1)[0]?.trim() ?? '';
    if (/^(__Host-)?slipway_session=/.test(pair)) return pair;
  }
  throw new CliError('The server signed you in but sent no session cookie; is SLIPWAY_URL a Slipway server?');
}

/**
 * `slipway login`: from a username and password to an API token without the web UI. Signs in
 * (session cookie), creates a token with the session's CSRF token, then ends the session: the
 * token is what scripts and later CLI calls use.
 */
export function registerLogin(program: Command, io: CliIo): void {
  withApiOptions(
    program
      .command('login')
      .description(
        'Sign in with username and password (asked on the terminal, or read from stdin) and create an API token; prints the token',
      )
      .requiredOption('-u, --username <username>', 'your Slipway username')
      .option('--password-stdin', 'read the password from stdin (the default when stdin is not a terminal)')
      .option('--token-name <name>', 'name of the new token (default: slipway-cli@<host>)')
      .option('--expires-in-days <days>', 'token lifetime in days, 1 to 366 (default 90)', positiveInteger)
      .option('--json', 'print JSON (includes the token secret)'),
    { token: false },
  ).action(async (options: LoginOptions) => {
    const baseUrl = serverUrl(options, io);
    const password =
      options.passwordStdin || !io.stdin.isTTY
        ? await readSecretFromStdin(io)
        : await promptSecret(io, `Password for ${options.username} at ${baseUrl}: `);

    const anonymous = createSlipwayClient({ baseUrl });
    const { data: login, response } = await anonymous.POST('/api/v1/auth/login', {
      body: { username: options.username, password },
    });
    if (!login) throw new CliError('The server answered the login without a body');
    const session = createSlipwayClient({
      baseUrl,
      headers: { cookie: sessionCookie(response) },
      csrfToken: login.csrfToken ?? undefined,
    });
    try {
      const created = await unwrap(
        session.POST('/api/v1/tokens', {
          body: {
            name: options.tokenName ?? `slipway-cli@${os.hostname()}`,
            ...(options.expiresInDays !== undefined && { expiresInDays: options.expiresInDays }),
          },
        }),
      );
      printCreatedToken(io, created, options.json, { url: baseUrl, user: login.user });
    } finally {
      // The session was only a means to the token; leaving it open would leave a live cookie behind.
      await session.POST('/api/v1/auth/logout').catch(() => undefined);
    }
  });
}
