import type { Command } from 'commander';
import { migrateToLatest, migrationStatus, openDatabase, resolveConfig } from '@slipway/server';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Bring the database schema up to date (the server also does this on start)')
    .option('--db <url>', 'sqlite:/path/file.db or postgres://… (env SLIPWAY_DB)')
    .option('--data-dir <dir>', 'data directory (env SLIPWAY_DATA_DIR, default ./data)')
    .option('--status', 'only list migrations and whether each is applied')
    .option('--json', 'print JSON')
    .action(async (options: { db?: string; dataDir?: string; status?: boolean; json?: boolean }) => {
      const config = resolveConfig({ db: options.db, dataDir: options.dataDir });
      const database = openDatabase(config.databaseUrl);
      try {
        if (options.status) {
          const status = await migrationStatus(database.db);
          if (options.json) console.log(JSON.stringify(status, null, 2));
          else for (const m of status) console.log(`${m.applied ? 'applied' : 'pending'}  ${m.name}`);
          return;
        }
        const applied = await migrateToLatest(database.db);
        if (options.json) console.log(JSON.stringify({ applied }, null, 2));
        else if (applied.length === 0) console.log(`${database.description}: schema is up to date`);
        else console.log(`${database.description}: applied ${applied.join(', ')}`);
      } finally {
        await database.close();
      }
    });
}
