import { type paths, SlipwayApiError, type SlipwayClient, unwrap } from '@slipway/client';
import type { Command } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import { collect } from '../option-parsers.js';
import { formatTable } from '../table-format.js';

type Team = paths['/api/v1/teams/{id}']['get']['responses'][200]['content']['application/json'];
type TeamMember =
  paths['/api/v1/teams/{id}/members']['get']['responses'][200]['content']['application/json']['items'][number];

interface JsonOption extends ApiOptions {
  json?: boolean;
}

interface MembersOptions extends JsonOption {
  add?: string[];
  remove?: string[];
}

/**
 * The id of a team given as an id (`3`, `#3`) or a name (case-insensitive), for `--team` and the
 * `team` commands.
 */
export async function resolveTeamId(api: SlipwayClient, value: string): Promise<number> {
  const trimmed = value.trim().replace(/^#/, '');
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const { items } = await unwrap(api.GET('/api/v1/teams'));
  const team = items.find((t) => t.name.toLowerCase() === trimmed.toLowerCase());
  if (!team) {
    const known = items.map((t) => t.name).join(', ') || 'none yet';
    throw new CliError(`No team "${value}" (teams: ${known})`);
  }
  return team.id;
}

/** A user id from an id or a username (looking a name up needs users.read). */
async function resolveUserId(api: SlipwayClient, value: string): Promise<number> {
  if (/^\d+$/.test(value)) return Number(value);
  try {
    const page = await unwrap(api.GET('/api/v1/users', { params: { query: { q: value, limit: 50 } } }));
    const user = page.items.find((u) => u.username === value.toLowerCase());
    if (!user) throw new CliError(`No user "${value}"`);
    return user.id;
  } catch (error) {
    if (error instanceof SlipwayApiError && error.status === 403) {
      throw new CliError(`Looking up "${value}" needs users.read: pass the user's numeric id`);
    }
    throw error;
  }
}

function printTeams(io: CliIo, teams: readonly Team[]): void {
  if (teams.length === 0) {
    printLines(io, 'No teams yet. Admins create them with: slipway team create <name>');
    return;
  }
  printLines(
    io,
    formatTable(teams, [
      { header: 'ID', value: (t) => String(t.id) },
      { header: 'NAME', value: (t) => t.name },
      { header: 'MEMBERS', value: (t) => String(t.memberCount) },
      { header: 'ME', value: (t) => (t.isMember ? 'yes' : '') },
    ]),
  );
}

/** `slipway team create|list|rename|members`: teams, which scope changes and releases. */
export function registerTeamCommands(program: Command, io: CliIo): void {
  const team = program
    .command('team')
    .description('Teams: who sees team-scoped changes and releases (SLIPWAY_URL, SLIPWAY_TOKEN)');

  withApiOptions(
    team
      .command('create')
      .description('Create a team (needs teams.admin)')
      .argument('<name>', 'the team name, unique regardless of case')
      .option('--json', 'print JSON'),
  ).action(async (name: string, options: JsonOption) => {
    const { api } = apiClient(options, io);
    const created = await unwrap(api.POST('/api/v1/teams', { body: { name } }));
    if (options.json) printJson(io, { team: created });
    else
      printLines(
        io,
        `Created team #${created.id} "${created.name}"; add members with: slipway team members ${created.id} --add <user>`,
      );
  });

  withApiOptions(
    team
      .command('list')
      .description('List the teams, with their member counts and yours')
      .option('--json', 'print JSON'),
  ).action(async (options: JsonOption) => {
    const { api } = apiClient(options, io);
    const { items } = await unwrap(api.GET('/api/v1/teams'));
    if (options.json) printJson(io, { items });
    else printTeams(io, items);
  });

  withApiOptions(
    team
      .command('rename')
      .description('Rename a team (needs teams.admin)')
      .argument('<team>', 'team id or name')
      .argument('<name>', 'the new name')
      .option('--json', 'print JSON'),
  ).action(async (ref: string, name: string, options: JsonOption) => {
    const { api } = apiClient(options, io);
    const id = await resolveTeamId(api, ref);
    const current = await unwrap(api.GET('/api/v1/teams/{id}', { params: { path: { id } } }));
    const renamed = await unwrap(
      api.PATCH('/api/v1/teams/{id}', {
        params: { path: { id }, header: { 'if-match': `"${current.version}"` } },
        body: { name },
      }),
    );
    if (options.json) printJson(io, { team: renamed });
    else printLines(io, `Renamed team #${renamed.id} from "${current.name}" to "${renamed.name}"`);
  });

  withApiOptions(
    team
      .command('members')
      .description('Show a team’s members (needs users.read); with --add/--remove, change them (needs teams.admin)')
      .argument('<team>', 'team id or name')
      .option('--add <user>', 'add a member: user id or username (repeatable)', collect)
      .option('--remove <user>', 'remove a member: user id or username (repeatable)', collect)
      .option('--json', 'print JSON'),
  ).action(async (ref: string, options: MembersOptions) => {
    const { api } = apiClient(options, io);
    const id = await resolveTeamId(api, ref);
    const params = { path: { id } };
    let members: TeamMember[] = (await unwrap(api.GET('/api/v1/teams/{id}/members', { params }))).items;
    if (options.add !== undefined || options.remove !== undefined) {
      const current = await unwrap(api.GET('/api/v1/teams/{id}', { params }));
      const add = await Promise.all((options.add ?? []).map((u) => resolveUserId(api, u)));
      const remove = new Set(await Promise.all((options.remove ?? []).map((u) => resolveUserId(api, u))));
      const userIds = [...new Set([...members.map((m) => m.id), ...add])].filter((u) => !remove.has(u));
      await unwrap(
        api.PUT('/api/v1/teams/{id}/members', {
          params: { path: { id }, header: { 'if-match': `"${current.version}"` } },
          body: { userIds },
        }),
      );
      members = (await unwrap(api.GET('/api/v1/teams/{id}/members', { params }))).items;
    }
    if (options.json) {
      printJson(io, { teamId: id, items: members });
      return;
    }
    if (members.length === 0) {
      printLines(io, `Team #${id} has no members`);
      return;
    }
    printLines(
      io,
      formatTable(members, [
        { header: 'ID', value: (m) => String(m.id) },
        { header: 'USERNAME', value: (m) => m.username },
        { header: 'NAME', value: (m) => m.displayName },
      ]),
    );
  });
}
