import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOFTWARE } from '../cmdb/demo/demo-catalogue.js';
import { pushStreamed } from '../test-support/library-helpers.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

interface Finding {
  ci: { id: number; name: string };
  product: string;
  softwareVersion: string | null;
  hosts: number;
  exampleHosts: { name: string }[];
  kinds: string[];
  reasons: { kind: string; rule: string; message: string }[];
}

describe.each(testDatabaseKinds())('software compliance on the demo organisation on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    // The library and CMDB as the demo seeds them, without the rollout demo, which upgrades
    // software on some hosts in the background while these counts are taken (it has its own
    // test: rollouts/rollout-demo.api.test.ts).
    process.env.SLIPWAY_DEMO_ROLLOUTS = '0';
    t = await createTestApp(kind, { env: { SLIPWAY_DEMO: '1' } });
  }, 120_000);
  afterAll(async () => {
    delete process.env.SLIPWAY_DEMO_ROLLOUTS;
    await t?.close();
  });

  async function allFindings(query = ''): Promise<{ counts: Record<string, number>; items: Finding[] }> {
    const items: Finding[] = [];
    let cursor: string | null = null;
    let counts: Record<string, number> = {};
    do {
      const url: string = `/api/v1/library/compliance?limit=20${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await t.request({ method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { counts: Record<string, number>; items: Finding[]; next: string | null };
      counts = body.counts;
      items.push(...body.items);
      cursor = body.next;
    } while (cursor);
    return { counts, items };
  }

  const find = (items: Finding[], product: string, version: string) =>
    items.find((f) => f.product === product && f.softwareVersion === version);

  it('finds the planted unlicensed, unknown-licence and unauthorized software', async () => {
    const { counts, items } = await allFindings();
    expect(counts.software).toBeGreaterThan(50);
    expect(counts.findings).toBe(items.length);

    for (const [product, version] of [
      ['GIMP', '2.10.36'],
      ['GNU Parallel', '20230822'],
    ] as const) {
      const finding = find(items, product, version);
      expect(finding?.kinds, `${product} ${version}`).toContain('unlicensed');
      expect(finding?.reasons.find((r) => r.kind === 'unlicensed')?.rule).toBe('licences.deny');
      expect(finding?.hosts).toBeGreaterThan(0);
      expect(finding?.exampleHosts.length).toBeGreaterThan(0);
    }
    const pdf = find(items, 'Free PDF Converter Pro', '7.3.1');
    expect(pdf?.kinds).toEqual(expect.arrayContaining(['needs_review', 'unauthorized']));
    expect(pdf?.reasons.find((r) => r.kind === 'needs_review')?.message).toMatch(/NOASSERTION/);
    expect(find(items, 'WinRAR', '6.02')?.kinds).toContain('unauthorized');
    for (const [product, version] of [
      ['GIMP', '2.10.36'],
      ['GNU Parallel', '20230822'],
    ] as const) {
      expect(find(items, product, version)?.kinds).toContain('unauthorized');
    }
    // The demo library holds the rest: approved when the policy allows the licence (compliant),
    // quarantined awaiting a licence review otherwise (MySQL's GPL-2.0-only is on neither list).
    expect(find(items, 'openssl', '3.0.13')).toBeUndefined();
    expect(find(items, 'Microsoft 365 Apps', '16.0.17328.20184')).toBeUndefined();
    const mysql = find(items, 'MySQL Server', '8.0.36');
    expect(mysql?.kinds).toEqual(expect.arrayContaining(['unauthorized', 'needs_review']));
    expect(mysql?.reasons.find((r) => r.kind === 'unauthorized')?.message).toMatch(/quarantined/);
    expect(counts.compliant).toBeGreaterThan(20);
    expect(counts.unauthorized).toBeLessThan(counts.software);
    const unlicensed = await allFindings('&kind=unlicensed');
    expect(unlicensed.items.every((f) => f.kinds.includes('unlicensed'))).toBe(true);
    expect(unlicensed.items.length).toBe(counts.unlicensed);
    // Every demo software version but the four planted outsiders is in the library.
    const library = await t.request({ method: 'GET', url: '/api/v1/artifacts?limit=1000' });
    const inLibrary = (library.json().items as { name: string; artifactVersion: string }[]).map(
      (a) => `${a.name} ${a.artifactVersion}`,
    );
    const planted = new Set(['Free PDF Converter Pro', 'WinRAR', 'GIMP', 'GNU Parallel']);
    const expected = Object.values(SOFTWARE)
      .filter((s) => !planted.has(s.product))
      .map((s) => `${s.product} ${s.version}`);
    expect(inLibrary.sort()).toEqual(expected.sort());
  });

  it('counts software as authorized once the library holds it approved, and flags a reported digest that differs', async () => {
    const before = await allFindings();
    const winrar = find(before.items, 'WinRAR', '6.02');
    expect(winrar?.kinds).toContain('unauthorized');

    const uploader = await t.userWithRoles('librarian', ['engineer']);
    const approver = await t.userWithRoles('approver', ['release_manager']);
    const content = crypto.randomBytes(10_000);
    const pushed = await pushStreamed(t, uploader.token, content, {
      name: 'WinRAR',
      artifactVersion: '6.02',
      license: 'LicenseRef-Proprietary-Licensed',
    });
    expect(pushed.statusCode, pushed.body).toBe(201);
    const quarantined = find((await allFindings()).items, 'WinRAR', '6.02');
    expect(quarantined?.reasons.find((r) => r.kind === 'unauthorized')?.message).toMatch(/quarantined/);
    const approved = await t.request({
      method: 'POST',
      url: `/api/v1/artifacts/${pushed.json().id}/approve`,
      token: approver.token,
    });
    expect(approved.statusCode, approved.body).toBe(200);

    const after = await allFindings();
    expect(find(after.items, 'WinRAR', '6.02')).toBeUndefined();
    expect(after.counts.unauthorized).toBe(before.counts.unauthorized - 1);
    expect(after.counts.compliant).toBe(before.counts.compliant + 1);

    // A discovery feed reports the installed package's digest: a different one means tampered.
    const ci = winrar?.ci.id as number;
    const wrong = crypto.createHash('sha256').update('something else').digest('hex');
    const patched = await t.request({
      method: 'PATCH',
      url: `/api/v1/cis/${ci}`,
      body: { attributes: { digest: wrong } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const tampered = find((await allFindings('&kind=tampered')).items, 'WinRAR', '6.02');
    expect(tampered?.kinds).toEqual(['tampered']);
    expect(tampered?.reasons[0]?.rule).toBe('library.integrity');

    const right = crypto.createHash('sha256').update(content).digest('hex');
    await t.request({ method: 'PATCH', url: `/api/v1/cis/${ci}`, body: { attributes: { digest: right } } });
    expect(find((await allFindings()).items, 'WinRAR', '6.02')).toBeUndefined();
  });
});
