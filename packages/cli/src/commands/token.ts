import { paginate, type paths, unwrap } from '@slipway/client';
import { type Command, InvalidArgumentError } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { type CliIo, printJson, printLines, printNote } from '../cli-io.js';
import { formatTable, shortTime } from '../table-format.js';

export type CreatedToken = paths['/api/v1/tokens']['post']['responses'][201]['content']['application/json'];
type ApiToken = paths['/api/v1/tokens/{id}']['get']['responses'][200]['content']['application/json'];

interface CreateOptions extends ApiOptions {
  name: string;
  expiresInDays?: number;
  userId?: number;
  json?: boolean;
}

interface ListOptions extends ApiOptions {
  all?: boolean;
  userId?: number;
  includeRevoked?: boolean;
  json?: boolean;
}

interface RevokeOptions extends ApiOptions {
  json?: boolean;
}

/** A positive whole number from the command line. */
export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('expected a whole number of 1 or more');
  }
  return parsed;
}

function tokenStatus(token: ApiToken, now = new Date().toISOString()): string {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt <= now) return 'expired';
  return 'active';
}

/**
 * Prints a new token: the secret alone on stdout (so `TOKEN=$(slipway token create …)` works),
 * what it is on stderr. With --json, the whole object on stdout.
 */
export function printCreatedToken(io: CliIo, token: CreatedToken, json: boolean | undefined, extra = {}): void {
  if (json) {
    printJson(io, { ...extra, token });
    return;
  }
  const expires = token.expiresAt ? `expires ${token.expiresAt}` : 'never expires';
  printNote(
    io,
    `Created API token ${token.id} "${token.name}" (${token.prefix}…, ${expires}).`,
    'It is shown only now; Slipway keeps only its hash. Use it as SLIPWAY_TOKEN:',
  );
  printLines(io, token.secret);
}

/** `slipway token create|list|revoke`: API tokens, through the server's API. */
export function registerTokenCommands(program: Command, io: CliIo): void {
  const token = program
    .command('token')
    .description('Manage API tokens through the server (SLIPWAY_URL, SLIPWAY_TOKEN)');

  withApiOptions(
    token
      .command('create')
      .description('Create an API token for yourself (or, as an admin, for --user-id); prints its secret once')
      .requiredOption('-n, --name <name>', 'what the token is for, e.g. "ci-pipeline"')
      .option('--expires-in-days <days>', 'lifetime in days, 1 to 366 (default 90)', positiveInteger)
      .option('--user-id <id>', 'admins: create the token for another user (a service account)', positiveInteger)
      .option('--json', 'print JSON (includes the secret)'),
  ).action(async (options: CreateOptions) => {
    const { api } = apiClient(options, io);
    const created = await unwrap(
      api.POST('/api/v1/tokens', {
        body: {
          name: options.name,
          ...(options.expiresInDays !== undefined && { expiresInDays: options.expiresInDays }),
          ...(options.userId !== undefined && { userId: options.userId }),
        },
      }),
    );
    printCreatedToken(io, created, options.json);
  });

  withApiOptions(
    token
      .command('list')
      .description(
        "List API tokens (never their secrets): your own, or with --all / --user-id anyone's (needs users.read)",
      )
      .option('--all', "every user's tokens")
      .option('--user-id <id>', "another user's tokens", positiveInteger)
      .option('--include-revoked', 'include revoked tokens')
      .option('--json', 'print JSON'),
  ).action(async (options: ListOptions) => {
    const { api } = apiClient(options, io);
    const tokens: ApiToken[] = [];
    const pages = paginate((cursor) =>
      unwrap(
        api.GET('/api/v1/tokens', {
          params: {
            query: {
              limit: 200,
              ...(cursor !== undefined && { cursor }),
              ...(options.all && { all: true }),
              ...(options.userId !== undefined && { userId: options.userId }),
              ...(options.includeRevoked && { includeRevoked: true }),
            },
          },
        }),
      ),
    );
    for await (const item of pages) tokens.push(item);
    if (options.json) {
      printJson(io, { items: tokens });
      return;
    }
    if (tokens.length === 0) {
      printLines(io, 'No API tokens');
      return;
    }
    printLines(
      io,
      formatTable(tokens, [
        { header: 'ID', value: (t) => String(t.id) },
        { header: 'NAME', value: (t) => t.name },
        { header: 'PREFIX', value: (t) => `${t.prefix}…` },
        { header: 'USER', value: (t) => String(t.userId) },
        { header: 'CREATED', value: (t) => shortTime(t.createdAt) },
        { header: 'EXPIRES', value: (t) => shortTime(t.expiresAt) },
        { header: 'LAST USED', value: (t) => shortTime(t.lastUsedAt) },
        { header: 'STATUS', value: (t) => tokenStatus(t) },
      ]),
    );
  });

  withApiOptions(
    token
      .command('revoke')
      .description('Revoke an API token; it stops working at once')
      .argument('<id>', 'the token id (see slipway token list)', positiveInteger)
      .option('--json', 'print JSON'),
  ).action(async (id: number, options: RevokeOptions) => {
    const { api } = apiClient(options, io);
    const revoked = await unwrap(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } }));
    if (options.json) printJson(io, { token: revoked });
    else printLines(io, `Revoked API token ${revoked.id} "${revoked.name}" (${revoked.prefix}…)`);
  });
}
