import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slipway, startTestServer, type TestServer, tempDir } from '../test-support/cli-harness.js';

interface Ref {
  id: number;
  class: string;
  name: string;
}

interface GraphJson {
  root: Ref;
  direction: string;
  count: number;
  items: (Ref & { depth: number })[];
  next: string | null;
  summary: { class: string; count: number }[];
  path?: (Ref & { via: string | null })[] | null;
}

interface CiJson extends Ref {
  status: string;
  owner: string | null;
  version: number;
  attributes: Record<string, unknown>;
}

interface RelationshipJson {
  id: number;
  type: string;
  inverse: string;
  origin: string;
  source: Ref;
  target: Ref;
}

/**
 * A small shop:
 *   software/openssl —installed_on→ server/web-01, server/web-02
 *   application/shop —runs_on→ server/web-01;  application/blog —runs_on→ server/web-02
 *   application/shop —depends_on→ database/orders-db;  service/webshop —depends_on→ application/shop
 */
const GRAPH = [
  { kind: 'ci', class: 'software', name: 'openssl', attributes: { version: '3.0.13' } },
  { kind: 'ci', class: 'server', name: 'web-01', owner: 'team-web', attributes: { cpu_cores: 8 } },
  { kind: 'ci', class: 'server', name: 'web-02', owner: 'team-web' },
  { kind: 'ci', class: 'application', name: 'shop', owner: 'team-shop' },
  { kind: 'ci', class: 'application', name: 'blog', owner: 'team-blog' },
  { kind: 'ci', class: 'database', name: 'orders-db', owner: 'team-shop' },
  { kind: 'ci', class: 'service', name: 'webshop', owner: 'business' },
  { kind: 'relationship', source: 'software/openssl', type: 'installed_on', target: 'server/web-01' },
  { kind: 'relationship', source: 'software/openssl', type: 'installed_on', target: 'server/web-02' },
  { kind: 'relationship', source: 'application/shop', type: 'runs_on', target: 'server/web-01' },
  { kind: 'relationship', source: 'application/blog', type: 'runs_on', target: 'server/web-02' },
  { kind: 'relationship', source: 'application/shop', type: 'depends_on', target: 'database/orders-db' },
  { kind: 'relationship', source: 'service/webshop', type: 'depends_on', target: 'application/shop' },
];

describe('CMDB commands against a real server', () => {
  let server: TestServer;
  let dir: string;
  const ids = new Map<string, number>();
  const id = (ref: string) => {
    const found = ids.get(ref);
    if (found === undefined) throw new Error(`no id for ${ref}`);
    return found;
  };
  const run = (args: string[]) => slipway(args, { env: server.apiEnv });

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    dir = tempDir('slipway-cli-cmdb-');
    const file = path.join(dir, 'shop.ndjson');
    fs.writeFileSync(file, `${GRAPH.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const imported = await run(['import', file, '--source', 'seed']);
    expect(imported.stderr).toBe('');
    const list = await run(['ci', 'list', '--all', '--json']);
    for (const ci of list.json<{ items: Ref[] }>().items) ids.set(`${ci.class}/${ci.name}`, ci.id);
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('impact and dependencies', () => {
    it('prints the root, the count, the summary with services first, CIs by depth and the explained path', async () => {
      const result = await run(['impact', 'software/openssl', '--explain', 'service/webshop']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines.slice(0, 4)).toEqual([
        `Impact of software/openssl (id ${id('software/openssl')}): 5 CIs`,
        'By class: service 1, application 2, server 2',
        '',
        'depth 1 (2)',
      ]);
      // Breadth-first: each depth's CIs under its heading, indented by depth.
      expect([...lines.slice(4, 6)].sort()).toEqual([
        `  server/web-01  #${id('server/web-01')}`,
        `  server/web-02  #${id('server/web-02')}`,
      ]);
      expect(lines[6]).toBe('depth 2 (2)');
      expect([...lines.slice(7, 9)].sort()).toEqual([
        `    application/blog  #${id('application/blog')}`,
        `    application/shop  #${id('application/shop')}`,
      ]);
      expect(lines.slice(9)).toEqual([
        'depth 3 (1)',
        `      service/webshop  #${id('service/webshop')}`,
        '',
        'Why service/webshop: openssl —installed_on→ web-01 —runs_on→ shop —depends_on→ webshop',
        '',
      ]);
    });

    it('--json is the API answer: root, direction, count, summary, items with depth, next and path', async () => {
      const result = await run([
        'impact',
        String(id('software/openssl')),
        '--json',
        '--explain',
        String(id('service/webshop')),
      ]);
      const body = result.json<GraphJson>();
      expect(Object.keys(body).sort()).toEqual(['count', 'direction', 'items', 'next', 'path', 'root', 'summary']);
      expect(body).toMatchObject({
        root: { id: id('software/openssl'), class: 'software', name: 'openssl' },
        direction: 'impact',
        count: 5,
        next: null,
        summary: [
          { class: 'service', count: 1 },
          { class: 'application', count: 2 },
          { class: 'server', count: 2 },
        ],
      });
      expect(body.items.map((i) => [`${i.class}/${i.name}`, i.depth]).sort()).toEqual([
        ['application/blog', 2],
        ['application/shop', 2],
        ['server/web-01', 1],
        ['server/web-02', 1],
        ['service/webshop', 3],
      ]);
      expect(body.path?.map((hop) => [hop.name, hop.via])).toEqual([
        ['openssl', null],
        ['web-01', 'installed_on'],
        ['shop', 'runs_on'],
        ['webshop', 'depends_on'],
      ]);
    });

    it('--limit lists the first CIs and says there are more; --all pages through everything with the cursor', async () => {
      const first = await run(['impact', 'software/openssl', '--limit', '2']);
      expect(first.stdout).toContain('Listed 2 of 5: --all lists every one, --limit N the first N');
      const page = (await run(['impact', 'software/openssl', '--limit', '2', '--json'])).json<GraphJson>();
      expect(page.items).toHaveLength(2);
      expect(page.next).not.toBeNull();

      // Pages of one: five requests, one answer.
      const all = (await run(['impact', 'software/openssl', '--limit', '1', '--all', '--json'])).json<GraphJson>();
      expect(all.count).toBe(5);
      expect(all.next).toBeNull();
      expect(new Set(all.items.map((i) => i.id)).size).toBe(5);
      const text = await run(['impact', 'software/openssl', '--limit', '1', '--all']);
      expect(text.stdout).not.toContain('Listed');
      expect(text.stdout).toContain('service/webshop');

      const countOnly = await run(['impact', 'software/openssl', '--limit', '0']);
      expect(countOnly.stdout).toMatch(/^Impact of software\/openssl \(id \d+\): 5 CIs\nBy class: .*\n\nListed 0 of 5/);
    });

    it('filters by depth, relationship types and classes', async () => {
      const depth = (await run(['impact', 'software/openssl', '--depth', '1', '--json'])).json<GraphJson>();
      expect(depth.count).toBe(2);
      const types = (await run(['impact', 'software/openssl', '--types', 'depends_on', '--json'])).json<GraphJson>();
      expect(types.count).toBe(0);
      const classes = (
        await run(['impact', 'software/openssl', '--classes', 'service, application', '--json'])
      ).json<GraphJson>();
      expect(classes.count).toBe(3);
      expect(classes.items.every((i) => i.class === 'service' || i.class === 'application')).toBe(true);

      const nothing = await run(['impact', 'service/webshop']);
      expect(nothing.stdout).toBe(`Impact of service/webshop (id ${id('service/webshop')}): 0 CIs\n`);
    });

    it('walks dependencies the other way', async () => {
      const result = await run(['dependencies', 'service/webshop', '--explain', 'software/openssl']);
      expect(result.stdout).toMatch(/^Dependencies of service\/webshop \(id \d+\): 4 CIs\n/);
      expect(result.stdout).toContain('\ndepth 1 (1)\n  application/shop  #');
      expect(result.stdout).toContain(`\ndepth 3 (1)\n      software/openssl  #${id('software/openssl')}\n`);
      expect(result.stdout).toContain(
        'Why software/openssl: webshop —depends_on→ shop —runs_on→ web-01 —installed_on→ openssl',
      );
      const body = (await run(['dependencies', 'service/webshop', '--json'])).json<GraphJson>();
      expect(body.direction).toBe('dependencies');
      expect(body.items.map((i) => `${i.class}/${i.name}`).sort()).toEqual([
        'application/shop',
        'database/orders-db',
        'server/web-01',
        'software/openssl',
      ]);
    });

    it('says when the explained CI is not reached, and explains bad input in one line', async () => {
      const unreached = await run(['impact', 'server/web-01', '--explain', 'application/blog']);
      expect(unreached.code).toBe(0);
      expect(unreached.stdout).toContain('\napplication/blog is not reached from server/web-01\n');

      const cases: [string[], string][] = [
        [['impact', 'software/nope'], 'slipway: No CI software/nope\n'],
        [
          ['impact', 'openssl'],
          'slipway: "openssl" is not a CI: expected class/name (e.g. software/openssl) or a numeric id\n',
        ],
        [['impact', '999999'], 'slipway: No CI with id 999999 (HTTP 404 NOT_FOUND)\n'],
        [
          ['impact', 'software/openssl', '--types', 'flies_to'],
          expect.stringMatching(/^slipway: .*flies_to.* \(HTTP 400 /),
        ],
        [
          ['dependencies', 'software/openssl', '--depth', '0'],
          "slipway: option '--depth <n>' argument '0' is invalid. expected a whole number from 1 to 1000 (see --help)\n",
        ],
      ];
      for (const [args, stderr] of cases) {
        const result = await run(args);
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toEqual(stderr);
      }
    });
  });

  describe('ci', () => {
    it('lists with filters, as a table and as JSON', async () => {
      const table = await run(['ci', 'list', '--class', 'server']);
      expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+CLASS\s+NAME\s+STATUS\s+ENVIRONMENT\s+OWNER\s+UPDATED$/);
      expect(table.stdout).toMatch(
        new RegExp(`^${id('server/web-01')}\\s+server\\s+web-01\\s+active\\s+-\\s+team-web\\s`, 'm'),
      );
      expect(table.stdout).not.toContain('openssl');

      const json = (await run(['ci', 'list', '--q', 'WEB', '--json'])).json<{ items: CiJson[]; next: string | null }>();
      expect(json.items.map((c) => c.name).sort()).toEqual(['web-01', 'web-02', 'webshop']);
      expect(json.next).toBeNull();
      const owned = (await run(['ci', 'list', '--owner', 'team-shop', '--json'])).json<{ items: CiJson[] }>();
      expect(owned.items.map((c) => c.name).sort()).toEqual(['orders-db', 'shop']);

      const paged = await run(['ci', 'list', '--limit', '2']);
      expect(paged.stdout).toContain('(first 2; --all lists every match)');
      expect((await run(['ci', 'list', '--class', 'gadget'])).stdout).toBe('No CIs match\n');
      const badStatus = await run(['ci', 'list', '--status', 'broken']);
      expect(badStatus.stderr).toMatch(/expected one of planned, active, maintenance, retired/);
    });

    it('creates a CI with typed attributes, shows it with relationships both ways, and retires it', async () => {
      const created = await run([
        'ci',
        'create',
        '--class',
        'server',
        '--name',
        'web-03',
        '--attr',
        'cpu_cores=16',
        'memory_gb=31.5',
        '--attr',
        'ip=10.0.0.3',
        '--environment',
        'production',
        '--criticality',
        'high',
      ]);
      expect(created.stderr).toBe('');
      expect(created.stdout).toMatch(/^Created server\/web-03 \(id (\d+)\)\n$/);
      const web03 = Number(/\(id (\d+)\)/.exec(created.stdout)?.[1]);

      const duplicate = await run(['ci', 'create', '--class', 'server', '--name', 'web-03', '--json']);
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr).toMatch(/^slipway: .*web-03.* \(HTTP 409 CONFLICT\)\n$/);
      const badAttr = await run(['ci', 'create', '--class', 'server', '--name', 'x', '--attr', 'cpu_cores']);
      expect(badAttr.stderr).toBe('slipway: --attr "cpu_cores": expected name=value, e.g. --attr cpu_cores=8\n');

      const added = await run(['rel', 'add', 'application/blog', 'runs_on', String(web03)]);
      expect(added.stdout).toMatch(/^Related application\/blog runs_on server\/web-03 \(relationship \d+\)\n$/);
      expect((await run(['rel', 'add', 'software/openssl', 'installed_on', 'server/web-03', '--json'])).code).toBe(0);

      const show = await run(['ci', 'show', 'server/web-03']);
      expect(show.stderr).toBe('');
      const text = show.stdout;
      expect(text).toMatch(new RegExp(`^server/web-03 \\(id ${web03}, version 1\\)\n`));
      expect(text).toMatch(/^ {2}environment {2}production$/m);
      expect(text).toMatch(/^ {2}criticality {2}high$/m);
      expect(text).toMatch(/^ {2}source {7}- \(created by hand\)$/m);
      expect(text).toContain('Attributes\n  cpu_cores  16\n  ip         10.0.0.3\n  memory_gb  31.5\n');
      // Seen from web-03: the inverse names of the relationships that point at it.
      expect(text).toMatch(/^ {2}TYPE\s+CI\s+REL\s+ORIGIN$/m);
      expect(text).toMatch(/^ {2}has_installed\s+software\/openssl\s+\d+\s+manual$/m);
      expect(text).toMatch(/^ {2}hosts\s+application\/blog\s+\d+\s+manual$/m);
      // Newest first: relating another CI to it is part of its history too.
      expect(text).toMatch(/^History \(latest 3; slipway ci history \d+ for all\)$/m);
      expect(text).toMatch(/^ {2}\d{4}-\d\d-\d\d \d\d:\d\d\s+relate\s+admin\s+-\s+hosts: - → application\/blog$/m);
      expect(text).toMatch(/^ {2}\d{4}-\d\d-\d\d \d\d:\d\d\s+create\s+admin\s+-\s+.*attributes\.cpu_cores: - → 16/m);

      // From the source's side the type reads forwards.
      const blog = (await run(['ci', 'show', 'application/blog', '--json'])).json<{
        ci: CiJson;
        relationships: RelationshipJson[];
        moreRelationships: boolean;
        history: unknown[];
      }>();
      expect(blog.ci.name).toBe('blog');
      expect(blog.moreRelationships).toBe(false);
      expect(blog.relationships.map((r) => `${r.type} ${r.target.name}`).sort()).toEqual([
        'runs_on web-02',
        'runs_on web-03',
      ]);
      expect(blog.history).toHaveLength(2);

      const retired = await run(['ci', 'retire', 'server/web-03']);
      expect(retired.stdout).toBe(`Retired server/web-03 (id ${web03})\n`);
      const history = await run(['ci', 'history', String(web03)]);
      expect(history.stdout.split('\n').slice(0, 2)).toEqual([
        `History of server/web-03 (id ${web03})`,
        expect.stringMatching(/^AT\s+ACTION\s+BY\s+UNDER\s+CHANGES$/),
      ]);
      expect(history.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d\s+retire\s+admin\s+-\s+status: active → retired$/m);
      const historyJson = (await run(['ci', 'history', 'server/web-03', '--json'])).json<{
        ci: Ref;
        items: { action: string; changes: Record<string, { from: unknown; to: unknown }> }[];
      }>();
      expect(historyJson.ci).toEqual({ id: web03, class: 'server', name: 'web-03' });
      expect(historyJson.items.map((e) => e.action)).toEqual(['retire', 'relate', 'relate', 'create']);
      expect(historyJson.items[0]?.changes.status).toEqual({ from: 'active', to: 'retired' });
      const retiredList = (await run(['ci', 'list', '--status', 'retired', '--json'])).json<{ items: CiJson[] }>();
      expect(retiredList.items.map((c) => c.name)).toEqual(['web-03']);
    });
  });

  describe('rel', () => {
    it('adds and removes relationships by reference and id', async () => {
      const added = (await run(['rel', 'add', 'service/webshop', 'depends_on', 'database/orders-db', '--json'])).json<{
        relationship: RelationshipJson;
      }>();
      expect(added.relationship).toMatchObject({
        type: 'depends_on',
        inverse: 'dependency_of',
        origin: 'manual',
        source: { class: 'service', name: 'webshop' },
        target: { class: 'database', name: 'orders-db' },
      });
      const removed = await run(['rel', 'rm', String(added.relationship.id)]);
      expect(removed.stdout).toBe(
        `Removed relationship ${added.relationship.id}: service/webshop depends_on database/orders-db\n`,
      );
      const again = await run(['rel', 'rm', String(added.relationship.id)]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(new RegExp(`^slipway: .*${added.relationship.id}.* \\(HTTP 404 NOT_FOUND\\)\\n$`));

      const badType = await run(['rel', 'add', 'service/webshop', 'likes', 'database/orders-db']);
      expect(badType.code).toBe(1);
      expect(badType.stderr).toMatch(/^slipway: .*likes.* \(HTTP 400 /);
      const self = await run(['rel', 'add', 'service/webshop', 'depends_on', 'service/webshop']);
      expect(self.stderr).toMatch(/\(HTTP 400 /);
    });
  });

  describe('baseline', () => {
    it('takes whole and scoped baselines, lists them, and diffs against the live CMDB and each other', async () => {
      const whole = await run(['baseline', 'take', 'before-change', '--description', 'Friday']);
      expect(whole.stdout).toMatch(
        /^Took baseline before-change \(id \d+, whole CMDB\): \d+ CIs, \d+ relationships\n$/,
      );
      const scoped = (
        await run(['baseline', 'take', 'openssl-scope', '--ci', 'software/openssl', '--closure', 'impact', '--json'])
      ).json<{ baseline: { id: number; scope: { ciIds: number[]; closure: string }; ciCount: number } }>();
      expect(scoped.baseline.scope).toEqual({ ciIds: [id('software/openssl')], closure: 'impact' });
      expect(scoped.baseline.ciCount).toBeGreaterThanOrEqual(6);

      const duplicate = await run(['baseline', 'take', 'before-change']);
      expect(duplicate.stderr).toMatch(/\(HTTP 409 CONFLICT\)\n$/);
      const closureAlone = await run(['baseline', 'take', 'x', '--closure', 'both']);
      expect(closureAlone.stderr).toBe('slipway: --closure needs --ci: the closure is taken from the listed CIs\n');

      const list = await run(['baseline', 'list']);
      expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+SCOPE\s+CIS\s+RELATIONSHIPS\s+BY\s+TAKEN$/);
      expect(list.stdout).toMatch(/^\d+\s+openssl-scope\s+1 CI \+ impact\s+\d+\s+\d+\s+admin\s/m);
      expect(list.stdout).toMatch(/^\d+\s+before-change\s+whole CMDB\s/m);
      // Newest first.
      expect(list.stdout.indexOf('openssl-scope')).toBeLessThan(list.stdout.indexOf('before-change'));

      const unchanged = await run(['baseline', 'diff', 'before-change']);
      expect(unchanged.stdout).toMatch(/against the live CMDB\n.*\nNo differences\n$/);

      // Change the live CMDB: a new CI, a changed attribute, a new relationship, a removed one.
      await run(['ci', 'create', '--class', 'database', '--name', 'audit-db']);
      const changedFile = path.join(dir, 'openssl.csv');
      fs.writeFileSync(changedFile, 'class,name,version\nsoftware,openssl,3.0.14\n');
      expect((await run(['import', changedFile])).code).toBe(0);
      await run(['rel', 'add', 'application/shop', 'depends_on', 'database/audit-db']);
      const shopRels = (await run(['ci', 'show', 'application/blog', '--json'])).json<{
        relationships: RelationshipJson[];
      }>().relationships;
      const toWeb02 = shopRels.find((r) => r.target.name === 'web-02');
      expect((await run(['rel', 'rm', String(toWeb02?.id)])).code).toBe(0);

      const diff = await run(['baseline', 'diff', 'before-change']);
      expect(diff.stderr).toBe('');
      const text = diff.stdout;
      expect(text).toMatch(/^Baseline before-change \(id \d+, taken .*\) against the live CMDB\n/);
      expect(text).toContain('CIs: 1 added, 0 removed, 1 changed; relationships: 1 added, 1 removed\n');
      expect(text).toContain(`\nAdded CIs (1)\n  + database/audit-db  #`);
      expect(text).toContain(
        `\nChanged CIs (1)\n  ~ software/openssl  #${id('software/openssl')}  (version 1 → 2)\n      attributes.version: 3.0.13 → 3.0.14\n`,
      );
      expect(text).toContain('\nAdded relationships (1)\n  + application/shop depends_on database/audit-db\n');
      expect(text).toContain('\nRemoved relationships (1)\n  - application/blog runs_on server/web-02\n');

      const json = (await run(['baseline', 'diff', 'before-change', '--against', 'live', '--json'])).json<{
        baseline: { name: string };
        against: { live: boolean };
        cis: Record<string, { count: number; items: unknown[]; next: string | null }>;
        relationships: Record<string, { count: number }>;
      }>();
      expect(json.baseline.name).toBe('before-change');
      expect(json.against.live).toBe(true);
      expect(json.cis.added?.count).toBe(1);
      expect(json.relationships.removed?.count).toBe(1);

      // Two baselines, by name; --limit 0 counts only, --all lists everything.
      await run(['baseline', 'take', 'after-change']);
      const between = await run(['baseline', 'diff', 'before-change', '--against', 'after-change', '--limit', '0']);
      expect(between.stdout).toMatch(/against baseline after-change \(id \d+, taken .*\)\n/);
      expect(between.stdout).toContain('  … 1 more (--all lists them)');
      const all = (
        await run(['baseline', 'diff', 'before-change', '--against', 'after-change', '--all', '--json'])
      ).json<{ cis: { changed: { items: unknown[]; next: string | null } } }>();
      expect(all.cis.changed.items).toHaveLength(1);
      expect(all.cis.changed.next).toBeNull();

      const missing = await run(['baseline', 'diff', 'no-such-baseline']);
      expect(missing.stderr).toBe('slipway: No baseline named "no-such-baseline" (slipway baseline list shows them)\n');
    });
  });

  describe('quality', () => {
    it('reports each category with counts and examples, as text and JSON', async () => {
      const text = await run(['quality', '--stale-days', '7']);
      expect(text.stderr).toBe('');
      expect(text.stdout).toMatch(/^CMDB data quality: \d+ CIs \(\d+ live\), \d+ relationships\n/);
      expect(text.stdout).toMatch(/^Without owner: [1-9]\d*\n {2}software\/openssl {2}#\d+$/m);
      expect(text.stdout).toMatch(/^Orphans \(not counting site, document, hardware_model\): /m);
      expect(text.stdout).toMatch(/^Not seen by their source for 7 days \(since .*\): none$/m);
      expect(text.stdout).toMatch(/^Likely duplicates \(0 CIs in groups\): none$/m);
      expect(text.stdout).toMatch(/^Relationships to retired CIs: [1-9]/m);
      expect(text.stdout).toMatch(/ server\/web-03 \(retired\)$/m);

      const json = (await run(['quality', '--examples', '1', '--json'])).json<{
        totals: { cis: number };
        withoutOwner: { count: number; examples: unknown[] };
        notSeen: { staleDays: number };
      }>();
      expect(json.totals.cis).toBeGreaterThan(5);
      expect(json.withoutOwner.examples).toHaveLength(1);
      expect(json.notSeen.staleDays).toBe(30);
    });
  });

  describe('import-backstage', () => {
    it('imports catalog-info.yaml files as CIs and relationships, naming the file and line of each error', async () => {
      const catalog = path.join(dir, 'catalog-info.yaml');
      fs.writeFileSync(
        catalog,
        [
          'apiVersion: backstage.io/v1alpha1',
          'kind: System',
          'metadata:',
          '  name: payments',
          'spec:',
          '  owner: team-pay',
          '---',
          'apiVersion: backstage.io/v1alpha1',
          'kind: Group',
          'metadata:',
          '  name: team-pay',
          'spec:',
          '  type: team',
          '',
        ].join('\n'),
      );
      const component = path.join(dir, 'billing.yaml');
      fs.writeFileSync(
        component,
        [
          'apiVersion: backstage.io/v1alpha1',
          'kind: Component',
          'metadata:',
          '  name: billing',
          'spec:',
          '  type: service',
          '  owner: team-pay',
          '  system: payments',
          '  dependsOn:',
          '    - resource:ghost-queue',
          '',
        ].join('\n'),
      );
      const result = await run(['import-backstage', catalog, component]);
      expect(result.code).toBe(1);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe('Imported 2 files: 3 entities read (System 1, Group 1, Component 1), 2 became CIs');
      expect(lines[1]).toBe('CIs: 2 created, 0 updated, 0 unchanged');
      expect(lines[2]).toBe('Relationships: 1 created, 0 unchanged, 0 pruned');
      expect(lines[3]).toBe('1 error:');
      expect(lines[4]).toMatch(
        new RegExp(
          `^ {2}${component.replaceAll('.', '\\.')}:10: UNKNOWN_ENTITY component:default/billing: .*ghost-queue`,
        ),
      );
      expect(result.stderr).toBe('slipway: 1 problem in the catalog; the rest was imported\n');

      const billing = (await run(['ci', 'show', 'application/billing', '--json'])).json<{
        ci: CiJson;
        relationships: RelationshipJson[];
      }>();
      expect(billing.ci.owner).toBe('team-pay');
      expect(billing.relationships.map((r) => `${r.type} ${r.target.class}/${r.target.name} ${r.origin}`)).toEqual([
        'part_of service/payments backstage',
      ]);

      const atomic = await run(['import-backstage', catalog, component, '--atomic', '--json']);
      expect(atomic.code).toBe(1);
      expect(atomic.json()).toMatchObject({ rejected: true, errors: [{ file: component, code: 'UNKNOWN_ENTITY' }] });
      expect(atomic.stderr).toMatch(/\(HTTP 422 DOMAIN_RULE\)\n$/);

      const missing = await run(['import-backstage', path.join(dir, 'nope.yaml')]);
      expect(missing.stderr).toBe(`slipway: ${path.join(dir, 'nope.yaml')}: no such file\n`);
    });
  });

  it('every CMDB command has --help and refuses to run without a token', async () => {
    const commands = [
      ['import'],
      ['import-backstage'],
      ['impact'],
      ['dependencies'],
      ['ci', 'list'],
      ['ci', 'show'],
      ['ci', 'history'],
      ['ci', 'create'],
      ['ci', 'retire'],
      ['rel', 'add'],
      ['rel', 'rm'],
      ['baseline', 'take'],
      ['baseline', 'list'],
      ['baseline', 'diff'],
      ['quality'],
    ];
    for (const command of commands) {
      const help = await slipway([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: slipway ${command.join(' ')}`);
      expect(help.stdout).toContain('--json');
      expect(help.stdout).toContain('--url <url>');
    }
    const noToken = await slipway(['quality'], { env: { SLIPWAY_URL: server.url } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^slipway: No API token: set SLIPWAY_TOKEN or pass --token/);
  });
});
