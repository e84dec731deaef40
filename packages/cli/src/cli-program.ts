import { SlipwayApiError, SlipwayConnectionError } from '@slipway/client';
import { Command, CommanderError } from 'commander';
import { CliError, type CliIo } from './cli-io.js';
import { registerArtifactCommands } from './commands/artifact.js';
import { registerAssess } from './commands/assess.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerBackup } from './commands/backup.js';
import { registerBaselineCommands } from './commands/baseline.js';
import { registerBreakGlassCommands } from './commands/break-glass.js';
import { registerChangeCommands } from './commands/change.js';
import { registerCiCommands } from './commands/ci.js';
import { registerCompliance } from './commands/compliance.js';
import { registerHardwareCommands } from './commands/hardware.js';
import { registerImpactCommands } from './commands/impact.js';
import { registerImport } from './commands/import.js';
import { registerImportBackstage } from './commands/import-backstage.js';
import { registerIncidentCommands } from './commands/incident.js';
import { registerKpi } from './commands/kpi.js';
import { registerLogin } from './commands/login.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerQuality } from './commands/quality.js';
import { registerRelCommands } from './commands/rel.js';
import { registerReleaseCommands } from './commands/release.js';
import { registerRestore } from './commands/restore.js';
import { registerRolloutCommands } from './commands/rollout.js';
import { registerServe } from './commands/serve.js';
import { registerTeamCommands } from './commands/team.js';
import { registerTokenCommands } from './commands/token.js';
import { registerUserCommands } from './commands/user.js';
import { registerWhoami } from './commands/whoami.js';
import { loadServer } from './server-module.js';

const HELP_FOOTER = `
Commands that work on the database directly (user, audit, backup, restore, migrate) take
--db/--data-dir or SLIPWAY_DB/SLIPWAY_DATA_DIR, like \`slipway serve\`. Commands that talk to a
running server (login, whoami, token, import, impact, ci, rel, baseline, quality…) take --url/--token
or SLIPWAY_URL/SLIPWAY_TOKEN.
Every command takes --json for scripts. See docs/cli.md.`;

/** Builds the `slipway` command tree, writing through `io`. A new tree per run: commander keeps state. */
export function createCliProgram(io: CliIo): Command {
  const program = new Command();
  program
    .name('slipway')
    .description('Slipway: ITIL release management with a CMDB at its centre')
    // Answered in runCli: the version lives in the server package, which only loads when needed.
    .option('-V, --version', 'output the version number')
    // Program options only before the subcommand, so `artifact push --version 1.2` reaches the subcommand.
    .enablePositionalOptions()
    // Inherited by every subcommand added below: nothing calls process.exit, errors come back here.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`${text.replace(/^error: /, 'slipway: ').trimEnd()} (see --help)\n`),
    })
    .addHelpText('after', HELP_FOOTER);

  registerServe(program, io);
  registerMigrate(program, io);
  registerUserCommands(program, io);
  registerAuditCommands(program, io);
  registerBackup(program, io);
  registerRestore(program, io);
  registerLogin(program, io);
  registerWhoami(program, io);
  registerTokenCommands(program, io);
  registerTeamCommands(program, io);
  registerBreakGlassCommands(program, io);
  registerImport(program, io);
  registerImportBackstage(program, io);
  registerImpactCommands(program, io);
  registerCiCommands(program, io);
  registerRelCommands(program, io);
  registerBaselineCommands(program, io);
  registerQuality(program, io);
  registerArtifactCommands(program, io);
  registerHardwareCommands(program, io);
  registerCompliance(program, io);
  registerChangeCommands(program, io);
  registerPolicyCommands(program, io);
  registerReleaseCommands(program, io);
  registerRolloutCommands(program, io);
  registerIncidentCommands(program, io);
  registerKpi(program, io);
  registerAssess(program, io);
  return program;
}

/** The one line printed for a failure; API errors carry the server's own message and code. */
export function errorLine(error: unknown): string {
  if (error instanceof SlipwayApiError) return `${error.message} (HTTP ${error.status} ${error.code})`;
  if (error instanceof SlipwayConnectionError)
    return `${error.message} (is the server running? set SLIPWAY_URL or --url)`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Runs `slipway <argv>` and resolves to the exit code: 0 on success, the CliError's code,
 * commander's for usage errors, else 1. Errors print as one line `slipway: <message>`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    const { SLIPWAY_VERSION } = await loadServer();
    io.stdout.write(`${SLIPWAY_VERSION}\n`);
    return 0;
  }
  const program = createCliProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed help, the version or its usage error.
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr.write(`slipway: ${errorLine(error).replace(/\s*\n\s*/g, ' ')}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
