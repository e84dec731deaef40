import crypto from 'node:crypto';
import { CHANGE_TRANSITIONS, type ChangeState, type Permission, type Role, rolesAllow } from '@slipway/model';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredScopes, scopeDeclarationProblem } from '../platform/http/object-scope.js';
import { ChangeClient, type ChangeOrg, setupChangeOrg, windowAt } from '../test-support/change-kit.js';
import { pushStreamed } from '../test-support/library-helpers.js';
import { fetchOpenApi, type OpenApiDocument } from '../test-support/openapi.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { type FuzzOperation, operationsOf } from './support/fuzz-openapi.js';
import { dataFingerprint } from './support/fuzz-seed.js';
import {
  ELEVATED_ADMIN,
  ELEVATED_SKIP,
  elevatedAllows,
  invariantProblems,
  isKnownPermission,
  MATRIX_ROLES,
  PUBLIC_OPERATIONS,
  probeUrl,
  tableAllows,
} from './support/sod-matrix-oracle.js';

/**
 * Suite 4 — segregation of duties and access. Generated from the permission table in
 * packages/model and the approval rules of the change and release policy:
 * (a) every documented operation × every role × anonymous, plus an admin under break-glass: the
 *     required permission is read off the server's 403 and checked against the table (a role the
 *     table does not grant must get 403 and change nothing; a role it grants must get past access
 *     control; the elevated admin gets past every one), plus policy invariants (writes never need
 *     only `.read`, approvals need `.approve`, the auditor and the admin role never approve);
 * (b) object level — own / other × state: requesters, implementers and uploaders never approve
 *     their own change, release or artifact, in any state reached;
 * (c) the admin approves only through break-glass: without an elevation they are refused and
 *     cannot grant themselves a role; with one they may approve even their own change, and every
 *     entry written meanwhile carries the elevation's id and reason;
 * (d) per-user objects (API tokens, calendar feed tokens) are invisible to other users, and
 *     team-scoped objects (changes, releases and what they hold) to other teams: the cross-team
 *     (BOLA) suite is bola.test.ts; here, every route that takes such an id is checked to declare
 *     its scope, so a route added later cannot skip the team check.
 */
describe.each(testDatabaseKinds())('suite 4: segregation of duties on %s', (kind) => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let org: ChangeOrg;
  let api: ChangeClient;
  const roleTokens = new Map<Role, string>();
  /** A second admin, elevated by break-glass for the whole matrix (a principal beside the roles). */
  let elevatedToken: string;
  const figures = {
    cases: 0,
    unauthorisedSuccesses: 0,
    falseDenials: 0,
    selfApprovals: 0,
    sodAttempts: 0,
    breakGlassApprovals: 0,
  };
  const now = () => new Date().toISOString();

  beforeAll(async () => {
    t = await createTestApp(kind, { env: { SLIPWAY_OVERLOAD_MAX_DELAY_MS: '0' } });
    doc = await fetchOpenApi(t);
    org = await setupChangeOrg(t);
    api = new ChangeClient(t);
    for (const role of MATRIX_ROLES) {
      roleTokens.set(role, role === 'admin' ? t.adminToken : (await t.userWithRoles(`matrix-${role}`, [role])).token);
    }
    elevatedToken = (await t.userWithRoles('matrix-glass', ['admin'])).token;
    const elevation = await t.request({
      method: 'POST',
      url: '/api/v1/auth/break-glass',
      token: elevatedToken,
      body: { reason: 'Suite 4 matrix: the elevated admin as a principal of its own', minutes: 60 },
    });
    expect(elevation.statusCode, elevation.body).toBe(201);
  }, 120_000);
  afterAll(async () => {
    console.log(
      `sod-matrix (${kind}): ${figures.cases} role×route cases, ${figures.unauthorisedSuccesses} unauthorised successes, ` +
        `${figures.falseDenials} false denials; ${figures.sodAttempts} own/other×state approval attempts, ${figures.selfApprovals} self-approvals ` +
        `(${figures.breakGlassApprovals} more under break-glass, flagged)`,
    );
    await t?.close();
  });

  function send(token: string | null, op: FuzzOperation, url: string): Promise<LightMyRequestResponse> {
    const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
    return t.request({ method: op.method, url, token, ...(body !== undefined && { body }) });
  }

  function forbiddenPermission(res: LightMyRequestResponse): string | undefined {
    if (res.statusCode !== 403) return undefined;
    const error = (res.json() as { error?: { code?: string; details?: { permission?: unknown } } }).error;
    return error?.code === 'FORBIDDEN' ? String(error.details?.permission ?? '') : undefined;
  }

  it('holds the permission table on every route for every role and for nobody', async () => {
    const operations = operationsOf(doc);
    // On SQLite every table is fingerprinted around each probe; on PostgreSQL (where that query is
    // slow) the audit head stands in: a denied request is refused before any handler runs.
    const fingerprint =
      kind === 'sqlite'
        ? await dataFingerprint(t)
        : async () =>
            JSON.stringify(await t.slipway.ctx.database.db.selectFrom('audit_head').selectAll().executeTakeFirst());
    const problems: string[] = [];
    const learned: Record<string, string> = {};
    for (const op of operations) {
      const name = `${op.method} ${op.template}`;
      const url = probeUrl(op);
      // Anonymous: only the public routes answer anything but 401.
      const anonymous = await send(null, op, url);
      figures.cases++;
      if (!PUBLIC_OPERATIONS.has(name) && anonymous.statusCode !== 401) {
        figures.unauthorisedSuccesses++;
        problems.push(`${name}: anonymous got ${anonymous.statusCode}`);
      }
      if (PUBLIC_OPERATIONS.has(name)) continue;

      const answers = new Map<Role, LightMyRequestResponse>();
      let snapshot = await fingerprint();
      for (const role of MATRIX_ROLES) {
        const res = await send(roleTokens.get(role) as string, op, url);
        answers.set(role, res);
        figures.cases++;
        const after = await fingerprint();
        // A denied request must leave every table as it was.
        if (forbiddenPermission(res) !== undefined && after !== snapshot) {
          problems.push(`${name}: a request denied to ${role} changed data`);
        }
        snapshot = after;
      }
      const elevated = ELEVATED_SKIP.has(name) ? undefined : await send(elevatedToken, op, url);
      if (elevated) {
        figures.cases++;
        const after = await fingerprint();
        if (forbiddenPermission(elevated) !== undefined && after !== snapshot) {
          problems.push(`${name}: a request denied to the ${ELEVATED_ADMIN} changed data`);
        }
        snapshot = after;
      }
      const declared = [...answers.values()].map(forbiddenPermission).find((p) => p !== undefined);
      const permission: Permission | 'authenticated' =
        declared === undefined ? 'authenticated' : (declared as Permission);
      learned[name] = permission;
      if (declared !== undefined && !isKnownPermission(declared)) {
        problems.push(`${name}: requires "${declared}", which the permission table does not define`);
        continue;
      }
      if (elevated) {
        const denied = forbiddenPermission(elevated) !== undefined;
        if (!elevatedAllows(permission) && !denied) {
          figures.unauthorisedSuccesses++;
          problems.push(`${name}: the ${ELEVATED_ADMIN} is not granted ${permission} but got ${elevated.statusCode}`);
        }
        if (elevatedAllows(permission) && denied) {
          figures.falseDenials++;
          problems.push(`${name}: the ${ELEVATED_ADMIN} holds ${permission} but was refused`);
        }
      }
      for (const [role, res] of answers) {
        const allowed = tableAllows(role, permission);
        const denied = forbiddenPermission(res) !== undefined;
        if (!allowed && !denied) {
          figures.unauthorisedSuccesses++;
          problems.push(`${name}: ${role} is not granted ${permission} but got ${res.statusCode}`);
        }
        if (allowed && denied) {
          figures.falseDenials++;
          problems.push(`${name}: ${role} holds ${permission} but was refused`);
        }
      }
      problems.push(...invariantProblems(op, permission));
    }
    const open = Object.entries(learned).filter(([, p]) => p === 'authenticated');
    console.log(
      `sod-matrix (${kind}): ${operations.length} operations probed; ${open.length} open to every signed-in role: ${open.map(([n]) => n).join(', ')}`,
    );
    expect(problems).toEqual([]);
    expect(figures.unauthorisedSuccesses).toBe(0);
  }, 300_000);

  /**
   * The oracle for approve/reject on a change, from the model: approving is a CAB decision in
   * `authorize`; rejecting is the CAB's in `authorize` and the change manager's at assessment
   * (CHANGE_TRANSITIONS). Requester and implementer never decide as approvers.
   */
  function mayDecide(state: ChangeState, decision: 'approve' | 'reject', roles: Role[], relation: string): boolean {
    if (decision === 'approve')
      return state === 'authorize' && relation === 'other' && rolesAllow(roles, 'changes.approve');
    return CHANGE_TRANSITIONS.some(
      (tr) =>
        tr.action === 'reject' &&
        tr.from === state &&
        tr.types.includes('normal') &&
        ((tr.by.includes('approver') && relation === 'other' && rolesAllow(roles, 'changes.approve')) ||
          (tr.by.includes('manager') && rolesAllow(roles, 'changes.manage'))),
    );
  }

  /** The approval attempt's outcome: success, or the error code that refused it. */
  function outcome(res: LightMyRequestResponse): string {
    if (res.statusCode < 300) return 'ok';
    return (res.json() as { error: { code: string } }).error.code;
  }

  it('never lets a requester or implementer decide their own change, in any state', async () => {
    const { rita, ivan, carl, cora, olivia, maria } = org.users;
    const change = async (requester: string, implementerId: number) =>
      api.create(requester, {
        type: 'normal',
        title: `SoD ${crypto.randomUUID()}`,
        ciIds: [org.cis.testServer],
        ...windowAt(now(), 72),
        implementerId,
        backoutPlan: 'Restore the previous package',
      });
    // carl (CAB) requests, cora (CAB) implements: both hold changes.approve, neither may use it here.
    const states: Record<string, number> = {};
    states.new = (await change(carl.token, cora.id)).id;
    states.assess = (await change(carl.token, cora.id)).id;
    await api.act(carl.token, states.assess, 'submit');
    states.authorize = (await change(carl.token, cora.id)).id;
    await api.act(carl.token, states.authorize, 'submit');
    expect((await api.act(maria.token, states.authorize, 'assess')).statusCode).toBe(200);
    states.cancelled = (await change(carl.token, cora.id)).id;
    await api.act(carl.token, states.cancelled, 'cancel');
    states.scheduled = (await change(carl.token, cora.id)).id;
    await api.act(carl.token, states.scheduled, 'submit');
    await api.act(maria.token, states.scheduled, 'assess');
    expect(outcome(await api.act(olivia.token, states.scheduled, 'approve'))).toBe('ok');
    const scheduled = await api.act(maria.token, states.scheduled, 'schedule');
    expect(scheduled.statusCode, scheduled.body).toBe(200);

    const actors: [string, string, 'own' | 'implementer' | 'other', Role[]][] = [
      ['carl (requester, CAB)', carl.token, 'own', ['cab_member']],
      ['cora (implementer, CAB)', cora.token, 'implementer', ['cab_member']],
      ['maria (change manager)', maria.token, 'other', ['change_manager']],
      ['rita (engineer)', rita.token, 'other', ['engineer']],
      ['ivan (engineer)', ivan.token, 'other', ['engineer']],
      ['admin', t.adminToken, 'other', ['admin']],
      ['auditor', roleTokens.get('auditor') as string, 'other', ['auditor']],
      ['release manager', roleTokens.get('release_manager') as string, 'other', ['release_manager']],
    ];
    const rows: string[] = [];
    for (const [state, id] of Object.entries(states)) {
      for (const decision of ['approve', 'reject'] as const) {
        for (const [who, token, relation, roles] of actors) {
          const before = await api.get(t.adminToken, id);
          const res = await api.act(token, id, decision, { comment: 'matrix' });
          figures.sodAttempts++;
          const result = outcome(res);
          rows.push(`${before.state}/${decision}/${who}: ${result}`);
          if (result === 'ok') {
            if (relation !== 'other') figures.selfApprovals++;
            // Every success must be one the model's transition table and SoD allow.
            expect(
              mayDecide(before.state as ChangeState, decision, roles, relation),
              `${before.state}/${decision}/${who}`,
            ).toBe(true);
            continue;
          }
          if (relation !== 'other' && state === 'authorize') {
            // Where a decision is possible at all, own and implemented changes are refused for who they are.
            expect(result, `${state}/${decision}/${who}`).toBe('SOD_VIOLATION');
          }
          const after = await api.get(t.adminToken, id);
          expect(after.version, `${state}/${decision}/${who} changed the change`).toBe(before.version);
        }
      }
    }
    expect(figures.selfApprovals).toBe(0);
    // The change manager is the one eligible decider here: approves in authorize, rejects in assess.
    expect(rows.filter((r) => r.endsWith(': ok')).sort()).toEqual([
      'assess/reject/maria (change manager): ok',
      'authorize/approve/maria (change manager): ok',
    ]);
  });

  it('never lets an uploader approve their own artifact; the admin cannot approve at all', async () => {
    const uploader = await t.userWithRoles('matrix-uploader', ['release_manager']);
    const other = await t.userWithRoles('matrix-librarian', ['change_manager']);
    const push = async () => {
      const res = await pushStreamed(t, uploader.token, crypto.randomBytes(2048), {
        name: `sod-${crypto.randomUUID().slice(0, 8)}`,
        artifactVersion: '1.0.0',
        license: 'MIT',
        // The desktop element needs no signature under the default policy: approval turns on SoD alone.
        element: 'desktop',
      });
      expect(res.statusCode, res.body).toBe(201);
      return (res.json() as { id: number }).id;
    };
    const id = await push();
    const attempt = async (token: string) => {
      figures.sodAttempts++;
      return outcome(await t.request({ method: 'POST', url: `/api/v1/artifacts/${id}/approve`, token }));
    };
    expect(await attempt(uploader.token)).toBe('SOD_VIOLATION');
    expect(await attempt(t.adminToken)).toBe('FORBIDDEN');
    expect(await attempt(roleTokens.get('engineer') as string)).toBe('FORBIDDEN');
    expect(await attempt(roleTokens.get('auditor') as string)).toBe('FORBIDDEN');
    const approved = await t.request({ method: 'POST', url: `/api/v1/artifacts/${id}/approve`, token: other.token });
    figures.sodAttempts++;
    expect(approved.statusCode, approved.body).toBe(200);
    // Approved now: the uploader still cannot act on it as an approver (retire needs library.approve too).
    expect(await attempt(uploader.token)).not.toBe('ok');
  });

  it('never lets a requester approve their own release, whatever its state', async () => {
    const rex = await t.userWithRoles('matrix-rex', ['release_manager', 'cab_member']);
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/releases',
      token: rex.token,
      body: { type: 'minor', element: 'server', unit: 'sod-unit', releaseVersion: '9.9.9', title: 'SoD release' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = (res.json() as { id: number }).id;
    const attempt = async (token: string) => {
      figures.sodAttempts++;
      const answer = await t.request({ method: 'POST', url: `/api/v1/releases/${id}/approve`, token, body: {} });
      const result = outcome(answer);
      if (result === 'ok' && token === rex.token) figures.selfApprovals++;
      return result;
    };
    expect(await attempt(rex.token)).toBe('SOD_VIOLATION');
    expect(await attempt(t.adminToken)).toBe('FORBIDDEN');
    expect(await attempt(roleTokens.get('release_manager') as string)).toBe('FORBIDDEN');
    // An eligible approver is refused by the state rule (a draft is not approvable), not let through.
    expect(await attempt(org.users.carl.token)).not.toBe('ok');
  });

  it('lets the admin approve only under an audited break-glass elevation, flagged; never by granting themselves a role', async () => {
    const routes = Object.keys(doc.paths);
    expect(routes.filter((p) => /break|glass|override-sod|impersonat|sudo/i.test(p))).toEqual([
      '/api/v1/auth/break-glass',
    ]);
    const admin = (await (await t.request({ method: 'GET', url: '/api/v1/users/me' })).json()) as {
      id: number;
      roles: Role[];
    };
    expect(rolesAllow(admin.roles, 'changes.approve')).toBe(false);

    // The admin raises a change and (holding changes.manage) moves it to authorisation.
    const own = await api.create(t.adminToken, {
      type: 'normal',
      title: 'Admin change',
      ciIds: [org.cis.testServer],
      ...windowAt(now(), 96),
      implementerId: org.users.ivan.id,
      backoutPlan: 'Revert',
    });
    await api.act(t.adminToken, own.id, 'submit');
    expect((await api.act(t.adminToken, own.id, 'assess')).statusCode).toBe(200);

    // Without an elevation: no approval, and no self-granted approver role by any route.
    figures.sodAttempts++;
    expect(outcome(await api.act(t.adminToken, own.id, 'approve', {}))).toBe('FORBIDDEN');
    for (const roles of [['admin', 'change_manager'], ['admin', 'cab_member'], ['cab_member']]) {
      const grant = await t.request({ method: 'PATCH', url: `/api/v1/users/${admin.id}`, body: { roles } });
      expect(grant.statusCode, grant.body).toBe(403);
      expect(grant.json().error.message).toMatch(/break-glass/);
    }
    // Nor by borrowing an approver's identity through a token minted for them.
    const borrowed = await t.request({
      method: 'POST',
      url: '/api/v1/tokens',
      body: { name: 'borrowed', userId: org.users.olivia.id },
    });
    expect(borrowed.statusCode, borrowed.body).toBe(403);
    const me = (await (await t.request({ method: 'GET', url: '/api/v1/users/me' })).json()) as { roles: Role[] };
    expect(me.roles).toEqual(['admin']);
    // Nobody else can open the glass: every non-admin role is refused.
    for (const role of MATRIX_ROLES.filter((r) => r !== 'admin')) {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/auth/break-glass',
        token: roleTokens.get(role) as string,
        body: { reason: 'INC-1: trying to bypass segregation of duties' },
      });
      expect(res.statusCode, `${role}: ${res.body}`).toBe(403);
    }

    // Under break-glass the admin may approve their own change: allowed, and flagged.
    const reason = 'INC-9001: production outage, CAB unreachable, emergency approval';
    const started = await t.request({ method: 'POST', url: '/api/v1/auth/break-glass', body: { reason, minutes: 10 } });
    expect(started.statusCode, started.body).toBe(201);
    const elevationId = (started.json() as { id: number }).id;
    figures.sodAttempts++;
    const approved = await api.act(t.adminToken, own.id, 'approve', { comment: 'break-glass' });
    expect(outcome(approved), approved.body).toBe('ok');
    figures.breakGlassApprovals++;
    const audit = (await (
      await t.request({ method: 'GET', url: `/api/v1/audit?objectType=change&objectId=${own.id}` })
    ).json()) as { items: { action: string; actor: { id: number; breakGlass?: { id: number; reason: string } } }[] };
    const approval = audit.items.find((e) => e.action === 'change.approve');
    expect(approval?.actor).toMatchObject({ id: admin.id, breakGlass: { id: elevationId, reason } });
    expect(
      audit.items.filter((e) => e.action !== 'change.approve').every((e) => e.actor.breakGlass === undefined),
    ).toBe(true);

    // Ended: back to administering only.
    const ended = await t.request({ method: 'DELETE', url: '/api/v1/auth/break-glass' });
    expect(ended.statusCode, ended.body).toBe(200);
    const again = await api.create(t.adminToken, {
      type: 'normal',
      title: 'Admin change after the glass',
      ciIds: [org.cis.testServer],
      ...windowAt(now(), 120),
      implementerId: org.users.ivan.id,
      backoutPlan: 'Revert',
    });
    await api.act(t.adminToken, again.id, 'submit');
    await api.act(t.adminToken, again.id, 'assess');
    figures.sodAttempts++;
    expect(outcome(await api.act(t.adminToken, again.id, 'approve', {}))).toBe('FORBIDDEN');

    // An auditor sees the elevation and the chain still verifies.
    const listed = await t.request({
      method: 'GET',
      url: '/api/v1/auth/break-glass',
      token: roleTokens.get('auditor') as string,
    });
    expect(listed.statusCode, listed.body).toBe(200);
    expect((listed.json() as { items: { id: number; endReason: string | null }[] }).items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: elevationId, endReason: 'ended' })]),
    );
    const verify = await t.request({ method: 'GET', url: '/api/v1/audit/verify' });
    expect(verify.json()).toMatchObject({ ok: true });
  });

  it('keeps per-user objects invisible to other users; every id-taking change/release/rollout route declares its team scope', async () => {
    const alice = await t.userWithRoles('matrix-alice', ['engineer']);
    const bob = await t.userWithRoles('matrix-bob', ['engineer']);
    const aliceToken = await t.request({
      method: 'POST',
      url: '/api/v1/tokens',
      token: alice.token,
      body: { name: 'ci' },
    });
    expect(aliceToken.statusCode, aliceToken.body).toBe(201);
    const tokenId = (aliceToken.json() as { id: number }).id;
    const feed = await t.request({
      method: 'POST',
      url: '/api/v1/calendar/feed-tokens',
      token: alice.token,
      body: { name: 'phone' },
    });
    expect(feed.statusCode, feed.body).toBe(201);
    const feedId = (feed.json() as { id: number }).id;

    const probes: [string, 'GET' | 'DELETE', string][] = [
      ['token read', 'GET', `/api/v1/tokens/${tokenId}`],
      ['token revoke', 'DELETE', `/api/v1/tokens/${tokenId}`],
      ['feed token revoke', 'DELETE', `/api/v1/calendar/feed-tokens/${feedId}`],
    ];
    for (const [what, method, url] of probes) {
      const res = await t.request({ method, url, token: bob.token });
      figures.cases++;
      if (res.statusCode < 300) figures.unauthorisedSuccesses++;
      expect([403, 404], `${what} by another user: ${res.body}`).toContain(res.statusCode);
      expect(res.body).not.toContain('"name":"ci"');
    }
    const listed = (await t.request({ method: 'GET', url: '/api/v1/tokens', token: bob.token })).json() as {
      items: { id: number }[];
    };
    expect(listed.items.map((i) => i.id)).not.toContain(tokenId);
    const feeds = (
      await t.request({ method: 'GET', url: '/api/v1/calendar/feed-tokens', token: bob.token })
    ).json() as {
      items: { id: number }[];
    };
    expect(feeds.items.map((i) => i.id)).not.toContain(feedId);
    // Alice's token still works: nothing another user did touched it.
    expect((await t.request({ method: 'GET', url: `/api/v1/tokens/${tokenId}`, token: alice.token })).statusCode).toBe(
      200,
    );

    // Team scoping is declared per route and checked by one hook (platform/http/object-scope.ts);
    // the cross-team calls themselves are in bola.test.ts.
    const undeclared: string[] = [];
    const scopes = declaredScopes(t.slipway.app);
    for (const op of operationsOf(doc)) {
      const url = op.template.replace(/\{([^}]+)\}/g, ':$1');
      const declared = scopes.get(`${op.method} ${url}`);
      if (declared === undefined) undeclared.push(`${op.method} ${op.template} is documented but not registered`);
      const problem = scopeDeclarationProblem(url, declared);
      if (problem) undeclared.push(`${op.method} ${op.template} ${problem}`);
    }
    expect(undeclared).toEqual([]);
    expect(scopes.get('GET /api/v1/rollouts/:id')).toEqual([{ object: 'rollout', param: 'id' }]);
    expect(scopeDeclarationProblem('/api/v1/changes/:id/new-thing', undefined)).toMatch(/declares no config.scope/);
    const schemas = JSON.stringify(doc.components ?? {}) + JSON.stringify(doc.paths);
    expect(/"teamId"\s*:/.test(schemas), 'changes and releases carry their team').toBe(true);
  });
});
