import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from '../platform/database.js';
import { type Visibility, visibleTo } from '../platform/teams/team-scope.js';
import { claimAggregateVersion } from '../platform/version-claim.js';
import type {
  ReleaseApprovalsTable,
  ReleaseCiChangesTable,
  ReleasePlanSectionsTable,
  ReleasePromotionsTable,
  ReleaseRehearsalsTable,
  ReleaseReviewsTable,
  ReleasesTable,
  ReleaseTargetQueriesTable,
  ReleaseTestsTable,
  ReleaseTransitionsTable,
} from './releases.table.js';

export type ReleaseRow = Selectable<ReleasesTable>;
export type PlanSectionRow = Selectable<ReleasePlanSectionsTable>;
export type CiChangeRow = Selectable<ReleaseCiChangesTable>;
export type TargetQueryRow = Selectable<ReleaseTargetQueriesTable>;
export type TestRow = Selectable<ReleaseTestsTable>;
export type ApprovalRow = Selectable<ReleaseApprovalsTable>;
export type TransitionRow = Selectable<ReleaseTransitionsTable>;
export type PromotionRow = Selectable<ReleasePromotionsTable>;
export type RehearsalRow = Selectable<ReleaseRehearsalsTable>;
export type ReviewRow = Selectable<ReleaseReviewsTable>;

export interface ReleaseListFilter {
  state?: string[] | undefined;
  type?: string | undefined;
  element?: string | undefined;
  unit?: string | undefined;
  afterId?: number | undefined;
  limit: number;
  /** Whose releases: absent = every release (the system's own reads); routes always pass the caller's. */
  visibility?: Visibility | undefined;
}

/** SQLite allows at most 32,766 bound parameters per statement: lists of ids go in chunks. */
const CHUNK = 10_000;

async function chunked<T>(ids: readonly number[], run: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await run(ids.slice(i, i + CHUNK))));
  return out;
}

/** SQL for releases and everything they own. Callers own the transaction. */
export const releaseRepository = {
  async findById(db: Db, id: number): Promise<ReleaseRow | undefined> {
    return db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async findByIds(db: Db, ids: readonly number[]): Promise<ReleaseRow[]> {
    if (ids.length === 0) return [];
    return chunked(ids, (chunk) => db.selectFrom('releases').selectAll().where('id', 'in', chunk).execute());
  },

  async insert(db: Db, values: Insertable<ReleasesTable>): Promise<ReleaseRow> {
    return db.insertInto('releases').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /** Claims the next version: see platform/version-claim.ts. */
  async claimVersion(db: Db, id: number, expectedVersion: number, now: string): Promise<boolean> {
    return claimAggregateVersion(db, 'releases', id, expectedVersion, now);
  },

  /** Writes fields without touching the version (the caller claimed it in this transaction). */
  async write(db: Db, id: number, values: Updateable<ReleasesTable>): Promise<ReleaseRow> {
    return db.updateTable('releases').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  },

  async list(db: Db, filter: ReleaseListFilter): Promise<ReleaseRow[]> {
    let query = db.selectFrom('releases').selectAll();
    if (filter.state && filter.state.length > 0) query = query.where('state', 'in', filter.state);
    if (filter.type) query = query.where('type', '=', filter.type);
    if (filter.element) query = query.where('element', '=', filter.element);
    if (filter.unit) query = query.where('unit_name', '=', filter.unit);
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    const visible = filter.visibility && visibleTo(filter.visibility, 'releases.team_id');
    if (visible) query = query.where(visible);
    return query.orderBy('id').limit(filter.limit).execute();
  },

  /** Every version label a release unit has used (cancelled releases included: a number is never reused). */
  async unitVersions(db: Db, unitName: string): Promise<string[]> {
    const rows = await db.selectFrom('releases').select('version_label').where('unit_name', '=', unitName).execute();
    return rows.map((r) => r.version_label);
  },

  /** Releases in `states` whose planned window overlaps [from, to). */
  async inWindow(db: Db, states: readonly string[], from: string, to: string, limit: number): Promise<ReleaseRow[]> {
    return db
      .selectFrom('releases')
      .selectAll()
      .where('state', 'in', [...states])
      .where('planned_start', '<', to)
      .where('planned_end', '>', from)
      .orderBy('planned_start')
      .orderBy('id')
      .limit(limit)
      .execute();
  },

  // Plan -------------------------------------------------------------------------------------

  async sections(db: Db, releaseId: number): Promise<PlanSectionRow[]> {
    return db.selectFrom('release_plan_sections').selectAll().where('release_id', '=', releaseId).execute();
  },

  async insertSections(db: Db, rows: Insertable<ReleasePlanSectionsTable>[]): Promise<void> {
    if (rows.length > 0) await db.insertInto('release_plan_sections').values(rows).execute();
  },

  async writeSection(
    db: Db,
    releaseId: number,
    section: string,
    values: Updateable<ReleasePlanSectionsTable>,
  ): Promise<PlanSectionRow> {
    return db
      .updateTable('release_plan_sections')
      .set(values)
      .where('release_id', '=', releaseId)
      .where('section', '=', section)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  // Contents ---------------------------------------------------------------------------------

  async artifactIds(db: Db, releaseId: number): Promise<number[]> {
    const rows = await db
      .selectFrom('release_artifacts')
      .select('artifact_id')
      .where('release_id', '=', releaseId)
      .orderBy('artifact_id')
      .execute();
    return rows.map((r) => r.artifact_id);
  },

  async artifactIdsOf(db: Db, releaseIds: readonly number[]): Promise<Map<number, number[]>> {
    const rows = await chunked(releaseIds, (chunk) =>
      db
        .selectFrom('release_artifacts')
        .select(['release_id', 'artifact_id'])
        .where('release_id', 'in', chunk)
        .orderBy('artifact_id')
        .execute(),
    );
    const out = new Map<number, number[]>();
    for (const r of rows) out.set(r.release_id, [...(out.get(r.release_id) ?? []), r.artifact_id]);
    return out;
  },

  /** Adds an artifact; false when it was already there. */
  async addArtifact(db: Db, releaseId: number, artifactId: number, by: string, at: string): Promise<boolean> {
    const result = await db
      .insertInto('release_artifacts')
      .values({ release_id: releaseId, artifact_id: artifactId, added_by: by, added_at: at })
      .onConflict((oc) => oc.columns(['release_id', 'artifact_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  },

  async removeArtifact(db: Db, releaseId: number, artifactId: number): Promise<boolean> {
    const result = await db
      .deleteFrom('release_artifacts')
      .where('release_id', '=', releaseId)
      .where('artifact_id', '=', artifactId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  },

  async ciChanges(db: Db, releaseId: number): Promise<CiChangeRow[]> {
    return db.selectFrom('release_ci_changes').selectAll().where('release_id', '=', releaseId).orderBy('id').execute();
  },

  async insertCiChange(db: Db, values: Insertable<ReleaseCiChangesTable>): Promise<CiChangeRow> {
    return db.insertInto('release_ci_changes').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async findCiChange(db: Db, releaseId: number, ciId: number, attribute: string): Promise<CiChangeRow | undefined> {
    return db
      .selectFrom('release_ci_changes')
      .selectAll()
      .where('release_id', '=', releaseId)
      .where('ci_id', '=', ciId)
      .where('attribute', '=', attribute)
      .executeTakeFirst();
  },

  async deleteCiChange(db: Db, releaseId: number, id: number): Promise<CiChangeRow | undefined> {
    return db
      .deleteFrom('release_ci_changes')
      .where('release_id', '=', releaseId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  // Targets ----------------------------------------------------------------------------------

  async explicitTargets(
    db: Db,
    releaseIds: readonly number[],
  ): Promise<{ release_id: number; environment: string; ci_id: number }[]> {
    return chunked(releaseIds, (chunk) =>
      db
        .selectFrom('release_targets')
        .select(['release_id', 'environment', 'ci_id'])
        .where('release_id', 'in', chunk)
        .orderBy('release_id')
        .orderBy('environment')
        .orderBy('ci_id')
        .execute(),
    );
  },

  /** Adds targets, skipping those already there; answers how many were new. */
  async addTargets(
    db: Db,
    releaseId: number,
    environment: string,
    ciIds: readonly number[],
    by: string,
    at: string,
  ): Promise<number> {
    let added = 0;
    for (let i = 0; i < ciIds.length; i += 1000) {
      const chunk = ciIds.slice(i, i + 1000);
      if (chunk.length === 0) continue;
      const result = await db
        .insertInto('release_targets')
        .values(chunk.map((ci_id) => ({ release_id: releaseId, environment, ci_id, added_by: by, added_at: at })))
        .onConflict((oc) => oc.columns(['release_id', 'environment', 'ci_id']).doNothing())
        .executeTakeFirst();
      added += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    return added;
  },

  async removeTarget(db: Db, releaseId: number, environment: string, ciId: number): Promise<boolean> {
    const result = await db
      .deleteFrom('release_targets')
      .where('release_id', '=', releaseId)
      .where('environment', '=', environment)
      .where('ci_id', '=', ciId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  },

  async targetQueries(db: Db, releaseIds: readonly number[]): Promise<TargetQueryRow[]> {
    return chunked(releaseIds, (chunk) =>
      db.selectFrom('release_target_queries').selectAll().where('release_id', 'in', chunk).orderBy('id').execute(),
    );
  },

  async insertTargetQuery(db: Db, values: Insertable<ReleaseTargetQueriesTable>): Promise<TargetQueryRow> {
    return db.insertInto('release_target_queries').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async deleteTargetQuery(db: Db, releaseId: number, id: number): Promise<TargetQueryRow | undefined> {
    return db
      .deleteFrom('release_target_queries')
      .where('release_id', '=', releaseId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  /** Usernames of the given users, in one query (implementers shown on releases). */
  async usernames(db: Db, userIds: readonly number[]): Promise<Map<number, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await db.selectFrom('users').select(['id', 'username']).where('id', 'in', userIds).execute();
    return new Map(rows.map((u) => [u.id, u.username]));
  },

  /** A user's id and whether it is disabled (an implementer must exist and be enabled). */
  async userState(db: Db, userId: number): Promise<{ id: number; disabled: number } | undefined> {
    return db.selectFrom('users').select(['id', 'disabled']).where('id', '=', userId).executeTakeFirst();
  },

  /** How many artifacts, CI changes, explicit targets and saved queries each release has (four GROUP BYs). */
  async countsOf(
    db: Db,
    releaseIds: readonly number[],
  ): Promise<Map<number, { artifacts: number; ciChanges: number; targets: number; targetQueries: number }>> {
    const out = new Map<number, { artifacts: number; ciChanges: number; targets: number; targetQueries: number }>();
    if (releaseIds.length === 0) return out;
    for (const id of releaseIds) out.set(id, { artifacts: 0, ciChanges: 0, targets: 0, targetQueries: 0 });
    const tables = [
      ['release_artifacts', 'artifacts'],
      ['release_ci_changes', 'ciChanges'],
      ['release_targets', 'targets'],
      ['release_target_queries', 'targetQueries'],
    ] as const;
    for (const [table, field] of tables) {
      const rows = await chunked(releaseIds, (chunk) =>
        db
          .selectFrom(table)
          .select(['release_id', (eb) => eb.fn.countAll<number>().as('n')])
          .where('release_id', 'in', chunk)
          .groupBy('release_id')
          .execute(),
      );
      for (const r of rows) {
        const counts = out.get(r.release_id);
        if (counts) counts[field] = Number(r.n);
      }
    }
    return out;
  },

  // Tests ------------------------------------------------------------------------------------

  async tests(db: Db, releaseId: number): Promise<TestRow[]> {
    return db.selectFrom('release_tests').selectAll().where('release_id', '=', releaseId).orderBy('id').execute();
  },

  async findTest(db: Db, releaseId: number, testId: number): Promise<TestRow | undefined> {
    return db
      .selectFrom('release_tests')
      .selectAll()
      .where('release_id', '=', releaseId)
      .where('id', '=', testId)
      .executeTakeFirst();
  },

  async insertTest(db: Db, values: Insertable<ReleaseTestsTable>): Promise<TestRow> {
    return db.insertInto('release_tests').values(values).returningAll().executeTakeFirstOrThrow();
  },

  // Approvals --------------------------------------------------------------------------------

  async approvals(db: Db, releaseIds: readonly number[]): Promise<ApprovalRow[]> {
    return chunked(releaseIds, (chunk) =>
      db.selectFrom('release_approvals').selectAll().where('release_id', 'in', chunk).orderBy('id').execute(),
    );
  },

  async insertApproval(db: Db, values: Insertable<ReleaseApprovalsTable>): Promise<ApprovalRow> {
    return db.insertInto('release_approvals').values(values).returningAll().executeTakeFirstOrThrow();
  },

  /** Voids every standing approval of a release (an edit of its scope made them stale). */
  async voidApprovals(db: Db, releaseId: number, now: string, reason: string): Promise<ApprovalRow[]> {
    return db
      .updateTable('release_approvals')
      .set({ voided_at: now, voided_reason: reason })
      .where('release_id', '=', releaseId)
      .where('voided_at', 'is', null)
      .returningAll()
      .execute();
  },

  // History ----------------------------------------------------------------------------------

  async insertTransition(db: Db, values: Insertable<ReleaseTransitionsTable>): Promise<void> {
    await db.insertInto('release_transitions').values(values).execute();
  },

  async transitions(db: Db, releaseId: number, afterId: number | undefined, limit: number): Promise<TransitionRow[]> {
    let query = db.selectFrom('release_transitions').selectAll().where('release_id', '=', releaseId);
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    return query.orderBy('id').limit(limit).execute();
  },

  async insertPromotion(db: Db, values: Insertable<ReleasePromotionsTable>): Promise<PromotionRow> {
    return db.insertInto('release_promotions').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async promotions(db: Db, releaseId: number): Promise<PromotionRow[]> {
    return db.selectFrom('release_promotions').selectAll().where('release_id', '=', releaseId).orderBy('id').execute();
  },

  async insertRehearsal(db: Db, values: Insertable<ReleaseRehearsalsTable>): Promise<RehearsalRow> {
    return db.insertInto('release_rehearsals').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async rehearsals(db: Db, releaseId: number): Promise<RehearsalRow[]> {
    return db.selectFrom('release_rehearsals').selectAll().where('release_id', '=', releaseId).orderBy('id').execute();
  },

  async review(db: Db, releaseId: number): Promise<ReviewRow | undefined> {
    return db.selectFrom('release_reviews').selectAll().where('release_id', '=', releaseId).executeTakeFirst();
  },

  async upsertReview(db: Db, values: Insertable<ReleaseReviewsTable>): Promise<void> {
    await db
      .insertInto('release_reviews')
      .values(values)
      .onConflict((oc) =>
        oc.column('release_id').doUpdateSet({
          outcome: values.outcome,
          notes: values.notes,
          reviewed_by_id: values.reviewed_by_id,
          reviewed_by: values.reviewed_by,
          reviewed_at: values.reviewed_at,
        }),
      )
      .execute();
  },
};
