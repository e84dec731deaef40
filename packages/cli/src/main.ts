import { SLIPWAY_VERSION } from '@slipway/server';
import { Command, CommanderError } from 'commander';
import { registerMigrate } from './commands/migrate.js';
import { registerServe } from './commands/serve.js';

const program = new Command();
program
  .name('slipway')
  .description('Slipway: ITIL release management with a CMDB at its centre')
  .version(SLIPWAY_VERSION)
  .showHelpAfterError('(run with --help for usage)');

registerServe(program);
registerMigrate(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  console.error(`slipway: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
