import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { BUILTIN_CI_CLASSES, isRelationshipType, RELATIONSHIP_TYPES } from '@slipway/model';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test-support/test-app.js';
import { testDatabaseKinds } from '../../test-support/test-databases.js';
import { validateAttributes } from '../attribute-validation.js';
import { ciRepository } from '../ci.repository.js';
import { isLineError, parseImportLine } from '../import-parser.js';
import { SOFTWARE, softwareName } from './demo-catalogue.js';
import { loadDemoOnFirstStart, loadDemoOrganisation } from './demo-loader.js';
import {
  DEMO_SEED,
  type DemoCiRecord,
  type DemoRelationshipRecord,
  demoOrganisationLines,
  demoOrganisationRecords,
} from './demo-organisation.js';

function sha256OfDemo(seed = DEMO_SEED): string {
  const hash = crypto.createHash('sha256');
  for (const line of demoOrganisationLines(seed)) hash.update(`${line}\n`);
  return hash.digest('hex');
}

const records = [...demoOrganisationRecords()];
const cis = records.filter((r): r is DemoCiRecord => r.kind === 'ci');
const relationships = records.filter((r): r is DemoRelationshipRecord => r.kind === 'relationship');
const ciByRef = new Map(cis.map((c) => [`${c.class}/${c.name}`, c]));

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

const expectedByClass = countBy(cis, (c) => c.class);
/** The impact index holds only edges along which impact propagates (not topology such as located_in). */
const propagatingEdges = relationships.filter((r) => RELATIONSHIP_TYPES[r.type].propagation !== 'none').length;
const oldOpenssl = `software/${softwareName(SOFTWARE.openssl102k)}`;

describe('demo organisation generator', () => {
  it('is deterministic: two runs produce byte-identical output, another seed another one', () => {
    const first = sha256OfDemo();
    expect(sha256OfDemo()).toBe(first);
    expect(sha256OfDemo(DEMO_SEED + 1)).not.toBe(first);
  });

  it('has the promised size and shape', () => {
    const range = (cls: string, min: number, max: number) => {
      const n = expectedByClass.get(cls) ?? 0;
      expect(n, `${cls}: ${n}`).toBeGreaterThanOrEqual(min);
      expect(n, `${cls}: ${n}`).toBeLessThanOrEqual(max);
    };
    expect(cis.length).toBeGreaterThanOrEqual(3000);
    expect(cis.length).toBeLessThanOrEqual(5000);
    expect(relationships.length).toBeGreaterThanOrEqual(10_000);
    expect(relationships.length).toBeLessThanOrEqual(20_000);
    range('site', 4, 6);
    range('service', 13, 17);
    range('application', 35, 70);
    range('server', 25, 40);
    range('virtual_machine', 130, 200);
    range('database', 15, 30);
    range('messaging', 4, 10);
    range('network_device', 40, 120);
    range('storage', 4, 12);
    range('desktop', 2000, 3500);
    range('hardware_model', 10, 30);
    range('document', 15, 40);
    range('software', 40, 100);
    // Every class of the catalogue but none other.
    expect([...expectedByClass.keys()].sort()).toEqual(BUILTIN_CI_CLASSES.map((c) => c.name).sort());
    const types = countBy(relationships, (r) => r.type);
    for (const type of ['depends_on', 'runs_on', 'installed_on', 'part_of', 'connected_to', 'located_in']) {
      expect(types.get(type) ?? 0, type).toBeGreaterThan(0);
    }
  });

  // These walk ~22,000 lines: they collect problems and assert once (an expect per line is slow).
  it('emits only lines the importer accepts: known classes, valid attributes, types and ends', () => {
    const classes = new Map(BUILTIN_CI_CLASSES.map((c) => [c.name, c]));
    const seen = new Set<string>();
    const edges = new Set<string>();
    const problems: string[] = [];
    let line = 0;
    for (const text of demoOrganisationLines()) {
      line++;
      const parsed = parseImportLine(text, line);
      if (parsed === undefined || isLineError(parsed)) {
        problems.push(`line ${line} rejected: ${JSON.stringify(parsed)}`);
        continue;
      }
      if (parsed.kind === 'ci') {
        const ref = `${parsed.class}/${parsed.name}`;
        const definition = classes.get(parsed.class);
        if (!definition) problems.push(`line ${line}: unknown class ${parsed.class}`);
        for (const p of validateAttributes(parsed.class, definition?.attributes ?? [], parsed.attributes ?? {})) {
          problems.push(`${ref}: attributes/${p.attribute} ${p.message}`);
        }
        if (seen.has(ref)) problems.push(`duplicate CI ${ref}`);
        seen.add(ref);
        continue;
      }
      if (!isRelationshipType(parsed.type)) problems.push(`line ${line}: unknown type ${parsed.type}`);
      // Both ends exist, and came earlier (the importer resolves ends against CIs already seen).
      for (const end of [`${parsed.sourceClass}/${parsed.sourceName}`, `${parsed.targetClass}/${parsed.targetName}`]) {
        if (!seen.has(end)) problems.push(`line ${line}: no CI ${end} before it`);
      }
      const key = `${parsed.sourceClass}/${parsed.sourceName}|${parsed.type}|${parsed.targetClass}/${parsed.targetName}`;
      if (edges.has(key)) problems.push(`duplicate relationship ${key}`);
      edges.add(key);
    }
    expect(problems).toEqual([]);
    expect(line).toBe(records.length);
  });

  it('connects the classes the way the relationship catalogue means', () => {
    const classOf = (ref: string) => ref.slice(0, ref.indexOf('/'));
    const allowed: Record<string, { source: string[]; target: string[] }> = {
      installed_on: { source: ['software'], target: ['server', 'virtual_machine', 'desktop'] },
      runs_on: {
        source: ['application', 'virtual_machine', 'database', 'messaging'],
        target: ['virtual_machine', 'server'],
      },
      located_in: { source: ['desktop', 'server', 'network_device', 'storage'], target: ['site'] },
      part_of: { source: ['document'], target: ['service'] },
      connected_to: { source: ['network_device', 'server', 'storage'], target: ['network_device'] },
      depends_on: {
        source: ['service', 'application', 'server'],
        target: ['service', 'application', 'database', 'messaging', 'network_device', 'storage'],
      },
    };
    const misfits = relationships.filter((r) => {
      const rule = allowed[r.type];
      return !rule?.source.includes(classOf(r.source)) || !rule.target.includes(classOf(r.target));
    });
    expect(misfits).toEqual([]);
  });

  it('gives desktops a site and department and locates them there, across several sites', () => {
    const desktops = cis.filter((c) => c.class === 'desktop' && c.status === 'active');
    const locatedIn = new Map(relationships.filter((r) => r.type === 'located_in').map((r) => [r.source, r.target]));
    const misplaced = desktops.filter((d) => {
      const site = ciByRef.get(locatedIn.get(`desktop/${d.name}`) ?? '');
      return typeof d.attributes.department !== 'string' || site?.attributes.code !== d.attributes.site;
    });
    expect(misplaced).toEqual([]);
    const bySite = countBy(desktops, (d) => String(d.attributes.site));
    expect([...bySite.values()].filter((n) => n >= 300).length).toBeGreaterThanOrEqual(4);
  });

  it('holds what later reports must find: old, copyleft and unknown-licence software, gaps and duplicates', () => {
    const installedOn = countBy(
      relationships.filter((r) => r.type === 'installed_on'),
      (r) => r.source,
    );
    const installed = (predicate: (c: DemoCiRecord) => boolean) =>
      cis.filter((c) => c.class === 'software' && predicate(c) && (installedOn.get(`software/${c.name}`) ?? 0) > 0);
    expect(installedOn.get(oldOpenssl) ?? 0).toBeGreaterThan(0);
    expect(installed((c) => String(c.attributes.license).startsWith('GPL-3.0')).length).toBeGreaterThan(0);
    expect(installed((c) => c.attributes.license === 'NOASSERTION').length).toBeGreaterThan(0);
    // Every software CI is installed somewhere, with product, version, vendor and licence.
    for (const c of cis.filter((s) => s.class === 'software')) {
      expect(installedOn.get(`software/${c.name}`) ?? 0, c.name).toBeGreaterThan(0);
      expect(Object.keys(c.attributes).sort(), c.name).toEqual(['license', 'product', 'vendor', 'version']);
    }

    const withoutOwner = cis.filter((c) => c.owner === undefined);
    expect(withoutOwner.length).toBeGreaterThanOrEqual(3);
    expect(withoutOwner.length).toBeLessThan(30);
    const retired = cis.filter((c) => c.status === 'retired');
    expect(new Set(retired.map((c) => c.class)).size).toBeGreaterThanOrEqual(3);
    expect(retired.length).toBeLessThan(50);
    const retiredRefs = new Set(retired.map((c) => `${c.class}/${c.name}`));
    const toRetired = relationships.filter(
      (r) => r.type !== 'located_in' && (retiredRefs.has(r.source) || retiredRefs.has(r.target)),
    );
    expect(toRetired.length).toBeGreaterThan(0);

    // Likely duplicates: the same class and the same name once case and punctuation are ignored.
    const normalised = countBy(cis, (c) => `${c.class}/${c.name.toLowerCase().replace(/[^a-z0-9]/g, '')}`);
    expect([...normalised.values()].filter((n) => n > 1).length).toBeGreaterThanOrEqual(2);

    // Mostly production, with some non-production applications and VMs.
    const environments = countBy(
      cis.filter((c) => c.class === 'application' || c.class === 'virtual_machine'),
      (c) => c.environment ?? 'none',
    );
    for (const env of ['staging', 'test', 'development']) expect(environments.get(env) ?? 0, env).toBeGreaterThan(0);
    expect(environments.get('production') ?? 0).toBeGreaterThan(
      cis.filter((c) => c.class === 'virtual_machine').length / 2,
    );
    for (const c of cis.filter((s) => s.class === 'service' || (s.class === 'application' && s.owner !== undefined))) {
      expect(c.criticality, c.name).toBeDefined();
    }
  });
});

/** A pino logger whose lines the test can read. */
function recordingLogger(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe.each(testDatabaseKinds())('loading the demo organisation on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('imports every line without an error, quickly, and says so in one log line', async () => {
    const { log, lines } = recordingLogger();
    const started = performance.now();
    const result = await loadDemoOnFirstStart(t.slipway.ctx, log);
    const elapsed = performance.now() - started;
    process.stdout.write(
      `demo organisation on ${kind}: ${cis.length} CIs, ${relationships.length} relationships loaded in ${Math.round(elapsed)} ms (import ${result?.durationMs} ms)\n`,
    );
    expect(result?.errors).toEqual([]);
    expect(result?.errorCount).toBe(0);
    expect(result?.cis).toEqual({ created: cis.length, updated: 0, unchanged: 0 });
    expect(result?.relationships).toMatchObject({ created: relationships.length, unchanged: 0 });
    expect(elapsed).toBeLessThan(30_000);
    const byClass = await ciRepository.countMatching(t.slipway.ctx.database.db, {});
    expect(new Map(byClass.map((r) => [r.class, r.count]))).toEqual(expectedByClass);
    expect(t.slipway.ctx.cmdb.impact.index.edgeCount).toBe(propagatingEdges);
    const loaded = lines
      .map((l) => JSON.parse(l) as { msg: string })
      .filter((l) => l.msg.includes('demo organisation'));
    expect(loaded).toHaveLength(1);
    expect(loaded[0]?.msg).toContain(`${cis.length} CIs`);
    expect(loaded[0]?.msg).toContain('admin');
  });

  it('loads only into an empty CMDB, and re-importing it changes nothing', async () => {
    expect(await loadDemoOnFirstStart(t.slipway.ctx, recordingLogger().log)).toBeUndefined();
    const again = await loadDemoOrganisation(t.slipway.ctx);
    expect(again.errorCount).toBe(0);
    expect(again.cis).toEqual({ created: 0, updated: 0, unchanged: cis.length });
    expect(again.relationships).toMatchObject({ created: 0, unchanged: relationships.length });
  });

  it('answers "what breaks if the old openssl changes?" with business services', async () => {
    const found = await t.request({
      method: 'GET',
      url: `/api/v1/cis?class=software&name=${encodeURIComponent(oldOpenssl.slice('software/'.length))}`,
    });
    const id = (found.json() as { items: { id: number }[] }).items[0]?.id;
    expect(id).toBeDefined();
    const impact = await t.request({ method: 'GET', url: `/api/v1/cis/${id}/impact?classes=service&limit=100` });
    expect(impact.statusCode, impact.body).toBe(200);
    const names = (impact.json() as { items: { name: string }[] }).items.map((i) => i.name);
    expect(names).toContain('Partner EDI Gateway');
    expect(names).toContain('Customs Clearance');
    // Desktops never see openssl 1.0.2k's impact: installed_on only reaches the hosts it is on.
    const all = await t.request({ method: 'GET', url: `/api/v1/cis/${id}/impact?limit=0` });
    const summary = (all.json() as { summary: { class: string; count: number }[] }).summary;
    expect(summary[0]?.class).toBe('service');
    expect(summary.find((s) => s.class === 'desktop')).toBeUndefined();
  });
});

describe('first start with SLIPWAY_DEMO=1', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The CMDB exactly as the loader left it: the rollout demo, which then changes what is
    // installed on some hosts in the background, has its own test (rollouts/rollout-demo.api.test.ts).
    process.env.SLIPWAY_DEMO_ROLLOUTS = '0';
    t = await createTestApp('sqlite', { env: { SLIPWAY_DEMO: '1' } });
  });
  afterAll(async () => {
    delete process.env.SLIPWAY_DEMO_ROLLOUTS;
    await t.close();
  });

  it('builds the app with the demo organisation loaded', async () => {
    const byClass = await ciRepository.countMatching(t.slipway.ctx.database.db, {});
    expect(new Map(byClass.map((r) => [r.class, r.count]))).toEqual(expectedByClass);
    expect(t.slipway.ctx.cmdb.impact.index.edgeCount).toBe(propagatingEdges);
  });
});
