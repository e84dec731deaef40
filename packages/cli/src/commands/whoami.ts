import { unwrap } from '@slipway/client';
import type { Command } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { type CliIo, printJson, printLines } from '../cli-io.js';

interface WhoamiOptions extends ApiOptions {
  json?: boolean;
}

/** `slipway whoami`: which account the token belongs to and what it may do. */
export function registerWhoami(program: Command, io: CliIo): void {
  withApiOptions(
    program
      .command('whoami')
      .description('Show the user the API token belongs to, their roles and permissions')
      .option('--json', 'print JSON'),
  ).action(async (options: WhoamiOptions) => {
    const { api, baseUrl } = apiClient(options, io);
    const session = await unwrap(api.GET('/api/v1/auth/session'));
    if (options.json) {
      printJson(io, { url: baseUrl, user: session.user, permissions: session.permissions, via: session.via });
      return;
    }
    const { user } = session;
    const name = user.displayName && user.displayName !== user.username ? ` (${user.displayName})` : '';
    printLines(
      io,
      `${user.username}${name} at ${baseUrl}`,
      `roles: ${user.roles.join(', ')}`,
      `permissions: ${session.permissions.join(', ')}`,
    );
  });
}
