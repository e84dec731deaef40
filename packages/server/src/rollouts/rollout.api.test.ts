import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePastRollout } from '../metrics-kpi/history-writer.js';
import { errorOf, type ReleaseOrg, setupReleaseOrg } from '../test-support/release-kit.js';
import { approvedRelease, desktops, inState, type RolloutJson, waitFor } from '../test-support/rollout-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

interface TargetJson {
  ci: { id: number; name: string };
  wave: number;
  state: string;
  changed: boolean;
  startedAt: string | null;
}
interface StepJson {
  targetId: number;
  action: string;
  state: string;
  attempts: number;
  idempotencyKey: string;
}

describe.each(testDatabaseKinds())('rollouts on %s', (kind) => {
  let t: TestApp;
  let org: ReleaseOrg;
  let fleet: number[];
  const rita = () => org.users.rita.token;

  const start = async (releaseId: number, body: Record<string, unknown>) => {
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/releases/${releaseId}/rollouts`,
      token: rita(),
      body: { environment: 'production', ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as RolloutJson;
  };
  const all = async <T>(url: string): Promise<T[]> => {
    const res = await t.request({ method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}limit=1000` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as T[];
  };
  const installedOn = async (ciId: number): Promise<string[]> => {
    const rels = await all<{ type: string; targetId: number; source: { name: string } }>(
      `/api/v1/relationships?targetId=${ciId}&type=installed_on`,
    );
    return rels.map((r) => r.source.name).sort();
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
    org = await setupReleaseOrg(t);
    fleet = await desktops(t, 'RO-DT', 9, ['AMS', 'RTM', 'HAM'], org.cis.zoomOld);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses bad input: unapproved release 422, executable not allowed 400, webhook to a private address 400, a second active rollout 409', async () => {
    const draft = await t.request({
      method: 'POST',
      url: '/api/v1/releases',
      token: rita(),
      body: { type: 'minor', element: 'desktop', unit: 'draft-unit', releaseVersion: '1.0.0', title: 'Not approved' },
    });
    expect(draft.statusCode, draft.body).toBe(201);
    const unapproved = await t.request({
      method: 'POST',
      url: `/api/v1/releases/${draft.json().id}/rollouts`,
      token: rita(),
      body: { environment: 'production', executor: { kind: 'simulated' } },
    });
    expect(errorOf(unapproved, 422, 'DOMAIN_RULE').details.rule).toBe('rollout.release_approved');

    const release = await approvedRelease(t, org, fleet.slice(0, 2), { product: 'Teams' });
    const url = `/api/v1/releases/${release.id}/rollouts`;
    const command = await t.request({
      method: 'POST',
      url,
      token: rita(),
      body: { environment: 'production', executor: { kind: 'command', argv: ['/bin/sh', '-c', 'rm -rf /'] } },
    });
    expect(errorOf(command, 400, 'INVALID_INPUT').details.rule).toBe('rollout.executable_allow_list');
    const relative = await t.request({
      method: 'POST',
      url,
      token: rita(),
      body: { environment: 'production', executor: { kind: 'command', argv: ['echo', 'hi'] } },
    });
    errorOf(relative, 400, 'INVALID_INPUT');
    const webhook = await t.request({
      method: 'POST',
      url,
      token: rita(),
      body: {
        environment: 'production',
        executor: { kind: 'webhook', url: 'http://10.0.0.5/deploy', secret: 'a-long-enough-secret' },
      },
    });
    expect(errorOf(webhook, 400, 'INVALID_INPUT').details.rule).toBe('outbound_allow_list');
    const loopback = await t.request({
      method: 'POST',
      url,
      token: rita(),
      body: {
        environment: 'production',
        executor: { kind: 'webhook', url: 'http://127.0.0.1:9/x', secret: 'a-long-enough-secret' },
      },
    });
    errorOf(loopback, 400, 'INVALID_INPUT');
    const badPlan = await t.request({
      method: 'POST',
      url,
      token: rita(),
      body: {
        environment: 'production',
        strategy: { kind: 'phased', waves: { by: 'percentages', percentages: [50, 20] } },
        executor: { kind: 'simulated' },
      },
    });
    errorOf(badPlan, 400, 'INVALID_INPUT');
    const engineer = await t.request({
      method: 'POST',
      url,
      token: org.users.ivan.token,
      body: { environment: 'production', executor: { kind: 'simulated' } },
    });
    errorOf(engineer, 403, 'FORBIDDEN');

    // Held at its first wave by a manual gate, the rollout stays active: a second one is refused.
    const first = await start(release.id, {
      strategy: { kind: 'big_bang' },
      executor: { kind: 'simulated', latencyMs: 1 },
      defaults: { gates: [{ kind: 'manual' }] },
    });
    const second = await t.request({
      method: 'POST',
      url,
      token: rita(),
      body: { environment: 'production', executor: { kind: 'simulated' } },
    });
    expect(errorOf(second, 409, 'CONFLICT').details.rolloutId).toBe(first.id);
    await waitFor(t, first.id, inState('awaiting_confirmation'));
    const aborted = await t.request({
      method: 'POST',
      url: `/api/v1/rollouts/${first.id}/abort`,
      token: rita(),
      body: { reason: 'test over' },
    });
    expect(aborted.statusCode, aborted.body).toBe(200);
    expect(aborted.json().state).toBe('aborted');
  });

  it('rolls out phased by site behind a pilot: waves in order, each after the previous gate, every target once; the CMDB records the new software', async () => {
    const release = await approvedRelease(t, org, fleet);
    const created = await start(release.id, {
      strategy: { kind: 'phased', waves: { by: 'attribute', attribute: 'site', order: ['RTM'] }, pilot: { count: 1 } },
      executor: { kind: 'simulated', latencyMs: 5, downtimeMs: 1000 },
      defaults: { concurrency: 2 },
    });
    expect(created.waves.map((w) => w.name)).toEqual(['pilot', 'site=RTM', 'site=AMS', 'site=HAM']);
    expect(created.waves.map((w) => w.targets)).toEqual([1, 3, 2, 3]);
    expect(created.waves.every((w) => typeof w.impact?.count === 'number')).toBe(true);
    expect(created.baselineId).toBeTypeOf('number');
    const done = await waitFor(t, created.id, inState('completed'));
    expect(done.totals).toMatchObject({ targets: 9, deployed: 9, failed: 0, downtimeMs: 9000 });
    expect(done.kpis).toMatchObject({ backedOut: false });
    const gatePassed = done.waves.map((w) => w.gatePassedAt as string);
    const targets = await all<TargetJson>(`/api/v1/rollouts/${created.id}/targets`);
    for (const target of targets) {
      expect(target.state).toBe('deployed');
      if (target.wave > 0) expect(String(target.startedAt) >= String(gatePassed[target.wave - 1])).toBe(true);
    }
    const steps = await all<StepJson>(`/api/v1/rollouts/${created.id}/steps`);
    expect(steps).toHaveLength(9);
    expect(steps.every((s) => s.action === 'deploy' && s.state === 'succeeded' && s.attempts === 1)).toBe(true);
    expect(new Set(steps.map((s) => s.idempotencyKey)).size).toBe(9);
    const release2 = await t.request({ method: 'GET', url: `/api/v1/releases/${release.id}`, token: rita() });
    expect(release2.json().state).toBe('deployed');
    // Deployed by a production rollout: the release is in production, not where promotion left it.
    expect(release2.json().currentEnvironment).toBe('production');
    // CMDB refresh: the new version is installed, the old one replaced, on every target.
    expect(await installedOn(fleet[0] as number)).toEqual([`Zoom ${release.version}`]);
    const verification = await t.request({ method: 'GET', url: `/api/v1/rollouts/${created.id}/verification` });
    expect(verification.statusCode, verification.body).toBe(200);
    expect(verification.json()).toMatchObject({ checked: 9, ok: 9, drift: [], unauthorized: [] });
    // Events: the SSE stream replays the whole history of a finished rollout and ends.
    const sse = await t.request({ method: 'GET', url: `/api/v1/rollouts/${created.id}/events` });
    expect(sse.statusCode).toBe(200);
    expect(sse.headers['content-type']).toMatch(/text\/event-stream/);
    const types = [...sse.body.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(types.filter((x) => x === 'rollout.wave_passed')).toHaveLength(4);
    expect(types.at(0)).toBe('rollout.created');
    expect(types.at(-1)).toBe('end');
    // The calendar shows the rollout over the time it actually ran.
    const from = new Date(Date.parse(String(done.startedAt)) - 3_600_000).toISOString();
    const to = new Date(Date.parse(String(done.finishedAt)) + 3_600_000).toISOString();
    const calendar = await t.request({
      method: 'GET',
      url: `/api/v1/calendar?from=${from}&to=${to}&sources=rollouts`,
      token: rita(),
    });
    expect(calendar.statusCode, calendar.body).toBe(200);
    const event = calendar.json().events.find((e: { objectId: number }) => e.objectId === created.id);
    expect(event).toMatchObject({
      source: 'rollouts',
      start: done.startedAt,
      end: done.finishedAt,
      status: 'completed',
    });
  });

  it('a canary that fails its threshold backs itself out: release backed_out with the reason, CMDB as before', async () => {
    const targets = fleet.slice(0, 4);
    const before = await installedOn(targets[0] as number);
    const release = await approvedRelease(t, org, targets, { product: 'Webex' });
    const created = await start(release.id, {
      strategy: { kind: 'canary', canary: { count: 2 } },
      executor: { kind: 'simulated', latencyMs: 2, failCis: [targets[1] as number] },
    });
    const done = await waitFor(t, created.id, inState('backed_out', 'failed'));
    expect(done.state).toBe('backed_out');
    expect(done.reason).toMatch(/failure threshold exceeded in wave 0 \(canary\): 1 of 2/);
    expect(done.waves.map((w) => w.state)).toEqual(['failed', 'pending']);
    const steps = await all<StepJson>(`/api/v1/rollouts/${created.id}/steps`);
    // Only the changed targets (the two canaries) are backed out; the rest never started.
    expect(steps.filter((s) => s.action === 'backout').length).toBe(2);
    // Each once: the driver that failed the wave drives the back-out itself. A second driver
    // (asked for by the back-out) would take over and run the in-flight back-outs again.
    expect(steps.filter((s) => s.action === 'backout').map((s) => s.attempts)).toEqual([1, 1]);
    const drivers = await t.slipway.ctx.database.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', 'rollout.drive')
      .where('payload', '=', JSON.stringify({ rolloutId: created.id }))
      .execute();
    expect(drivers).toHaveLength(1);
    expect(steps.filter((s) => s.action === 'deploy').length).toBe(2);
    const rows = await all<TargetJson>(`/api/v1/rollouts/${created.id}/targets`);
    expect(
      rows
        .filter((r) => r.state === 'backed_out')
        .map((r) => r.ci.id)
        .sort(),
    ).toEqual(targets.slice(0, 2).sort());
    expect(rows.filter((r) => r.state === 'pending')).toHaveLength(2);
    const rel = await t.request({ method: 'GET', url: `/api/v1/releases/${release.id}`, token: rita() });
    expect(rel.json().state).toBe('backed_out');
    expect(await installedOn(targets[0] as number)).toEqual(before);
    const history = await t.request({ method: 'GET', url: `/api/v1/releases/${release.id}/history`, token: rita() });
    expect(
      history
        .json()
        .items.map((h: { action: string }) => h.action)
        .slice(-4),
    ).toEqual(['schedule', 'start_rollout', 'back_out', 'finish_backout']);
  });

  it('pauses, resumes, waits for a manual gate and manual steps, and backs out by hand after success', async () => {
    const targets = fleet.slice(3, 7);
    const before = await installedOn(targets[0] as number);
    const release = await approvedRelease(t, org, targets, { product: 'Slack' });
    const created = await start(release.id, {
      strategy: { kind: 'phased', waves: { by: 'percentages', percentages: [50, 50] } },
      executor: { kind: 'manual', instructions: 'Install from the share' },
      waves: [{ gates: [{ kind: 'manual', prompt: 'Check the helpdesk queue' }] }, null],
    });
    let r = await waitFor(t, created.id, inState('awaiting_confirmation'));
    expect(r.waves[0]?.counts).toEqual({ awaiting_confirmation: 2 });
    // An engineer confirms the manual steps of wave 0 …
    const confirm = async (body: Record<string, unknown>) => {
      const res = await t.request({
        method: 'POST',
        url: `/api/v1/rollouts/${created.id}/confirm`,
        token: org.users.ivan.token,
        body,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as RolloutJson;
    };
    await confirm({ passed: true, ciIds: [targets[0]] });
    r = await confirm({ passed: true });
    // … then the manual gate of wave 0 holds the rollout again.
    r = await waitFor(
      t,
      created.id,
      (x) => x.state === 'awaiting_confirmation' && x.waves[0]?.state === 'awaiting_confirmation',
    );
    const stale = await t.request({
      method: 'POST',
      url: `/api/v1/rollouts/${created.id}/pause`,
      token: rita(),
      body: {},
      headers: { 'if-match': `"${r.version - 1}"` },
    });
    errorOf(stale, 412, 'PRECONDITION_FAILED');
    const paused = await t.request({
      method: 'POST',
      url: `/api/v1/rollouts/${created.id}/pause`,
      token: rita(),
      body: {},
      headers: { 'if-match': `"${r.version}"` },
    });
    expect(paused.json()).toMatchObject({ state: 'paused', pauseReason: 'manual' });
    errorOf(
      await t.request({ method: 'POST', url: `/api/v1/rollouts/${created.id}/pause`, token: rita(), body: {} }),
      422,
      'ILLEGAL_TRANSITION',
    );
    const resumed = await t.request({
      method: 'POST',
      url: `/api/v1/rollouts/${created.id}/resume`,
      token: rita(),
      body: {},
    });
    expect(resumed.json().state).toBe('running');
    r = await waitFor(
      t,
      created.id,
      (x) => x.state === 'awaiting_confirmation' && x.waves[0]?.state === 'awaiting_confirmation',
    );
    await confirm({ passed: true, note: 'queue is quiet' });
    r = await waitFor(
      t,
      created.id,
      (x) => x.state === 'awaiting_confirmation' && (x.waves[1]?.counts.awaiting_confirmation ?? 0) === 2,
    );
    r = await confirm({ passed: true });
    r = await waitFor(t, created.id, inState('completed'));
    expect(r.totals.deployed).toBe(4);
    expect(await installedOn(targets[0] as number)).toEqual([...before, `Slack ${release.version}`].sort());
    const backout = await t.request({
      method: 'POST',
      url: `/api/v1/rollouts/${created.id}/backout`,
      token: rita(),
      body: { reason: 'users report crashes' },
    });
    expect(backout.statusCode, backout.body).toBe(200);
    r = await waitFor(t, created.id, inState('awaiting_confirmation', 'backed_out'));
    // Manual back-out steps, reverse wave order: wave 1's targets come first.
    const waiting = (await all<StepJson>(`/api/v1/rollouts/${created.id}/steps`)).filter((s) => s.action === 'backout');
    const byTarget = new Map(
      (await all<TargetJson & { id: number }>(`/api/v1/rollouts/${created.id}/targets`)).map((x) => [x.id, x]),
    );
    expect(waiting.map((s) => byTarget.get(s.targetId)?.wave)).toEqual([1, 1]);
    await confirm({ passed: true });
    await waitFor(
      t,
      created.id,
      (x) =>
        x.state === 'awaiting_confirmation' &&
        (x.waves[0]?.counts.backing_out ?? 0) === 2 &&
        (x.waves[1]?.counts.backed_out ?? 0) === 2,
    );
    await confirm({ passed: true });
    r = await waitFor(t, created.id, inState('backed_out'));
    expect(r.reason).toBe('users report crashes');
    expect(r.totals.backedOut).toBe(4);
    const rel = await t.request({ method: 'GET', url: `/api/v1/releases/${release.id}`, token: rita() });
    expect(rel.json().state).toBe('backed_out');
    // The CMDB is back at the pre-rollout baseline: the new software is no longer installed.
    expect(await installedOn(targets[0] as number)).toEqual(before);
  });

  it('dormant: installs inactive everywhere, activates as a separate, approved step, deactivates again', async () => {
    const targets = fleet.slice(6, 9);
    const release = await approvedRelease(t, org, targets, { element: 'messaging', product: 'RabbitMQ' });
    const created = await start(release.id, {
      strategy: { kind: 'dormant' },
      executor: { kind: 'simulated', latencyMs: 1 },
    });
    let r = await waitFor(t, created.id, inState('dormant'));
    expect(r).toMatchObject({ activation: 'inactive', allowedActions: ['backout', 'activate'] });
    const rel = async () =>
      (await t.request({ method: 'GET', url: `/api/v1/releases/${release.id}`, token: rita() })).json().state;
    expect(await rel()).toBe('rolling_out');
    expect(
      (
        await t.request({
          method: 'POST',
          url: `/api/v1/rollouts/${created.id}/activate`,
          token: org.users.ivan.token,
          body: {},
        })
      ).statusCode,
    ).toBe(403);
    // Requested by the release manager, approved by a CAB member (rollout-activation.api.test.ts has the rest).
    const activate = async () => {
      const asked = await t.request({
        method: 'POST',
        url: `/api/v1/rollouts/${created.id}/activate`,
        token: rita(),
        body: {},
      });
      expect(asked.statusCode, asked.body).toBe(200);
      expect((await waitFor(t, created.id, inState('dormant'))).state).toBe('dormant');
      const approved = await t.request({
        method: 'POST',
        url: `/api/v1/rollouts/${created.id}/activation/approve`,
        token: org.users.carl.token,
        body: {},
      });
      expect(approved.statusCode, approved.body).toBe(200);
    };
    await activate();
    r = await waitFor(t, created.id, inState('completed'));
    expect(r.activation).toBe('active');
    expect(await rel()).toBe('deployed');
    await t.request({ method: 'POST', url: `/api/v1/rollouts/${created.id}/deactivate`, token: rita(), body: {} });
    r = await waitFor(t, created.id, inState('dormant'));
    expect(r.activation).toBe('inactive');
    await activate();
    r = await waitFor(t, created.id, inState('completed'));
    const steps = await all<StepJson>(`/api/v1/rollouts/${created.id}/steps`);
    const count = (action: string, state: string) =>
      steps.filter((s) => s.action === action && s.state === state).length;
    expect([
      count('install', 'succeeded'),
      count('activate', 'superseded'),
      count('activate', 'succeeded'),
      count('deactivate', 'succeeded'),
    ]).toEqual([3, 3, 3, 3]);
  });

  it('a technology refresh: the reserved DHS items become CIs at their site when the rollout completes', async () => {
    const post = async (url: string, body: Record<string, unknown>) => {
      const res = await t.request({ method: 'POST', url, body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: number; serial?: string };
    };
    const siteCi = await post('/api/v1/cis', { class: 'site', name: `Depot ${kind}` });
    const site = await post('/api/v1/hardware/sites', {
      code: `DP${kind.length}`,
      name: `Depot ${kind}`,
      ciId: siteCi.id,
    });
    const model = await post('/api/v1/hardware/models', { name: `OptiPlex 7020 ${kind}`, ciClass: 'desktop' });
    const items = [];
    for (const serial of ['SN-A1', 'SN-A2'])
      items.push(
        await post('/api/v1/hardware/items', { modelId: model.id, siteId: site.id, serial: `${serial}-${kind}` }),
      );
    const release = await approvedRelease(t, org, fleet.slice(0, 2), {
      product: 'Imager',
      reserve: [{ modelId: model.id, siteId: site.id, quantity: 2 }],
    });
    const created = await start(release.id, {
      strategy: { kind: 'big_bang' },
      executor: { kind: 'simulated', latencyMs: 1 },
    });
    await waitFor(t, created.id, inState('completed'));
    for (const item of items) {
      const now = (await t.request({ method: 'GET', url: `/api/v1/hardware/items/${item.id}` })).json();
      expect(now.state).toBe('deployed');
      const ci = (await t.request({ method: 'GET', url: `/api/v1/cis/${now.ciId}` })).json();
      expect(ci).toMatchObject({ class: 'desktop', name: `hw-${item.serial}`, environment: 'production' });
    }
    const log = (await t.request({ method: 'GET', url: `/api/v1/rollouts/${created.id}/events/log` })).json().items as {
      type: string;
      data: { hardware?: { deployed: number } };
    }[];
    expect(log.find((e) => e.type === 'rollout.completed')?.data.hardware?.deployed).toBe(2);
  });

  it('a driver that lost its lease writes nothing more; the next re-runs the in-flight steps with the same key', async () => {
    const targets = fleet.slice(0, 6);
    const release = await approvedRelease(t, org, targets, { product: 'Chrome' });
    const created = await start(release.id, {
      strategy: { kind: 'big_bang' },
      executor: { kind: 'simulated', latencyMs: 400 },
      defaults: { concurrency: 3 },
    });
    // Wait until three steps are in flight, then take the rollout over as another driver would.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const steps = await all<StepJson>(`/api/v1/rollouts/${created.id}/steps`);
      if (steps.filter((s) => s.state === 'running').length === 3) break;
      if (Date.now() > deadline) throw new Error('no steps in flight');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const db = t.slipway.ctx.database.db;
    await db.updateTable('rollouts').set({ driver_epoch: 1000 }).where('id', '=', created.id).execute();
    await new Promise((resolve) => setTimeout(resolve, 700));
    const stale = await all<StepJson>(`/api/v1/rollouts/${created.id}/steps`);
    expect(stale.filter((s) => s.state === 'running')).toHaveLength(3);
    expect(stale).toHaveLength(3);
    await t.slipway.ctx.rollouts.engine.drive(created.id);
    const r = await waitFor(t, created.id, inState('completed'));
    expect(r.totals.deployed).toBe(6);
    const steps = await all<StepJson>(`/api/v1/rollouts/${created.id}/steps`);
    expect(steps).toHaveLength(6);
    expect(steps.map((s) => s.attempts).sort()).toEqual([1, 1, 1, 2, 2, 2]);
  });

  it('offers and allows no action on a recorded past rollout: a back-out would claim what never ran', async () => {
    const release = await approvedRelease(t, org, fleet.slice(0, 1), { product: 'Recorded' });
    const id = await writePastRollout(t.slipway.ctx.database.db, {
      releaseId: release.id,
      environment: 'production',
      state: 'completed',
      plannedStart: '2026-01-10T20:00:00.000Z',
      plannedEnd: '2026-01-10T22:00:00.000Z',
      startedAt: '2026-01-10T20:05:00.000Z',
      finishedAt: '2026-01-10T20:40:00.000Z',
      backoutStartedAt: null,
      targets: [{ ciId: fleet[0] as number, ciClass: 'desktop', ciName: 'RO-DT-1', downtimeMs: 0 }],
      createdBy: 'history',
    });
    const shown = await t.request({ method: 'GET', url: `/api/v1/rollouts/${id}`, token: rita() });
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json().allowedActions).toEqual([]);
    const backout = await t.request({
      method: 'POST',
      url: `/api/v1/rollouts/${id}/backout`,
      token: rita(),
      body: { reason: 'try to revert history' },
    });
    expect(errorOf(backout, 422, 'DOMAIN_RULE').details.rule).toBe('recorded_history');
    const after = await t.request({ method: 'GET', url: `/api/v1/rollouts/${id}`, token: rita() });
    expect(after.json()).toMatchObject({ state: 'completed', version: shown.json().version });
    const releaseAfter = await t.request({ method: 'GET', url: `/api/v1/releases/${release.id}`, token: rita() });
    expect(releaseAfter.json().state).toBe('approved');
  });
});
