import { DEFAULT_POLICY_YAML } from '@slipway/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import {
  errorOf,
  type Json,
  ReleaseClient,
  type ReleaseOrg,
  ruleIds,
  setupReleaseOrg,
  windowIn,
} from '../test-support/release-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

const NOW = '2026-10-01T08:00:00.000Z';

interface ReleaseJson extends Json {
  id: number;
  version: number;
  state: string;
  approval: {
    met: boolean;
    required: number;
    board: string;
    round: number;
    approvals: { approverName: string; roles: string[] }[];
  };
  requiredTests: Record<string, string[]>;
  currentEnvironment: string | null;
  policyVersion: number | null;
  reviewDueAt: string | null;
}

describe.each(testDatabaseKinds())('release lifecycle and gates on %s', (kind) => {
  let t: TestApp;
  let org: ReleaseOrg;
  let api: ReleaseClient;
  const clock = new ManualClock(NOW);
  const as = (name: keyof ReleaseOrg['users']) => org.users[name].token;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    org = await setupReleaseOrg(t);
    api = new ReleaseClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('takes a minor release from draft to approved, each gate blocking with its rule until it is met', async () => {
    const rita = as('rita');
    const created = await api.create(rita, {
      type: 'minor',
      element: 'desktop',
      unit: 'Zoom',
      releaseVersion: '5.17.5',
      title: 'Zoom 5.17.5 on every desktop',
      implementerId: org.users.ivan.id,
    });
    expect(created).toMatchObject({ state: 'draft', version: 1, releaseVersion: '5.17.5', rolloutStrategy: 'phased' });
    expect((created.requiredTests as Record<string, string[]>).test).toEqual([
      'functionality',
      'integration',
      'supportability',
    ]);
    expect((created.requiredTests as Record<string, string[]>).staging).toEqual(['acceptance']);

    const illegal = errorOf(await api.move(rita, created.id, 'approved'), 422, 'ILLEGAL_TRANSITION');
    expect(illegal.details.allowed?.sort()).toEqual(['cancelled', 'planned']);

    // Planning: the policy's plan sections need owners and content, and there is no window yet.
    const unplanned = await api.move(rita, created.id, 'planned');
    expect(ruleIds(unplanned)).toEqual(['plan.required_sections', 'release.window']);
    const violations = errorOf(unplanned, 422, 'POLICY_VIOLATION').details.violations ?? [];
    expect(violations.find((v) => v.message.includes('(test_plan)'))?.message).toMatch(/needs an owner and content/);
    expect(violations.filter((v) => v.id === 'plan.required_sections')).toHaveLength(4);
    await api.fillPlan(rita, created.id, ['scope', 'schedule', 'test_plan', 'backout_plan']);
    await api.ok(rita, 'PATCH', `/api/v1/releases/${created.id}`, windowIn(NOW, 7));
    const planned = await api.move(rita, created.id, 'planned');
    expect(planned.statusCode, planned.body).toBe(200);
    expect(planned.json().policyVersion).toBe(1);

    // Build: only approved library artifacts.
    expect(ruleIds(await api.move(rita, created.id, 'built'))).toEqual(['contents.present']);
    const zoom = await api.artifact(
      as('maria'),
      {
        name: 'Zoom',
        artifactVersion: '5.17.5',
        license: 'LicenseRef-Proprietary-Licensed',
        requires: [{ name: 'Windows', range: '>=10' }],
      },
      false,
    );
    const quarantined = await api.call(rita, 'POST', `/api/v1/releases/${created.id}/artifacts`, { artifactId: zoom });
    expect(ruleIds(quarantined)).toEqual(['library.approved']);
    expect(errorOf(quarantined, 422, 'POLICY_VIOLATION').message).toMatch(
      /Zoom 5\.17\.5 \(artifact \d+\) is quarantined/,
    );
    await api.ok(as('maria'), 'POST', `/api/v1/artifacts/${zoom}/approve`, {});
    const contents = await api.ok<{ artifacts: { id: number; sha256: string; problems: unknown[] }[] }>(
      rita,
      'POST',
      `/api/v1/releases/${created.id}/artifacts`,
      { artifactId: zoom },
    );
    expect(contents.artifacts.map((a) => a.id)).toEqual([zoom]);
    expect(contents.artifacts[0]?.problems).toEqual([]);
    expect((await api.move(rita, created.id, 'built')).statusCode).toBe(200);
    expect((await api.move(rita, created.id, 'in_test')).statusCode).toBe(200);

    // Environments: one step at a time, and only past the tests the policy requires.
    const early = await api.call(rita, 'POST', `/api/v1/releases/${created.id}/tests`, {
      environment: 'test',
      protocol: 'functionality',
      outcome: 'passed',
    });
    expect(errorOf(early, 422, 'DOMAIN_RULE').details.rule).toBe('promotion.order');
    expect(ruleIds(await api.promote(rita, created.id, 'staging'))).toEqual(['promotion.order']);
    expect((await api.promote(rita, created.id, 'development')).statusCode).toBe(201);
    expect((await api.promote(rita, created.id, 'test')).statusCode).toBe(201);
    await api.ok(as('ivan'), 'POST', `/api/v1/releases/${created.id}/tests`, {
      environment: 'test',
      protocol: 'functionality',
      outcome: 'passed',
    });
    const tooSoon = await api.promote(rita, created.id, 'staging');
    expect(ruleIds(tooSoon)).toEqual(['promotion.tests']);
    expect(errorOf(tooSoon, 422, 'POLICY_VIOLATION').message).toMatch(/integration in test.*supportability in test/s);
    await api.passTests(as('ivan'), created.id, 'test');
    const toStaging = await api.promote(rita, created.id, 'staging');
    expect(toStaging.statusCode, toStaging.body).toBe(201);
    expect(toStaging.json().evidence.testIds).toHaveLength(3);
    // Every unmet rule at once: not approved yet, and staging's acceptance test has not passed.
    const toProduction = await api.promote(rita, created.id, 'production');
    expect(ruleIds(toProduction)).toEqual(['promotion.authorised', 'promotion.tests']);
    expect(errorOf(toProduction, 422, 'POLICY_VIOLATION').message).toMatch(/acceptance in staging/);

    // Acceptance: staging's acceptance test, production targets, peaceful coexistence.
    expect(ruleIds(await api.move(rita, created.id, 'accepted'))).toEqual(['targets.defined', 'tests.required']);
    await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/targets`, {
      environment: 'production',
      cis: [org.cis.dt1, 'desktop/HAM-DT0003'],
    });
    const clash = await api.move(rita, created.id, 'accepted');
    expect(ruleIds(clash)).toEqual(['coexistence.requires', 'tests.required']);
    expect(
      errorOf(clash, 422, 'POLICY_VIOLATION').details.violations?.find((v) => v.id === 'coexistence.requires')?.message,
    ).toMatch(/HAM-DT0003.*requires Windows >=10.*8\.1/);
    await api.passTests(as('ivan'), created.id, 'staging');
    await api.ok(rita, 'DELETE', `/api/v1/releases/${created.id}/targets/production/${org.cis.dtOld}`);
    const accepted = await api.move(rita, created.id, 'accepted');
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().acceptedAt).toBe(NOW);

    // Approval: the change first, then the CAB (segregation of duties).
    expect(ruleIds(await api.move(rita, created.id, 'approved'))).toEqual(['approvals.quorum', 'change.linked']);
    const readiness = await api.ok<{ approval: { open: boolean; checks: { guard: string; met: boolean }[] } }>(
      rita,
      'GET',
      `/api/v1/releases/${created.id}/readiness`,
    );
    expect(readiness.approval.open).toBe(false);
    expect(readiness.approval.checks.filter((c) => !c.met).map((c) => c.guard)).toEqual(['change_approved']);
    const beforeChange = await api.call(as('carl'), 'POST', `/api/v1/releases/${created.id}/approve`, {});
    expect(ruleIds(beforeChange)).toEqual(['change.linked']);
    expect(errorOf(beforeChange, 422, 'POLICY_VIOLATION').message).toMatch(/cannot be approved yet/);

    const raised = await api.call(rita, 'POST', `/api/v1/releases/${created.id}/change`, { submit: true });
    expect(raised.statusCode, raised.body).toBe(201);
    const { change, risk } = raised.json() as { change: Json & { id: number }; risk: Json };
    expect(change).toMatchObject({
      type: 'normal',
      state: 'assess',
      releaseId: created.id,
      ciIds: [org.cis.dt1],
      backoutPlan: `The backout plan of release ${created.id}.`,
      ...windowIn(NOW, 7),
    });
    expect(risk.level).toBeTypeOf('string');
    expect(ruleIds(await api.call(as('carl'), 'POST', `/api/v1/releases/${created.id}/approve`, {}))).toEqual([
      'change.approved',
    ]);
    await api.ok(as('maria'), 'POST', `/api/v1/changes/${change.id}/assess`, {});
    await api.ok(as('carl'), 'POST', `/api/v1/changes/${change.id}/approve`, {});

    await api.ok(rita, 'PATCH', `/api/v1/releases/${created.id}`, { implementerId: org.users.cora.id });
    const sod = errorOf(
      await api.call(as('cora'), 'POST', `/api/v1/releases/${created.id}/approve`, {}),
      403,
      'SOD_VIOLATION',
    );
    expect(sod.details.rule).toBe('sod.approver_not_implementer');
    errorOf(await api.call(rita, 'POST', `/api/v1/releases/${created.id}/approve`, {}), 403, 'FORBIDDEN');

    const approved = await api.call(as('carl'), 'POST', `/api/v1/releases/${created.id}/approve`, {
      comment: 'Tested well',
    });
    expect(approved.statusCode, approved.body).toBe(200);
    const release = approved.json() as ReleaseJson;
    expect(release.state).toBe('approved');
    expect(release.approval).toMatchObject({ met: true, board: 'cab', required: 1 });
    expect(release.approval.approvals.map((a) => [a.approverName, a.roles])).toEqual([['carl', ['cab_member']]]);
    const history = await api.ok<{ items: { action: string; policyVersion: number; actor: { name: string } }[] }>(
      rita,
      'GET',
      `/api/v1/releases/${created.id}/history`,
    );
    expect(history.items.map((h) => h.action)).toEqual(['create', 'plan', 'build', 'test', 'accept', 'approve']);
    expect(history.items.at(-1)?.actor.name).toBe('carl');
    expect(new Set(history.items.map((h) => h.policyVersion))).toEqual(new Set([1]));
    const audit = await api.ok<{ items: { action: string; actor: { name: string } }[] }>(
      t.adminToken,
      'GET',
      `/api/v1/audit?objectType=release&objectId=${created.id}&limit=200`,
    );
    const actions = audit.items.map((e) => e.action);
    for (const action of [
      'release.create',
      'release.plan.update',
      'release.artifact.add',
      'release.test.record',
      'release.promote',
      'release.approval',
      'release.approve',
    ]) {
      expect(actions, action).toContain(action);
    }
  });

  it('takes a major release to approved: notice, rehearsed back-out, freezes, licences and a quorum of two', async () => {
    const rita = as('rita');
    const created = await api.create(rita, {
      type: 'major',
      element: 'database',
      unitCiId: org.cis.db01,
      releaseVersion: '16.2.0',
      title: 'PostgreSQL 16.2 for db-01',
      implementerId: org.users.ivan.id,
      ...windowIn(NOW, 5),
    });
    expect((created.unit as Json).name).toBe('database/db-01');
    await api.fillPlan(rita, created.id, [
      'scope',
      'schedule',
      'build_and_configuration',
      'test_plan',
      'distribution_and_installation',
      'communication_and_training',
      'backout_plan',
      'early_life_support',
    ]);
    expect((await api.move(rita, created.id, 'planned')).statusCode).toBe(200);
    const pg = await api.artifact(as('maria'), {
      name: 'PostgreSQL',
      artifactVersion: '16.2.0',
      license: 'PostgreSQL',
    });
    await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/artifacts`, { artifactId: pg });
    await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/targets`, {
      environment: 'production',
      cis: [org.cis.db01],
    });
    expect((await api.move(rita, created.id, 'built')).statusCode).toBe(200);
    expect((await api.move(rita, created.id, 'in_test')).statusCode).toBe(200);
    for (const env of ['development', 'test']) expect((await api.promote(rita, created.id, env)).statusCode).toBe(201);
    await api.passTests(as('ivan'), created.id, 'test');
    expect((await api.promote(rita, created.id, 'staging')).statusCode).toBe(201);
    await api.passTests(as('ivan'), created.id, 'staging');
    const accepted = await api.move(rita, created.id, 'accepted');
    expect(accepted.statusCode, accepted.body).toBe(200);

    const blocked = await api.move(rita, created.id, 'approved');
    expect(ruleIds(blocked)).toEqual(['approvals.quorum', 'backout.rehearsed', 'change.linked', 'notice.min_days']);
    const messages = (errorOf(blocked, 422, 'POLICY_VIOLATION').details.violations ?? [])
      .map((v) => v.message)
      .join('\n');
    expect(messages).toMatch(/starts 5\.0 days after the approval request.*minNoticeDays asks 10/);
    expect(messages).toMatch(/never rehearsed/);
    expect(messages).toMatch(/0 of 2 CAB approvals/);

    // Notice: a window 12 days after the approval request.
    await api.ok(rita, 'PATCH', `/api/v1/releases/${created.id}`, windowIn(NOW, 12));
    // Back-out: rehearsed, then rewritten (the rehearsal no longer counts), then rehearsed again.
    await api.ok(as('ivan'), 'POST', `/api/v1/releases/${created.id}/backout-rehearsals`, {
      environment: 'staging',
      outcome: 'passed',
      notes: 'Restored from the staging snapshot in 12 minutes',
    });
    await api.ok(rita, 'PATCH', `/api/v1/releases/${created.id}/plan/backout_plan`, {
      content: 'Fail over to the old primary, then restore the snapshot',
    });
    const stale = await api.move(rita, created.id, 'approved');
    expect(ruleIds(stale)).toContain('backout.rehearsed');
    expect(
      errorOf(stale, 422, 'POLICY_VIOLATION').details.violations?.find((v) => v.id === 'backout.rehearsed')?.message,
    ).toMatch(/rehearsed at revision 2 but is now at revision 3/);
    const rehearsal = await api.ok<Json>(as('ivan'), 'POST', `/api/v1/releases/${created.id}/backout-rehearsals`, {
      environment: 'staging',
      outcome: 'passed',
    });
    expect(rehearsal.planRevision).toBe(3);

    // The change: raised by hand and linked, then approved.
    const change = await api.ok<{ id: number }>(rita, 'POST', '/api/v1/changes', {
      type: 'normal',
      title: 'Upgrade db-01 to PostgreSQL 16.2',
      ciIds: [org.cis.db01],
      ...windowIn(NOW, 12),
      backoutPlan: 'Fail over to the old primary',
    });
    const linked = await api.ok<{ items: { id: number; releaseId: number }[] }>(
      rita,
      'POST',
      `/api/v1/releases/${created.id}/changes`,
      {
        changeId: change.id,
      },
    );
    expect(linked.items).toEqual([expect.objectContaining({ id: change.id, releaseId: created.id })]);
    await api.ok(rita, 'POST', `/api/v1/changes/${change.id}/submit`, {});
    await api.ok(as('maria'), 'POST', `/api/v1/changes/${change.id}/assess`, {});
    await api.ok(as('carl'), 'POST', `/api/v1/changes/${change.id}/approve`, {});
    expect(ruleIds(await api.move(rita, created.id, 'approved'))).toEqual(['approvals.quorum']);

    // A hard freeze over the window blocks; a major release may not override it.
    const window = windowIn(NOW, 12);
    const freeze = await api.ok<{ id: number; version: number }>(as('maria'), 'POST', '/api/v1/freezes', {
      name: 'Quarter close',
      kind: 'hard',
      startsAt: new Date(Date.parse(window.plannedStart) - 3_600_000).toISOString(),
      endsAt: new Date(Date.parse(window.plannedEnd) + 3_600_000).toISOString(),
      scope: { ciIds: [org.cis.db01] },
    });
    expect(ruleIds(await api.move(rita, created.id, 'approved'))).toEqual(['approvals.quorum', 'freeze.hard']);
    expect(
      ruleIds(await api.call(rita, 'POST', `/api/v1/releases/${created.id}/freeze-override`, { reason: 'please' })),
    ).toEqual(['freeze.hard']);
    expect(ruleIds(await api.call(as('carl'), 'POST', `/api/v1/releases/${created.id}/approve`, {}))).toEqual([
      'freeze.hard',
    ]);
    await api.ok(as('maria'), 'DELETE', `/api/v1/freezes/${freeze.id}`);

    // A licence the policy now denies blocks too, until the policy allows it again.
    const denying = DEFAULT_POLICY_YAML.replace('PostgreSQL, ', '').replace('deny: [', 'deny: [PostgreSQL, ');
    const put = async (yaml: string) =>
      t.slipway.app.inject({
        method: 'PUT',
        url: '/api/v1/policy',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/yaml' },
        payload: yaml,
      });
    expect((await put(denying)).statusCode).toBe(200);
    const denied = await api.move(rita, created.id, 'approved');
    expect(ruleIds(denied)).toEqual(['approvals.quorum', 'licences.deny']);
    expect(errorOf(denied, 422, 'POLICY_VIOLATION').details.policyVersion).toBe(2);
    expect((await put(DEFAULT_POLICY_YAML)).statusCode).toBe(200);

    // Two distinct CAB approvals of the current scope; a scope edit voids the first round.
    const first = (await api.ok(as('carl'), 'POST', `/api/v1/releases/${created.id}/approve`, {})) as ReleaseJson;
    expect(first.state).toBe('accepted');
    expect(first.approval).toMatchObject({ met: false, required: 2 });
    await api.ok(rita, 'PATCH', `/api/v1/releases/${created.id}`, { knownIssues: 'Extensions need a rebuild' });
    expect(((await api.get(rita, created.id)) as ReleaseJson).approval.approvals).toHaveLength(1);
    const moved = (await api.ok(rita, 'PATCH', `/api/v1/releases/${created.id}`, windowIn(NOW, 13))) as ReleaseJson;
    expect(moved.approval.approvals).toHaveLength(0);
    expect(moved.approval.round).toBeGreaterThan(first.approval.round);
    const list = await api.ok<{ items: { approverName: string; voidedAt: string | null }[] }>(
      rita,
      'GET',
      `/api/v1/releases/${created.id}/approvals`,
    );
    expect(list.items).toEqual([expect.objectContaining({ approverName: 'carl', voidedAt: NOW })]);
    // The change's window moved too (its own approval round is the change module's business).
    await api.ok(rita, 'PATCH', `/api/v1/changes/${change.id}`, windowIn(NOW, 13));
    await api.ok(as('carl'), 'POST', `/api/v1/changes/${change.id}/approve`, {});
    await api.ok(as('carl'), 'POST', `/api/v1/releases/${created.id}/approve`, {});
    errorOf(await api.call(as('carl'), 'POST', `/api/v1/releases/${created.id}/approve`, {}), 409, 'CONFLICT');
    const approved = (await api.ok(as('cora'), 'POST', `/api/v1/releases/${created.id}/approve`, {})) as ReleaseJson;
    expect(approved.state).toBe('approved');
    expect(approved.approval.approvals.map((a) => a.approverName).sort()).toEqual(['carl', 'cora']);
    const history = await api.ok<{ items: { action: string; policyVersion: number }[] }>(
      rita,
      'GET',
      `/api/v1/releases/${created.id}/history`,
    );
    expect(history.items.at(-1)).toMatchObject({ action: 'approve', policyVersion: 3 });
  });

  it('takes an emergency release on its shorter path: built from draft, approved from testing by the ECAB, freeze overridden', async () => {
    const rita = as('rita');
    const created = await api.create(rita, {
      type: 'emergency',
      element: 'messaging',
      unit: 'rabbitmq-core',
      releaseVersion: '3.13.1',
      title: 'RabbitMQ 3.13.1: fix the queue corruption',
      ...windowIn(NOW, 1),
    });
    expect(created.allowedTransitions).toEqual([
      { action: 'build', to: 'built' },
      { action: 'cancel', to: 'cancelled' },
    ]);
    errorOf(await api.move(rita, created.id, 'planned'), 422, 'ILLEGAL_TRANSITION');
    await api.fillPlan(rita, created.id, ['scope', 'backout_plan']);
    const rabbit = await api.artifact(as('maria'), { name: 'RabbitMQ', artifactVersion: '3.13.1', license: 'MPL-2.0' });
    await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/artifacts`, { artifactId: rabbit });
    await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/targets`, {
      environment: 'production',
      cis: [org.cis.web01],
    });
    expect((await api.move(rita, created.id, 'built')).statusCode).toBe(200);
    expect((await api.move(rita, created.id, 'in_test')).statusCode).toBe(200);
    for (const env of ['development', 'test']) expect((await api.promote(rita, created.id, env)).statusCode).toBe(201);
    await api.passTests(as('ted'), created.id, 'test');
    expect(ruleIds(await api.move(rita, created.id, 'approved'))).toEqual(['approvals.quorum', 'change.linked']);
    const raised = (await api.ok(rita, 'POST', `/api/v1/releases/${created.id}/change`, { submit: true })) as {
      change: { id: number; type: string; state: string };
    };
    expect(raised.change).toMatchObject({ type: 'emergency', state: 'authorize' });
    await api.ok(as('carl'), 'POST', `/api/v1/changes/${raised.change.id}/approve`, {});
    const freeze = await api.ok<{ id: number }>(as('maria'), 'POST', '/api/v1/freezes', {
      name: 'Payments peak',
      kind: 'hard',
      startsAt: NOW,
      endsAt: windowIn(NOW, 3).plannedStart,
      scope: { ciIds: [org.cis.web01] },
    });
    const frozen = await api.call(as('cora'), 'POST', `/api/v1/releases/${created.id}/approve`, {});
    expect(ruleIds(frozen)).toEqual(['freeze.override_reason']);
    expect(errorOf(frozen, 422, 'POLICY_VIOLATION').message).toMatch(/Payments peak.*override-with-reason/);
    const overridden = await api.ok<ReleaseJson & { freezeOverride: Json }>(
      rita,
      'POST',
      `/api/v1/releases/${created.id}/freeze-override`,
      { reason: 'Queue corruption loses payments: fix now' },
    );
    expect(overridden.freezeOverride).toMatchObject({
      by: 'rita',
      freezes: [{ id: freeze.id, name: 'Payments peak', kind: 'hard' }],
    });
    const approved = (await api.ok(as('cora'), 'POST', `/api/v1/releases/${created.id}/approve`, {})) as ReleaseJson;
    expect(approved.state).toBe('approved');
    expect(approved.approval).toMatchObject({ board: 'ecab', required: 1, met: true });

    for (const to of ['scheduled', 'rolling_out', 'deployed']) {
      const moved = await api.move(rita, created.id, to);
      expect(moved.statusCode, moved.body).toBe(200);
    }
    const deployed = await api.get(rita, created.id);
    expect(deployed.reviewDueAt).toBe(new Date(Date.parse(NOW) + 5 * 86_400_000).toISOString());
    expect(ruleIds(await api.move(rita, created.id, 'reviewed'))).toEqual(['review.recorded']);
    await api.ok(rita, 'PUT', `/api/v1/releases/${created.id}/review`, {
      outcome: 'successful',
      notes: 'No data lost',
    });
    expect((await api.move(rita, created.id, 'reviewed')).statusCode).toBe(200);
    expect((await api.move(rita, created.id, 'closed')).statusCode).toBe(200);
    const history = await api.ok<{ items: { action: string; to: string }[] }>(
      rita,
      'GET',
      `/api/v1/releases/${created.id}/history`,
    );
    expect(history.items.map((h) => h.to)).toEqual([
      'draft',
      'built',
      'in_test',
      'approved',
      'scheduled',
      'rolling_out',
      'deployed',
      'reviewed',
      'closed',
    ]);
    errorOf(await api.move(rita, created.id, 'cancelled'), 422, 'ILLEGAL_TRANSITION');
  });

  it('refuses versions that do not increase or do not follow the scheme, and approval by the requester', async () => {
    const rita = as('rita');
    await api.create(rita, {
      type: 'minor',
      element: 'server',
      unit: 'payments-api',
      releaseVersion: '2.4.0',
      title: 'v2.4',
    });
    const lower = await api.call(rita, 'POST', '/api/v1/releases', {
      type: 'minor',
      element: 'server',
      unit: 'payments-api',
      releaseVersion: '2.3.9',
      title: 'older',
    });
    expect(ruleIds(lower)).toEqual(['versioning.increase']);
    expect(errorOf(lower, 422, 'POLICY_VIOLATION').message).toMatch(/2\.3\.9 must be higher than 2\.4\.0/);
    expect(
      ruleIds(
        await api.call(rita, 'POST', '/api/v1/releases', {
          type: 'minor',
          element: 'server',
          unit: 'payments-api',
          releaseVersion: '2.4.0',
          title: 'same',
        }),
      ),
    ).toEqual(['versioning.increase']);
    const malformed = errorOf(
      await api.call(rita, 'POST', '/api/v1/releases', {
        type: 'minor',
        element: 'server',
        unit: 'payments-api',
        releaseVersion: 'v2.5',
        title: 'x',
      }),
      400,
      'INVALID_INPUT',
    );
    expect(malformed.details).toMatchObject({ field: 'releaseVersion', rule: 'versioning.scheme' });
    const higher = await api.create(rita, {
      type: 'minor',
      element: 'server',
      unit: 'payments-api',
      releaseVersion: '2.10.0',
      title: 'semver, not text',
    });
    expect(higher.releaseVersion).toBe('2.10.0');

    const own = await api.create(as('rex'), {
      type: 'minor',
      element: 'server',
      unit: 'rex-tool',
      releaseVersion: '1.0.0',
      title: 'mine',
    });
    const sod = errorOf(
      await api.call(as('rex'), 'POST', `/api/v1/releases/${own.id}/approve`, {}),
      403,
      'SOD_VIOLATION',
    );
    expect(sod.details.rule).toBe('sod.approver_not_requester');
  });

  it('leaves policy validation to the policy module: an invalid document is 400 with its line', async () => {
    const res = await t.slipway.app.inject({
      method: 'PUT',
      url: '/api/v1/policy',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/yaml' },
      payload: DEFAULT_POLICY_YAML.replace('minNoticeDays: 10', 'minNoticeDays: ten'),
    });
    const error = errorOf(res, 400, 'VALIDATION_FAILED');
    expect((error.details.problems as { path: string; line: number }[])[0]).toMatchObject({
      path: '/releaseTypes/major/minNoticeDays',
      line: expect.any(Number),
    });
  });

  it('lists environments with the tests each requires, and the release on the change calendar', async () => {
    const envs = await api.ok<{ items: { name: string; last: boolean; requiredTests: Record<string, string[]> }[] }>(
      as('audrey'),
      'GET',
      '/api/v1/environments',
    );
    expect(envs.items.map((e) => e.name)).toEqual(['development', 'test', 'staging', 'production']);
    expect(envs.items.find((e) => e.name === 'staging')?.requiredTests.major).toEqual(['acceptance', 'availability']);
    expect(envs.items.at(-1)?.last).toBe(true);
    const calendar = await api.ok<{ sources: string[]; events: { source: string; objectType: string }[] }>(
      as('audrey'),
      'GET',
      `/api/v1/calendar?from=${NOW}&to=${windowIn(NOW, 30).plannedStart}&sources=releases`,
    );
    expect(calendar.sources).toEqual(['releases']);
    expect(calendar.events.length).toBeGreaterThan(0);
    expect(calendar.events.every((e) => e.source === 'releases' && e.objectType === 'release')).toBe(true);
  });
});
