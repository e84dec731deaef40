import type { Insertable, Selectable } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { Db } from '../platform/database.js';
import type { CiHistoryTable } from './cmdb.table.js';
import { readJson, writeJson } from './json-column.js';

export type HistoryRow = Selectable<CiHistoryTable>;

/** One change to one CI: who, when, under which change/release, and field by field from → to. */
export interface HistoryEntry {
  id: number;
  ciId: number;
  at: string;
  actor: { id: number | null; name: string };
  requestId: string | null;
  context: string | null;
  action: string;
  changes: Record<string, { from: unknown; to: unknown }>;
}

export function toHistoryEntry(row: HistoryRow): HistoryEntry {
  return {
    id: row.id,
    ciId: row.ci_id,
    at: row.at,
    actor: { id: row.actor_id, name: row.actor_name },
    requestId: row.request_id,
    context: row.context,
    action: row.action,
    changes: readJson(row.changes),
  };
}

/** A history row for one CI, written by the actor under `context` (e.g. `change:12`). */
export function historyRow(
  actor: Actor,
  ciId: number,
  at: string,
  context: string | null,
  action: string,
  changes: Record<string, unknown>,
): Insertable<CiHistoryTable> {
  return {
    ci_id: ciId,
    at,
    actor_id: actor.userId,
    actor_name: actor.username,
    request_id: actor.requestId,
    context,
    action,
    changes: writeJson(changes),
  };
}

export const historyRepository = {
  async insert(db: Db, rows: Insertable<CiHistoryTable>[]): Promise<void> {
    if (rows.length === 0) return;
    await db.insertInto('ci_history').values(rows).execute();
  },

  async listForCi(db: Db, ciId: number, beforeId: number | undefined, limit: number): Promise<HistoryRow[]> {
    let query = db.selectFrom('ci_history').selectAll().where('ci_id', '=', ciId);
    if (beforeId !== undefined) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
};
