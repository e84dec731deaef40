import type { Db } from '../platform/database.js';

const CHUNK = 5000;

async function chunked<T>(ids: readonly number[], read: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await read(ids.slice(i, i + CHUNK))));
  return out;
}

/**
 * Read-only queries over the change, release, rollout, incident and CMDB tables that the KPIs,
 * DORA keys and maturity evidence are computed from. A fixed number of queries per report
 * (chunked by id lists), never one per record.
 */
export const kpiDataRepository = {
  async services(db: Db) {
    return db.selectFrom('cis').select(['id', 'name']).where('class', '=', 'service').execute();
  },

  async releases(db: Db, before: string) {
    return db
      .selectFrom('releases')
      .select(['id', 'type', 'element', 'state', 'unit_ci_id', 'created_at', 'deployed_at', 'approved_at'])
      .where('created_at', '<', before)
      .orderBy('id')
      .execute();
  },

  /** Production targets of releases (what they will touch). */
  async releaseTargets(db: Db, releaseIds: readonly number[], environment: string) {
    return chunked(releaseIds, (chunk) =>
      db
        .selectFrom('release_targets')
        .select(['release_id', 'ci_id'])
        .where('environment', '=', environment)
        .where('release_id', 'in', chunk)
        .execute(),
    );
  },

  async rollouts(db: Db, environment: string, before: string) {
    return db
      .selectFrom('rollouts')
      .select([
        'id',
        'release_id',
        'state',
        'planned_end',
        'started_at',
        'finished_at',
        'backout_started_at',
        'created_at',
      ])
      .where('environment', '=', environment)
      .where('created_at', '<', before)
      .orderBy('id')
      .execute();
  },

  async rolloutTargets(db: Db, rolloutIds: readonly number[]) {
    return chunked(rolloutIds, (chunk) =>
      db
        .selectFrom('rollout_targets')
        .select(['rollout_id', 'ci_id', 'downtime_ms'])
        .where('rollout_id', 'in', chunk)
        .execute(),
    );
  },

  async changes(db: Db, before: string) {
    return db
      .selectFrom('changes')
      .leftJoin('change_reviews', 'change_reviews.change_id', 'changes.id')
      .select([
        'changes.id',
        'changes.type',
        'changes.state',
        'changes.release_id',
        'changes.risk_score',
        'changes.created_at',
        'changes.submitted_at',
        'changes.started_at',
        'changes.completed_at',
        'change_reviews.outcome',
        'change_reviews.incident_ids',
      ])
      .where('changes.created_at', '<', before)
      .orderBy('changes.id')
      .execute();
  },

  async changeCis(db: Db, changeIds: readonly number[]) {
    return chunked(changeIds, (chunk) =>
      db.selectFrom('change_cis').select(['change_id', 'ci_id']).where('change_id', 'in', chunk).execute(),
    );
  },

  /** First approval decision per change that approved it (not voided). */
  async firstApprovals(db: Db, changeIds: readonly number[]) {
    return chunked(changeIds, (chunk) =>
      db
        .selectFrom('change_approvals')
        .select(['change_id', (eb) => eb.fn.min('created_at').as('first_at')])
        .where('decision', '=', 'approved')
        .where('voided_at', 'is', null)
        .where('change_id', 'in', chunk)
        .groupBy('change_id')
        .execute(),
    );
  },

  async incidents(db: Db, before: string) {
    return db
      .selectFrom('incidents')
      .select(['id', 'started_at', 'resolved_at', 'caused_by_release_id', 'caused_by_change_id'])
      .where('started_at', '<', before)
      .orderBy('id')
      .execute();
  },

  async incidentCis(db: Db, incidentIds: readonly number[]) {
    return chunked(incidentIds, (chunk) =>
      db.selectFrom('incident_cis').select(['incident_id', 'ci_id']).where('incident_id', 'in', chunk).execute(),
    );
  },

  // Maturity evidence.

  async policyVersions(db: Db): Promise<number> {
    const row = await db
      .selectFrom('policy_versions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async passedTests(db: Db, releaseIds: readonly number[]) {
    return chunked(releaseIds, (chunk) =>
      db
        .selectFrom('release_tests')
        .select(['release_id', 'protocol'])
        .distinct()
        .where('outcome', '=', 'passed')
        .where('release_id', 'in', chunk)
        .execute(),
    );
  },

  async passedRehearsals(db: Db, releaseIds: readonly number[]) {
    return chunked(releaseIds, (chunk) =>
      db
        .selectFrom('release_rehearsals')
        .select('release_id')
        .distinct()
        .where('outcome', '=', 'passed')
        .where('release_id', 'in', chunk)
        .execute(),
    );
  },

  async reviewedReleases(db: Db, releaseIds: readonly number[]) {
    return chunked(releaseIds, (chunk) =>
      db.selectFrom('release_reviews').select('release_id').where('release_id', 'in', chunk).execute(),
    );
  },

  /** Plan sections per release and how many are still empty. */
  async planSections(db: Db, releaseIds: readonly number[]) {
    return chunked(releaseIds, (chunk) =>
      db
        .selectFrom('release_plan_sections')
        .select(['release_id', 'status', 'content'])
        .where('release_id', 'in', chunk)
        .execute(),
    );
  },

  /** Live CIs: counts for completeness, freshness and relationships. */
  async cmdbCounts(db: Db, freshSince: string) {
    const live = db.selectFrom('cis').where('status', '!=', 'retired');
    const count = async (query: typeof live) =>
      Number((await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const total = await count(live);
    const complete = await count(live.where('owner', 'is not', null).where('environment', 'is not', null));
    const fresh = await count(
      live.where((eb) => eb.or([eb('updated_at', '>=', freshSince), eb('last_seen_at', '>=', freshSince)])),
    );
    const related = await count(
      live.where((eb) =>
        eb.or([
          eb.exists(
            eb
              .selectFrom('relationships')
              .select('relationships.id')
              .whereRef('relationships.source_id', '=', 'cis.id'),
          ),
          eb.exists(
            eb
              .selectFrom('relationships')
              .select('relationships.id')
              .whereRef('relationships.target_id', '=', 'cis.id'),
          ),
        ]),
      ),
    );
    return { total, complete, fresh, related };
  },

  async baselinesSince(db: Db, since: string): Promise<number> {
    const row = await db
      .selectFrom('baselines')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },
};
