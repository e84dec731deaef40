/**
 * A second Slipway process for the migration race test: opens the database given as argv[2],
 * says "ready", and runs the migrations when a line arrives on stdin, so the test can start
 * several processes' migrations at the same instant. Prints one JSON line with the outcome.
 */
import { openDatabase } from '../platform/database.js';
import { migrateToLatest } from '../platform/migrator.js';

const url = process.argv[2];
if (!url) throw new Error('usage: migrate-child <database url>');
const database = openDatabase(url);
process.stdin.once('data', () => {
  migrateToLatest(database.db)
    .then(
      (applied) => ({ ok: true, applied }),
      (error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    )
    .then(async (outcome) => {
      process.stdout.write(`${JSON.stringify(outcome)}\n`);
      await database.close();
      process.exit(0);
    });
});
process.stdout.write('ready\n');
