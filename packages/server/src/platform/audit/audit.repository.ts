import type { Selectable } from 'kysely';
import { type Db, dialectOf } from '../database.js';
import type { AuditLogTable } from './audit.table.js';

export type AuditRow = Selectable<AuditLogTable>;

export interface AuditListFilter {
  objectType?: string | undefined;
  objectId?: string | undefined;
  actorId?: number | undefined;
  /** Only entries written under this break-glass elevation. */
  breakGlassId?: number | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Entries with seq below this (newest first paging). */
  beforeSeq?: number | undefined;
  limit: number;
}

/** SQL for the audit trail. Rows are append-only: nothing here updates or deletes an entry. */
export const auditRepository = {
  /**
   * Reads the chain head and, on PostgreSQL, locks it until the transaction ends, so appends are
   * serialised in commit order. On SQLite the transaction already holds the database's single
   * write lock (BEGIN IMMEDIATE), which serialises them just the same.
   */
  async lockHead(tx: Db): Promise<{ seq: number; hash: string }> {
    let query = tx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
    if (dialectOf(tx) === 'postgres') query = query.forUpdate();
    const head = await query.executeTakeFirstOrThrow();
    return head;
  },

  async readHead(db: Db): Promise<{ seq: number; hash: string }> {
    return db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  },

  async append(tx: Db, row: AuditRow): Promise<void> {
    await tx.insertInto('audit_log').values(row).execute();
    await tx.updateTable('audit_head').set({ seq: row.seq, hash: row.hash }).where('id', '=', 1).execute();
  },

  async list(db: Db, filter: AuditListFilter): Promise<AuditRow[]> {
    let query = db.selectFrom('audit_log').selectAll();
    if (filter.objectType) query = query.where('object_type', '=', filter.objectType);
    if (filter.objectId) query = query.where('object_id', '=', filter.objectId);
    if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
    if (filter.breakGlassId !== undefined) query = query.where('actor_break_glass_id', '=', filter.breakGlassId);
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.from) query = query.where('at', '>=', filter.from);
    if (filter.to) query = query.where('at', '<', filter.to);
    if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
    return query.orderBy('seq', 'desc').limit(filter.limit).execute();
  },

  /** Entries in chain order, `afterSeq` exclusive, `uptoSeq` inclusive, in bounded batches. */
  async batchAfter(db: Db, afterSeq: number, limit: number, uptoSeq: number): Promise<AuditRow[]> {
    return db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', afterSeq)
      .where('seq', '<=', uptoSeq)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
  },

  async maxSeq(db: Db): Promise<number> {
    const row = await db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max<number | null>('seq').as('m'))
      .executeTakeFirst();
    return Number(row?.m ?? 0);
  },

  async count(db: Db): Promise<number> {
    const row = await db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },
};
