import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type SlipwayApp } from '../app.js';
import { ManualClock } from '../platform/clock.js';
import { errorOf, type ReleaseOrg, setupReleaseOrg } from '../test-support/release-kit.js';
import { approvedRelease, desktops, inState, type RolloutJson, waitFor } from '../test-support/rollout-kit.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

interface ActivationJson {
  id: number;
  state: string;
  activateAt: string | null;
  requestedBy: string;
  decidedBy: string | null;
  decisionNote: string | null;
  activatedAt: string | null;
  closedBy: string | null;
  closedReason: string | null;
}
type WithRequest = RolloutJson & { activationRequest: ActivationJson | null };

const HOUR = 3_600_000;

/**
 * The activation of a dormant rollout as its own, separately approved step: requested by a
 * release manager (now or at a time inside the rollout's windows and outside freezes), approved
 * or rejected by a change manager or CAB member who neither asked nor started the rollout;
 * a scheduled activation is a durable job that fires on the test clock, survives a restart, and
 * does nothing once cancelled.
 */
describe.each(testDatabaseKinds())('dormant rollout activation on %s', (kind) => {
  let t: TestApp;
  let org: ReleaseOrg;
  let fleet: number[];
  /** The second server of the restart case (the last test), closed before the test app. */
  let restarted: SlipwayApp | undefined;
  const clock = new ManualClock(new Date());
  const iso = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs).toISOString();
  const token = (name: keyof ReleaseOrg['users']) => org.users[name].token;

  const post = (name: keyof ReleaseOrg['users'], url: string, body: unknown = {}) =>
    t.request({ method: 'POST', url, token: token(name), body });
  const ok = async (name: keyof ReleaseOrg['users'], url: string, body: unknown = {}): Promise<WithRequest> => {
    const res = await post(name, url, body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as WithRequest;
  };
  const events = async (id: number): Promise<{ type: string; data: Record<string, unknown> }[]> =>
    (await t.request({ method: 'GET', url: `/api/v1/rollouts/${id}/events/log?limit=1000` })).json().items;

  /** A dormant rollout of a fresh release over `targets`, started by `starter`, installed everywhere. */
  const dormant = async (
    targets: number[],
    starter: keyof ReleaseOrg['users'] = 'rita',
    windows?: { start: string; end: string }[],
  ): Promise<WithRequest> => {
    const release = await approvedRelease(t, org, targets, { element: 'messaging', product: 'Kafka' });
    const res = await post(starter, `/api/v1/releases/${release.id}/rollouts`, {
      environment: 'production',
      strategy: { kind: 'dormant' },
      executor: { kind: 'simulated', latencyMs: 1 },
      ...(windows && { windows }),
    });
    expect(res.statusCode, res.body).toBe(201);
    return (await waitFor(t, res.json().id, inState('dormant'))) as WithRequest;
  };

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    org = await setupReleaseOrg(t);
    fleet = await desktops(t, 'ACT-DT', 8, ['AMS', 'RTM'], org.cis.zoomOld);
  });
  afterAll(async () => {
    await restarted?.close();
    await t?.close();
  });

  it('requested by one person, approved by another who neither asked nor started it; bad input refused', async () => {
    // Not dormant: a big-bang rollout that completed has nothing to activate.
    const plain = await approvedRelease(t, org, fleet.slice(0, 1), { product: 'Slack' });
    const started = await post('rita', `/api/v1/releases/${plain.id}/rollouts`, {
      environment: 'production',
      strategy: { kind: 'big_bang' },
      executor: { kind: 'simulated', latencyMs: 1 },
    });
    const done = await waitFor(t, started.json().id, inState('completed'));
    expect(done.allowedActions).not.toContain('activate');
    const notDormant = errorOf(await post('rita', `/api/v1/rollouts/${done.id}/activate`), 422, 'ILLEGAL_TRANSITION');
    expect(notDormant.details.from).toBe('completed');

    // Started by rex (release manager and CAB member at once).
    let r = await dormant(fleet.slice(1, 3), 'rex');
    const url = `/api/v1/rollouts/${r.id}`;
    expect(r.allowedActions.sort()).toEqual(['activate', 'backout']);
    expect(r.activationRequest).toBeNull();
    expect(errorOf(await post('carl', `${url}/activation/approve`), 422, 'DOMAIN_RULE').details.rule).toBe(
      'rollout.activation_request',
    );
    expect(
      errorOf(await post('rita', `${url}/activate`, { activateAt: iso(-60_000) }), 400, 'INVALID_INPUT').message,
    ).toMatch(/activateAt must lie in the future/);
    expect((await post('rita', `${url}/activate`, { activateAt: 'tomorrow' })).statusCode).toBe(400);
    expect((await post('ivan', `${url}/activate`)).statusCode).toBe(403);
    expect((await post('audrey', `${url}/activate`)).statusCode).toBe(403);

    r = await ok('rita', `${url}/activate`, { note: 'consumers are ready' });
    expect(r.state).toBe('dormant');
    expect(r.activationRequest).toMatchObject({ state: 'pending', requestedBy: 'rita', activateAt: null });
    expect(r.allowedActions.sort()).toEqual([
      'approve_activation',
      'backout',
      'cancel_activation',
      'reject_activation',
    ]);
    expect(errorOf(await post('rita', `${url}/activate`), 409, 'CONFLICT').message).toMatch(
      /already has an activation request/,
    );

    // The rollout's starter may not approve its activation; nor may the requester; nor an engineer, the admin or the auditor.
    const starter = errorOf(await post('rex', `${url}/activation/approve`), 403, 'SOD_VIOLATION');
    expect(starter.details.rule).toBe('sod.approver_not_rollout_starter');
    expect(starter.message).toMatch(/rex started rollout/);
    for (const name of ['ivan', 'audrey', 'rita'] as const)
      expect((await post(name, `${url}/activation/approve`)).statusCode, name).toBe(403);
    expect((await t.request({ method: 'POST', url: `${url}/activation/approve`, body: {} })).statusCode).toBe(403);

    // A reason is required to reject; rejected, the rollout stays dormant and may be asked again.
    expect((await post('carl', `${url}/activation/reject`, { reason: '' })).statusCode).toBe(400);
    r = await ok('carl', `${url}/activation/reject`, { reason: 'not before the consumer upgrade' });
    expect(r).toMatchObject({ state: 'dormant', activation: 'inactive' });
    expect(r.activationRequest).toMatchObject({
      state: 'rejected',
      decidedBy: 'carl',
      closedReason: 'not before the consumer upgrade',
    });
    expect(r.allowedActions.sort()).toEqual(['activate', 'backout']);

    // Asked by rex, who may not approve his own request.
    await ok('rex', `${url}/activate`);
    const own = errorOf(await post('rex', `${url}/activation/approve`), 403, 'SOD_VIOLATION');
    expect(own.details.rule).toBe('sod.approver_not_requester');
    expect(own.message).toMatch(/rex requested activation/);

    r = await ok('cora', `${url}/activation/approve`, { note: 'go' });
    expect(r.activationRequest).toMatchObject({ state: 'activated', decidedBy: 'cora', decisionNote: 'go' });
    r = (await waitFor(t, r.id, inState('completed'))) as WithRequest;
    expect(r.activation).toBe('active');
    expect(r.totals.deployed).toBe(2);

    const history = (await t.request({ method: 'GET', url: `${url}/activations` })).json().items as ActivationJson[];
    expect(history.map((a) => `${a.state}:${a.requestedBy}:${a.decidedBy}`)).toEqual([
      'activated:rex:cora',
      'rejected:rita:carl',
    ]);
    const types = (await events(r.id)).map((e) => e.type);
    for (const type of [
      'rollout.activation_requested',
      'rollout.activation_rejected',
      'rollout.activation_approved',
      'rollout.activated',
    ])
      expect(types, type).toContain(type);
    expect(types.indexOf('rollout.activation_approved')).toBeLessThan(types.indexOf('rollout.activated'));
    const audit = (
      await t.request({ method: 'GET', url: `/api/v1/audit?objectType=rollout&objectId=${r.id}&limit=200` })
    ).json().items as { action: string; actor: { username: string } | string }[];
    const actions = audit.map((a) => a.action);
    for (const action of ['rollout.activation_request', 'rollout.activation_reject', 'rollout.activation_approve'])
      expect(actions, action).toContain(action);

    // Deactivated, a new activation needs a new request and approval.
    await ok('rita', `${url}/deactivate`);
    r = (await waitFor(t, r.id, inState('dormant'))) as WithRequest;
    expect(r.allowedActions.sort()).toEqual(['activate', 'backout']);

    // Activated again (the release is already deployed): completed, and it says when it finished.
    await ok('rita', `${url}/activate`);
    await ok('carl', `${url}/activation/approve`);
    const again = (await waitFor(t, r.id, inState('completed'))) as WithRequest & { finishedAt: string | null };
    expect(again.activation).toBe('active');
    expect(again.finishedAt).not.toBeNull();
  });

  it('a cancelled schedule does nothing when due; one due in a freeze added meanwhile is blocked', async () => {
    const targets = fleet.slice(5, 8);
    let r = await dormant(targets);
    const url = `/api/v1/rollouts/${r.id}`;
    await ok('rita', `${url}/activate`, { activateAt: iso(HOUR) });
    await ok('carl', `${url}/activation/approve`);
    r = await ok('rita', `${url}/activation/cancel`, { reason: 'the consumers are not ready after all' });
    expect(r.activationRequest).toMatchObject({
      state: 'cancelled',
      closedBy: 'rita',
      closedReason: 'the consumers are not ready after all',
    });
    expect(errorOf(await post('rita', `${url}/activation/cancel`), 422, 'DOMAIN_RULE').details.rule).toBe(
      'rollout.activation_request',
    );
    clock.advance(HOUR + 1000);
    await t.slipway.ctx.jobs.drain();
    r = (await t.request({ method: 'GET', url })).json();
    expect(r).toMatchObject({ state: 'dormant', activation: 'inactive' });

    // Scheduled, then a hard freeze is put over its time: when due, it is blocked and recorded.
    await ok('rita', `${url}/activate`, { activateAt: iso(2 * HOUR) });
    await ok('carl', `${url}/activation/approve`);
    const freeze = await t.request({
      method: 'POST',
      url: '/api/v1/freezes',
      token: token('maria'),
      body: {
        name: 'Incident freeze',
        kind: 'hard',
        startsAt: iso(HOUR),
        endsAt: iso(3 * HOUR),
        scope: { ciIds: targets },
      },
    });
    expect(freeze.statusCode, freeze.body).toBe(201);
    clock.advance(2 * HOUR + 1000);
    await t.slipway.ctx.jobs.drain();
    r = (await t.request({ method: 'GET', url })).json();
    expect(r.state).toBe('dormant');
    expect(r.activationRequest?.state).toBe('blocked');
    expect(r.activationRequest?.closedReason).toMatch(/Incident freeze/);
    expect((await events(r.id)).map((e) => e.type)).toContain('rollout.activation_blocked');

    // A back-out closes an open request with it.
    await ok('rita', `${url}/activate`);
    r = await ok('rita', `${url}/backout`, { reason: 'Kafka 3.7 withdrawn by the vendor' });
    expect(r.activationRequest).toMatchObject({ state: 'cancelled' });
    expect(r.activationRequest?.closedReason).toMatch(/backed out/);
    await waitFor(t, r.id, inState('backed_out'));
  });
  it('a scheduled activation waits for its time inside the windows and outside freezes, fires on the clock, and survives a restart', async () => {
    const targets = fleet.slice(3, 5);
    const windows = [
      { start: iso(-HOUR), end: iso(HOUR) },
      { start: iso(2 * HOUR), end: iso(4 * HOUR) },
    ];
    let r = await dormant(targets, 'rita', windows);
    const url = `/api/v1/rollouts/${r.id}`;
    const outside = errorOf(await post('rita', `${url}/activate`, { activateAt: iso(1.5 * HOUR) }), 422, 'DOMAIN_RULE');
    expect(outside.details.rule).toBe('rollout.activation_window');
    const freeze = await t.request({
      method: 'POST',
      url: '/api/v1/freezes',
      token: token('maria'),
      body: {
        name: 'Broker maintenance',
        kind: 'soft',
        startsAt: iso(3 * HOUR),
        endsAt: iso(3.5 * HOUR),
        scope: { ciIds: targets },
      },
    });
    expect(freeze.statusCode, freeze.body).toBe(201);
    const frozen = errorOf(await post('rita', `${url}/activate`, { activateAt: iso(3.2 * HOUR) }), 422, 'DOMAIN_RULE');
    expect(frozen.details.rule).toBe('rollout.activation_freeze');
    expect(frozen.message).toMatch(/Broker maintenance/);

    const at = iso(2.5 * HOUR);
    r = await ok('rita', `${url}/activate`, { activateAt: at });
    r = await ok('maria', `${url}/activation/approve`);
    expect(r.state).toBe('dormant');
    expect(r.activationRequest).toMatchObject({ state: 'scheduled', activateAt: at, decidedBy: 'maria' });
    expect(r.allowedActions.sort()).toEqual(['backout', 'cancel_activation']);
    // Not due yet: running every due job changes nothing.
    await t.slipway.ctx.jobs.drain();
    expect((await t.request({ method: 'GET', url })).json().state).toBe('dormant');
    const job = await t.slipway.ctx.database.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'rollout.activate')
      .where('state', '=', 'pending')
      .execute();
    expect(job.map((j) => j.run_at)).toEqual([at]);

    // Restart: the server goes away, time passes, a new one on the same database fires the job.
    await t.slipway.close();
    clock.advance(2.5 * HOUR + 1000);
    const again = await buildApp(t.config, { logger: false, clock });
    restarted = again;
    const get = async (path: string) =>
      (
        await again.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      ).json();
    const deadline = Date.now() + 20_000;
    for (;;) {
      await again.ctx.jobs.drain();
      r = await get(url);
      if (r.state === 'completed' || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(r).toMatchObject({ state: 'completed', activation: 'active' });
    expect(r.activationRequest).toMatchObject({ state: 'activated', activatedAt: clock.now().toISOString() });
    const log = (await get(`${url}/events/log?limit=1000`)).items as { type: string; data: Record<string, unknown> }[];
    const fired = log.find((e) => e.type === 'rollout.resumed' && e.data.activationId !== undefined);
    expect(fired?.data.reason).toMatch(/scheduled activation \d+ is due \(approved by maria\)/);
  });
});
