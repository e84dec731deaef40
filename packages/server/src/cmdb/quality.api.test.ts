import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { normalizeCiName } from './quality.repository.js';

const DAY = 86_400_000;
type Named = { class: string; name: string };
const refs = (items: Named[]) => items.map((i) => `${i.class}/${i.name}`).sort();

describe('normalizeCiName', () => {
  it('lower-cases and keeps only letters and digits', () => {
    expect(normalizeCiName('Web-01')).toBe('web01');
    expect(normalizeCiName('WEB_01 ')).toBe('web01');
    expect(normalizeCiName('db.Prod/02')).toBe('dbprod02');
    expect(normalizeCiName('Café-1')).toBe('café1');
    expect(normalizeCiName('--')).toBe('');
  });
});

describe.each(testDatabaseKinds())('data quality API on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-01T08:00:00.000Z');
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
  }
  async function importLines(lines: unknown[], source: string) {
    const res = await t.slipway.app.inject({
      method: 'POST',
      url: `/api/v1/import?source=${source}`,
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/x-ndjson' },
      payload: lines.map((l) => JSON.stringify(l)).join('\n'),
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  const report = async (query = '') => {
    const res = await t.request({ method: 'GET', url: `/api/v1/cmdb/quality${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    // A healthy chain: everything owned and related.
    await ci('service', 'payments', { owner: 'team-pay' });
    await ci('application', 'pay-api', { owner: 'team-pay' });
    await ci('server', 'Web-01', { owner: 'ops' });
    await rel('service/payments', 'depends_on', 'application/pay-api');
    await rel('application/pay-api', 'runs_on', 'server/Web-01');
    // Likely duplicates of server/Web-01 (and one that is not: another class; one retired).
    await ci('server', 'web01', { owner: 'ops' });
    await ci('server', 'WEB_01', { owner: 'ops' });
    await ci('application', 'web-01', { owner: 'ops' });
    await ci('server', 'web.01', { owner: 'ops', status: 'retired' });
    await ci('database', 'Orders DB', { owner: 'dba' });
    await ci('database', 'orders-db', { owner: 'dba' });
    // No owner: one live, one retired (not reported).
    await ci('application', 'legacy-crm');
    await ci('application', 'old-erp', { status: 'retired' });
    await rel('application/legacy-crm', 'runs_on', 'server/web01');
    // Orphans: an unrelated desktop; a site and a document are reference data (ignored by default).
    await ci('desktop', 'pc-lonely', { owner: 'it' });
    await ci('site', 'ams1', { owner: 'facilities' });
    await ci('document', 'dr-runbook', { owner: 'ops' });
    // Relationships to retired CIs.
    await rel('application/old-erp', 'runs_on', 'server/WEB_01');
    await rel('service/payments', 'depends_on', 'application/old-erp');
    await rel('server/web.01', 'connected_to', 'server/web01');
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts CIs without owner, excluding retired ones', async () => {
    const r = await report();
    expect(r.withoutOwner.count).toBe(1);
    expect(refs(r.withoutOwner.examples)).toEqual(['application/legacy-crm']);
    expect(r.totals).toMatchObject({ cis: 14, liveCis: 12, relationships: 6 });
  });

  it('finds orphans, ignoring reference-data classes unless asked', async () => {
    const r = await report();
    expect(r.orphans.ignoredClasses).toEqual(['site', 'document', 'hardware_model']);
    expect(refs(r.orphans.examples)).toEqual([
      'application/web-01',
      'database/Orders DB',
      'database/orders-db',
      'desktop/pc-lonely',
    ]);
    expect(r.orphans.count).toBe(4);
    const all = await report('?orphanIgnoreClasses=');
    expect(all.orphans.ignoredClasses).toEqual([]);
    expect(all.orphans.count).toBe(6);
    expect(refs(all.orphans.examples)).toContain('site/ams1');
    const bad = await t.request({ method: 'GET', url: '/api/v1/cmdb/quality?orphanIgnoreClasses=site;drop' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/orphanIgnoreClasses/);
  });

  it('groups likely duplicates by class and normalised name', async () => {
    const r = await report();
    expect(r.duplicates.count).toBe(2);
    expect(r.duplicates.cis).toBe(5);
    expect(r.duplicates.examples).toEqual([
      {
        class: 'database',
        normalizedName: 'ordersdb',
        cis: [
          { id: ids['database/Orders DB'], name: 'Orders DB', status: 'active' },
          { id: ids['database/orders-db'], name: 'orders-db', status: 'active' },
        ],
      },
      {
        class: 'server',
        normalizedName: 'web01',
        cis: [
          { id: ids['server/Web-01'], name: 'Web-01', status: 'active' },
          { id: ids['server/web01'], name: 'web01', status: 'active' },
          { id: ids['server/WEB_01'], name: 'WEB_01', status: 'active' },
        ],
      },
    ]);
    const one = await report('?examples=1');
    expect(one.duplicates.count).toBe(2);
    expect(one.duplicates.examples).toHaveLength(1);
    expect(one.duplicates.examples[0].class).toBe('database');
  });

  it('lists relationships to or from retired CIs once each', async () => {
    const r = await report();
    expect(r.retiredRelationships.count).toBe(3);
    const described = r.retiredRelationships.examples.map(
      (e: { source: Named & { status: string }; type: string; target: Named & { status: string } }) =>
        `${e.source.name}(${e.source.status}) ${e.type} ${e.target.name}(${e.target.status})`,
    );
    expect(described.sort()).toEqual([
      'old-erp(retired) runs_on WEB_01(active)',
      'payments(active) depends_on old-erp(retired)',
      'web.01(retired) connected_to web01(active)',
    ]);
  });

  it('reports CIs their import source has not seen for N days, oldest first', async () => {
    const feed = (names: string[]) =>
      names.map((name) => ({ kind: 'ci', class: 'virtual_machine', name, owner: 'ops' }));
    await importLines(feed(['vm-a', 'vm-b', 'vm-c', 'vm-d']), 'vcenter');
    clock.advance(10 * DAY);
    await importLines(feed(['vm-b', 'vm-c', 'vm-d']), 'vcenter');
    clock.advance(25 * DAY);
    await importLines(feed(['vm-d']), 'vcenter');
    // Now: vm-a last seen 35 days ago, vm-b and vm-c 25 days ago, vm-d today.
    const r30 = await report('?staleDays=30');
    expect(r30.notSeen.count).toBe(1);
    expect(r30.notSeen.examples).toMatchObject([
      { class: 'virtual_machine', name: 'vm-a', source: 'vcenter', lastSeenAt: '2026-03-01T08:00:00.000Z' },
    ]);
    expect(r30.notSeen.cutoff).toBe('2026-03-06T08:00:00.000Z');
    const r20 = await report('?staleDays=20');
    expect(r20.notSeen.examples.map((c: Named) => c.name)).toEqual(['vm-a', 'vm-b', 'vm-c']);
    // CIs created by hand have no source: never "not seen".
    expect(r20.notSeen.examples.map((c: Named) => c.name)).not.toContain('pc-lonely');
    // Retiring a stale CI takes it off the list.
    await t.request({ method: 'POST', url: `/api/v1/cis/${r20.notSeen.examples[0].id}/retire` });
    expect((await report('?staleDays=20')).notSeen.count).toBe(2);
  });

  it('validates its parameters and needs cmdb.read', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/cmdb/quality?staleDays=0' })).statusCode).toBe(400);
    const bad = await t.request({ method: 'GET', url: '/api/v1/cmdb/quality?staleDays=soon' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/staleDays/);
    expect((await t.request({ method: 'GET', url: '/api/v1/cmdb/quality?examples=1000' })).statusCode).toBe(400);
    expect((await t.request({ method: 'GET', url: '/api/v1/cmdb/quality', token: null })).statusCode).toBe(401);
    const auditor = await t.userWithRoles('quality-auditor', ['auditor']);
    expect((await t.request({ method: 'GET', url: '/api/v1/cmdb/quality', token: auditor.token })).statusCode).toBe(
      200,
    );
  });
});
