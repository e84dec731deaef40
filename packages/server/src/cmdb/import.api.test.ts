import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

const ndjson = (lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');

describe.each(testDatabaseKinds())('NDJSON import on %s', (kind) => {
  let t: TestApp;
  const post = (body: string, query = '') =>
    t.slipway.app.inject({
      method: 'POST',
      url: `/api/v1/import${query}`,
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/x-ndjson' },
      payload: body,
    });

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  const base = [
    { kind: 'ci', class: 'software', name: 'libc6', attributes: { version: '2.36' } },
    { kind: 'ci', class: 'software', name: 'openssl', attributes: { version: '3.0.13' } },
    { kind: 'ci', class: 'server', name: 'db-01', environment: 'production' },
    { kind: 'relationship', source: 'software/openssl', type: 'depends_on', target: 'software/libc6' },
    { kind: 'relationship', source: 'software/openssl', type: 'installed_on', target: 'server/db-01' },
  ];

  it('imports, and re-importing the same data changes nothing', async () => {
    const first = await post(ndjson(base), '?source=discovery');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      cis: { created: 3, updated: 0, unchanged: 0 },
      relationships: { created: 2, unchanged: 0 },
      errors: [],
    });
    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit?action=cmdb.import' })).json();
    const before = audit.items.length;
    const second = await post(ndjson(base), '?source=discovery');
    expect(second.json()).toMatchObject({
      cis: { created: 0, updated: 0, unchanged: 3 },
      relationships: { created: 0, unchanged: 2 },
    });
    const libc = (await t.request({ method: 'GET', url: '/api/v1/cis?class=software&name=libc6' })).json().items[0];
    expect(libc.version).toBe(1);
    const history = (await t.request({ method: 'GET', url: `/api/v1/cis/${libc.id}/history` })).json();
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({ action: 'create', context: 'import:discovery' });
    const after = (await t.request({ method: 'GET', url: '/api/v1/audit?action=cmdb.import' })).json();
    expect(after.items.length).toBe(before + 1);
    // The impact index took the import: libc6 impacts openssl which is installed on db-01.
    const impact = (await t.request({ method: 'GET', url: `/api/v1/cis/${libc.id}/impact` })).json();
    expect(impact.items.map((i: { name: string }) => i.name).sort()).toEqual(['db-01', 'openssl']);
  });

  it('updates changed CIs with history, and reports bad lines with their numbers', async () => {
    const res = await post(
      ndjson([
        { kind: 'ci', class: 'software', name: 'openssl', attributes: { version: '3.0.14' } },
        '{not json',
        { kind: 'ci', class: 'nonsense', name: 'x' },
        { kind: 'relationship', source: 'software/openssl', type: 'likes', target: 'software/libc6' },
        { kind: 'relationship', source: 'software/ghost', type: 'depends_on', target: 'software/libc6' },
        { kind: 'ci', class: 'server', name: 'bad-ip', attributes: { ip: '999.1.1.1' } },
        { kind: 'ci', class: 'server', name: 'good' },
      ]),
    );
    const body = res.json();
    expect(body.cis).toMatchObject({ created: 1, updated: 1 });
    expect(body.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([
      [2, 'INVALID_JSON'],
      [3, 'UNKNOWN_CLASS'],
      [4, 'UNKNOWN_TYPE'],
      [5, 'UNKNOWN_CI'],
      [6, 'INVALID_ATTRIBUTE'],
    ]);
    const openssl = (await t.request({ method: 'GET', url: '/api/v1/cis?class=software&name=openssl' })).json()
      .items[0];
    expect(openssl.attributes.version).toBe('3.0.14');
    const history = (await t.request({ method: 'GET', url: `/api/v1/cis/${openssl.id}/history` })).json();
    expect(history.items[0].changes).toEqual({ 'attributes.version': { from: '3.0.13', to: '3.0.14' } });
  });

  it('imports all or nothing with atomic=true', async () => {
    const res = await post(
      ndjson([
        { kind: 'ci', class: 'server', name: 'atomic-1' },
        { kind: 'ci', class: 'server', name: '' },
      ]),
      '?atomic=true',
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.errors[0].line).toBe(2);
    const found = (await t.request({ method: 'GET', url: '/api/v1/cis?name=atomic-1' })).json();
    expect(found.items).toHaveLength(0);
  });

  it("prunes relationships the source no longer reports, and only that source's", async () => {
    await post(
      ndjson([
        { kind: 'ci', class: 'server', name: 'p1' },
        { kind: 'ci', class: 'server', name: 'p2' },
        { kind: 'ci', class: 'server', name: 'p3' },
        { kind: 'relationship', source: 'server/p1', type: 'connected_to', target: 'server/p2' },
        { kind: 'relationship', source: 'server/p1', type: 'connected_to', target: 'server/p3' },
      ]),
      '?source=netscan',
    );
    const p1 = (await t.request({ method: 'GET', url: '/api/v1/cis?class=server&name=p1' })).json().items[0];
    const p2 = (await t.request({ method: 'GET', url: '/api/v1/cis?class=server&name=p2' })).json().items[0];
    const manual = await t.request({
      method: 'POST',
      url: '/api/v1/relationships',
      body: { sourceId: p2.id, type: 'connected_to', targetId: p1.id },
    });
    expect(manual.statusCode).toBe(201);
    const res = await post(
      ndjson([{ kind: 'relationship', source: 'server/p1', type: 'connected_to', target: 'server/p2' }]),
      '?source=netscan&prune=true',
    );
    expect(res.json().relationships).toMatchObject({ unchanged: 1, pruned: 1 });
    const rels = (await t.request({ method: 'GET', url: `/api/v1/relationships?ciId=${p1.id}` })).json();
    expect(
      rels.items.map((r: { origin: string; target: { name: string } }) => `${r.origin}:${r.target.name}`).sort(),
    ).toEqual(['manual:p1', 'netscan:p2']);
  });

  it('streams a large import in bounded chunks', async () => {
    const lines: unknown[] = [];
    for (let i = 0; i < 12_000; i++)
      lines.push({ kind: 'ci', class: 'desktop', name: `pc-${i}`, attributes: { site: `s${i % 7}` } });
    for (let i = 1; i < 12_000; i++)
      lines.push({
        kind: 'relationship',
        source: `desktop/pc-${i}`,
        type: 'depends_on',
        target: `desktop/pc-${i - 1}`,
      });
    const res = await post(ndjson(lines), '?source=bulk');
    expect(res.json()).toMatchObject({ cis: { created: 12_000 }, relationships: { created: 11_999 }, errorCount: 0 });
    const pc0 = (await t.request({ method: 'GET', url: '/api/v1/cis?class=desktop&name=pc-0' })).json().items[0];
    const impact = (await t.request({ method: 'GET', url: `/api/v1/cis/${pc0.id}/impact?limit=0` })).json();
    expect(impact.count).toBe(11_999);
  });
});
