import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

type Named = { class: string; name: string };
const refs = (items: Named[]) => items.map((i) => `${i.class}/${i.name}`).sort();
const edge = (r: { source: Named; type: string; target: Named }) =>
  `${r.source.class}/${r.source.name} ${r.type} ${r.target.class}/${r.target.name}`;

describe.each(testDatabaseKinds())('baselines API on %s', (kind) => {
  let t: TestApp;
  const ids: Record<string, number> = {};

  async function ci(cls: string, name: string, extra: Record<string, unknown> = {}) {
    const res = await t.request({ method: 'POST', url: '/api/v1/cis', body: { class: cls, name, ...extra } });
    expect(res.statusCode, res.body).toBe(201);
    ids[`${cls}/${name}`] = res.json().id;
    return res.json().id as number;
  }
  async function rel(source: string, type: string, target: string) {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/relationships',
      body: { sourceId: ids[source], type, targetId: ids[target] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  }
  async function take(body: unknown) {
    return t.request({ method: 'POST', url: '/api/v1/baselines', body });
  }

  beforeAll(async () => {
    t = await createTestApp(kind);
    await ci('software', 'openssl', { attributes: { version: '3.0.13', vendor: 'OpenSSL' } });
    await ci('server', 'web-01', { owner: 'ops', attributes: { os: 'debian' } });
    await ci('server', 'web-02');
    await ci('application', 'shop', { attributes: { version: '1.0.0' } });
    await ci('service', 'online-shop', { criticality: 'high' });
    await ci('application', 'crm');
    await rel('software/openssl', 'installed_on', 'server/web-01');
    await rel('application/shop', 'runs_on', 'server/web-01');
    await rel('service/online-shop', 'depends_on', 'application/shop');
    await rel('application/crm', 'runs_on', 'server/web-02');
  });
  afterAll(async () => {
    await t.close();
  });

  it('takes a whole-CMDB baseline with every CI and relationship, audited', async () => {
    const res = await take({ name: 'before-q1', description: 'Quarter start' });
    expect(res.statusCode, res.body).toBe(201);
    const baseline = res.json();
    expect(baseline).toMatchObject({
      name: 'before-q1',
      description: 'Quarter start',
      scope: null,
      ciCount: 6,
      relationshipCount: 4,
      version: 1,
    });
    expect(res.headers.location).toBe(`/api/v1/baselines/${baseline.id}`);
    expect(res.headers.etag).toBe('"1"');

    const cis = (await t.request({ method: 'GET', url: `/api/v1/baselines/${baseline.id}/cis?limit=100` })).json();
    const web01 = cis.items.find((c: Named) => c.name === 'web-01');
    expect(web01).toMatchObject({
      id: ids['server/web-01'],
      class: 'server',
      owner: 'ops',
      attributes: { os: 'debian' },
      version: 1,
      status: 'active',
    });
    const rels = (await t.request({ method: 'GET', url: `/api/v1/baselines/${baseline.id}/relationships` })).json();
    expect(rels.items.map(edge).sort()).toEqual([
      'application/crm runs_on server/web-02',
      'application/shop runs_on server/web-01',
      'service/online-shop depends_on application/shop',
      'software/openssl installed_on server/web-01',
    ]);

    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit?action=baseline.create' })).json();
    expect(
      audit.items.some((e: { objectId: string; actor: { name: string } }) => e.objectId === String(baseline.id)),
    ).toBe(true);
  });

  it('takes a scoped baseline with the impact closure and only the relationships among its CIs', async () => {
    const impact = await take({
      name: 'openssl-impact',
      scope: { ciIds: [ids['software/openssl']], closure: 'impact' },
    });
    expect(impact.statusCode, impact.body).toBe(201);
    expect(impact.json().scope).toEqual({ ciIds: [ids['software/openssl']], closure: 'impact' });
    const cis = (await t.request({ method: 'GET', url: `/api/v1/baselines/${impact.json().id}/cis` })).json();
    expect(refs(cis.items)).toEqual(['application/shop', 'server/web-01', 'service/online-shop', 'software/openssl']);
    expect(impact.json().relationshipCount).toBe(3);

    const deps = await take({
      name: 'shop-deps',
      scope: { ciIds: [ids['service/online-shop']], closure: 'dependencies' },
    });
    const depCis = (await t.request({ method: 'GET', url: `/api/v1/baselines/${deps.json().id}/cis` })).json();
    expect(refs(depCis.items)).toEqual([
      'application/shop',
      'server/web-01',
      'service/online-shop',
      'software/openssl',
    ]);

    const none = await take({ name: 'just-two', scope: { ciIds: [ids['application/crm'], ids['server/web-02']] } });
    expect(none.json()).toMatchObject({ ciCount: 2, relationshipCount: 1, scope: { closure: 'none' } });
  });

  it('refuses bad input with 400 naming the field, and duplicate names with 409', async () => {
    const missing = await take({ name: 'ghosts', scope: { ciIds: [999_999] } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toMatch(/scope\.ciIds.*999999/);
    const badClosure = await take({ name: 'bad', scope: { ciIds: [1], closure: 'sideways' } });
    expect(badClosure.statusCode).toBe(400);
    expect(badClosure.json().error.message).toMatch(/closure/);
    const empty = await take({ name: 'bad', scope: { ciIds: [] } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toMatch(/ciIds/);
    const blank = await take({ name: '   ' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().error.details.field).toBe('name');
    const unknown = await take({ name: 'x', colour: 'red' });
    expect(unknown.statusCode).toBe(400);
    const dup = await take({ name: 'before-q1' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.message).toMatch(/before-q1/);
    const notFound = await t.request({ method: 'GET', url: '/api/v1/baselines/2147483647' });
    expect(notFound.statusCode).toBe(404);
    const badAgainst = await t.request({ method: 'GET', url: '/api/v1/baselines/1/diff?against=yesterday' });
    expect(badAgainst.statusCode).toBe(400);
    const missingAgainst = await t.request({ method: 'GET', url: '/api/v1/baselines/1/diff?against=2147483647' });
    expect(missingAgainst.statusCode).toBe(400);
    expect(missingAgainst.json().error.message).toMatch(/against/);
    const badCursor = await t.request({ method: 'GET', url: '/api/v1/baselines/1/diff/cis-added?cursor=nonsense' });
    expect(badCursor.statusCode).toBe(400);
  });

  it('replays a retried take with the same Idempotency-Key instead of taking a second baseline', async () => {
    const headers = { 'idempotency-key': 'take-nightly-2026-03-01' };
    const first = await t.request({ method: 'POST', url: '/api/v1/baselines', body: { name: 'nightly' }, headers });
    expect(first.statusCode, first.body).toBe(201);
    const retry = await t.request({ method: 'POST', url: '/api/v1/baselines', body: { name: 'nightly' }, headers });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(first.json().id);
    const other = await t.request({ method: 'POST', url: '/api/v1/baselines', body: { name: 'nightly-2' }, headers });
    expect(other.statusCode).toBe(422);
  });

  it('has no update route: baselines are immutable', async () => {
    const list = (await t.request({ method: 'GET', url: '/api/v1/baselines' })).json();
    const id = list.items[0].id;
    for (const method of ['PATCH', 'PUT'] as const) {
      const res = await t.request({ method, url: `/api/v1/baselines/${id}`, body: { name: 'renamed' } });
      expect(res.statusCode).toBe(404);
    }
  });

  it('diffs a baseline against the live CMDB: added, removed, changed field by field, relationships', async () => {
    const before = (await t.request({ method: 'GET', url: '/api/v1/baselines?limit=100' }))
      .json()
      .items.find((b: { name: string }) => b.name === 'before-q1');
    // Change the CMDB after the baseline.
    await t.request({
      method: 'PATCH',
      url: `/api/v1/cis/${ids['software/openssl']}`,
      body: { attributes: { version: '3.0.14', vendor: null } },
    });
    await t.request({
      method: 'PATCH',
      url: `/api/v1/cis/${ids['server/web-01']}`,
      body: { owner: 'platform-team', status: 'maintenance' },
    });
    // Changed and changed back: a new version, but no difference.
    await t.request({ method: 'PATCH', url: `/api/v1/cis/${ids['application/crm']}`, body: { owner: 'sales' } });
    await t.request({ method: 'PATCH', url: `/api/v1/cis/${ids['application/crm']}`, body: { owner: null } });
    await ci('database', 'orders-db');
    await rel('application/shop', 'depends_on', 'database/orders-db');
    const lonely = await ci('document', 'runbook');
    await t.request({ method: 'DELETE', url: `/api/v1/cis/${lonely}` });
    const relList = (
      await t.request({ method: 'GET', url: `/api/v1/relationships?sourceId=${ids['application/crm']}` })
    ).json();
    await t.request({ method: 'DELETE', url: `/api/v1/relationships/${relList.items[0].id}` });

    const res = await t.request({ method: 'GET', url: `/api/v1/baselines/${before.id}/diff?against=live` });
    expect(res.statusCode, res.body).toBe(200);
    const diff = res.json();
    expect(diff.baseline).toMatchObject({ id: before.id, name: 'before-q1' });
    expect(diff.against).toEqual({ live: true, id: null, name: null, createdAt: null });
    expect(diff.cis.added.count).toBe(1);
    expect(refs(diff.cis.added.items)).toEqual(['database/orders-db']);
    expect(diff.cis.removed.count).toBe(0);
    expect(diff.cis.changed.count).toBe(2);
    const changed = Object.fromEntries(
      diff.cis.changed.items.map((c: Named & { changes: unknown }) => [c.name, c.changes]),
    );
    expect(changed.openssl).toEqual({
      'attributes.version': { from: '3.0.13', to: '3.0.14' },
      'attributes.vendor': { from: 'OpenSSL', to: null },
    });
    expect(changed['web-01']).toEqual({
      owner: { from: 'ops', to: 'platform-team' },
      status: { from: 'active', to: 'maintenance' },
    });
    expect(diff.cis.changed.items.find((c: Named) => c.name === 'openssl')).toMatchObject({
      fromVersion: 1,
      toVersion: 2,
    });
    expect(diff.relationships.added.count).toBe(1);
    expect(diff.relationships.added.items.map(edge)).toEqual(['application/shop depends_on database/orders-db']);
    expect(diff.relationships.removed.items.map(edge)).toEqual(['application/crm runs_on server/web-02']);

    // Baseline against baseline: take one now, and the diff between the two matches the live diff.
    const after = (await take({ name: 'after-changes' })).json();
    const b2b = (
      await t.request({ method: 'GET', url: `/api/v1/baselines/${before.id}/diff?against=${after.id}` })
    ).json();
    expect(b2b.against).toMatchObject({ live: false, id: after.id, name: 'after-changes' });
    expect(b2b.cis.changed.items).toEqual(diff.cis.changed.items);
    expect(b2b.relationships).toEqual(diff.relationships);
    // And the reverse direction swaps added and removed.
    const reverse = (
      await t.request({ method: 'GET', url: `/api/v1/baselines/${after.id}/diff?against=${before.id}` })
    ).json();
    expect(refs(reverse.cis.removed.items)).toEqual(['database/orders-db']);
    expect(reverse.relationships.added.items.map(edge)).toEqual(['application/crm runs_on server/web-02']);
    // A baseline against itself is empty.
    const self = (
      await t.request({ method: 'GET', url: `/api/v1/baselines/${after.id}/diff?against=${after.id}&limit=0` })
    ).json();
    expect([
      self.cis.added.count,
      self.cis.removed.count,
      self.cis.changed.count,
      self.relationships.added.count,
      self.relationships.removed.count,
    ]).toEqual([0, 0, 0, 0, 0]);
  });

  it('diffs a scoped baseline against the same scope evaluated now', async () => {
    const scoped = (await t.request({ method: 'GET', url: '/api/v1/baselines?limit=100' }))
      .json()
      .items.find((b: { name: string }) => b.name === 'openssl-impact');
    const diff = (await t.request({ method: 'GET', url: `/api/v1/baselines/${scoped.id}/diff` })).json();
    // Outside the scope (crm, web-02, the new database: not impacted by openssl) nothing shows.
    expect(diff.cis.added.count).toBe(0);
    expect(diff.relationships.added.count).toBe(0);
    expect(diff.cis.changed.items.map((c: Named) => c.name).sort()).toEqual(['openssl', 'web-01']);
    // A new dependency on openssl's impact path enters the scope.
    await ci('service', 'checkout');
    await rel('service/checkout', 'depends_on', 'application/shop');
    const again = (await t.request({ method: 'GET', url: `/api/v1/baselines/${scoped.id}/diff` })).json();
    expect(refs(again.cis.added.items)).toEqual(['service/checkout']);
    expect(again.relationships.added.items.map(edge)).toEqual(['service/checkout depends_on application/shop']);
  });

  it('pages through big sections with cursors while counting them in full', async () => {
    const base = (await take({ name: 'before-bulk' })).json();
    const lines: string[] = [];
    for (let i = 0; i < 250; i++) lines.push(JSON.stringify({ kind: 'ci', class: 'desktop', name: `pc-${i}` }));
    for (let i = 1; i < 250; i++)
      lines.push(
        JSON.stringify({
          kind: 'relationship',
          source: `desktop/pc-${i}`,
          type: 'connected_to',
          target: `desktop/pc-${i - 1}`,
        }),
      );
    const imported = await t.slipway.app.inject({
      method: 'POST',
      url: '/api/v1/import?source=bulk',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/x-ndjson' },
      payload: lines.join('\n'),
    });
    expect(imported.statusCode, imported.body).toBe(200);

    const diff = (await t.request({ method: 'GET', url: `/api/v1/baselines/${base.id}/diff?limit=100` })).json();
    expect(diff.cis.added.count).toBe(250);
    expect(diff.cis.added.items).toHaveLength(100);
    expect(diff.relationships.added.count).toBe(249);
    const seen = new Set<number>(diff.cis.added.items.map((c: { id: number }) => c.id));
    let next: string | null = diff.cis.added.next;
    while (next) {
      const page = (
        await t.request({ method: 'GET', url: `/api/v1/baselines/${base.id}/diff/cis-added?limit=100&cursor=${next}` })
      ).json();
      for (const item of page.items) seen.add(item.id);
      next = page.next;
    }
    expect(seen.size).toBe(250);
    const relSeen = new Set<string>(diff.relationships.added.items.map(edge));
    next = diff.relationships.added.next;
    while (next) {
      const page = (
        await t.request({
          method: 'GET',
          url: `/api/v1/baselines/${base.id}/diff/relationships-added?limit=70&cursor=${next}`,
        })
      ).json();
      for (const item of page.items) relSeen.add(edge(item));
      next = page.next;
    }
    expect(relSeen.size).toBe(249);

    const baselines: number[] = [];
    let url = '/api/v1/baselines?limit=2';
    for (;;) {
      const page = (await t.request({ method: 'GET', url })).json();
      baselines.push(...page.items.map((b: { id: number }) => b.id));
      if (!page.next) break;
      url = `/api/v1/baselines?limit=2&cursor=${page.next}`;
    }
    expect(baselines).toEqual([...baselines].sort((a, b) => b - a));
    expect(new Set(baselines).size).toBe(baselines.length);
  });

  it('lets only administrators delete a baseline, and audits it', async () => {
    const target = (await take({ name: 'to-delete' })).json();
    const engineer = await t.userWithRoles('eng-baselines', ['engineer']);
    const auditor = await t.userWithRoles('aud-baselines', ['auditor']);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/v1/baselines/${target.id}`, token: engineer.token })).statusCode,
    ).toBe(403);
    // Engineers take baselines; auditors read them but do not take them.
    expect(
      (await t.request({ method: 'POST', url: '/api/v1/baselines', token: auditor.token, body: { name: 'aud' } }))
        .statusCode,
    ).toBe(403);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/api/v1/baselines',
          token: engineer.token,
          body: { name: 'by-engineer' },
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (await t.request({ method: 'GET', url: `/api/v1/baselines/${target.id}`, token: auditor.token })).statusCode,
    ).toBe(200);

    const stale = await t.request({
      method: 'DELETE',
      url: `/api/v1/baselines/${target.id}`,
      headers: { 'if-match': '"2"' },
    });
    expect(stale.statusCode).toBe(412);
    const del = await t.request({
      method: 'DELETE',
      url: `/api/v1/baselines/${target.id}`,
      headers: { 'if-match': '"1"' },
    });
    expect(del.statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: `/api/v1/baselines/${target.id}` })).statusCode).toBe(404);
    expect((await t.request({ method: 'GET', url: `/api/v1/baselines/${target.id}/cis` })).statusCode).toBe(404);
    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit?action=baseline.delete' })).json();
    expect(audit.items[0]).toMatchObject({ objectId: String(target.id), before: { name: 'to-delete' } });
    // The name is free again.
    expect((await take({ name: 'to-delete' })).statusCode).toBe(201);
  });

  it("takes a baseline inside a caller's transaction (the rollout path)", async () => {
    const { baselines } = t.slipway.ctx.cmdb;
    const actor = {
      userId: null,
      username: 'rollout-7',
      roles: ['admin' as const],
      requestId: null,
      via: 'system' as const,
    };
    await expect(
      t.slipway.ctx.database.db.transaction().execute(async (tx) => {
        const taken = await baselines.take(
          actor,
          { name: 'pre-rollout-7', scope: { ciIds: [ids['application/shop'] as number], closure: 'both' } },
          tx,
        );
        expect(taken.ciCount).toBeGreaterThan(1);
        throw new Error('rollout aborted');
      }),
    ).rejects.toThrow('rollout aborted');
    // Rolled back with the caller's transaction.
    const list = (await t.request({ method: 'GET', url: '/api/v1/baselines?limit=100' })).json();
    expect(list.items.map((b: { name: string }) => b.name)).not.toContain('pre-rollout-7');
    const committed = await t.slipway.ctx.database.db
      .transaction()
      .execute((tx) => baselines.take(actor, { name: 'pre-rollout-8' }, tx));
    expect((await t.request({ method: 'GET', url: `/api/v1/baselines/${committed.id}` })).json().createdBy).toBe(
      'rollout-7',
    );
  });
});
