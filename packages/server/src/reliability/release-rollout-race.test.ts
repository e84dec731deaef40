import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { ReleaseClient, type ReleaseOrg, setupReleaseOrg } from '../test-support/release-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { approvableRelease, copyRelease, readState, violations } from './support/release-interleavings.js';

/**
 * Suite 3 (issue 11), the race the release interleavings are after, pinned down: a rollout's
 * pre-start checks run outside its transaction, so the release may be cancelled between the
 * checks and the insert. The rollout must then not be created (422), on either database.
 */
const NOW = '2026-12-01T08:00:00.000Z';

describe.each(testDatabaseKinds())('a rollout racing its release on %s', (kind) => {
  let t: TestApp;
  let org: ReleaseOrg;
  let releases: ReleaseClient;
  let templateId: number;
  const scheduledAt = new Date(Date.parse(NOW) + 25 * 3_600_000).toISOString();

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: new ManualClock(NOW) });
    org = await setupReleaseOrg(t, 'race-');
    releases = new ReleaseClient(t);
    templateId = await approvableRelease(t, org, NOW, [org.cis.dt1], [org.cis.dtOld]);
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await t?.close();
  });

  const rollout = (id: number, environment: string) =>
    releases.call(org.users.rita.token, 'POST', `/api/v1/releases/${id}/rollouts`, {
      environment,
      strategy: { kind: 'big_bang' },
      executor: { kind: 'simulated' },
      scheduledAt,
    });

  it('creates no rollout of a release cancelled while the rollout was being checked', async () => {
    const id = await copyRelease(t.slipway.ctx.database.db, templateId, `race-${kind}`);
    const approved = await releases.call(org.users.cora.token, 'POST', `/api/v1/releases/${id}/approve`, {});
    expect(approved.statusCode, approved.body).toBe(200);
    // The first rollout schedules the release; a second environment is rolled out from `scheduled`.
    const first = await rollout(id, 'production');
    expect(first.statusCode, first.body).toBe(201);

    // While the staging rollout runs its pre-start checks, the release manager cancels the release.
    const analysis = t.slipway.ctx.releases.analysis;
    const check = analysis.coexistence.bind(analysis);
    const spy = vi.spyOn(analysis, 'coexistence').mockImplementationOnce(async (...args) => {
      const cancelled = await releases.call(org.users.rita.token, 'POST', `/api/v1/releases/${id}/transitions`, {
        to: 'cancelled',
      });
      expect(cancelled.statusCode, cancelled.body).toBe(200);
      return check(...args);
    });
    const second = await rollout(id, 'staging');
    expect(spy).toHaveBeenCalled();
    expect(second.statusCode, second.body).toBe(422);
    expect(second.json().error.details.rule).toBe('rollout.release_approved');

    const state = await readState(t.slipway.ctx.database.db, id);
    expect(state.release.state).toBe('cancelled');
    expect(state.rollouts.map((r) => r.environment)).toEqual(['production']);
    expect(violations(state, 1)).toEqual([]);
  });
});
