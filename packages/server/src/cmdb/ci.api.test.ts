import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

describe.each(testDatabaseKinds())('CMDB API on %s', (kind) => {
  let t: TestApp;
  const ids: Record<string, number> = {};

  async function ci(cls: string, name: string, attributes: Record<string, unknown> = {}) {
    const res = await t.request({ method: 'POST', url: '/api/v1/cis', body: { class: cls, name, attributes } });
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

  beforeAll(async () => {
    t = await createTestApp(kind);
    // The DESIGN.md example: openssl → hosts it is installed on → apps on them → services.
    await ci('software', 'openssl', { version: '3.0.13' });
    await ci('server', 'web-01');
    await ci('server', 'web-02');
    await ci('application', 'shop');
    await ci('application', 'crm');
    await ci('service', 'online-shop');
    await ci('service', 'sales');
    await rel('software/openssl', 'installed_on', 'server/web-01');
    await rel('software/openssl', 'installed_on', 'server/web-02');
    await rel('application/shop', 'runs_on', 'server/web-01');
    await rel('application/crm', 'runs_on', 'server/web-02');
    await rel('service/online-shop', 'depends_on', 'application/shop');
    await rel('service/sales', 'depends_on', 'application/crm');
    await rel('server/web-01', 'connected_to', 'server/web-02');
  });
  afterAll(async () => {
    await t.close();
  });

  it('walks impact exactly as the catalogue says', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/cis/${ids['software/openssl']}/impact` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.count).toBe(6);
    expect(body.items.map((i: { class: string; name: string }) => `${i.class}/${i.name}`).sort()).toEqual(
      [
        'application/crm',
        'application/shop',
        'server/web-01',
        'server/web-02',
        'service/online-shop',
        'service/sales',
      ].sort(),
    );
    expect(body.summary[0]).toEqual({ class: 'service', count: 2 });
    const depthOf = Object.fromEntries(body.items.map((i: { name: string; depth: number }) => [i.name, i.depth]));
    expect(depthOf).toMatchObject({ 'web-01': 1, shop: 2, 'online-shop': 3 });
    const shop = body.items.find((i: { name: string }) => i.name === 'shop');
    expect(shop.via).toEqual({ id: ids['server/web-01'], type: 'runs_on' });
  });

  it('counts CIs by class under the list filters', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/cis/counts?class=server' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ total: 2, byClass: [{ class: 'server', count: 2 }] });
    const all = (await t.request({ method: 'GET', url: '/api/v1/cis/counts' })).json();
    expect(all.byClass.find((c: { class: string }) => c.class === 'service')).toEqual({ class: 'service', count: 2 });
  });

  it('does not spread from one host to another through shared software or a network link', async () => {
    const res = await t.request({ method: 'GET', url: `/api/v1/cis/${ids['server/web-01']}/impact` });
    const names = res
      .json()
      .items.map((i: { name: string }) => i.name)
      .sort();
    expect(names).toEqual(['online-shop', 'shop']);
  });

  it('explains a path and walks dependencies in reverse', async () => {
    const res = await t.request({
      method: 'GET',
      url: `/api/v1/cis/${ids['software/openssl']}/impact?explain=${ids['service/sales']}`,
    });
    expect(res.json().path.map((p: { name: string; via: string | null }) => [p.name, p.via])).toEqual([
      ['openssl', null],
      ['web-02', 'installed_on'],
      ['crm', 'runs_on'],
      ['sales', 'depends_on'],
    ]);
    // A CI that exists but is not reached: no path. One that does not exist: the caller's mistake.
    const unreached = await t.request({
      method: 'GET',
      url: `/api/v1/cis/${ids['service/sales']}/impact?explain=${ids['software/openssl']}`,
    });
    expect(unreached.statusCode, unreached.body).toBe(200);
    expect(unreached.json().path).toBeNull();
    const unknown = await t.request({
      method: 'GET',
      url: `/api/v1/cis/${ids['software/openssl']}/impact?explain=999999`,
    });
    expect(unknown.statusCode, unknown.body).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'explain' } });
    const deps = await t.request({ method: 'GET', url: `/api/v1/cis/${ids['service/sales']}/dependencies` });
    expect(
      deps
        .json()
        .items.map((i: { name: string }) => i.name)
        .sort(),
    ).toEqual(['crm', 'openssl', 'web-02']);
  });

  it('filters by depth, type and class, and pages with a cursor', async () => {
    const root = ids['software/openssl'];
    const depth1 = await t.request({ method: 'GET', url: `/api/v1/cis/${root}/impact?depth=1` });
    expect(depth1.json().count).toBe(2);
    const typed = await t.request({ method: 'GET', url: `/api/v1/cis/${root}/impact?types=installed_on` });
    expect(typed.json().count).toBe(2);
    const services = await t.request({ method: 'GET', url: `/api/v1/cis/${root}/impact?classes=service` });
    expect(services.json().items.map((i: { depth: number }) => i.depth)).toEqual([3, 3]);
    const seen: number[] = [];
    let url = `/api/v1/cis/${root}/impact?limit=4`;
    for (;;) {
      const page = (await t.request({ method: 'GET', url })).json();
      seen.push(...page.items.map((i: { id: number }) => i.id));
      if (!page.next) break;
      url = `/api/v1/cis/${root}/impact?limit=4&cursor=${page.next}`;
    }
    expect(new Set(seen).size).toBe(6);
    expect(seen).toHaveLength(6);
  });

  it('rejects bad relationships with 400 naming the problem', async () => {
    const unknown = await t.request({
      method: 'POST',
      url: '/api/v1/relationships',
      body: { sourceId: ids['application/shop'], type: 'likes', targetId: ids['server/web-01'] },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toMatch(/Unknown relationship type "likes"/);
    const self = await t.request({
      method: 'POST',
      url: '/api/v1/relationships',
      body: { sourceId: ids['application/shop'], type: 'depends_on', targetId: ids['application/shop'] },
    });
    expect(self.statusCode).toBe(400);
    const missing = await t.request({
      method: 'POST',
      url: '/api/v1/relationships',
      body: { sourceId: ids['application/shop'], type: 'depends_on', targetId: 999999 },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toMatch(/targetId 999999/);
  });

  it('handles cycles without hanging', async () => {
    const a = await ci('application', 'cyc-a');
    const b = await ci('application', 'cyc-b');
    await rel('application/cyc-a', 'depends_on', 'application/cyc-b');
    await rel('application/cyc-b', 'depends_on', 'application/cyc-a');
    const res = await t.request({ method: 'GET', url: `/api/v1/cis/${a}/impact` });
    expect(res.json().items.map((i: { id: number }) => i.id)).toEqual([b]);
  });

  it('validates attributes against the class and records history with context', async () => {
    const bad = await t.request({
      method: 'POST',
      url: '/api/v1/cis',
      body: { class: 'server', name: 'x', attributes: { ip: 'nope' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/attributes\/ip/);
    const unknownAttr = await t.request({
      method: 'POST',
      url: '/api/v1/cis',
      body: { class: 'server', name: 'y', attributes: { colour: 'red' } },
    });
    expect(unknownAttr.statusCode).toBe(400);
    const id = ids['server/web-01'];
    const patch = await t.request({
      method: 'PATCH',
      url: `/api/v1/cis/${id}`,
      body: { attributes: { os: 'debian' }, owner: 'ops' },
      headers: { 'slipway-context': 'change:42', 'if-match': '"1"' },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(patch.headers.etag).toBe('"2"');
    const stale = await t.request({
      method: 'PATCH',
      url: `/api/v1/cis/${id}`,
      body: { owner: 'x' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.statusCode).toBe(412);
    const history = (await t.request({ method: 'GET', url: `/api/v1/cis/${id}/history` })).json();
    const update = history.items.find((h: { action: string }) => h.action === 'update');
    expect(update.context).toBe('change:42');
    expect(update.changes).toMatchObject({
      owner: { from: null, to: 'ops' },
      'attributes.os': { from: null, to: 'debian' },
    });
  });

  it('refuses to delete a related CI and retires it instead', async () => {
    const id = ids['application/crm'];
    const del = await t.request({ method: 'DELETE', url: `/api/v1/cis/${id}` });
    expect(del.statusCode).toBe(409);
    expect(del.json().error.message).toMatch(/retire/);
    const retired = await t.request({ method: 'POST', url: `/api/v1/cis/${id}/retire` });
    expect(retired.json().status).toBe('retired');
    const lonely = await ci('document', 'typo');
    expect((await t.request({ method: 'DELETE', url: `/api/v1/cis/${lonely}` })).statusCode).toBe(204);
  });

  it('sees relationship removals in the next impact query', async () => {
    const list = await t.request({ method: 'GET', url: `/api/v1/relationships?sourceId=${ids['service/sales']}` });
    const relId = list.json().items[0].id;
    expect((await t.request({ method: 'DELETE', url: `/api/v1/relationships/${relId}` })).statusCode).toBe(204);
    const res = await t.request({ method: 'GET', url: `/api/v1/cis/${ids['software/openssl']}/impact` });
    expect(res.json().items.map((i: { name: string }) => i.name)).not.toContain('sales');
  });
});
