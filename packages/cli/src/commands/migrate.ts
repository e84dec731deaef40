import type { Command } from 'commander';
import { type DatabaseOptions, withDatabaseOptions } from '../admin-context.js';
import { type CliIo, printJson, printLines } from '../cli-io.js';
import { loadServer } from '../server-module.js';

interface MigrateOptions extends DatabaseOptions {
  status?: boolean;
  json?: boolean;
}

export function registerMigrate(program: Command, io: CliIo): void {
  withDatabaseOptions(
    program
      .command('migrate')
      .description('Bring the database schema up to date (the server also does this on start)')
      .option('--status', 'only list migrations and whether each is applied')
      .option('--json', 'print JSON'),
  ).action(async (options: MigrateOptions) => {
    const { migrateToLatest, migrationStatus, openDatabase, resolveConfig } = await loadServer();
    const config = resolveConfig({ db: options.db, dataDir: options.dataDir }, io.env);
    const database = openDatabase(config.databaseUrl);
    try {
      if (options.status) {
        const status = await migrationStatus(database.db);
        if (options.json) printJson(io, status);
        else printLines(io, ...status.map((m) => `${m.applied ? 'applied' : 'pending'}  ${m.name}`));
        return;
      }
      const applied = await migrateToLatest(database.db);
      if (options.json) printJson(io, { applied });
      else if (applied.length === 0) printLines(io, `${database.description}: schema is up to date`);
      else printLines(io, `${database.description}: applied ${applied.join(', ')}`);
    } finally {
      await database.close();
    }
  });
}
