import { describe, expect, it } from 'vitest';
import { candidateCis, ciOfEntity, ownerOf, parseEntityRef, planCatalog } from './backstage-catalog.js';

describe('Backstage entity references', () => {
  it("parses [kind:][namespace/]name with the field's default kind and the entity's namespace", () => {
    expect(parseEntityRef('tracking-api', { kind: 'api', namespace: 'default' })).toEqual({
      kind: 'api',
      namespace: 'default',
      name: 'tracking-api',
    });
    expect(parseEntityRef('partners/rates', { kind: 'api', namespace: 'default' })).toEqual({
      kind: 'api',
      namespace: 'partners',
      name: 'rates',
    });
    expect(parseEntityRef('Resource:orders-db', { namespace: 'shop' })).toEqual({
      kind: 'resource',
      namespace: 'shop',
      name: 'orders-db',
    });
    expect(parseEntityRef('group:ops/sre', { kind: 'group', namespace: 'default' })).toEqual({
      kind: 'group',
      namespace: 'ops',
      name: 'sre',
    });
    expect(parseEntityRef('orders-db', { namespace: 'default' })).toMatch(/needs a kind/);
    expect(parseEntityRef('a:b:c', { namespace: 'default' })).toMatch(/not an entity reference/);
    expect(parseEntityRef(42, { namespace: 'default' })).toMatch(/must be an entity reference string/);
  });

  it('names owners by their shortest reference', () => {
    expect(ownerOf({ kind: 'group', namespace: 'default', name: 'team-a' })).toBe('team-a');
    expect(ownerOf({ kind: 'group', namespace: 'ops', name: 'sre' })).toBe('ops/sre');
    expect(ownerOf({ kind: 'user', namespace: 'default', name: 'mira' })).toBe('user:mira');
  });
});

describe('Backstage kinds to CI classes', () => {
  it('maps each kind to an existing class, qualifying the names of kinds that share one', () => {
    expect(ciOfEntity('Component', 'default', 'shop', { type: 'service' })).toEqual({
      class: 'application',
      name: 'shop',
    });
    expect(ciOfEntity('Component', 'default', 'geo', { type: 'library' })).toEqual({ class: 'software', name: 'geo' });
    expect(ciOfEntity('API', 'default', 'shop', { type: 'openapi' })).toEqual({
      class: 'application',
      name: 'api:shop',
    });
    expect(ciOfEntity('System', 'default', 'shop', {})).toEqual({ class: 'service', name: 'shop' });
    expect(ciOfEntity('Domain', 'default', 'shop', {})).toEqual({ class: 'service', name: 'domain:shop' });
    expect(ciOfEntity('Resource', 'default', 'orders', { type: 'PostgreSQL' })).toEqual({
      class: 'database',
      name: 'orders',
    });
    expect(ciOfEntity('Resource', 'default', 'events', { type: 'kafka-topic' })).toEqual({
      class: 'messaging',
      name: 'events',
    });
    expect(ciOfEntity('Resource', 'default', 'scans', { type: 's3-bucket' })).toEqual({
      class: 'storage',
      name: 'scans',
    });
    expect(ciOfEntity('Resource', 'default', 'build-01', { type: 'vm' })).toEqual({
      class: 'virtual_machine',
      name: 'build-01',
    });
    expect(ciOfEntity('Resource', 'default', 'cdn', { type: 'cloudfront' })).toEqual({
      class: 'application',
      name: 'resource:cdn',
    });
    expect(ciOfEntity('Component', 'partners', 'rates', {})).toEqual({ class: 'application', name: 'partners/rates' });
    expect(ciOfEntity('Group', 'default', 'team-a', {})).toBeUndefined();
    expect(ciOfEntity('Template', 'default', 'x', {})).toBeUndefined();
  });

  it('lists where a reference outside the import may live in the CMDB', () => {
    expect(candidateCis({ kind: 'component', namespace: 'default', name: 'x' })).toEqual([
      { class: 'application', name: 'x' },
      { class: 'software', name: 'x' },
    ]);
    expect(candidateCis({ kind: 'resource', namespace: 'default', name: 'x' }).map((c) => c.class)).toEqual([
      'database',
      'messaging',
      'storage',
      'server',
      'virtual_machine',
      'application',
    ]);
    expect(candidateCis({ kind: 'group', namespace: 'default', name: 'x' })).toEqual([]);
  });
});

describe('planCatalog', () => {
  it('locates every relation by file, document and line', () => {
    const content = [
      '# leading comment', // 1
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      '  name: shop', // 5
      'spec:',
      '  owner: team-shop',
      '  providesApis:',
      '    - shop-api', // 9
      '  dependsOn: [resource:orders-db, component:geo]', // 10
      '---',
      'apiVersion: backstage.io/v1alpha1',
      'kind: API',
      'metadata: { name: shop-api }',
      'spec: { system: shop }', // 15
    ].join('\n');
    const plan = planCatalog([{ path: 'catalog-info.yaml', content }]);
    expect(plan.problems).toEqual([]);
    expect(plan.cis.map((c) => [c.ci.class, c.ci.name, c.owner, c.entity.line, c.entity.document])).toEqual([
      ['application', 'shop', 'team-shop', 2, 1],
      ['application', 'api:shop-api', undefined, 12, 2],
    ]);
    expect(
      plan.relations.map((r) => [r.field, `${r.other.kind}:${r.other.name}`, r.direction, r.at.document, r.at.line]),
    ).toEqual([
      ['spec.dependsOn', 'resource:orders-db', 'out', 1, 10],
      ['spec.dependsOn', 'component:geo', 'out', 1, 10],
      ['spec.providesApis', 'api:shop-api', 'in', 1, 9],
      ['spec.system', 'system:shop', 'out', 2, 15],
    ]);
  });

  it('rejects malformed entities and keeps reading the others', () => {
    const plan = planCatalog([
      {
        path: 'x.yaml',
        content:
          'apiVersion: v1\nkind: Component\nmetadata: { name: a }\n---\n- not an entity\n---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: { name: ok }\n',
      },
    ]);
    expect(plan.problems.map((p) => [p.document, p.line, p.code])).toEqual([
      [1, 1, 'INVALID_ENTITY'],
      [2, 5, 'INVALID_ENTITY'],
    ]);
    expect(plan.problems[0]?.message).toMatch(/apiVersion/);
    expect(plan.cis.map((c) => c.ci.name)).toEqual(['ok']);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const plan = planCatalog([{ path: null, content: bomb }]);
    expect(plan.problems[0]?.code).toBe('INVALID_YAML');
  });
});
