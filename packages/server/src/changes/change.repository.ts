import { FAILED_REVIEW_OUTCOMES } from '@slipway/model';
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../platform/database.js';
import { SEES_ALL, type Visibility, visibleTo } from '../platform/teams/team-scope.js';
import { claimAggregateVersion } from '../platform/version-claim.js';
import type {
  ChangeApprovalsTable,
  ChangeReviewsTable,
  ChangesTable,
  ChangeTransitionsTable,
} from './changes.table.js';

export type ChangeRow = Selectable<ChangesTable>;
export type ApprovalRow = Selectable<ChangeApprovalsTable>;
export type TransitionRow = Selectable<ChangeTransitionsTable>;
export type ReviewRow = Selectable<ChangeReviewsTable>;

/** What change management needs to know about a CI (few columns, many CIs at once). */
export interface CiFacts {
  id: number;
  class: string;
  name: string;
  environment: string | null;
  criticality: string | null;
  owner: string | null;
}

export interface ChangeListFilter {
  state?: string[] | undefined;
  type?: string | undefined;
  ciId?: number | undefined;
  requesterId?: number | undefined;
  implementerId?: number | undefined;
  /** Changes that authorise this release (changes.release_id). */
  releaseId?: number | undefined;
  /** Planned window overlapping [from, to). */
  from?: string | undefined;
  to?: string | undefined;
  afterId?: number | undefined;
  limit: number;
  /** Whose changes: absent = every change (the system's own reads); routes always pass the caller's. */
  visibility?: Visibility | undefined;
}

const CHUNK = 10_000;

export const ciFactsRepository = {
  async byIds(db: Db, ids: readonly number[]): Promise<CiFacts[]> {
    const out: CiFacts[] = [];
    // Chunked: SQLite allows at most 32,766 bound parameters per statement.
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      out.push(
        ...(await db
          .selectFrom('cis')
          .select(['id', 'class', 'name', 'environment', 'criticality', 'owner'])
          .where('id', 'in', chunk)
          .execute()),
      );
    }
    return out;
  },
};

export const changeRepository = {
  async findById(db: Db, id: number): Promise<ChangeRow | undefined> {
    return db.selectFrom('changes').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async findByIds(db: Db, ids: readonly number[]): Promise<ChangeRow[]> {
    if (ids.length === 0) return [];
    const out: ChangeRow[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      out.push(
        ...(await db
          .selectFrom('changes')
          .selectAll()
          .where('id', 'in', ids.slice(i, i + CHUNK))
          .execute()),
      );
    }
    return out;
  },

  async insert(db: Db, values: Insertable<ChangesTable>): Promise<ChangeRow> {
    return db.insertInto('changes').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /** Claims the next version: see platform/version-claim.ts. */
  async claimVersion(db: Db, id: number, expectedVersion: number, now: string): Promise<boolean> {
    return claimAggregateVersion(db, 'changes', id, expectedVersion, now);
  },

  /** Writes fields without touching the version (the caller claimed it in this transaction). */
  async write(db: Db, id: number, values: Updateable<ChangesTable>): Promise<ChangeRow> {
    return db.updateTable('changes').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  },

  async list(db: Db, filter: ChangeListFilter): Promise<ChangeRow[]> {
    let query = db.selectFrom('changes').selectAll();
    if (filter.state && filter.state.length > 0) query = query.where('state', 'in', filter.state);
    if (filter.type) query = query.where('type', '=', filter.type);
    if (filter.requesterId !== undefined) query = query.where('requester_id', '=', filter.requesterId);
    if (filter.implementerId !== undefined) query = query.where('implementer_id', '=', filter.implementerId);
    if (filter.releaseId !== undefined) query = query.where('release_id', '=', filter.releaseId);
    if (filter.ciId !== undefined) {
      const ciId = filter.ciId;
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('change_cis').select('change_id').where('ci_id', '=', ciId),
      );
    }
    if (filter.from) query = query.where('planned_end', '>', filter.from);
    if (filter.to) query = query.where('planned_start', '<', filter.to);
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    const visible = filter.visibility && visibleTo(filter.visibility, 'changes.team_id');
    if (visible) query = query.where(visible);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  /** Changes with a planned window overlapping [from, to) in the given states (the calendar). */
  async inWindow(db: Db, states: readonly string[], from: string, to: string, limit: number): Promise<ChangeRow[]> {
    return db
      .selectFrom('changes')
      .selectAll()
      .where('state', 'in', [...states])
      .where('planned_start', '<', to)
      .where('planned_end', '>', from)
      .orderBy('planned_start')
      .orderBy('id')
      .limit(limit)
      .execute();
  },

  async ciIds(db: Db, changeId: number): Promise<number[]> {
    const rows = await db
      .selectFrom('change_cis')
      .select('ci_id')
      .where('change_id', '=', changeId)
      .orderBy('ci_id')
      .execute();
    return rows.map((r) => r.ci_id);
  },

  async ciIdsOf(db: Db, changeIds: readonly number[]): Promise<Map<number, number[]>> {
    const out = new Map<number, number[]>();
    for (let i = 0; i < changeIds.length; i += CHUNK) {
      const rows = await db
        .selectFrom('change_cis')
        .select(['change_id', 'ci_id'])
        .where('change_id', 'in', changeIds.slice(i, i + CHUNK))
        .orderBy('change_id')
        .orderBy('ci_id')
        .execute();
      for (const r of rows) {
        const list = out.get(r.change_id);
        if (list) list.push(r.ci_id);
        else out.set(r.change_id, [r.ci_id]);
      }
    }
    return out;
  },

  async setCis(db: Db, changeId: number, ciIds: readonly number[]): Promise<void> {
    await db.deleteFrom('change_cis').where('change_id', '=', changeId).execute();
    for (let i = 0; i < ciIds.length; i += 1000) {
      const chunk = ciIds.slice(i, i + 1000);
      if (chunk.length > 0) {
        await db
          .insertInto('change_cis')
          .values(chunk.map((ci_id) => ({ change_id: changeId, ci_id })))
          .execute();
      }
    }
  },

  /** Changes on any of these CIs whose review said failed or backed out since `since`. */
  async recentFailures(db: Db, ciIds: readonly number[], since: string, excludeId: number | null): Promise<number[]> {
    if (ciIds.length === 0) return [];
    let query = db
      .selectFrom('change_cis')
      .innerJoin('change_reviews', 'change_reviews.change_id', 'change_cis.change_id')
      .select('change_cis.change_id')
      .distinct()
      .where('change_cis.ci_id', 'in', ciIds.slice(0, CHUNK))
      .where('change_reviews.outcome', 'in', [...FAILED_REVIEW_OUTCOMES])
      .where('change_reviews.reviewed_at', '>=', since);
    if (excludeId !== null) query = query.where('change_cis.change_id', '!=', excludeId);
    const rows = await query.orderBy('change_cis.change_id', 'desc').limit(50).execute();
    return rows.map((r) => r.change_id);
  },

  /** Emergency changes (or any with a due date) whose review is due before `now` and not recorded. */
  async overdueReviews(
    db: Db,
    now: string,
    afterId: number | undefined,
    limit: number,
    visibility: Visibility = SEES_ALL,
  ): Promise<ChangeRow[]> {
    let query = db
      .selectFrom('changes')
      .selectAll()
      .where('review_due_at', 'is not', null)
      .where('review_due_at', '<', now)
      .where('state', 'not in', ['closed', 'cancelled', 'rejected'])
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('change_reviews').select('change_id').whereRef('change_reviews.change_id', '=', 'changes.id'),
          ),
        ),
      );
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    const visible = visibleTo(visibility, 'changes.team_id');
    if (visible) query = query.where(visible);
    return query.orderBy('id').limit(limit).execute();
  },

  // Approvals ------------------------------------------------------------------------------

  async approvals(db: Db, changeId: number): Promise<ApprovalRow[]> {
    return db.selectFrom('change_approvals').selectAll().where('change_id', '=', changeId).orderBy('id').execute();
  },

  async approvalsOf(db: Db, changeIds: readonly number[]): Promise<ApprovalRow[]> {
    if (changeIds.length === 0) return [];
    return db
      .selectFrom('change_approvals')
      .selectAll()
      .where('change_id', 'in', [...changeIds])
      .orderBy('id')
      .execute();
  },

  async insertApproval(db: Db, values: Insertable<ChangeApprovalsTable>): Promise<ApprovalRow> {
    return db.insertInto('change_approvals').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /** Voids every standing decision of a change (an edit of its scope made them stale). */
  async voidApprovals(db: Db, changeId: number, now: string, reason: string): Promise<ApprovalRow[]> {
    return db
      .updateTable('change_approvals')
      .set({ voided_at: now, voided_reason: reason })
      .where('change_id', '=', changeId)
      .where('voided_at', 'is', null)
      .returningAll()
      .execute();
  },

  // History and reviews --------------------------------------------------------------------

  async insertTransition(db: Db, values: Insertable<ChangeTransitionsTable>): Promise<void> {
    await db.insertInto('change_transitions').values(values).execute();
  },

  async transitions(db: Db, changeId: number, afterId: number | undefined, limit: number): Promise<TransitionRow[]> {
    let query = db.selectFrom('change_transitions').selectAll().where('change_id', '=', changeId);
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    return query.orderBy('id').limit(limit).execute();
  },

  async review(db: Db, changeId: number): Promise<ReviewRow | undefined> {
    return db.selectFrom('change_reviews').selectAll().where('change_id', '=', changeId).executeTakeFirst();
  },

  async reviewsOf(db: Db, changeIds: readonly number[]): Promise<ReviewRow[]> {
    if (changeIds.length === 0) return [];
    return db
      .selectFrom('change_reviews')
      .selectAll()
      .where('change_id', 'in', [...changeIds])
      .execute();
  },

  async upsertReview(db: Db, values: Insertable<ChangeReviewsTable>): Promise<void> {
    await db
      .insertInto('change_reviews')
      .values(values)
      .onConflict((oc) =>
        oc.column('change_id').doUpdateSet({
          outcome: values.outcome,
          incident_ids: values.incident_ids,
          lessons: values.lessons,
          reviewed_by_id: values.reviewed_by_id,
          reviewed_by_name: values.reviewed_by_name,
          reviewed_at: values.reviewed_at,
        }),
      )
      .execute();
  },

  // Calendar index log ---------------------------------------------------------------------

  async logIndexChange(db: Db, changeId: number, at: string): Promise<void> {
    await db.insertInto('change_index_log').values({ change_id: changeId, at }).execute();
  },

  async indexLogSince(db: Db, seq: number, limit: number): Promise<{ seq: number; change_id: number }[]> {
    return db
      .selectFrom('change_index_log')
      .select(['seq', 'change_id'])
      .where('seq', '>', seq)
      .orderBy('seq')
      .limit(limit)
      .execute();
  },

  async indexLogHead(db: Db): Promise<number> {
    const row = await db
      .selectFrom('change_index_log')
      .select((eb) => eb.fn.max<number | null>('seq').as('m'))
      .executeTakeFirst();
    return Number(row?.m ?? 0);
  },

  async indexLogOldest(db: Db): Promise<number> {
    const row = await db
      .selectFrom('change_index_log')
      .select((eb) => eb.fn.min<number | null>('seq').as('m'))
      .executeTakeFirst();
    return Number(row?.m ?? 0);
  },

  async pruneIndexLog(db: Db, before: string): Promise<void> {
    await db.deleteFrom('change_index_log').where('at', '<', before).execute();
  },

  /** Every change that occupies the calendar, with its CIs: the cold-start load of the index. */
  async calendarRows(
    db: Db,
    states: readonly string[],
  ): Promise<
    { id: number; planned_start: string; planned_end: string; implementer_id: number | null; state: string }[]
  > {
    const rows = await db
      .selectFrom('changes')
      .select(['id', 'planned_start', 'planned_end', 'implementer_id', 'state'])
      .where('state', 'in', [...states])
      .where('planned_start', 'is not', null)
      .where('planned_end', 'is not', null)
      .execute();
    return rows as {
      id: number;
      planned_start: string;
      planned_end: string;
      implementer_id: number | null;
      state: string;
    }[];
  },

  async calendarLinks(db: Db, states: readonly string[]): Promise<{ change_id: number; ci_id: number }[]> {
    return db
      .selectFrom('change_cis')
      .innerJoin('changes', 'changes.id', 'change_cis.change_id')
      .select(['change_cis.change_id', 'change_cis.ci_id'])
      .where('changes.state', 'in', [...states])
      .execute();
  },
};
