import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePastChange, writePastRelease } from '../metrics-kpi/history-writer.js';
import { ManualClock } from '../platform/clock.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

describe.each(testDatabaseKinds())('incidents on %s', (kind) => {
  let t: TestApp;
  let engineer: string;
  let auditor: string;
  let web: number;
  let db2: number;
  let releaseId: number;
  let changeId: number;
  const clock = new ManualClock('2026-06-01T00:00:00.000Z');
  const post = (url: string, body: unknown, token = engineer) => t.request({ method: 'POST', url, token, body });
  const get = (url: string, token = engineer) => t.request({ method: 'GET', url, token });

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    engineer = (await t.userWithRoles('eve', ['engineer'])).token;
    auditor = (await t.userWithRoles('audra', ['auditor'])).token;
    web = (await t.request({ method: 'POST', url: '/api/v1/cis', body: { class: 'server', name: 'web-9' } })).json().id;
    db2 = (await t.request({ method: 'POST', url: '/api/v1/cis', body: { class: 'server', name: 'db-9' } })).json().id;
    const db = t.slipway.ctx.database.db;
    releaseId = await writePastRelease(db, {
      type: 'minor',
      element: 'server',
      unitName: 'shop',
      unitCiId: null,
      version: '1.0.0',
      title: 'Shop 1.0',
      state: 'deployed',
      createdAt: '2026-05-01T00:00:00.000Z',
      approvedAt: '2026-05-02T00:00:00.000Z',
      deployedAt: '2026-05-03T00:00:00.000Z',
      planComplete: true,
      passedProtocols: [],
      rehearsedBackout: false,
      review: null,
      requester: 'rita',
    });
    changeId = await writePastChange(db, {
      type: 'normal',
      title: 'Patch db-9',
      releaseId: null,
      ciIds: [db2],
      createdAt: '2026-05-01T00:00:00.000Z',
      submittedAt: '2026-05-01T00:00:00.000Z',
      approvedAt: null,
      approverId: null,
      approverName: '',
      startedAt: '2026-05-04T00:00:00.000Z',
      completedAt: '2026-05-04T01:00:00.000Z',
      review: null,
      requester: 'maria',
      riskScore: 20,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records an incident with its cause and CIs, audited, with an ETag', async () => {
    const res = await post('/api/v1/incidents', {
      title: 'Checkout down',
      startedAt: '2026-05-03T01:00:00+02:00',
      resolvedAt: '2026-05-03T00:30:00Z',
      causedByReleaseId: releaseId,
      ciIds: [web, web],
      severity: 'critical',
    });
    expect(res.statusCode, res.body).toBe(201);
    const incident = res.json();
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers.location).toBe(`/api/v1/incidents/${incident.id}`);
    expect(incident).toMatchObject({
      title: 'Checkout down',
      startedAt: '2026-05-02T23:00:00.000Z',
      resolvedAt: '2026-05-03T00:30:00.000Z',
      open: false,
      durationMinutes: 90,
      severity: 'critical',
      cause: { kind: 'release', id: releaseId, title: 'shop 1.0.0: Shop 1.0' },
      cis: [{ id: web, class: 'server', name: 'web-9' }],
    });
    const audit = await t.request({
      method: 'GET',
      url: `/api/v1/audit?objectType=incident&objectId=${incident.id}`,
    });
    expect(audit.json().items.map((e: { action: string }) => e.action)).toContain('incident.create');
  });

  it('refuses what it cannot record, with 4xx naming the field', async () => {
    const base = { title: 'x', startedAt: '2026-05-10T00:00:00Z' };
    const cases: [unknown, number, string | undefined][] = [
      [{ ...base, causedByReleaseId: releaseId, causedByChangeId: changeId }, 400, 'causedByChangeId'],
      [{ ...base, causedByReleaseId: 99_999 }, 400, 'causedByReleaseId'],
      [{ ...base, causedByChangeId: 99_999 }, 400, 'causedByChangeId'],
      [{ ...base, ciIds: [99_999] }, 400, 'ciIds'],
      [{ ...base, resolvedAt: '2026-05-09T00:00:00Z' }, 400, 'resolvedAt'],
      [{ ...base, startedAt: '2026-07-01T00:00:00Z' }, 400, 'startedAt'],
      [{ title: 'no start' }, 400, undefined],
    ];
    for (const [body, status, field] of cases) {
      const res = await post('/api/v1/incidents', body);
      expect(res.statusCode, res.body).toBe(status);
      if (field) expect(res.json().error.details.field).toBe(field);
    }
    expect((await post('/api/v1/incidents', base, auditor)).statusCode).toBe(403);
    expect((await get('/api/v1/incidents/99999')).statusCode).toBe(404);
  });

  it('corrects with If-Match, resolves once, deletes, and lists newest first with a cursor', async () => {
    const created = (
      await post('/api/v1/incidents', { title: 'Slow db', startedAt: '2026-05-20T00:00:00Z', ciIds: [db2] })
    ).json();
    expect(created.open).toBe(true);
    expect(created.cause).toBeNull();
    const stale = await t.request({
      method: 'PATCH',
      url: `/api/v1/incidents/${created.id}`,
      token: engineer,
      headers: { 'if-match': '"7"' },
      body: { causedByChangeId: changeId },
    });
    expect(stale.statusCode).toBe(412);
    const patched = await t.request({
      method: 'PATCH',
      url: `/api/v1/incidents/${created.id}`,
      token: engineer,
      headers: { 'if-match': '"1"' },
      body: { causedByChangeId: changeId, causeNote: 'the patch' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ version: 2, cause: { kind: 'change', id: changeId, title: 'Patch db-9' } });
    // Setting a release as cause replaces the change.
    const recaused = await t.request({
      method: 'PATCH',
      url: `/api/v1/incidents/${created.id}`,
      token: engineer,
      body: { causedByReleaseId: releaseId },
    });
    expect(recaused.json().cause).toMatchObject({ kind: 'release', id: releaseId });

    const since = await get(
      `/api/v1/incidents?from=${encodeURIComponent('2026-05-20T01:00:00+02:00')}&to=2026-05-20T00:00:01Z`,
    );
    expect(since.json().items.map((i: { id: number }) => i.id)).toEqual([created.id]);
    const open = await get(`/api/v1/incidents?open=true&ciId=${db2}`);
    expect(open.json().items.map((i: { id: number }) => i.id)).toEqual([created.id]);
    const resolved = await post(`/api/v1/incidents/${created.id}/resolve`, { resolvedAt: '2026-05-20T02:00:00Z' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toMatchObject({ open: false, durationMinutes: 120 });
    expect((await post(`/api/v1/incidents/${created.id}/resolve`, {})).statusCode).toBe(409);
    expect((await get(`/api/v1/incidents?open=true&ciId=${db2}`)).json().items).toEqual([]);

    for (let i = 0; i < 3; i++) {
      expect((await post('/api/v1/incidents', { title: `p${i}`, startedAt: '2026-05-21T00:00:00Z' })).statusCode).toBe(
        201,
      );
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: number }[]; next: string | null } = (
        await get(`/api/v1/incidents?limit=2${cursor ? `&cursor=${cursor}` : ''}`, auditor)
      ).json();
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(created.id);

    const del = await t.request({ method: 'DELETE', url: `/api/v1/incidents/${created.id}`, token: engineer });
    expect(del.statusCode).toBe(204);
    expect((await get(`/api/v1/incidents/${created.id}`)).statusCode).toBe(404);
    const audit = await t.request({ method: 'GET', url: `/api/v1/audit?objectType=incident&objectId=${created.id}` });
    expect(
      audit
        .json()
        .items.map((e: { action: string }) => e.action)
        .sort(),
    ).toEqual(['incident.create', 'incident.delete', 'incident.resolve', 'incident.update', 'incident.update']);
  });
});
