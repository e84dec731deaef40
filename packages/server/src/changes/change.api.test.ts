import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { ChangeClient, type ChangeOrg, expectError, setupChangeOrg, windowAt } from '../test-support/change-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

const NOW = '2026-12-01T08:00:00.000Z';
type Json = Record<string, unknown>;
interface ChangeJson extends Json {
  id: number;
  version: number;
  state: string;
  approval: {
    required: number;
    met: boolean;
    serviceOwnerRequired: boolean;
    approvals: Json[];
    round: number;
    missing: string[];
    board: string;
  };
  risk: { score: number; level: string; factors: { factor: string; reason: string; contribution: number }[] } | null;
  impact: { count: number; services: { name: string; owner: string | null }[] } | null;
}

describe.each(testDatabaseKinds())('change management API on %s', (kind) => {
  let t: TestApp;
  let org: ChangeOrg;
  let api: ChangeClient;
  const clock = new ManualClock(NOW);
  const admin = () => t.adminToken;

  /** A normal change by rita on banking-app, implemented by ivan, with a back-out plan, 2 days out. */
  const normalChange = (overrides: Json = {}): Json => ({
    type: 'normal',
    title: 'Upgrade banking-app to 4.2',
    description: 'Minor release with security fixes',
    justification: 'CVE-2026-1234',
    ciIds: [org.cis.bankingApp],
    ...windowAt(NOW, 48),
    implementerId: org.users.ivan.id,
    backoutPlan: 'Redeploy 4.1 from the DSL',
    ...overrides,
  });

  async function toAuthorize(body: Json = {}): Promise<ChangeJson> {
    const created = await api.create(org.users.rita.token, normalChange(body));
    expect((await api.act(org.users.rita.token, created.id, 'submit')).statusCode).toBe(200);
    const assessed = await api.act(org.users.maria.token, created.id, 'assess');
    expect(assessed.statusCode, assessed.body).toBe(200);
    return assessed.json();
  }

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    org = await setupChangeOrg(t);
    api = new ChangeClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('walks a normal change from new to closed, with computed impact and explained risk, history and audit', async () => {
    const created = (await api.create(org.users.rita.token, normalChange())) as unknown as ChangeJson;
    expect(created).toMatchObject({
      state: 'new',
      version: 1,
      impact: null,
      risk: null,
      requester: { username: 'rita' },
    });
    expect(created.allowedTransitions).toEqual([
      { action: 'submit', to: 'assess' },
      { action: 'cancel', to: 'cancelled' },
    ]);

    const submitted = (await api.act(org.users.rita.token, created.id, 'submit')).json() as ChangeJson;
    expect(submitted.state).toBe('assess');
    expect(submitted.impact?.count).toBe(1);
    expect(submitted.impact?.services).toEqual([
      { id: org.cis.onlineBanking, name: 'online-banking', owner: 'olivia', criticality: 'critical' },
    ]);
    const factors = Object.fromEntries((submitted.risk?.factors ?? []).map((f) => [f.factor, f]));
    expect(Object.keys(factors).sort()).toEqual(
      [
        'backoutPlan',
        'changeType',
        'criticality',
        'environment',
        'freezeProximity',
        'impactSize',
        'notice',
        'recentFailures',
      ].sort(),
    );
    expect(factors.criticality?.reason).toContain('critical (service/online-banking)');
    expect(factors.criticality?.contribution).toBe(20);
    expect(factors.environment?.reason).toContain('production');
    expect(factors.backoutPlan?.contribution).toBe(0);
    expect(factors.notice?.contribution).toBe(5);
    expect(submitted.risk).toMatchObject({ level: 'moderate' });
    expect(submitted.risk?.score).toBe(
      Math.round((submitted.risk?.factors ?? []).reduce((s, f) => s + f.contribution, 0)),
    );

    const authorize = (await api.act(org.users.maria.token, created.id, 'assess')).json() as ChangeJson;
    expect(authorize.state).toBe('authorize');
    expect(authorize.approval).toMatchObject({ board: 'cab', required: 1, met: false });
    const approved = await api.ok<ChangeJson>(org.users.carl.token, 'POST', `/api/v1/changes/${created.id}/approve`, {
      comment: 'Fine by me',
    });
    expect(approved.approval.met).toBe(true);
    const scheduled = await api.act(org.users.maria.token, created.id, 'schedule');
    expect(scheduled.json().state).toBe('scheduled');
    expect((await api.act(org.users.ivan.token, created.id, 'start')).json().state).toBe('implement');
    expect((await api.act(org.users.ivan.token, created.id, 'complete')).json().state).toBe('review');

    const closeEarly = expectError(await api.act(org.users.rita.token, created.id, 'close'), 422, 'DOMAIN_RULE');
    expect(closeEarly.guard).toBe('review_recorded');
    const reviewed = await api.ok<ChangeJson>(org.users.ivan.token, 'POST', `/api/v1/changes/${created.id}/review`, {
      outcome: 'successful',
      incidentIds: [],
      lessons: 'Smooth',
    });
    expect(reviewed.review).toMatchObject({ outcome: 'successful', reviewedBy: { username: 'ivan' } });
    expect((await api.act(org.users.rita.token, created.id, 'close')).json().state).toBe('closed');

    const history = await api.ok<{
      items: { action: string; from: string | null; to: string; actor: { name: string } }[];
    }>(admin(), 'GET', `/api/v1/changes/${created.id}/history`);
    expect(history.items.map((h) => `${h.action}:${h.from ?? '-'}>${h.to}`)).toEqual([
      'create:->new',
      'submit:new>assess',
      'assess:assess>authorize',
      'schedule:authorize>scheduled',
      'start:scheduled>implement',
      'complete:implement>review',
      'close:review>closed',
    ]);
    const audit = await api.ok<{ items: { action: string; actor: { name: string } }[] }>(
      admin(),
      'GET',
      `/api/v1/audit?objectType=change&objectId=${created.id}&limit=100`,
    );
    expect(audit.items.map((e) => e.action).sort()).toEqual(
      [
        'change.create',
        'change.submit',
        'change.assess',
        'change.approve',
        'change.schedule',
        'change.start',
        'change.complete',
        'change.review',
        'change.close',
      ].sort(),
    );
    expect(audit.items.find((e) => e.action === 'change.approve')?.actor.name).toBe('carl');
  });

  it('refuses an illegal transition with 422 ILLEGAL_TRANSITION listing the allowed ones', async () => {
    const created = await api.create(org.users.rita.token, normalChange());
    const direct = expectError(
      await api.call(org.users.rita.token, 'POST', `/api/v1/changes/${created.id}/transitions`, { to: 'scheduled' }),
      422,
      'ILLEGAL_TRANSITION',
    );
    expect(direct).toMatchObject({ from: 'new', to: 'scheduled', allowed: ['assess', 'cancelled'] });
    const start = expectError(await api.act(org.users.maria.token, created.id, 'start'), 422, 'ILLEGAL_TRANSITION');
    expect(start).toMatchObject({ from: 'new', allowed: ['assess', 'cancelled'] });
    expect(String(start.message)).toContain('cannot start');
    // The system-only reauthorize transition is not offered to people either.
    const scheduled = await toAuthorize();
    const back = expectError(
      await api.call(org.users.maria.token, 'POST', `/api/v1/changes/${scheduled.id}/transitions`, { to: 'new' }),
      422,
      'ILLEGAL_TRANSITION',
    );
    expect(back.allowed).toEqual(['scheduled', 'rejected', 'cancelled']);
  });

  it('enforces who may take a transition: only a change manager assesses, only the requester or a manager submits', async () => {
    const created = await api.create(org.users.rita.token, normalChange());
    expectError(await api.act(org.users.ed.token, created.id, 'submit'), 403, 'FORBIDDEN');
    expect((await api.act(org.users.rita.token, created.id, 'submit')).statusCode).toBe(200);
    expectError(await api.act(org.users.rita.token, created.id, 'assess'), 403, 'FORBIDDEN');
    expectError(
      await api.call(org.users.ed.token, 'POST', `/api/v1/changes/${created.id}/transitions`, { to: 'authorize' }),
      403,
      'FORBIDDEN',
    );
  });

  it('segregation of duties: the requester and the implementer can never approve or reject (403 SOD_VIOLATION)', async () => {
    // carl (a CAB member) raises a change that cora implements.
    const created = await api.create(org.users.carl.token, normalChange({ implementerId: org.users.cora.id }));
    expect((await api.act(org.users.carl.token, created.id, 'submit')).statusCode).toBe(200);
    expect((await api.act(org.users.maria.token, created.id, 'assess')).statusCode).toBe(200);
    const byRequester = expectError(
      await api.call(org.users.carl.token, 'POST', `/api/v1/changes/${created.id}/approve`, {}),
      403,
      'SOD_VIOLATION',
    );
    expect(byRequester.rule).toBe('requester_cannot_decide');
    const byImplementer = expectError(
      await api.call(org.users.cora.token, 'POST', `/api/v1/changes/${created.id}/approve`, {}),
      403,
      'SOD_VIOLATION',
    );
    expect(byImplementer.rule).toBe('implementer_cannot_decide');
    expectError(
      await api.call(org.users.cora.token, 'POST', `/api/v1/changes/${created.id}/reject`, { comment: 'no' }),
      403,
      'SOD_VIOLATION',
    );
    // Roles without changes.approve never get that far.
    expectError(await api.call(admin(), 'POST', `/api/v1/changes/${created.id}/approve`, {}), 403, 'FORBIDDEN');
    expectError(
      await api.call(org.users.rita.token, 'POST', `/api/v1/changes/${created.id}/approve`, {}),
      403,
      'FORBIDDEN',
    );
    const after = await api.get(admin(), created.id);
    expect((after as unknown as ChangeJson).approval.approvals).toEqual([]);
  });

  it('counts each approver once (409 on a second decision)', async () => {
    const change = await toAuthorize();
    await api.ok(org.users.carl.token, 'POST', `/api/v1/changes/${change.id}/approve`, {});
    expectError(
      await api.call(org.users.carl.token, 'POST', `/api/v1/changes/${change.id}/approve`, {}),
      409,
      'CONFLICT',
    );
    expectError(
      await api.call(org.users.carl.token, 'POST', `/api/v1/changes/${change.id}/reject`, {
        comment: 'changed my mind',
      }),
      409,
      'CONFLICT',
    );
  });

  it('asks the quorum the policy sets per risk: high risk needs two approvers, one owning an impacted service', async () => {
    // No back-out plan and one day of notice push the same change from moderate to high.
    const change = await toAuthorize({ backoutPlan: null, ...windowAt(NOW, 24) });
    expect(change.risk?.level).toBe('high');
    expect(change.approval).toMatchObject({ required: 2, serviceOwnerRequired: true, met: false });
    await api.ok(org.users.carl.token, 'POST', `/api/v1/changes/${change.id}/approve`, {});
    const two = await api.ok<ChangeJson>(org.users.cora.token, 'POST', `/api/v1/changes/${change.id}/approve`, {});
    expect(two.approval.approvals).toHaveLength(2);
    expect(two.approval.met).toBe(false);
    expect(two.approval.missing.join(' ')).toContain('owner of an impacted service (olivia)');
    const blocked = expectError(await api.act(org.users.maria.token, change.id, 'schedule'), 422, 'DOMAIN_RULE');
    expect(blocked.guard).toBe('quorum_reached');
    const owner = await api.ok<ChangeJson>(org.users.olivia.token, 'POST', `/api/v1/changes/${change.id}/approve`, {});
    expect(owner.approval.met).toBe(true);
    expect(owner.approval.approvals.find((a) => a.approverName === 'olivia')?.asServiceOwner).toBe(true);
    expect((await api.act(org.users.maria.token, change.id, 'schedule')).json().state).toBe('scheduled');
  });

  it('sends emergency changes straight to the ECAB', async () => {
    const created = await api.create(org.users.rita.token, normalChange({ type: 'emergency', ...windowAt(NOW, 1) }));
    const submitted = (await api.act(org.users.rita.token, created.id, 'submit')).json() as ChangeJson;
    expect(submitted.state).toBe('authorize');
    expect(submitted.approval).toMatchObject({ board: 'ecab', required: 1, met: false });
    const approved = await api.ok<ChangeJson>(
      org.users.cora.token,
      'POST',
      `/api/v1/changes/${created.id}/approve`,
      {},
    );
    expect(approved.approval.met).toBe(true);
  });

  it('voids approvals when CIs or window change after approval, and a scheduled change goes back to authorize', async () => {
    const change = await toAuthorize();
    const approved = await api.ok<ChangeJson>(org.users.carl.token, 'POST', `/api/v1/changes/${change.id}/approve`, {});
    const scheduled = (await api.act(org.users.maria.token, change.id, 'schedule')).json() as ChangeJson;
    expect(scheduled.state).toBe('scheduled');
    // A title edit is not a scope edit: the approval stands.
    const retitled = await api.ok<ChangeJson>(
      org.users.rita.token,
      'PATCH',
      `/api/v1/changes/${change.id}`,
      { title: 'Upgrade banking-app to 4.2.1' },
      {
        'if-match': `"${scheduled.version}"`,
      },
    );
    expect(retitled.state).toBe('scheduled');
    expect(retitled.approval.approvals).toHaveLength(1);
    const moved = await api.ok<ChangeJson>(
      org.users.rita.token,
      'PATCH',
      `/api/v1/changes/${change.id}`,
      windowAt(NOW, 72),
      { 'if-match': `"${retitled.version}"` },
    );
    expect(moved.state).toBe('authorize');
    expect(moved.approval).toMatchObject({ met: false, approvals: [], round: approved.approval.round + 1 });
    const decisions = await api.ok<{ items: Json[] }>(admin(), 'GET', `/api/v1/changes/${change.id}/approvals`);
    expect(decisions.items).toHaveLength(1);
    expect(decisions.items[0]).toMatchObject({ approverName: 'carl', voidedReason: 'scope edited by rita' });
    expect(decisions.items[0]?.voidedAt).not.toBeNull();
    const audit = await api.ok<{ items: { action: string }[] }>(
      admin(),
      'GET',
      `/api/v1/audit?objectType=change&objectId=${change.id}&limit=100`,
    );
    expect(audit.items.map((e) => e.action)).toContain('change.approvals_voided');
    // carl approves the new round.
    expect(
      (await api.ok<ChangeJson>(org.users.carl.token, 'POST', `/api/v1/changes/${change.id}/approve`, {})).approval.met,
    ).toBe(true);
  });

  it('answers 412 to a stale If-Match on edits and approvals, and 400 to bad input', async () => {
    const change = await toAuthorize();
    expectError(
      await api.call(
        org.users.rita.token,
        'PATCH',
        `/api/v1/changes/${change.id}`,
        { title: 'x' },
        { 'if-match': `"${change.version - 1}"` },
      ),
      412,
      'PRECONDITION_FAILED',
    );
    expectError(
      await api.call(
        org.users.carl.token,
        'POST',
        `/api/v1/changes/${change.id}/approve`,
        {},
        { 'if-match': `"${change.version + 5}"` },
      ),
      412,
      'PRECONDITION_FAILED',
    );
    const reversed = expectError(
      await api.call(
        org.users.rita.token,
        'POST',
        '/api/v1/changes',
        normalChange({ plannedStart: '2026-12-05T10:00:00Z', plannedEnd: '2026-12-05T09:00:00Z' }),
      ),
      400,
      'INVALID_INPUT',
    );
    expect(reversed.field).toBe('plannedEnd');
    expectError(
      await api.call(org.users.rita.token, 'POST', '/api/v1/changes', normalChange({ plannedEnd: null })),
      400,
      'INVALID_INPUT',
    );
    const unknownCi = expectError(
      await api.call(org.users.rita.token, 'POST', '/api/v1/changes', normalChange({ ciIds: [999_999] })),
      400,
      'INVALID_INPUT',
    );
    expect(unknownCi.missing).toEqual([999_999]);
    expectError(
      await api.call(org.users.rita.token, 'POST', '/api/v1/changes', normalChange({ implementerId: 999_999 })),
      400,
      'INVALID_INPUT',
    );
    expectError(
      await api.call(org.users.rita.token, 'POST', '/api/v1/changes', normalChange({ type: 'standard' })),
      400,
      'INVALID_INPUT',
    );
    expectError(
      await api.call(org.users.rita.token, 'POST', '/api/v1/changes', normalChange({ type: 'risky' })),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await api.call(org.users.rita.token, 'POST', '/api/v1/changes', normalChange({ plannedStart: 'tomorrow' })),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await api.call(org.users.rita.token, 'PATCH', `/api/v1/changes/${change.id}`, {
        ...windowAt(NOW, 10),
        plannedEnd: windowAt(NOW, 9).plannedStart,
      }),
      400,
      'INVALID_INPUT',
    );
  });

  it('rejects with a comment; a rejection without one is refused', async () => {
    const change = await toAuthorize();
    expectError(
      await api.call(org.users.cora.token, 'POST', `/api/v1/changes/${change.id}/reject`, {}),
      400,
      'INVALID_INPUT',
    );
    const rejected = await api.ok<ChangeJson>(org.users.cora.token, 'POST', `/api/v1/changes/${change.id}/reject`, {
      comment: 'Not during quarter close',
    });
    expect(rejected.state).toBe('rejected');
    expectError(
      await api.call(org.users.rita.token, 'PATCH', `/api/v1/changes/${change.id}`, { title: 'retry' }),
      422,
      'DOMAIN_RULE',
    );
  });

  it('blocks scheduling into a hard freeze (422 FREEZE_WINDOW naming it), lets a manager override a soft one with an audited reason', async () => {
    const hard = await api.ok<Json & { id: number }>(org.users.maria.token, 'POST', '/api/v1/freezes', {
      name: 'Quarter close',
      kind: 'hard',
      startsAt: '2026-12-03T00:00:00Z',
      endsAt: '2026-12-04T00:00:00Z',
      scope: { serviceIds: [org.cis.onlineBanking] },
    });
    // The freeze covers online-banking's dependencies: banking-app and db-01, not payroll's server.
    const inFreeze = await api.create(
      org.users.rita.token,
      normalChange({ ciIds: [org.cis.db01], ...windowAt('2026-12-03T00:00:00Z', 2) }),
    );
    const refused = expectError(await api.act(org.users.rita.token, inFreeze.id, 'submit'), 422, 'FREEZE_WINDOW');
    expect(String(refused.message)).toContain('"Quarter close"');
    expect(refused.freezes).toMatchObject([{ id: hard.id, name: 'Quarter close', kind: 'hard' }]);
    const elsewhere = await api.create(
      org.users.rita.token,
      normalChange({ ciIds: [org.cis.app02], ...windowAt('2026-12-03T00:00:00Z', 2) }),
    );
    expect((await api.act(org.users.rita.token, elsewhere.id, 'submit')).statusCode).toBe(200);
    await api.ok(org.users.maria.token, 'DELETE', `/api/v1/freezes/${hard.id}`);

    const soft = await api.ok<Json & { id: number }>(org.users.maria.token, 'POST', '/api/v1/freezes', {
      name: 'Holiday soft freeze',
      kind: 'soft',
      startsAt: '2026-12-05T00:00:00Z',
      endsAt: '2026-12-06T00:00:00Z',
      scope: { environments: ['production'] },
    });
    const change = await toAuthorize(windowAt('2026-12-05T00:00:00Z', 4));
    await api.ok(org.users.carl.token, 'POST', `/api/v1/changes/${change.id}/approve`, {});
    const warned = expectError(await api.act(org.users.maria.token, change.id, 'schedule'), 422, 'FREEZE_WINDOW');
    expect(warned).toMatchObject({ overridable: true, freezes: [{ name: 'Holiday soft freeze', kind: 'soft' }] });
    const overridden = (
      await api.act(org.users.maria.token, change.id, 'schedule', {
        freezeOverride: { reason: 'Regulator deadline on 6 December' },
      })
    ).json() as ChangeJson;
    expect(overridden.state).toBe('scheduled');
    expect(overridden.freezeOverride).toMatchObject({
      reason: 'Regulator deadline on 6 December',
      by: 'maria',
      freezes: [{ id: soft.id }],
    });
    const audit = await api.ok<{ items: { action: string; after: Json }[] }>(
      admin(),
      'GET',
      `/api/v1/audit?objectType=change&objectId=${change.id}&limit=100`,
    );
    const override = audit.items.find((e) => e.action === 'change.freeze_override');
    expect(override?.after).toMatchObject({ reason: 'Regulator deadline on 6 December', by: 'maria' });
    await api.ok(org.users.maria.token, 'DELETE', `/api/v1/freezes/${soft.id}`);
  });

  it('applies recurring freezes: every year 15 December – 5 January', async () => {
    const yearly = await api.ok<Json & { id: number }>(org.users.maria.token, 'POST', '/api/v1/freezes', {
      name: 'Year-end freeze',
      kind: 'hard',
      startsAt: '2025-12-15T00:00:00Z',
      endsAt: '2026-01-06T00:00:00Z',
      rrule: 'FREQ=YEARLY',
      scope: { ciIds: [org.cis.web01] },
    });
    const occurrences = await api.ok<{ items: { start: string }[] }>(
      admin(),
      'GET',
      `/api/v1/freezes/${yearly.id}/occurrences?from=2026-12-01T00:00:00Z&to=2027-12-31T00:00:00Z`,
    );
    expect(occurrences.items.map((o) => o.start)).toEqual(['2026-12-15T00:00:00.000Z', '2027-12-15T00:00:00.000Z']);
    expectError(
      await api.call(
        admin(),
        'GET',
        `/api/v1/freezes/${yearly.id}/occurrences?from=2026-12-01T00:00:00Z&to=2028-12-31T00:00:00Z`,
      ),
      400,
      'INVALID_INPUT',
    );
    const jan3 = await api.create(
      org.users.rita.token,
      normalChange({ ciIds: [org.cis.web01], ...windowAt('2027-01-03T10:00:00Z', 0) }),
    );
    expect(expectError(await api.act(org.users.rita.token, jan3.id, 'submit'), 422, 'FREEZE_WINDOW').message).toContain(
      'Year-end freeze',
    );
    const jan7 = await api.create(
      org.users.rita.token,
      normalChange({ ciIds: [org.cis.web01], ...windowAt('2027-01-07T10:00:00Z', 0) }),
    );
    expect((await api.act(org.users.rita.token, jan7.id, 'submit')).statusCode).toBe(200);
    await api.ok(org.users.maria.token, 'DELETE', `/api/v1/freezes/${yearly.id}`);
    expectError(
      await api.call(org.users.maria.token, 'POST', '/api/v1/freezes', {
        name: 'x',
        kind: 'hard',
        startsAt: NOW,
        endsAt: NOW,
        rrule: null,
      }),
      400,
      'INVALID_INPUT',
    );
    expectError(
      await api.call(org.users.maria.token, 'POST', '/api/v1/freezes', {
        name: 'x',
        kind: 'hard',
        ...{ startsAt: NOW, endsAt: '2026-12-02T00:00:00Z' },
        rrule: 'FREQ=HOURLY',
      }),
      400,
      'INVALID_INPUT',
    );
    expectError(
      await api.call(org.users.rita.token, 'POST', '/api/v1/freezes', {
        name: 'x',
        kind: 'hard',
        startsAt: NOW,
        endsAt: '2026-12-02T00:00:00Z',
      }),
      403,
      'FORBIDDEN',
    );
  });

  it('schedules a standard change within its template without CAB, and refuses one outside it naming the limit', async () => {
    const template = await api.ok<Json & { id: number }>(org.users.maria.token, 'POST', '/api/v1/change-templates', {
      name: 'Patch a test server',
      description: 'OS patches on test servers',
      allowedCiClasses: ['server'],
      maxImpactedCis: 5,
      maxDurationMinutes: 120,
      backoutPlan: 'Restore the snapshot',
    });
    const standard = await api.create(org.users.rita.token, {
      type: 'standard',
      templateId: template.id,
      title: 'Monthly patching test-01',
      ciIds: [org.cis.testServer],
      ...windowAt(NOW, 30, 1),
    });
    expect(standard.backoutPlan).toBe('Restore the snapshot');
    const scheduled = (await api.act(org.users.rita.token, standard.id, 'submit')).json() as ChangeJson;
    expect(scheduled.state).toBe('scheduled');
    expect(scheduled.approval).toMatchObject({ board: 'none', required: 0, met: true });

    const wrongClass = await api.create(org.users.rita.token, {
      type: 'standard',
      templateId: template.id,
      title: 'Patch banking-app as standard',
      ciIds: [org.cis.bankingApp],
      ...windowAt(NOW, 30, 1),
    });
    const classRefusal = expectError(await api.act(org.users.rita.token, wrongClass.id, 'submit'), 422, 'DOMAIN_RULE');
    expect(classRefusal).toMatchObject({ guard: 'within_template_limits', limit: 'allowedCiClasses' });
    const tooLong = await api.create(org.users.rita.token, {
      type: 'standard',
      templateId: template.id,
      title: 'Long patching',
      ciIds: [org.cis.testServer],
      ...windowAt(NOW, 30, 3),
    });
    expect(expectError(await api.act(org.users.rita.token, tooLong.id, 'submit'), 422, 'DOMAIN_RULE').limit).toBe(
      'maxDurationMinutes',
    );
    expectError(
      await api.call(org.users.rita.token, 'POST', '/api/v1/change-templates', {
        name: 'y',
        allowedCiClasses: ['server'],
        maxImpactedCis: 1,
        maxDurationMinutes: 1,
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api.call(org.users.maria.token, 'POST', '/api/v1/change-templates', {
        name: 'z',
        allowedCiClasses: ['spaceship'],
        maxImpactedCis: 1,
        maxDurationMinutes: 1,
      }),
      400,
      'INVALID_INPUT',
    );
  });

  it("builds each person's CAB agenda from their role", async () => {
    const waiting = await toAuthorize({ title: 'Agenda item' });
    const mine = await api.create(org.users.carl.token, normalChange({ title: 'Carl raised this' }));
    await api.act(org.users.carl.token, mine.id, 'submit');
    const assessing = await api.create(org.users.rita.token, normalChange({ title: 'Waiting for assessment' }));
    await api.act(org.users.rita.token, assessing.id, 'submit');
    const agenda = async (token: string) =>
      (await api.ok<{ items: { reason: string; change: { id: number } }[] }>(token, 'GET', '/api/v1/changes/agenda'))
        .items;
    const carl = await agenda(org.users.carl.token);
    expect(carl.some((i) => i.reason === 'approve' && i.change.id === waiting.id)).toBe(true);
    expect(carl.some((i) => i.change.id === mine.id)).toBe(false);
    const maria = await agenda(org.users.maria.token);
    expect(maria.some((i) => i.reason === 'assess' && i.change.id === assessing.id)).toBe(true);
    // A change manager also sits on the CAB (changes.approve); an engineer never gets approvals.
    expect(maria.some((i) => i.reason === 'approve' && i.change.id === waiting.id)).toBe(true);
    expect((await agenda(org.users.ed.token)).some((i) => i.reason === 'approve' || i.reason === 'assess')).toBe(false);
    await api.ok(org.users.carl.token, 'POST', `/api/v1/changes/${waiting.id}/approve`, {});
    expect((await agenda(org.users.carl.token)).some((i) => i.change.id === waiting.id)).toBe(false);
    expect(
      (await agenda(org.users.maria.token)).some((i) => i.reason === 'schedule' && i.change.id === waiting.id),
    ).toBe(true);
  });

  it('lists emergency changes whose review is overdue after the policy days', async () => {
    const created = await api.create(
      org.users.rita.token,
      normalChange({ type: 'emergency', ...windowAt(clock.now().toISOString(), 1) }),
    );
    await api.act(org.users.rita.token, created.id, 'submit');
    await api.ok(org.users.carl.token, 'POST', `/api/v1/changes/${created.id}/approve`, {});
    await api.act(org.users.maria.token, created.id, 'schedule');
    await api.act(org.users.ivan.token, created.id, 'start');
    const completed = (await api.act(org.users.ivan.token, created.id, 'complete')).json() as ChangeJson;
    expect(Date.parse(String(completed.reviewDueAt)) - clock.now().getTime()).toBe(5 * 86_400_000);
    const overdue = async () =>
      (await api.ok<{ items: { id: number }[] }>(admin(), 'GET', '/api/v1/changes/reviews/overdue')).items.map(
        (c) => c.id,
      );
    expect(await overdue()).not.toContain(created.id);
    clock.advance(6 * 86_400_000);
    expect(await overdue()).toContain(created.id);
    await api.ok(org.users.ivan.token, 'POST', `/api/v1/changes/${created.id}/review`, {
      outcome: 'backed_out',
      incidentIds: [42],
      lessons: 'Test the back-out first',
    });
    expect(await overdue()).not.toContain(created.id);
    // The backed-out change now raises the risk of the next change on the same CI.
    const next = await api.create(org.users.rita.token, normalChange({ ...windowAt(clock.now().toISOString(), 72) }));
    const preview = await api.ok<{ risk: ChangeJson['risk'] }>(admin(), 'GET', `/api/v1/changes/${next.id}/assessment`);
    const failures = preview.risk?.factors.find((f) => f.factor === 'recentFailures');
    expect(failures?.contribution).toBe(5);
    expect(failures?.reason).toContain(`#${created.id}`);
  });
});

describe.each(testDatabaseKinds())('change routes refuse hostile input with 4xx on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('never answers 500 to what a client sends', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/changes',
      body: { type: 'normal', title: 'Fuzz target' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as number;
    const bodies: unknown[] = [
      null,
      [],
      'text',
      42,
      { type: 'normal', title: 'x'.repeat(201) },
      { type: 'normal', title: 'x', ciIds: [0] },
      { type: 'normal', title: 'x', ciIds: [2_147_483_648] },
      { type: 'normal', title: 'x', ciIds: Array.from({ length: 1001 }, (_, i) => i + 1) },
      { type: 'normal', title: 'x', plannedStart: '9999-12-31T23:00:00Z', plannedEnd: '9999-12-31T23:30:00Z' },
      { type: 'normal', title: 'x', plannedStart: '0001-01-01T00:00:00Z', plannedEnd: '0001-01-01T01:00:00Z' },
      { type: 'normal', title: 'x', plannedStart: '2026-01-01T00:00:00Z', plannedEnd: '2028-01-01T00:00:00Z' },
      { type: 'normal', title: 'x\u0000y' },
      { type: 'normal', title: 'x', releaseId: -1 },
      { type: 'standard', title: 'x', templateId: 2_000_000_000 },
      { __proto__: { admin: true }, type: 'normal', title: 'x' },
    ];
    const targets: { method: 'POST' | 'PATCH'; url: string }[] = [
      { method: 'POST', url: '/api/v1/changes' },
      { method: 'PATCH', url: `/api/v1/changes/${id}` },
      { method: 'POST', url: `/api/v1/changes/${id}/transitions` },
      { method: 'POST', url: `/api/v1/changes/${id}/submit` },
      { method: 'POST', url: `/api/v1/changes/${id}/review` },
      { method: 'POST', url: '/api/v1/freezes' },
      { method: 'POST', url: '/api/v1/maintenance-windows' },
      { method: 'POST', url: '/api/v1/change-templates' },
      { method: 'POST', url: '/api/v1/webhooks' },
      { method: 'POST', url: '/api/v1/webhooks/allow-list' },
      { method: 'POST', url: '/api/v1/calendar/feed-tokens' },
    ];
    for (const target of targets) {
      for (const body of bodies) {
        const res = await t.request({ ...target, body });
        expect(res.statusCode, `${target.method} ${target.url} ${JSON.stringify(body)} → ${res.body}`).toBeLessThan(
          500,
        );
      }
    }
    for (const url of [
      '/api/v1/changes?state=exploded',
      '/api/v1/changes?from=yesterday',
      '/api/v1/changes/conflicts?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z',
      '/api/v1/calendar?sources=%00',
      '/api/v1/calendar.ics?token=%27%20or%201%3D1',
      '/api/v1/freezes/1/occurrences?from=0001-01-01T00:00:00Z&to=0002-01-01T00:00:00Z',
      '/api/v1/changes/99999999999/conflicts',
      '/api/v1/changes/-1',
    ]) {
      const res = await t.request({ method: 'GET', url });
      expect(res.statusCode, `${url} → ${res.body}`).toBeLessThan(500);
    }
  });
});
