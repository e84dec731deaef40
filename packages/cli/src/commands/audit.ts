import type { AuditVerification } from '@slipway/server';
import type { Command } from 'commander';
import { adminConfig, type DatabaseOptions, withAdminSession, withDatabaseOptions } from '../admin-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';

interface VerifyOptions extends DatabaseOptions {
  json?: boolean;
}

function describe(result: AuditVerification): string[] {
  const { checkpoints } = result;
  const latest = checkpoints.latest ? `, latest at entry ${checkpoints.latest.seq} (${checkpoints.latest.at})` : '';
  const summary = `${result.entries} entries, ${checkpoints.verified} of ${checkpoints.total} signed checkpoints verified${latest}`;
  if (result.ok) return [`Audit trail OK: ${summary} (${result.durationMs} ms)`];
  const lines = [`Audit trail BROKEN: ${summary}`];
  for (const problem of result.problems) {
    lines.push(`  ${problem.seq === null ? '-' : `entry ${problem.seq}`}: ${problem.reason}: ${problem.message}`);
  }
  return lines;
}

/** `slipway audit verify`: recompute the hash chain and check the signed checkpoints. */
export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('The tamper-evident audit trail');

  withDatabaseOptions(
    audit
      .command('verify')
      .description(
        'Recompute the hash chain and check it against the signed checkpoints; exits 1 and names the first bad entry when the trail was tampered with',
      )
      .option('--json', 'print the full verification report as JSON (exit code 1 still tells a broken trail)'),
  ).action(async (options: VerifyOptions) => {
    const config = await adminConfig(options, io);
    const result = await withAdminSession(config, io, (session) => session.ctx.audit.verify(session.ctx.database.db));
    if (options.json) printJson(io, result);
    else printLines(io, ...describe(result));
    if (!result.ok) {
      const first = result.firstBad;
      const where = first
        ? `${first.seq === null ? '' : `first bad entry ${first.seq}: `}${first.message}`
        : 'see above';
      // Human output already listed the problems; the one-line error names the first for scripts and logs.
      throw new CliError(`audit trail is broken: ${where}`);
    }
  });
}
