import { isRole, ROLES, type Role } from '@slipway/model';
import type { User } from '@slipway/server';
import { type Command, Option } from 'commander';
import {
  type AdminSession,
  adminConfig,
  type DatabaseOptions,
  withAdminSession,
  withDatabaseOptions,
} from '../admin-context.js';
import { CliError, type CliIo, printJson, printLines, printNote } from '../cli-io.js';
import { readSecretFromStdin } from '../secret-input.js';
import { loadServer } from '../server-module.js';
import { formatTable, shortTime } from '../table-format.js';

interface JsonOption {
  json?: boolean;
}

interface UserAddOptions extends DatabaseOptions, JsonOption {
  role: Role[];
  displayName?: string;
  email?: string;
  /** false with --no-password (a token-only account). */
  password: boolean;
  passwordStdin?: boolean;
}

interface UserListOptions extends DatabaseOptions, JsonOption {
  role?: Role;
}

interface PasswordOptions extends DatabaseOptions, JsonOption {
  passwordStdin?: boolean;
}

/** `--role admin auditor`, `--role admin --role auditor` and `--role admin,auditor` all work. */
function collectRoles(value: string, previous: Role[] | undefined): Role[] {
  const roles = [...(previous ?? [])];
  for (const part of value.split(',')) {
    const role = part.trim();
    if (role === '') continue;
    if (!isRole(role)) throw new CliError(`Unknown role "${role}": roles are ${ROLES.join(', ')}`);
    if (!roles.includes(role)) roles.push(role);
  }
  return roles;
}

function describeUser(user: User): string {
  const state = user.disabled ? 'disabled' : 'enabled';
  return `${user.username} (id ${user.id}, roles: ${user.roles.join(', ')}, ${state})`;
}

/** Finds a user by exact username; usernames are stored lower-case. */
async function findUser(session: AdminSession, username: string): Promise<User> {
  const wanted = username.trim().toLowerCase();
  let afterId: number | undefined;
  for (;;) {
    const page = await session.ctx.users.list({ q: wanted, afterId, limit: 500 });
    const found = page.find((user) => user.username === wanted);
    if (found) return found;
    const last = page.at(-1);
    if (!last || page.length < 500) throw new CliError(`No user named "${wanted}"`);
    afterId = last.id;
  }
}

async function allUsers(session: AdminSession, role: Role | undefined): Promise<User[]> {
  const users: User[] = [];
  let afterId: number | undefined;
  for (;;) {
    const page = await session.ctx.users.list({ role, afterId, limit: 500 });
    users.push(...page);
    const last = page.at(-1);
    if (!last || page.length < 500) return users;
    afterId = last.id;
  }
}

async function setDisabled(io: CliIo, username: string, options: DatabaseOptions & JsonOption, disabled: boolean) {
  const config = await adminConfig(options, io);
  await withAdminSession(
    config,
    io,
    async (session) => {
      const user = await findUser(session, username);
      const verb = disabled ? 'disabled' : 'enabled';
      if (user.disabled === disabled) {
        if (options.json) printJson(io, { user, changed: false });
        else printLines(io, `User ${user.username} is already ${verb}`);
        return;
      }
      const updated = await session.ctx.users.update(session.actor, user.id, { disabled }, user.version);
      if (options.json) printJson(io, { user: updated, changed: true });
      else {
        printLines(
          io,
          disabled
            ? `Disabled ${describeUser(updated)}: their sessions ended and their API tokens stop working`
            : `Enabled ${describeUser(updated)}`,
        );
      }
    },
    { writes: true },
  );
}

/** `slipway user add|list|disable|enable|reset-password`: accounts, on the database directly. */
export function registerUserCommands(program: Command, io: CliIo): void {
  const user = program
    .command('user')
    .description('Manage user accounts directly in the database (audited as cli:<os user>)');

  withDatabaseOptions(
    user
      .command('add')
      .description('Create a user; prints a generated password once (or reads one with --password-stdin)')
      .argument('<username>', 'lower-case letters, digits, ".", "_" or "-"')
      .addOption(
        new Option('-r, --role <role...>', `one or more of ${ROLES.join(', ')}`)
          .argParser(collectRoles)
          .makeOptionMandatory(),
      )
      .option('--display-name <name>', 'the name shown in the UI (default: the username)')
      .option('--email <email>', 'e-mail address')
      .option('--no-password', 'no password: the account signs in with API tokens only')
      .option('--password-stdin', 'read the password from stdin instead of generating one')
      .option('--json', 'print JSON'),
  ).action(async (username: string, options: UserAddOptions) => {
    if (options.passwordStdin && !options.password) {
      throw new CliError('--password-stdin and --no-password exclude each other');
    }
    const password = options.passwordStdin ? await readSecretFromStdin(io) : options.password ? undefined : null;
    const config = await adminConfig(options, io);
    await withAdminSession(
      config,
      io,
      async (session) => {
        const { user: created, initialPassword } = await session.ctx.users.create(session.actor, {
          username,
          roles: options.role,
          displayName: options.displayName,
          email: options.email,
          password,
        });
        if (options.json) {
          printJson(io, { user: created, initialPassword });
          return;
        }
        printLines(io, `Created user ${describeUser(created)}`);
        if (initialPassword) {
          printLines(io, `Password (shown only now; change it after signing in): ${initialPassword}`);
        } else if (password === null) {
          printLines(
            io,
            `No password: create an API token for ${created.username} (slipway token create --user-id ${created.id} …)`,
          );
        }
      },
      { writes: true },
    );
  });

  withDatabaseOptions(
    user
      .command('list')
      .description('List users, their roles and whether they are enabled')
      .addOption(new Option('-r, --role <role>', 'only users with this role').choices(ROLES))
      .option('--json', 'print JSON'),
  ).action(async (options: UserListOptions) => {
    const config = await adminConfig(options, io);
    await withAdminSession(config, io, async (session) => {
      const users = await allUsers(session, options.role);
      if (options.json) {
        printJson(io, { items: users });
        return;
      }
      if (users.length === 0) {
        printLines(io, options.role ? `No users with role ${options.role}` : 'No users');
        return;
      }
      printLines(
        io,
        formatTable(users, [
          { header: 'ID', value: (u) => String(u.id) },
          { header: 'USERNAME', value: (u) => u.username },
          { header: 'NAME', value: (u) => u.displayName },
          { header: 'ROLES', value: (u) => u.roles.join(',') },
          { header: 'STATUS', value: (u) => (u.disabled ? 'disabled' : 'enabled') },
          { header: 'PASSWORD', value: (u) => (u.hasPassword ? 'yes' : 'no') },
          { header: 'LAST LOGIN', value: (u) => shortTime(u.lastLoginAt) },
        ]),
      );
    });
  });

  withDatabaseOptions(
    user
      .command('disable')
      .description('Disable a user: ends their sessions at once; their API tokens stop working')
      .argument('<username>')
      .option('--json', 'print JSON'),
  ).action((username: string, options: DatabaseOptions & JsonOption) => setDisabled(io, username, options, true));

  withDatabaseOptions(
    user
      .command('enable')
      .description('Enable a disabled user again')
      .argument('<username>')
      .option('--json', 'print JSON'),
  ).action((username: string, options: DatabaseOptions & JsonOption) => setDisabled(io, username, options, false));

  withDatabaseOptions(
    user
      .command('reset-password')
      .description(
        'Set a new password for a user (generated and printed once, or --password-stdin); ends their sessions',
      )
      .argument('<username>')
      .option('--password-stdin', 'read the new password from stdin instead of generating one')
      .option('--json', 'print JSON'),
  ).action(async (username: string, options: PasswordOptions) => {
    const supplied = options.passwordStdin ? await readSecretFromStdin(io) : undefined;
    const password = supplied ?? (await loadServer()).generatePassword();
    const config = await adminConfig(options, io);
    await withAdminSession(
      config,
      io,
      async (session) => {
        const found = await findUser(session, username);
        await session.ctx.users.setPassword(session.actor, found.id, password);
        const generated = supplied === undefined ? password : null;
        if (options.json) {
          printJson(io, { user: { id: found.id, username: found.username }, password: generated });
          return;
        }
        printNote(io, `Password of ${found.username} reset; their sessions ended.`);
        if (generated) printLines(io, `New password (shown only now): ${generated}`);
      },
      { writes: true },
    );
  });
}
