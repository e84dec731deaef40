import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

const FIXTURES = new URL('./test-fixtures/backstage/', import.meta.url);
const FILES = [
  'catalog-info.yaml',
  'tracking-service/catalog-info.yaml',
  'geo-lib/catalog-info.yaml',
  'carrier-rates/catalog-info.yaml',
  'tracking-portal/catalog-info.yaml',
];
const read = (path: string) => fs.readFileSync(new URL(path, FIXTURES), 'utf8');
const catalog = () => FILES.map((path) => ({ path, content: read(path) }));

type Named = { class: string; name: string };
type Problem = {
  file: string | null;
  document: number;
  line: number;
  entity: string | null;
  code: string;
  message: string;
};

describe.each(testDatabaseKinds())('Backstage catalog import on %s', (kind) => {
  let t: TestApp;

  const postYaml = (yaml: string, query = '', contentType = 'application/yaml') =>
    t.slipway.app.inject({
      method: 'POST',
      url: `/api/v1/import/backstage${query}`,
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': contentType },
      payload: yaml,
    });
  const postFiles = (files: { path: string; content: string }[], query = '') =>
    t.request({ method: 'POST', url: `/api/v1/import/backstage${query}`, body: { files } });
  const find = async (cls: string, name: string) => {
    const res = await t.request({ method: 'GET', url: `/api/v1/cis?class=${cls}&name=${encodeURIComponent(name)}` });
    return res.json().items[0] as
      | (Named & { id: number; owner: string | null; attributes: Record<string, unknown>; source: string })
      | undefined;
  };
  const edgesOf = async (origin: string) => {
    const res = await t.request({ method: 'GET', url: `/api/v1/relationships?origin=${origin}&limit=1000` });
    return res
      .json()
      .items.map(
        (r: { source: Named; type: string; target: Named }) =>
          `${r.source.class}/${r.source.name} ${r.type} ${r.target.class}/${r.target.name}`,
      )
      .sort();
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('imports one catalog-info.yaml sent as YAML: entities become CIs, groups owners, other kinds are skipped', async () => {
    const res = await postYaml(read('catalog-info.yaml'));
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.entities).toEqual({
      read: 6,
      mapped: 2,
      byKind: { Domain: 1, System: 1, Group: 2, User: 1, Location: 1 },
      skipped: { User: 1, Location: 1 },
    });
    expect(body).toMatchObject({
      cis: { created: 2, updated: 0, unchanged: 0 },
      relationships: { created: 1 },
      errors: [],
      errorCount: 0,
    });
    expect(await find('service', 'domain:logistics')).toMatchObject({ owner: 'logistics-leads', source: 'backstage' });
    expect(await find('service', 'shipment-tracking')).toMatchObject({ owner: 'team-tracking' });
    expect(await edgesOf('backstage')).toEqual(['service/shipment-tracking part_of service/domain:logistics']);
  });

  it('imports a whole catalog of files with every kind and relation mapped', async () => {
    const res = await postFiles(catalog());
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.errors).toEqual([]);
    expect(body.entities.mapped).toBe(11);
    expect(body.cis).toEqual({ created: 9, updated: 0, unchanged: 2 });
    expect(body.relationships).toMatchObject({ created: 14, unchanged: 1 });

    expect(await find('application', 'tracking-service')).toMatchObject({
      owner: 'team-tracking',
      attributes: { repository: 'https://git.harbourline.example/logistics/tracking-service/' },
    });
    expect(await find('application', 'api:tracking-api')).toMatchObject({ owner: 'team-tracking' });
    expect(await find('database', 'tracking-db')).toMatchObject({ attributes: { engine: 'postgresql' } });
    expect(await find('messaging', 'shipment-events')).toMatchObject({
      owner: 'platform',
      attributes: { engine: 'kafka' },
    });
    expect(await find('storage', 'scan-archive')).toBeDefined();
    expect(await find('software', 'geo-lib')).toMatchObject({ owner: 'platform' });
    expect(await find('application', 'partners/carrier-rates')).toMatchObject({ owner: 'partners/integrations' });
    expect(await find('application', 'api:partners/carrier-rates-api')).toBeDefined();
    expect(await find('application', 'tracking-portal')).toMatchObject({
      owner: 'user:mira.okafor',
      attributes: { repository: 'https://gitlab.com/harbourline/web/tracking-portal' },
    });

    expect(await edgesOf('backstage')).toEqual(
      [
        'application/api:partners/carrier-rates-api depends_on application/partners/carrier-rates',
        'application/api:tracking-api depends_on application/tracking-service',
        'application/api:tracking-api part_of service/shipment-tracking',
        'application/tracking-portal depends_on application/api:tracking-api',
        'application/tracking-portal part_of application/tracking-service',
        'application/tracking-portal part_of service/shipment-tracking',
        'application/tracking-service depends_on application/api:partners/carrier-rates-api',
        'application/tracking-service depends_on database/tracking-db',
        'application/tracking-service depends_on messaging/shipment-events',
        'application/tracking-service depends_on software/geo-lib',
        'application/tracking-service depends_on storage/scan-archive',
        'application/tracking-service part_of service/shipment-tracking',
        'database/tracking-db part_of service/shipment-tracking',
        'messaging/shipment-events part_of service/shipment-tracking',
        'service/shipment-tracking part_of service/domain:logistics',
      ].sort(),
    );
  });

  it('feeds the impact index: what breaks if the tracking database changes', async () => {
    const db = await find('database', 'tracking-db');
    const impact = (await t.request({ method: 'GET', url: `/api/v1/cis/${db?.id}/impact` })).json();
    expect(impact.items.map((i: Named) => `${i.class}/${i.name}`).sort()).toEqual([
      'application/api:tracking-api',
      'application/tracking-portal',
      'application/tracking-service',
      'service/domain:logistics',
      'service/shipment-tracking',
    ]);
  });

  it('re-importing the same catalog changes nothing', async () => {
    const res = await postFiles(catalog());
    expect(res.json()).toMatchObject({
      cis: { created: 0, updated: 0, unchanged: 11 },
      relationships: { created: 0, unchanged: 15 },
    });
  });

  it('reports errors by file, document and line, and imports the good entities', async () => {
    const billing = [
      'apiVersion: backstage.io/v1alpha1', // 1
      'kind: Component',
      'metadata:',
      '  name: billing-service',
      'spec:', // 5
      '  type: service',
      '  owner: team-billing',
      '  dependsOn:',
      '    - billing-db', // 9: no kind
      '    - resource:ghost-queue', // 10: nowhere
      '    - resource:tracking-db', // 11: in the CMDB from the earlier import
      '  consumesApis: [group:team-billing]', // 12: not an API
      '---',
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component', // 15
      'metadata:',
      '  name: Not Valid!', // 17
      'spec: {}',
      '---',
      'kind: API', // 20
      'metadata: {}',
      '---',
      'apiVersion: backstage.io/v1alpha1',
      'kind: System',
      'metadata:', // 25
      '  name: billing',
      '  tags: [unclosed', // 27
    ].join('\n');
    const res = await postFiles(
      [
        { path: 'billing/catalog-info.yaml', content: billing },
        {
          path: 'billing/copy.yaml',
          content: 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: BILLING-service\n',
        },
      ],
      '?source=backstage-billing',
    );
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const summary = body.errors.map((e: Problem) => `${e.file}#${e.document}:${e.line} ${e.code}`);
    expect(summary).toEqual([
      'billing/catalog-info.yaml#1:9 INVALID_REF',
      'billing/catalog-info.yaml#1:10 UNKNOWN_ENTITY',
      'billing/catalog-info.yaml#1:12 INVALID_REF',
      'billing/catalog-info.yaml#2:17 INVALID_ENTITY',
      'billing/catalog-info.yaml#3:21 INVALID_ENTITY',
      expect.stringMatching(/^billing\/catalog-info\.yaml#4:2\d INVALID_YAML$/),
      'billing/copy.yaml#1:1 DUPLICATE_ENTITY',
    ]);
    expect(body.errorCount).toBe(7);
    const byCode = Object.fromEntries(body.errors.map((e: Problem) => [`${e.document}:${e.line}`, e]));
    expect(byCode['1:9'].message).toMatch(/spec\.dependsOn: "billing-db" needs a kind/);
    expect(byCode['1:10']).toMatchObject({ entity: 'component:default/billing-service' });
    expect(byCode['1:10'].message).toMatch(/resource:default\/ghost-queue is neither in this import nor in the CMDB/);
    expect(byCode['1:12'].message).toMatch(/group:default\/team-billing is a group/);
    expect(byCode['2:17'].message).toMatch(/metadata\.name "Not Valid!"/);
    expect(byCode['3:21'].message).toMatch(/metadata\.name is required/);
    expect(body.errors.at(-1).message).toMatch(/already defined in billing\/catalog-info\.yaml, document 1, line 1/);

    expect(body.cis.created).toBe(1);
    expect(await find('application', 'billing-service')).toMatchObject({
      owner: 'team-billing',
      source: 'backstage-billing',
    });
    // The reference to a resource imported earlier resolved through the CMDB.
    expect(await edgesOf('backstage-billing')).toEqual(['application/billing-service depends_on database/tracking-db']);
  });

  it("prunes relationships the catalog no longer declares (only its own source's)", async () => {
    const files = catalog().map((f) =>
      f.path === 'tracking-service/catalog-info.yaml'
        ? { ...f, content: f.content.replace('    - component:geo-lib\n', '') }
        : f,
    );
    expect(files[1]?.content).not.toContain('geo-lib');
    const res = await postFiles(files, '?prune=true');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().relationships).toMatchObject({ created: 0, unchanged: 14, pruned: 1 });
    const edges = await edgesOf('backstage');
    expect(edges).not.toContain('application/tracking-service depends_on software/geo-lib');
    expect(edges).toHaveLength(14);
    expect(await edgesOf('backstage-billing')).toHaveLength(1);
  });

  it('imports all or nothing with atomic=true', async () => {
    const yaml = [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata: { name: atomic-good }',
      'spec: { type: service, owner: team-x }',
      '---',
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata: { name: atomic-bad }',
      'spec: { type: service, dependsOn: [resource:nowhere] }',
    ].join('\n');
    const res = await postYaml(yaml, '?atomic=true');
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.errors).toMatchObject([
      { file: null, document: 2, line: 9, code: 'UNKNOWN_ENTITY' },
    ]);
    expect(await find('application', 'atomic-good')).toBeUndefined();
    // An atomic import that fails inside the CMDB import reports catalog locations too.
    const tooLong = `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: atomic-long\n  annotations:\n    backstage.io/source-location: url:https://x.example/${'a'.repeat(4100)}\nspec: { type: service }\n`;
    const inner = await postYaml(`${yaml.split('---')[0]}---\n${tooLong}`, '?atomic=true');
    expect(inner.statusCode).toBe(422);
    expect(inner.json().error.details.errors).toMatchObject([
      { document: 2, line: 6, entity: 'component:default/atomic-long', code: 'INVALID_ATTRIBUTE' },
    ]);
    expect(await find('application', 'atomic-good')).toBeUndefined();
  });

  it("accepts the catalog API's JSON list of entities as a YAML document", async () => {
    const exported = [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'invoice-pdf', namespace: 'default' },
        spec: { type: 'service', lifecycle: 'production' },
        relations: [
          { type: 'ownedBy', targetRef: 'group:default/team-billing' },
          { type: 'dependsOn', targetRef: 'resource:default/tracking-db' },
          { type: 'partOf', targetRef: 'system:default/shipment-tracking' },
          { type: 'apiProvidedBy', targetRef: 'component:default/ignored-inverse' },
        ],
      },
    ];
    const res = await postYaml(JSON.stringify(exported), '?source=backstage-export', 'application/x-yaml');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ errors: [], cis: { created: 1 }, relationships: { created: 2 } });
    expect(await find('application', 'invoice-pdf')).toMatchObject({ owner: 'team-billing' });
  });

  it('refuses what is not a catalog with a 4xx', async () => {
    const plain = await t.slipway.app.inject({
      method: 'POST',
      url: '/api/v1/import/backstage',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'text/csv' },
      payload: 'a,b',
    });
    expect(plain.statusCode).toBe(415);
    expect((await postYaml('   \n')).statusCode).toBe(400);
    const noFiles = await postFiles([]);
    expect(noFiles.statusCode).toBe(400);
    expect(noFiles.json().error.message).toMatch(/files/);
    const extra = await t.request({
      method: 'POST',
      url: '/api/v1/import/backstage',
      body: { files: [{ path: 'a', content: 'x', mode: 1 }] },
    });
    expect(extra.statusCode).toBe(400);
    const badSource = await postYaml(read('geo-lib/catalog-info.yaml'), '?source=bad%20source');
    expect(badSource.statusCode).toBe(400);
    const notYaml = await postYaml('kind: [unclosed\n');
    expect(notYaml.statusCode).toBe(200);
    expect(notYaml.json().errors[0]).toMatchObject({ code: 'INVALID_YAML', document: 1 });
    const auditor = await t.userWithRoles('backstage-auditor', ['auditor']);
    const forbidden = await t.request({
      method: 'POST',
      url: '/api/v1/import/backstage',
      token: auditor.token,
      body: { files: catalog() },
    });
    expect(forbidden.statusCode).toBe(403);
  });
});
