import { ROLES, type Role, seesEveryTeam, TEAM_OVERSIGHT_ROLES } from '@slipway/model';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOpenApi, type OpenApiDocument } from '../test-support/openapi.js';
import { ReleaseClient, type ReleaseOrg, setupReleaseOrg } from '../test-support/release-kit.js';
import { approvedRelease, desktops } from '../test-support/rollout-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { type FuzzOperation, operationsOf } from './support/fuzz-openapi.js';
import { probeValue } from './support/sod-matrix-oracle.js';

/**
 * Suite 4 — object-level authorisation between teams (OWASP API1 BOLA, ASVS 8.2.2; anchor S2).
 * Two teams. Team A owns changes in several states and a release with a rollout; every operation
 * of the OpenAPI document whose path takes the id of a change, release or rollout is called by
 * each non-oversight role of team B with A's ids and with neighbouring ids (sequential guessing):
 * 0 successes, only 403/404, no A data in any body. Every list-shaped GET of the document, read
 * by team B, never shows A's objects. Team A's members, and the oversight roles the policy names
 * (model/teams.ts), do see them.
 */

/** In every title of team A's objects: no answer to team B may contain it. */
const MARK = 'ZQ-TEAM-A-ONLY';
/** Operations that stream (SSE): only called where the answer must be a refusal. */
const STREAMS = new Set(['GET /api/v1/rollouts/{id}/events']);
/**
 * List-shaped GETs readable organisation-wide by design, whatever the caller's team: the audit
 * trail (admin and auditor: audit.read is organisation-wide, docs/security.md).
 */
const ORGANISATION_WIDE = new Set(['GET /api/v1/audit']);

type Kind = 'change' | 'release' | 'rollout';

function kindOf(template: string): Kind | undefined {
  const m = /^\/api\/v1\/(changes|releases|rollouts)\/\{id\}/.exec(template);
  if (!m) return undefined;
  return m[1] === 'changes' ? 'change' : m[1] === 'releases' ? 'release' : 'rollout';
}

describe.each(testDatabaseKinds())('suite 4: team scoping (BOLA) on %s', (kind) => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let org: ReleaseOrg;
  let teamA: number;
  let teamB: number;
  const teamAChanges: Record<string, number> = {};
  let teamARelease: number;
  let teamARollout: number;
  let incident: number;
  let fleet: number[];
  const bUsers = new Map<Role, { id: number; token: string }>();
  const figures = { operations: 0, lists: 0, cases: 0, crossTeamSuccesses: 0, leaks: 0 };

  async function ok(token: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, body?: unknown) {
    const res = await t.request({ method, url, token, ...(body !== undefined && { body }) });
    expect(res.statusCode, `${method} ${url} → ${res.body}`).toBeLessThan(300);
    return res.json() as Record<string, unknown> & { id: number; version: number };
  }

  beforeAll(async () => {
    t = await createTestApp(kind, { env: { SLIPWAY_OVERLOAD_MAX_DELAY_MS: '0' } });
    doc = await fetchOpenApi(t);
    org = await setupReleaseOrg(t, 'bola-');
    fleet = await desktops(t, 'BOLA-DT', 3, ['AMS'], org.cis.zoomOld);
    const admin = t.adminToken;
    teamA = (await ok(admin, 'POST', '/api/v1/teams', { name: 'Team A' })).id;
    teamB = (await ok(admin, 'POST', '/api/v1/teams', { name: 'Team B' })).id;
    for (const role of ROLES) bUsers.set(role, await t.userWithRoles(`bola-b-${role}`, [role]));
    const { rita, ivan, ted } = org.users;
    await ok(admin, 'PUT', `/api/v1/teams/${teamA}/members`, { userIds: [rita.id, ivan.id, ted.id] });
    await ok(admin, 'PUT', `/api/v1/teams/${teamB}/members`, {
      userIds: [...bUsers.values()].map((u) => u.id),
    });

    // Team A's release (moved into the team by its release manager, a member) with a rollout.
    const release = await approvedRelease(t, org, fleet);
    teamARelease = release.id;
    await ok(rita.token, 'PATCH', `/api/v1/releases/${teamARelease}`, {
      teamId: teamA,
      title: `${MARK} release`,
    });
    teamARollout = (
      await ok(rita.token, 'POST', `/api/v1/releases/${teamARelease}/rollouts`, {
        environment: 'production',
        executor: { kind: 'simulated' },
        // Scheduled, not run: the release stays committed (scheduled) for the coexistence check.
        scheduledAt: new Date(Date.now() + 20 * 3_600_000).toISOString(),
      })
    ).id;

    // Team A's changes in several states; the CAB and the change manager (oversight) decide them.
    const ci = (
      await ok(admin, 'POST', '/api/v1/cis', {
        class: 'server',
        name: 'bola-test-01',
        environment: 'test',
        criticality: 'low',
      })
    ).id;
    let hour = 48;
    const change = async (state: string) => {
      hour += 3;
      const start = new Date(Date.now() + hour * 3_600_000);
      const created = await ok(ivan.token, 'POST', '/api/v1/changes', {
        type: 'normal',
        title: `${MARK} change ${state}`,
        ciIds: [ci],
        plannedStart: start.toISOString(),
        plannedEnd: new Date(start.getTime() + 2 * 3_600_000).toISOString(),
        implementerId: ted.id,
        backoutPlan: 'Restore the previous package',
        teamId: teamA,
      });
      teamAChanges[state] = created.id;
      return created.id;
    };
    const act = (token: string, id: number, action: string) => ok(token, 'POST', `/api/v1/changes/${id}/${action}`, {});
    await change('new');
    await act(ivan.token, await change('assess'), 'submit');
    const authorize = await change('authorize');
    await act(ivan.token, authorize, 'submit');
    await act(org.users.maria.token, authorize, 'assess');
    const scheduled = await change('scheduled');
    await act(ivan.token, scheduled, 'submit');
    await act(org.users.maria.token, scheduled, 'assess');
    await act(org.users.carl.token, scheduled, 'approve');
    await act(org.users.maria.token, scheduled, 'schedule');
    await act(ivan.token, await change('cancelled'), 'cancel');
    // An organisation-wide incident that names team A's change as its cause.
    incident = (
      await ok(ivan.token, 'POST', '/api/v1/incidents', {
        title: 'Checkout slow',
        startedAt: new Date().toISOString(),
        causedByChangeId: teamAChanges.scheduled,
      })
    ).id;
  }, 240_000);

  afterAll(async () => {
    console.log(
      `bola (${kind}): ${figures.operations} id-taking operations and ${figures.lists} list-shaped GETs, ` +
        `${figures.cases} cross-team calls, ${figures.crossTeamSuccesses} successes, ${figures.leaks} bodies with team A data`,
    );
    await t?.close();
  });

  function idsOf(k: Kind): number[] {
    if (k === 'change') return Object.values(teamAChanges);
    return [k === 'release' ? teamARelease : teamARollout];
  }

  /** Ids next to team A's that name no object team B may see: what a guesser walking ids tries. */
  async function neighbours(k: Kind): Promise<number[]> {
    const own = idsOf(k);
    const db = t.slipway.ctx.database.db;
    const visibleToB = new Set(
      (k === 'change'
        ? await db
            .selectFrom('changes')
            .select('id')
            .where((eb) => eb.or([eb('team_id', 'is', null), eb('team_id', '=', teamB)]))
            .execute()
        : k === 'release'
          ? await db
              .selectFrom('releases')
              .select('id')
              .where((eb) => eb.or([eb('team_id', 'is', null), eb('team_id', '=', teamB)]))
              .execute()
          : await db
              .selectFrom('rollouts')
              .innerJoin('releases', 'releases.id', 'rollouts.release_id')
              .select('rollouts.id as id')
              .where((eb) => eb.or([eb('releases.team_id', 'is', null), eb('releases.team_id', '=', teamB)]))
              .execute()
      ).map((r) => r.id),
    );
    const max = Math.max(...own);
    const guesses = new Set([...own.flatMap((id) => [id - 1, id + 1]), max + 1, max + 2]);
    return [...guesses].filter((id) => id > 0 && !own.includes(id) && !visibleToB.has(id));
  }

  function urlFor(op: FuzzOperation, id: number): string {
    return op.template.replace(/\{([^}]+)\}/g, (_, name: string) => {
      if (name === 'id') return String(id);
      if (name === 'changeId') return String(teamAChanges.new);
      return probeValue(name);
    });
  }

  function send(token: string, op: FuzzOperation, url: string): Promise<LightMyRequestResponse> {
    const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
    return t.request({ method: op.method, url, token, ...(body !== undefined && { body }) });
  }

  it('refuses every id-taking operation to every non-oversight role of team B, with A’s ids and guessed neighbours', async () => {
    const operations = operationsOf(doc).filter((op) => kindOf(op.template) !== undefined);
    expect(operations.length).toBeGreaterThan(60);
    figures.operations = operations.length;
    const probes = new Map<Kind, number[]>();
    for (const k of ['change', 'release', 'rollout'] as const) probes.set(k, [...idsOf(k), ...(await neighbours(k))]);
    const roles = ROLES.filter((role) => !seesEveryTeam([role]));
    expect(roles.sort()).toEqual(['admin', 'engineer', 'release_manager']);
    const versions = async () =>
      JSON.stringify(
        await Promise.all(
          [...Object.values(teamAChanges).map((id) => `/api/v1/changes/${id}`), `/api/v1/releases/${teamARelease}`].map(
            async (url) => (await ok(org.users.ivan.token, 'GET', url)).version,
          ),
        ),
      );
    const before = await versions();
    const problems: string[] = [];
    for (const op of operations) {
      const name = `${op.method} ${op.template}`;
      for (const id of probes.get(kindOf(op.template) as Kind) ?? []) {
        const url = urlFor(op, id);
        for (const role of roles) {
          const res = await send(bUsers.get(role)?.token as string, op, url);
          figures.cases++;
          if (res.statusCode < 400) {
            figures.crossTeamSuccesses++;
            problems.push(`${name} id ${id} by team B ${role}: ${res.statusCode}`);
          } else if (res.statusCode !== 403 && res.statusCode !== 404) {
            problems.push(`${name} id ${id} by team B ${role}: ${res.statusCode} ${res.body.slice(0, 200)}`);
          }
          if (res.body.includes(MARK)) {
            figures.leaks++;
            problems.push(`${name} id ${id} by team B ${role}: the body carries team A data`);
          }
          if (res.statusCode === 404) {
            // The answer for an invisible object is the answer for no object at all.
            expect(Object.keys(res.json().error.details ?? {}).sort()).toEqual(['id', 'objectType']);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(figures.crossTeamSuccesses).toBe(0);
    expect(figures.leaks).toBe(0);
    // Nothing team B sent changed any of team A's objects.
    expect(await versions()).toBe(before);
  }, 600_000);

  it('refuses ids of team A carried in a second path parameter or in a body', async () => {
    const b = bUsers.get('release_manager') as { token: string };
    const teamARow = await ok(org.users.rita.token, 'GET', `/api/v1/releases/${teamARelease}`);
    const own = await ok(b.token, 'POST', '/api/v1/releases', {
      type: 'minor',
      element: 'desktop',
      unit: 'bola-b-unit',
      releaseVersion: '1.0.0',
      title: 'Team B release',
      teamId: teamB,
      plannedStart: teamARow.plannedStart,
      plannedEnd: teamARow.plannedEnd,
    });
    expect(own.teamId).toBe(teamB);
    // Same targets in the same window as team A's release: the coexistence report keeps the clash
    // but does not name A's release to team B.
    const artifact = await new ReleaseClient(t).artifact(org.users.maria.token, {
      name: 'Zoom',
      artifactVersion: '5.99.0',
    });
    await ok(b.token, 'POST', `/api/v1/releases/${own.id}/artifacts`, { artifactId: artifact });
    await ok(b.token, 'POST', `/api/v1/releases/${own.id}/targets`, { environment: 'production', cis: fleet });
    const coexistence = await ok(b.token, 'GET', `/api/v1/releases/${own.id}/coexistence?environment=production`);
    expect(JSON.stringify(coexistence)).not.toContain(MARK);
    expect(JSON.stringify(coexistence)).toContain("of another team's release on");
    expect((coexistence.concurrentReleases as { id: number }[]).map((r) => r.id)).not.toContain(teamARelease);
    const seenByCab = await ok(
      org.users.carl.token,
      'GET',
      `/api/v1/releases/${own.id}/coexistence?environment=production`,
    );
    expect((seenByCab.concurrentReleases as { id: number }[]).map((r) => r.id)).toContain(teamARelease);
    const link = await t.request({
      method: 'POST',
      url: `/api/v1/releases/${own.id}/changes`,
      token: b.token,
      body: { changeId: teamAChanges.new },
    });
    expect(link.statusCode, link.body).toBe(400);
    expect(link.json().error.message).toBe(`changeId: no change with id ${teamAChanges.new}`);
    const unlink = await t.request({
      method: 'DELETE',
      url: `/api/v1/releases/${own.id}/changes/${teamAChanges.new}`,
      token: b.token,
    });
    expect(unlink.statusCode, unlink.body).toBe(404);
    const engineer = bUsers.get('engineer') as { token: string };
    // An incident (organisation-wide) keeps naming its cause, without the other team's title.
    const seen = await ok(engineer.token, 'GET', `/api/v1/incidents/${incident}`);
    expect(seen.cause).toEqual({ kind: 'change', id: teamAChanges.scheduled, title: '' });
    expect((await ok(org.users.ivan.token, 'GET', `/api/v1/incidents/${incident}`)).cause).toMatchObject({
      title: `${MARK} change scheduled`,
    });
    const blame = await t.request({
      method: 'PATCH',
      url: `/api/v1/incidents/${incident}`,
      token: engineer.token,
      body: { causedByReleaseId: teamARelease },
    });
    expect(blame.statusCode, blame.body).toBe(400);
    expect(blame.json().error.message).toBe(`causedByReleaseId: there is no release ${teamARelease}`);
    // Other spellings of the same id (the path is coerced from text) are the same object.
    for (const spelling of [`${teamAChanges.new}.0`, `0x${teamAChanges.new.toString(16)}`, `%20${teamAChanges.new}`]) {
      const res = await t.request({ method: 'GET', url: `/api/v1/changes/${spelling}`, token: b.token });
      expect([400, 404], `${spelling}: ${res.body}`).toContain(res.statusCode);
      expect(res.body).not.toContain(MARK);
    }
    const raised = await t.request({
      method: 'POST',
      url: '/api/v1/changes',
      token: engineer.token,
      body: { type: 'normal', title: 'Points at team A', releaseId: teamARelease },
    });
    expect(raised.statusCode, raised.body).toBe(400);
    expect(raised.body).not.toContain(MARK);
  });

  it('never lists team A’s objects to team B: every list-shaped GET of the document', async () => {
    const lists = operationsOf(doc).filter(
      (op) => op.method === 'GET' && !op.template.includes('{') && !ORGANISATION_WIDE.has(`GET ${op.template}`),
    );
    expect(lists.length).toBeGreaterThan(30);
    figures.lists = lists.length;
    const problems: string[] = [];
    const roles = ROLES.filter((role) => !seesEveryTeam([role]));
    for (const op of lists) {
      for (const role of roles) {
        const res = await t.request({ method: 'GET', url: op.template, token: bUsers.get(role)?.token as string });
        figures.cases++;
        if (res.body.includes(MARK)) {
          figures.leaks++;
          problems.push(`GET ${op.template} shows team A data to team B ${role}`);
        }
      }
    }
    // The main lists, by id too (a rollout carries no title), and with the calendar's full range.
    const engineer = bUsers.get('engineer')?.token as string;
    const releaseManager = bUsers.get('release_manager')?.token as string;
    const idsIn = async (token: string, url: string) =>
      ((await ok(token, 'GET', url)).items as { id: number }[]).map((i) => i.id);
    for (const token of [engineer, releaseManager]) {
      const changes = await idsIn(token, '/api/v1/changes?limit=1000');
      expect(changes.filter((id) => Object.values(teamAChanges).includes(id))).toEqual([]);
      expect(await idsIn(token, '/api/v1/releases?limit=1000')).not.toContain(teamARelease);
      expect(await idsIn(token, '/api/v1/rollouts?limit=1000')).not.toContain(teamARollout);
      const from = new Date(Date.now() - 86_400_000).toISOString();
      const to = new Date(Date.now() + 30 * 86_400_000).toISOString();
      for (const url of [
        `/api/v1/calendar?from=${from}&to=${to}&conflicts=true`,
        `/api/v1/calendar.ics?from=${from}&to=${to}`,
        `/api/v1/changes/conflicts?from=${from}&to=${to}`,
        '/api/v1/changes/agenda',
      ]) {
        const res = await t.request({ method: 'GET', url, token });
        expect(res.statusCode, res.body).toBe(200);
        if (res.body.includes(MARK)) problems.push(`${url} shows team A data to team B`);
        expect(res.body).not.toContain(`/api/v1/rollouts/${teamARollout}"`);
      }
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it('shows team A’s objects to its members and to the oversight roles, everywhere', async () => {
    const { ivan, rita } = org.users;
    const members = [ivan.token, rita.token];
    const operations = operationsOf(doc).filter(
      (op) => op.method === 'GET' && kindOf(op.template) !== undefined && !STREAMS.has(`GET ${op.template}`),
    );
    const oversight = TEAM_OVERSIGHT_ROLES.map((role) => bUsers.get(role)?.token as string);
    const problems: string[] = [];
    for (const op of operations) {
      if (/\{(?!id\})/.test(op.template)) continue;
      for (const id of idsOf(kindOf(op.template) as Kind).slice(0, 1)) {
        for (const token of [...members, ...oversight]) {
          const res = await t.request({ method: 'GET', url: urlFor(op, id), token });
          if (res.statusCode === 404) problems.push(`GET ${op.template} id ${id}: 404 for an allowed reader`);
        }
      }
    }
    expect(problems).toEqual([]);
    const listed = (await ok(ivan.token, 'GET', '/api/v1/changes?limit=1000')).items as { id: number }[];
    expect(listed.map((c) => c.id)).toEqual(expect.arrayContaining(Object.values(teamAChanges)));
    const auditor = bUsers.get('auditor')?.token as string;
    expect(
      ((await ok(auditor, 'GET', '/api/v1/releases?limit=1000')).items as { id: number }[]).map((r) => r.id),
    ).toContain(teamARelease);
    const rollout = await ok(rita.token, 'GET', `/api/v1/rollouts/${teamARollout}`);
    expect(rollout.id).toBe(teamARollout);
  }, 300_000);

  it('lets a change or release into a team only by one of its members; moving it is an audited edit', async () => {
    const engineerB = bUsers.get('engineer') as { id: number; token: string };
    const body = { type: 'normal', title: 'Team work' };
    const intoA = await t.request({
      method: 'POST',
      url: '/api/v1/changes',
      token: engineerB.token,
      body: { ...body, teamId: teamA },
    });
    expect(intoA.statusCode, intoA.body).toBe(422);
    expect(intoA.json().error.message).toContain('only into a team you belong to');
    // The admin is no exception: admins administer teams; they join one (audited) to work in it.
    const adminIntoA = await t.request({ method: 'POST', url: '/api/v1/changes', body: { ...body, teamId: teamA } });
    expect(adminIntoA.statusCode, adminIntoA.body).toBe(422);
    const unknownTeam = await t.request({
      method: 'POST',
      url: '/api/v1/changes',
      token: engineerB.token,
      body: { ...body, teamId: 999_999 },
    });
    expect(unknownTeam.statusCode, unknownTeam.body).toBe(400);

    const own = await ok(engineerB.token, 'POST', '/api/v1/changes', { ...body, teamId: teamB });
    expect(own.teamId).toBe(teamB);
    const move = await t.request({
      method: 'PATCH',
      url: `/api/v1/changes/${own.id}`,
      token: engineerB.token,
      body: { teamId: teamA },
    });
    expect(move.statusCode, move.body).toBe(422);
    const wide = await ok(engineerB.token, 'PATCH', `/api/v1/changes/${own.id}`, { teamId: null });
    expect(wide.teamId).toBeNull();
    const audit = (await ok(t.adminToken, 'GET', `/api/v1/audit?objectType=change&objectId=${own.id}`)).items as {
      action: string;
      before: { teamId?: number | null } | null;
      after: { teamId?: number | null } | null;
    }[];
    expect(
      audit.some((e) => e.action === 'change.update' && e.before?.teamId === teamB && e.after?.teamId === null),
    ).toBe(true);
    // Membership applies at once: removed from team B, the engineer no longer sees B's release.
    const releaseB = (
      (await ok(engineerB.token, 'GET', '/api/v1/releases?limit=1000')).items as {
        id: number;
        teamId: number | null;
      }[]
    ).find((r) => r.teamId === teamB);
    expect(releaseB).toBeDefined();
    const membersB = [...bUsers.values()].map((u) => u.id).filter((id) => id !== engineerB.id);
    await ok(t.adminToken, 'PUT', `/api/v1/teams/${teamB}/members`, { userIds: membersB });
    const gone = await t.request({ method: 'GET', url: `/api/v1/releases/${releaseB?.id}`, token: engineerB.token });
    expect(gone.statusCode, gone.body).toBe(404);
    const teams = (await ok(engineerB.token, 'GET', '/api/v1/teams')).items as { id: number; isMember: boolean }[];
    expect(teams.find((team) => team.id === teamB)?.isMember).toBe(false);
  });
});
