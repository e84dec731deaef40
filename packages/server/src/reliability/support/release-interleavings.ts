import { type Kysely, sql } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../platform/database-schema.js';
import { ReleaseClient, type ReleaseOrg, windowIn } from '../../test-support/release-kit.js';
import type { TestApp } from '../../test-support/test-app.js';

/**
 * Fixtures and the oracle of suite 3's release interleavings (approve / edit / rollout). Only
 * concurrency.test.ts imports this.
 *
 * A release that an ECAB member can approve takes a dozen requests to build (plan, artifact,
 * targets, build, test, promotions and results, a linked and approved request for change). One
 * such template is built through the API; each interleaving gets a copy of it made in one
 * transaction of plain row copies, so a thousand interleavings stay cheap. The copy is only the
 * starting state: everything the interleavings exercise goes through HTTP.
 */

/** A table treated as rows of plain values (the copies do not care about column types). */
type Rows = Kysely<Record<string, Record<string, unknown>>>;

/** Every table that hangs off a release (rollouts and approvals excluded: the copy has none yet). */
const RELEASE_CHILDREN = [
  'release_plan_sections',
  'release_artifacts',
  'release_ci_changes',
  'release_targets',
  'release_target_queries',
  'release_tests',
  'release_transitions',
  'release_promotions',
  'release_rehearsals',
];
const CHANGE_CHILDREN = ['change_cis', 'change_approvals', 'change_transitions'];

/** Audit actions that change what the CAB approves (the release's scope). */
export const SCOPE_EDITS = new Set([
  'release.update',
  'release.plan.update',
  'release.targets.add',
  'release.targets.remove',
  'release.target_query.add',
  'release.target_query.remove',
  'release.artifact.add',
  'release.artifact.remove',
  'release.ci_change.add',
  'release.ci_change.remove',
  'release.reservation.add',
  'release.reservation.remove',
]);

/** The columns of each table, read once per database (a copy names them in INSERT … SELECT). */
const columnsOf = new WeakMap<object, Promise<Map<string, string[]>>>();

async function columns(db: Kysely<Database>): Promise<Map<string, string[]>> {
  let known = columnsOf.get(db);
  if (!known) {
    known = db.introspection
      .getTables()
      .then((tables) => new Map(tables.map((t) => [t.name, t.columns.map((c) => c.name)])));
    columnsOf.set(db, known);
  }
  return known;
}

/**
 * Copies the rows of `table` whose `column` is `from` into rows whose `column` is `to`, in one
 * INSERT … SELECT (no round trip per row); `overrides` replace other columns' values.
 */
async function copyRows(
  tx: Rows,
  known: Map<string, string[]>,
  table: string,
  column: string,
  from: number,
  to: number,
  overrides: Record<string, string | number> = {},
): Promise<number[]> {
  const names = (known.get(table) ?? []).filter((c) => c !== 'id');
  if (names.length === 0) throw new Error(`copyRows: no table ${table}`);
  const values = { ...overrides, [column]: to };
  const query = tx
    .insertInto(table)
    .columns(names)
    .expression(
      tx
        .selectFrom(table)
        .select(names.map((c) => (c in values ? sql.lit(values[c]).as(c) : sql.ref(c).as(c))))
        .where(column, '=', from),
    );
  if (!(known.get(table) ?? []).includes('id')) {
    await query.execute();
    return [];
  }
  return (await query.returning('id').execute()).map((r) => Number(r.id));
}

/** A copy of release `templateId` (and of its linked request for change) as a new release unit. */
export async function copyRelease(db: Kysely<Database>, templateId: number, suffix: string): Promise<number> {
  const known = await columns(db);
  return (db as unknown as Rows).transaction().execute(async (tx) => {
    const template = await tx
      .selectFrom('releases')
      .select('unit_name')
      .where('id', '=', templateId)
      .executeTakeFirstOrThrow();
    const unit = `${String(template.unit_name)}-${suffix}`;
    const [id] = await copyRows(tx, known, 'releases', 'id', templateId, templateId, { unit_name: unit });
    if (id === undefined) throw new Error(`copyRelease: no release ${templateId}`);
    for (const table of RELEASE_CHILDREN) await copyRows(tx, known, table, 'release_id', templateId, id);
    const changes = await tx.selectFrom('changes').select('id').where('release_id', '=', templateId).execute();
    for (const change of changes) {
      const [copy] = await copyRows(tx, known, 'changes', 'id', Number(change.id), Number(change.id), {
        release_id: id,
      });
      if (copy === undefined) throw new Error(`copyRelease: change ${String(change.id)} not copied`);
      for (const table of CHANGE_CHILDREN) await copyRows(tx, known, table, 'change_id', Number(change.id), copy);
    }
    return id;
  });
}

/**
 * An emergency desktop release in `in_test` that one ECAB approval takes to `approved`: plan,
 * an approved artifact, targets in production (`targets`) and staging (`stagingTargets`), tests
 * passed, its request for change approved. `now` is the (manual) clock's time.
 */
export async function approvableRelease(
  t: TestApp,
  org: ReleaseOrg,
  now: string,
  targets: number[],
  stagingTargets: number[],
): Promise<number> {
  const api = new ReleaseClient(t);
  const rita = org.users.rita.token;
  const unit = `interleaving-${process.pid}`;
  const created = await api.create(rita, {
    type: 'emergency',
    element: 'desktop',
    unit,
    releaseVersion: '1.0.0',
    title: 'Interleaving template',
    ...windowIn(now, 1),
  });
  await api.fillPlan(rita, created.id, ['scope', 'backout_plan']);
  const artifact = await api.artifact(org.users.maria.token, { name: unit, artifactVersion: '1.0.0' });
  await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/artifacts`, { artifactId: artifact });
  await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/targets`, { environment: 'production', cis: targets });
  await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/targets`, {
    environment: 'staging',
    cis: stagingTargets,
  });
  for (const to of ['built', 'in_test']) {
    const moved = await api.move(rita, created.id, to);
    expect(moved.statusCode, moved.body).toBe(200);
  }
  for (const env of ['development', 'test', 'staging']) {
    const promoted = await api.promote(rita, created.id, env);
    expect(promoted.statusCode, promoted.body).toBe(201);
    await api.passTests(org.users.ted.token, created.id, env);
  }
  const raised = (await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/change`, { submit: true })) as {
    change: { id: number };
  };
  await api.ok(org.users.carl.token, 'POST', `/api/v1/changes/${raised.change.id}/approve`, {});
  const readiness = await api.ok<{ approval: { open: boolean; checks: unknown[] } | null }>(
    rita,
    'GET',
    `/api/v1/releases/${created.id}/readiness`,
  );
  expect(readiness.approval?.open, JSON.stringify(readiness.approval)).toBe(true);
  return created.id;
}

export interface InterleavingState {
  release: { id: number; state: string; scopeRound: number };
  approvals: { approverId: number; scopeRound: number; voided: boolean }[];
  /** The release's scope now: targets per environment, artifacts with their digests. */
  targets: Map<string, number[]>;
  artifacts: { id: number; sha256: string }[];
  rollouts: { id: number; environment: string; targets: number[]; artifacts: { id: number; sha256: string }[] }[];
  /** The release's and its rollouts' audit entries, in chain order. */
  audit: { seq: number; action: string; objectType: string; objectId: string | null }[];
}

/** Everything the oracle needs about one release, read straight from the database. */
export async function readState(db: Kysely<Database>, releaseId: number): Promise<InterleavingState> {
  const release = await db.selectFrom('releases').selectAll().where('id', '=', releaseId).executeTakeFirstOrThrow();
  const approvals = await db.selectFrom('release_approvals').selectAll().where('release_id', '=', releaseId).execute();
  const targetRows = await db.selectFrom('release_targets').selectAll().where('release_id', '=', releaseId).execute();
  const targets = new Map<string, number[]>();
  for (const r of targetRows) targets.set(r.environment, [...(targets.get(r.environment) ?? []), r.ci_id].sort());
  const artifacts = await db
    .selectFrom('release_artifacts')
    .innerJoin('artifacts', 'artifacts.id', 'release_artifacts.artifact_id')
    .select(['artifacts.id as id', 'artifacts.sha256 as sha256'])
    .where('release_artifacts.release_id', '=', releaseId)
    .orderBy('artifacts.id')
    .execute();
  const rolloutRows = await db.selectFrom('rollouts').selectAll().where('release_id', '=', releaseId).execute();
  const rollouts: InterleavingState['rollouts'] = [];
  for (const r of rolloutRows) {
    const ran = await db.selectFrom('rollout_targets').select('ci_id').where('rollout_id', '=', r.id).execute();
    const prechecks = (typeof r.prechecks === 'string' ? JSON.parse(r.prechecks) : r.prechecks) as {
      artifactIntegrity: { artifacts: { id: number; sha256: string }[] };
    };
    rollouts.push({
      id: r.id,
      environment: r.environment,
      targets: ran.map((x) => x.ci_id).sort(),
      artifacts: prechecks.artifactIntegrity.artifacts
        .map((a) => ({ id: a.id, sha256: a.sha256 }))
        .sort((a, b) => a.id - b.id),
    });
  }
  const audit = await db
    .selectFrom('audit_log')
    .select(['seq', 'action', 'object_type', 'object_id'])
    .where((eb) =>
      eb.or([
        eb.and([eb('object_type', '=', 'release'), eb('object_id', '=', String(releaseId))]),
        ...(rollouts.length > 0
          ? [
              eb.and([
                eb('object_type', '=', 'rollout'),
                eb(
                  'object_id',
                  'in',
                  rollouts.map((r) => String(r.id)),
                ),
              ]),
            ]
          : []),
      ]),
    )
    .orderBy('seq')
    .execute();
  return {
    release: { id: release.id, state: release.state, scopeRound: release.scope_round },
    approvals: approvals.map((a) => ({
      approverId: a.approver_id,
      scopeRound: a.scope_round,
      voided: a.voided_at !== null,
    })),
    targets,
    artifacts: artifacts.map((a) => ({ id: Number(a.id), sha256: String(a.sha256) })),
    rollouts,
    audit: audit.map((a) => ({ seq: a.seq, action: a.action, objectType: a.object_type, objectId: a.object_id })),
  };
}

/** States in which a release has been authorised (the CAB's quorum approved its scope). */
const AUTHORISED = new Set(['approved', 'scheduled', 'rolling_out', 'deployed', 'backing_out', 'backed_out']);

/**
 * The invariants of suite 3 for one release after an interleaving; returns the violations found
 * (empty when it holds):
 * 1. every rollout was created after the release's approval, never after a cancellation;
 * 2. every rollout runs exactly the scope that was approved: no scope edit committed after the
 *    approval (edits then are refused), and the rollout's targets and artifact digests are the
 *    release's (so the approved ones);
 * 3. edits before the approval sent it back to a new round: no approval of an older round
 *    stands, and an authorised release has its quorum in the current round.
 */
export function violations(s: InterleavingState, quorum: number): string[] {
  const found: string[] = [];
  const release = s.audit.filter((a) => a.objectType === 'release');
  const approvedAt = release.find((a) => a.action === 'release.approve')?.seq;
  const cancelledAt = release.find((a) => a.action === 'release.cancel')?.seq;
  const standing = s.approvals.filter((a) => !a.voided);
  for (const a of standing) {
    if (a.scopeRound !== s.release.scopeRound)
      found.push(`an approval of round ${a.scopeRound} stands while the scope is in round ${s.release.scopeRound}`);
  }
  if (AUTHORISED.has(s.release.state)) {
    if (approvedAt === undefined) found.push(`release is ${s.release.state} without an approve transition`);
    if (standing.length < quorum)
      found.push(`release is ${s.release.state} with ${standing.length} standing approval(s)`);
  }
  if (approvedAt !== undefined) {
    for (const e of release) {
      if (SCOPE_EDITS.has(e.action) && e.seq > approvedAt)
        found.push(`scope edit ${e.action} (audit ${e.seq}) committed after the approval (audit ${approvedAt})`);
    }
  }
  for (const r of s.rollouts) {
    const createdAt = s.audit.find(
      (a) => a.objectType === 'rollout' && a.objectId === String(r.id) && a.action === 'rollout.create',
    )?.seq;
    if (createdAt === undefined) {
      found.push(`rollout ${r.id} has no rollout.create audit entry`);
      continue;
    }
    if (approvedAt === undefined || approvedAt > createdAt)
      found.push(`rollout ${r.id} (audit ${createdAt}) of a release not approved when it was created`);
    if (cancelledAt !== undefined && cancelledAt < createdAt)
      found.push(`rollout ${r.id} (audit ${createdAt}) created after the release was cancelled (audit ${cancelledAt})`);
    const approvedTargets = s.targets.get(r.environment) ?? [];
    if (JSON.stringify(r.targets) !== JSON.stringify(approvedTargets))
      found.push(`rollout ${r.id} runs targets ${r.targets} but the approved scope has ${approvedTargets}`);
    if (JSON.stringify(r.artifacts) !== JSON.stringify(s.artifacts))
      found.push(
        `rollout ${r.id} runs artifacts ${JSON.stringify(r.artifacts)}, approved ${JSON.stringify(s.artifacts)}`,
      );
  }
  return found;
}
