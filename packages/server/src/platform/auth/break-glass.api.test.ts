import crypto from 'node:crypto';
import { BREAK_GLASS_MAX_MINUTES } from '@slipway/model';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeClient, type ChangeOrg, expectError, setupChangeOrg, windowAt } from '../../test-support/change-kit.js';
import { pushStreamed } from '../../test-support/library-helpers.js';
import { createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';
import { ManualClock } from '../clock.js';

const REASON = 'INC-4711: payments outage, CAB unreachable, approve hotfix change';

interface Elevation {
  id: number;
  userId: number;
  reason: string;
  active: boolean;
  expiresAt: string;
  endedAt: string | null;
  endReason: 'ended' | 'expired' | null;
  endedBy: string | null;
}

interface AuditItem {
  seq: number;
  action: string;
  objectType: string;
  objectId: string | null;
  actor: { id: number | null; name: string; breakGlass?: { id: number; reason: string } };
}

describe.each(testDatabaseKinds())('break-glass on %s', (kind) => {
  let t: TestApp;
  let org: ChangeOrg;
  let api: ChangeClient;
  let adminId: number;
  let auditor: { id: number; token: string };
  const clock = new ManualClock('2026-05-04T08:00:00.000Z');

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    org = await setupChangeOrg(t, 'bg-');
    api = new ChangeClient(t);
    adminId = ((await t.request({ method: 'GET', url: '/api/v1/users/me' })).json() as { id: number }).id;
    auditor = await t.userWithRoles('bg-auditor', ['auditor']);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const start = (body: unknown, token = t.adminToken) =>
    t.request({ method: 'POST', url: '/api/v1/auth/break-glass', token, body });
  const end = (token = t.adminToken) => t.request({ method: 'DELETE', url: '/api/v1/auth/break-glass', token });

  /** An admin-requested change waiting for CAB authorisation (the admin holds changes.manage to assess it). */
  async function ownChangeAwaitingApproval(): Promise<number> {
    const change = await api.create(t.adminToken, {
      type: 'normal',
      title: 'Admin hotfix',
      ciIds: [org.cis.testServer],
      ...windowAt(clock.now().toISOString(), 72),
      implementerId: org.users.ivan.id,
      backoutPlan: 'Reinstall the previous package',
    });
    expect((await api.act(t.adminToken, change.id, 'submit')).statusCode).toBe(200);
    const assessed = await api.act(t.adminToken, change.id, 'assess');
    expect(assessed.statusCode, assessed.body).toBe(200);
    return change.id;
  }

  async function auditOf(query: string): Promise<AuditItem[]> {
    const res = await t.request({ method: 'GET', url: `/api/v1/audit?${query}`, token: auditor.token });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { items: AuditItem[] }).items;
  }

  /** A 400 from schema validation (VALIDATION_FAILED) or from the service (INVALID_INPUT). */
  function expectBadInput(res: LightMyRequestResponse): void {
    expect(res.statusCode, res.body).toBe(400);
    expect(['VALIDATION_FAILED', 'INVALID_INPUT']).toContain((res.json() as { error: { code: string } }).error.code);
  }

  function approve(id: number): Promise<LightMyRequestResponse> {
    return api.act(t.adminToken, id, 'approve', { comment: 'emergency approval' });
  }

  it('refuses non-admins (403) and bad input (400); auditors may only read', async () => {
    for (const token of [org.users.maria.token, org.users.carl.token, auditor.token]) {
      expectError(await start({ reason: REASON }, token), 403, 'FORBIDDEN');
      expectError(await end(token), 403, 'FORBIDDEN');
    }
    expectBadInput(await start({}));
    expectBadInput(await start({ reason: 'because' }));
    expectBadInput(await start({ reason: 'a'.repeat(40) }));
    expectBadInput(await start({ reason: `      ${'x '.repeat(12)}` }));
    for (const minutes of [0, BREAK_GLASS_MAX_MINUTES + 1, 2.5, '10']) {
      expectBadInput(await start({ reason: REASON, minutes }));
    }
    expectBadInput(await start({ reason: REASON, extra: true }));
    expectError(await end(), 404, 'NOT_FOUND');
    const list = await t.request({ method: 'GET', url: '/api/v1/auth/break-glass', token: org.users.maria.token });
    expectError(list, 403, 'FORBIDDEN');
    // Nothing was started by any of that.
    const seen = await t.request({ method: 'GET', url: '/api/v1/auth/break-glass', token: auditor.token });
    expect(seen.json()).toEqual({ current: null, items: [], next: null });
  });

  it('without elevation the admin cannot approve, grant themselves a role, or mint an approver’s token', async () => {
    const id = await ownChangeAwaitingApproval();
    expect(expectError(await approve(id), 403, 'FORBIDDEN').permission).toBe('changes.approve');

    const me = (await t.request({ method: 'GET', url: '/api/v1/users/me' })).json() as { roles: string[] };
    expect(me.roles).toEqual(['admin']);
    for (const roles of [['admin', 'change_manager'], ['admin', 'cab_member'], ['change_manager']]) {
      const grant = await t.request({ method: 'PATCH', url: `/api/v1/users/${adminId}`, body: { roles } });
      const refused = expectError(grant, 403, 'FORBIDDEN');
      expect(String(refused.message)).toMatch(/break-glass/);
      expect(refused.rule).toBe('no_self_role_change');
    }
    // Re-stating one's own roles unchanged, and changing one's own name, stay allowed.
    const same = await t.request({ method: 'PATCH', url: `/api/v1/users/${adminId}`, body: { roles: ['admin'] } });
    expect(same.statusCode, same.body).toBe(200);
    // Another admin still administers other people's roles.
    const other = await t.request({
      method: 'PATCH',
      url: `/api/v1/users/${org.users.ed.id}`,
      body: { roles: ['engineer', 'cab_member'] },
    });
    expect(other.statusCode, other.body).toBe(200);
    // A token minted by the admin for an approver would let the admin approve as them.
    const minted = await t.request({
      method: 'POST',
      url: '/api/v1/tokens',
      body: { name: 'borrowed', userId: org.users.carl.id },
    });
    expect(expectError(minted, 403, 'FORBIDDEN').rule).toBe('no_token_for_another_approver');
    // For a non-approver (a pipeline's engineer account) it still works.
    const pipeline = await t.request({
      method: 'POST',
      url: '/api/v1/tokens',
      body: { name: 'ci', userId: org.users.rita.id },
    });
    expect(pipeline.statusCode, pipeline.body).toBe(201);
    // Still refused after all that.
    expectError(await approve(id), 403, 'FORBIDDEN');
  });

  it('with elevation the admin approves their own change, flagged in the audit trail; it then expires', async () => {
    const id = await ownChangeAwaitingApproval();
    const started = await start({ reason: `  ${REASON}  `, minutes: 30 });
    expect(started.statusCode, started.body).toBe(201);
    const elevation = started.json() as Elevation;
    expect(elevation).toMatchObject({ userId: adminId, reason: REASON, active: true, endedAt: null });
    expect(elevation.expiresAt).toBe(new Date(clock.now().getTime() + 30 * 60_000).toISOString());

    // One at a time.
    const again = expectError(await start({ reason: REASON }), 409, 'CONFLICT');
    expect(again.breakGlassId).toBe(elevation.id);

    const session = (await t.request({ method: 'GET', url: '/api/v1/auth/session' })).json() as {
      permissions: string[];
      breakGlass: { id: number } | null;
      user: { roles: string[] };
    };
    expect(session.breakGlass?.id).toBe(elevation.id);
    expect(session.permissions).toEqual(expect.arrayContaining(['changes.approve', 'releases.approve']));
    expect(session.user.roles).toEqual(['admin']);
    // Still no self-grant of roles while elevated: the elevation is the route, not a role change.
    const grant = await t.request({
      method: 'PATCH',
      url: `/api/v1/users/${adminId}`,
      body: { roles: ['admin', 'cab_member'] },
    });
    expectError(grant, 403, 'FORBIDDEN');

    const approved = await approve(id);
    expect(approved.statusCode, approved.body).toBe(200);
    const status = (await api.get(t.adminToken, id)).approval as { approvals: { approverId: number }[] };
    expect(status.approvals.map((a) => a.approverId)).toEqual([adminId]);

    // Every entry written under the elevation carries its id and reason; the start is one of them.
    const flagged = await auditOf(`breakGlassId=${elevation.id}`);
    expect(flagged.map((e) => e.action)).toEqual(expect.arrayContaining(['break_glass.start', 'change.approve']));
    for (const entry of flagged) {
      expect(entry.actor).toEqual({ id: adminId, name: 'admin', breakGlass: { id: elevation.id, reason: REASON } });
    }
    const approval = (await auditOf(`objectType=change&objectId=${id}`)).find((e) => e.action === 'change.approve');
    expect(approval?.actor.breakGlass).toEqual({ id: elevation.id, reason: REASON });
    // Entries written before it are not flagged.
    const submit = (await auditOf(`objectType=change&objectId=${id}`)).find((e) => e.action === 'change.submit');
    expect(submit?.actor.breakGlass).toBeUndefined();

    // An auditor lists it, active.
    const listed = await t.request({ method: 'GET', url: '/api/v1/auth/break-glass', token: auditor.token });
    expect(listed.statusCode, listed.body).toBe(200);
    const overview = listed.json() as { current: Elevation | null; items: Elevation[] };
    expect(overview.current).toBeNull();
    expect(overview.items[0]).toMatchObject({ id: elevation.id, active: true });
    const mine = (await t.request({ method: 'GET', url: '/api/v1/auth/break-glass' })).json() as {
      current: Elevation | null;
    };
    expect(mine.current?.id).toBe(elevation.id);

    // Time runs out: the permissions go at once, without waiting for the expiry job.
    const second = await ownChangeAwaitingApproval();
    clock.advance(30 * 60_000 + 1);
    expectError(await approve(second), 403, 'FORBIDDEN');
    const session2 = (await t.request({ method: 'GET', url: '/api/v1/auth/session' })).json() as {
      permissions: string[];
      breakGlass: unknown;
    };
    expect(session2.breakGlass).toBeNull();
    expect(session2.permissions).not.toContain('changes.approve');
    const expired = (
      (await t.request({ method: 'GET', url: '/api/v1/auth/break-glass', token: auditor.token })).json() as {
        items: Elevation[];
      }
    ).items[0];
    expect(expired).toMatchObject({ id: elevation.id, active: false, endReason: 'expired', endedBy: 'system' });

    // The expiry job closes the row and audits it, once.
    await t.slipway.ctx.jobs.drain();
    await t.slipway.ctx.jobs.drain();
    const closing = (await auditOf(`objectType=break_glass&objectId=${elevation.id}`)).filter(
      (e) => e.action === 'break_glass.expire',
    );
    expect(closing).toHaveLength(1);
    expect(closing[0]?.actor.breakGlass).toBeUndefined();
    const row = await t.slipway.ctx.database.db
      .selectFrom('break_glass_elevations')
      .selectAll()
      .where('id', '=', elevation.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ end_reason: 'expired', ended_at: elevation.expiresAt, ended_by: 'system' });
  });

  it('ends early on request; a new elevation needs its reason stated again', async () => {
    const id = await ownChangeAwaitingApproval();
    expectBadInput(await start({ minutes: 5 }));
    const started = await start({ reason: 'INC-4712: certificate expired on web tier, approve renewal', minutes: 5 });
    expect(started.statusCode, started.body).toBe(201);
    const elevation = started.json() as Elevation;
    const ended = await end();
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json()).toMatchObject({ id: elevation.id, active: false, endReason: 'ended', endedBy: 'admin' });
    expectError(await approve(id), 403, 'FORBIDDEN');
    expectError(await end(), 404, 'NOT_FOUND');
    const actions = (await auditOf(`objectType=break_glass&objectId=${elevation.id}`)).map((e) => e.action);
    expect(actions.sort()).toEqual(['break_glass.end', 'break_glass.start']);
    // The expiry job finds it ended and writes nothing.
    clock.advance(6 * 60_000);
    await t.slipway.ctx.jobs.drain();
    expect((await auditOf(`objectType=break_glass&objectId=${elevation.id}`)).length).toBe(2);
  });

  it('holds across instances: the state is in the database, read on each authentication', async () => {
    const db = t.slipway.ctx.database.db;
    const started = await start({ reason: 'INC-4713: database failover, approve emergency config change' });
    expect(started.statusCode, started.body).toBe(201);
    const { id } = started.json() as Elevation;
    // Another instance ends it (here: a direct write, as that instance's transaction would).
    await db
      .updateTable('break_glass_elevations')
      .set({ ended_at: clock.now().toISOString(), end_reason: 'ended', ended_by: 'admin' })
      .where('id', '=', id)
      .execute();
    clock.advance(1001);
    const session = (await t.request({ method: 'GET', url: '/api/v1/auth/session' })).json() as { breakGlass: unknown };
    expect(session.breakGlass).toBeNull();
  });

  it('waives the uploader rule for the elevated admin only, flagged', async () => {
    const push = async (token: string) => {
      const res = await pushStreamed(t, token, crypto.randomBytes(1024), {
        name: `bg-${crypto.randomUUID().slice(0, 8)}`,
        artifactVersion: '1.0.0',
        license: 'MIT',
        element: 'desktop',
      });
      expect(res.statusCode, res.body).toBe(201);
      return (res.json() as { id: number }).id;
    };
    const approveArtifact = (token: string, id: number) =>
      t.request({ method: 'POST', url: `/api/v1/artifacts/${id}/approve`, token });
    // An approver who uploaded is still refused: the waiver is break-glass's alone.
    const uploader = await t.userWithRoles('bg-uploader', ['release_manager']);
    expectError(await approveArtifact(uploader.token, await push(uploader.token)), 403, 'SOD_VIOLATION');

    const own = await push(t.adminToken);
    expectError(await approveArtifact(t.adminToken, own), 403, 'FORBIDDEN');
    const started = await start({ reason: 'INC-4714: signed hotfix build must ship before the outage spreads' });
    expect(started.statusCode, started.body).toBe(201);
    const { id: elevationId } = started.json() as Elevation;
    const approved = await approveArtifact(t.adminToken, own);
    expect(approved.statusCode, approved.body).toBe(200);
    const entry = (await auditOf(`objectType=artifact&objectId=${own}`)).find((e) => e.action === 'artifact.approve');
    expect(entry?.actor.breakGlass?.id).toBe(elevationId);
    expect((await end()).statusCode).toBe(200);
  });

  it('tells webhook subscribers and keeps the audit chain verifying', async () => {
    expect(t.slipway.ctx.webhooks.eventTypes).toEqual(
      expect.arrayContaining(['break_glass.started', 'break_glass.ended']),
    );
    const verify = await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: auditor.token });
    expect(verify.statusCode, verify.body).toBe(200);
    expect(verify.json()).toMatchObject({ ok: true, problems: [] });
    // Stripping the flag from a flagged entry is detected like any other edit.
    const db = t.slipway.ctx.database.db;
    const flagged = await db
      .selectFrom('audit_log')
      .select(['seq', 'actor_break_glass_id', 'actor_break_glass_reason'])
      .where('actor_break_glass_id', 'is not', null)
      .orderBy('seq')
      .executeTakeFirstOrThrow();
    await db
      .updateTable('audit_log')
      .set({ actor_break_glass_id: null, actor_break_glass_reason: null })
      .where('seq', '=', flagged.seq)
      .execute();
    const tampered = (await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: auditor.token })).json() as {
      ok: boolean;
      firstBad: { seq: number; reason: string };
    };
    expect(tampered.ok).toBe(false);
    expect(tampered.firstBad).toMatchObject({ seq: flagged.seq, reason: 'modified' });
    await db
      .updateTable('audit_log')
      .set({
        actor_break_glass_id: flagged.actor_break_glass_id,
        actor_break_glass_reason: flagged.actor_break_glass_reason,
      })
      .where('seq', '=', flagged.seq)
      .execute();
    const restored = await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: auditor.token });
    expect(restored.json()).toMatchObject({ ok: true });
  });
});
