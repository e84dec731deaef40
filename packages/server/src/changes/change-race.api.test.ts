import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { ChangeClient, type ChangeOrg, setupChangeOrg, windowAt } from '../test-support/change-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { scopeHash } from './change.service.js';

const NOW = '2026-12-01T08:00:00.000Z';
const PAIRS = 50;

interface ChangeJson {
  id: number;
  version: number;
  state: string;
  ciIds: number[];
  plannedStart: string | null;
  plannedEnd: string | null;
  implementer: { id: number } | null;
  approval: { met: boolean; round: number; approvals: { approverName: string }[] };
}

interface ApprovalJson {
  approverName: string;
  decision: string;
  scopeHash: string;
  round: number;
  changeVersion: number;
  voidedAt: string | null;
}

/**
 * The race of an approval with an edit of the same change (anchors §7.2 C3): 50 pairs sent at
 * once, in three variants. Whatever the interleaving, an approval that stands must be for the
 * scope (CIs, window, implementer) the change has now, and a change whose quorum is met must
 * have exactly the scope its approvers approved.
 */
describe.each(testDatabaseKinds())('approval racing an edit on %s', (kind) => {
  let t: TestApp;
  let org: ChangeOrg;
  let api: ChangeClient;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: new ManualClock(NOW) });
    org = await setupChangeOrg(t);
    api = new ChangeClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function awaitingApproval(i: number): Promise<ChangeJson> {
    const created = await api.create(org.users.rita.token, {
      type: 'normal',
      title: `Race ${i}`,
      ciIds: [i % 2 === 0 ? org.cis.web01 : org.cis.app02],
      ...windowAt(NOW, 48 + i),
      implementerId: org.users.ivan.id,
      backoutPlan: 'Roll back',
    });
    expect((await api.act(org.users.rita.token, created.id, 'submit')).statusCode).toBe(200);
    const res = await api.act(org.users.maria.token, created.id, 'assess');
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  it(`never leaves an approval standing for a scope the change no longer has (${PAIRS} interleavings)`, async () => {
    const changes: ChangeJson[] = [];
    for (let i = 0; i < PAIRS; i++) changes.push(await awaitingApproval(i));

    // Variant by index: 0 both send If-Match; 1 the edit has none; 2 the approval has none.
    // Pairs go in small batches: the two requests of a pair then reach their transactions at
    // nearly the same moment (with all 100 at once, queueing mostly separated them).
    const runPair = async (change: ChangeJson, i: number) => {
      const variant = i % 3;
      const ifMatch = { 'if-match': `"${change.version}"` };
      const edit = i % 4 === 0 ? { ciIds: [org.cis.db01] } : windowAt(NOW, 100 + i);
      const [approve, patch] = await Promise.all([
        api.call(
          org.users.carl.token,
          'POST',
          `/api/v1/changes/${change.id}/approve`,
          { comment: 'ok' },
          variant === 2 ? undefined : ifMatch,
        ),
        api.call(
          org.users.rita.token,
          'PATCH',
          `/api/v1/changes/${change.id}`,
          edit,
          variant === 1 ? undefined : ifMatch,
        ),
      ]);
      return { change, variant, approve: approve.statusCode, patch: patch.statusCode };
    };
    const results: Awaited<ReturnType<typeof runPair>>[] = [];
    for (let i = 0; i < changes.length; i += 2) {
      results.push(...(await Promise.all(changes.slice(i, i + 2).map((c, j) => runPair(c, i + j)))));
    }

    let approvalsWon = 0;
    let editsWon = 0;
    for (const r of results) {
      for (const status of [r.approve, r.patch]) expect([200, 409, 412]).toContain(status);
      if (r.variant === 0) {
        // Both claimed the same version: exactly one of them got it.
        expect([r.approve, r.patch].sort()).toEqual([200, 412]);
      }
      if (r.approve === 200) approvalsWon++;
      if (r.patch === 200) editsWon++;
    }
    expect(approvalsWon + editsWon).toBeGreaterThanOrEqual(PAIRS);

    for (const r of results) {
      const now = await api.ok<ChangeJson>(t.adminToken, 'GET', `/api/v1/changes/${r.change.id}`);
      const decisions = (
        await api.ok<{ items: ApprovalJson[] }>(t.adminToken, 'GET', `/api/v1/changes/${r.change.id}/approvals`)
      ).items;
      const currentScope = scopeHash(now.ciIds, now.plannedStart, now.plannedEnd, now.implementer?.id ?? null);
      const standing = decisions.filter((d) => d.voidedAt === null && d.decision === 'approved');
      for (const d of standing) {
        expect(d.scopeHash, `change ${r.change.id}: a standing approval for another scope`).toBe(currentScope);
        expect(d.round).toBe(now.approval.round);
      }
      if (now.approval.met) expect(standing.length).toBeGreaterThan(0);
      // An approval that lost to the edit is voided, never silently kept.
      if (r.approve === 200 && r.patch === 200) {
        const carl = decisions.filter((d) => d.approverName === 'carl');
        const stillStanding = carl.filter((d) => d.voidedAt === null);
        for (const d of stillStanding) expect(d.scopeHash).toBe(currentScope);
      }
      expect(now.approval.approvals.length).toBe(standing.length);
    }

    // Schedule every change whose quorum is met: each keeps exactly the approved scope.
    for (const r of results) {
      const now = await api.ok<ChangeJson>(t.adminToken, 'GET', `/api/v1/changes/${r.change.id}`);
      if (!now.approval.met) continue;
      const scheduled = await api.act(org.users.maria.token, r.change.id, 'schedule');
      expect(scheduled.statusCode, scheduled.body).toBe(200);
      const s = scheduled.json() as ChangeJson;
      const decisions = (
        await api.ok<{ items: ApprovalJson[] }>(t.adminToken, 'GET', `/api/v1/changes/${r.change.id}/approvals`)
      ).items;
      const approvedScopes = new Set(decisions.filter((d) => d.voidedAt === null).map((d) => d.scopeHash));
      expect([...approvedScopes]).toEqual([
        scopeHash(s.ciIds, s.plannedStart, s.plannedEnd, s.implementer?.id ?? null),
      ]);
    }
  });
});
