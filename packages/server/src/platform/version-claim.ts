import type { Db } from './database.js';

/** Aggregates whose writes all start by claiming the row's next version (optimistic concurrency). */
export type VersionedAggregate = 'changes' | 'releases';

/**
 * Takes the aggregate's next version if it is still at `expectedVersion`: the first statement of
 * every write transaction on it (a plan section, an approval or a target is a write to the
 * aggregate). On PostgreSQL the update also locks the row until commit, so of two writers that read
 * the same version exactly one gets past this line (the other sees 0 rows once the first commits);
 * SQLite's BEGIN IMMEDIATE already serialises writers. Returns whether the claim succeeded.
 */
export async function claimAggregateVersion(
  db: Db,
  table: VersionedAggregate,
  id: number,
  expectedVersion: number,
  now: string,
): Promise<boolean> {
  // Both tables share the columns used here; Kysely cannot type a union of table names in
  // updateTable, so the call is typed against one of them.
  const result = await db
    .updateTable(table as 'changes')
    .set({ version: expectedVersion + 1, updated_at: now })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
