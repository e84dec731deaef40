import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_POLICY_YAML } from '@slipway/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../platform/actor.js';
import { contentPath, fixture, pushStreamed } from '../test-support/library-helpers.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { LibraryScheduler } from './library-scheduler.js';

function minisignAvailable(): boolean {
  try {
    execFileSync('minisign', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HAVE_MINISIGN = minisignAvailable();
if (!HAVE_MINISIGN) {
  if (process.env.SLIPWAY_REQUIRE_MINISIGN === '1') {
    throw new Error(
      'minisign is required (SLIPWAY_REQUIRE_MINISIGN=1) but is not installed: apt-get install -y minisign',
    );
  }
  process.stderr.write(
    '\n*** WARNING: the minisign tool is not installed: signatures made by a live minisign run are NOT tested here\n' +
      '*** (the committed fixture signatures still are). Install it with: apt-get install -y minisign\n\n',
  );
}

describe.each(testDatabaseKinds())('artifact lifecycle, signatures, SBOMs and integrity on %s', (kind) => {
  let t: TestApp;
  let engineer: { id: number; token: string };
  let approver: { id: number; token: string };
  let manager: { id: number; token: string };
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${++n}`;

  beforeAll(async () => {
    t = await createTestApp(kind);
    engineer = await t.userWithRoles('eng', ['engineer']);
    approver = await t.userWithRoles('cm', ['change_manager']);
    manager = await t.userWithRoles('rm', ['release_manager']);
  });
  afterAll(async () => {
    await t?.close();
  });

  const push = async (
    content: Buffer | string,
    meta: Partial<Parameters<typeof pushStreamed>[3]> = {},
    token = engineer.token,
  ) => {
    const res = await pushStreamed(t, token, Buffer.from(content), {
      name: unique('app'),
      artifactVersion: '1.0.0',
      license: 'MIT',
      ...meta,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: number; sha256: string; version: number };
  };
  const post = (url: string, token: string, body?: unknown) =>
    t.request({ method: 'POST', url, token, ...(body !== undefined && { body }) });
  const audit = async (id: number) =>
    (
      (
        await t.request({ method: 'GET', url: `/api/v1/audit?objectType=artifact&objectId=${id}&limit=1000` })
      ).json() as {
        items: { action: string; after: Record<string, unknown> }[];
      }
    ).items;

  async function trustKey(pub: string, name = unique('key')) {
    const res = await post('/api/v1/library/keys', t.adminToken, { name, publicKey: pub });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: number; keyId: string };
  }

  it('approves only by someone other than the uploader (403 SOD_VIOLATION, audited)', async () => {
    const mine = await push('sod content', {}, manager.token);
    const own = await post(`/api/v1/artifacts/${mine.id}/approve`, manager.token);
    expect(own.statusCode).toBe(403);
    expect(own.json().error).toMatchObject({
      code: 'SOD_VIOLATION',
      details: { rule: 'library.segregation_of_duties' },
    });
    expect((await audit(mine.id)).map((e) => e.action)).toContain('artifact.approve.refused');

    const notAllowed = await post(`/api/v1/artifacts/${mine.id}/approve`, engineer.token);
    expect(notAllowed.statusCode).toBe(403);
    expect(notAllowed.json().error.code).toBe('FORBIDDEN');

    const ok = await post(`/api/v1/artifacts/${mine.id}/approve`, approver.token);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ state: 'approved', approvedBy: 'cm' });
    const again = await post(`/api/v1/artifacts/${mine.id}/approve`, approver.token);
    expect(again.statusCode).toBe(422);
    expect(again.json().error.code).toBe('ILLEGAL_TRANSITION');
  });

  it('keeps approved content and its gated metadata immutable', async () => {
    const a = await push('immutable');
    expect((await post(`/api/v1/artifacts/${a.id}/approve`, approver.token)).statusCode).toBe(200);
    const patch = await t.request({
      method: 'PATCH',
      url: `/api/v1/artifacts/${a.id}`,
      token: engineer.token,
      body: { license: 'Apache-2.0' },
    });
    expect(patch.statusCode).toBe(422);
    expect(patch.json().error.details.rule).toBe('library.approved');
    const description = await t.request({
      method: 'PATCH',
      url: `/api/v1/artifacts/${a.id}`,
      token: engineer.token,
      body: { description: 'still describable' },
    });
    expect(description.statusCode).toBe(200);
    const other = await pushStreamed(t, engineer.token, Buffer.from('changed!'), {
      name: (await t.request({ method: 'GET', url: `/api/v1/artifacts/${a.id}` })).json().name,
      artifactVersion: '1.0.0',
      license: 'MIT',
    });
    expect(other.statusCode).toBe(409);
  });

  it('refuses approval of a denied licence naming licences.deny, and of an unknown one naming licences.unknown', async () => {
    const denied = await push('gpl3', { license: 'GPL-3.0-or-later' });
    const res = await post(`/api/v1/artifacts/${denied.id}/approve`, approver.token);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.rule).toBe('licences.deny');
    expect(res.json().error.message).toMatch(/licences\.deny/);
    const refusal = (await audit(denied.id)).find((e) => e.action === 'artifact.approve.refused');
    expect(refusal?.after).toMatchObject({ code: 'DOMAIN_RULE', details: { rule: 'licences.deny' } });

    const unknown = await push('custom', { license: 'LicenseRef-Acme-EULA' });
    const res2 = await post(`/api/v1/artifacts/${unknown.id}/approve`, approver.token);
    expect(res2.statusCode).toBe(422);
    expect(res2.json().error.details.rule).toBe('licences.unknown');

    const either = await push('dual', { license: 'GPL-3.0-only OR MIT' });
    expect((await post(`/api/v1/artifacts/${either.id}/approve`, approver.token)).statusCode).toBe(200);
  });

  it('verifies the committed minisign fixtures: prehashed, legacy, unknown key, tampered file', async () => {
    const key = await trustKey(fixture('trusted.pub'));
    expect(key.keyId).toMatch(/^[0-9A-F]{16}$/);
    const content = fixture('artifact.txt');

    const prehashed = await push(content);
    const good = await t.request({
      method: 'PUT',
      url: `/api/v1/artifacts/${prehashed.id}/signature`,
      token: engineer.token,
      body: { minisig: fixture('artifact.txt.minisig') },
    });
    expect(good.statusCode, good.body).toBe(200);
    expect(good.json().signature).toMatchObject({
      keyId: key.keyId,
      status: 'verified',
      trustedComment: 'fixture prehashed',
    });

    const legacy = await push(content, { name: unique('legacy') });
    const legacyRes = await t.request({
      method: 'PUT',
      url: `/api/v1/artifacts/${legacy.id}/signature`,
      token: engineer.token,
      body: { minisig: fixture('artifact.txt.legacy.minisig') },
    });
    expect(legacyRes.statusCode, legacyRes.body).toBe(200);
    expect(legacyRes.json().signature.status).toBe('verified');

    const unknownKey = await t.request({
      method: 'PUT',
      url: `/api/v1/artifacts/${prehashed.id}/signature`,
      token: engineer.token,
      body: { minisig: fixture('artifact.txt.other-key.minisig') },
    });
    expect(unknownKey.statusCode).toBe(422);
    expect(unknownKey.json().error.details.reason).toBe('unknown_key');
    expect(unknownKey.json().error.message).toMatch(/not a trusted key/);

    const tampered = await push(`${content}tampered`, { name: unique('tampered') });
    const bad = await t.request({
      method: 'PUT',
      url: `/api/v1/artifacts/${tampered.id}/signature`,
      token: engineer.token,
      body: { minisig: fixture('artifact.txt.minisig') },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.reason).toBe('bad_signature');
    expect(bad.json().error.message).toMatch(/changed after it was signed/);

    const altered = fixture('artifact.txt.minisig').replace('fixture prehashed', 'fixture prehashed v2');
    const comment = await t.request({
      method: 'PUT',
      url: `/api/v1/artifacts/${prehashed.id}/signature`,
      token: engineer.token,
      body: { minisig: altered },
    });
    expect(comment.json().error.details.reason).toBe('bad_trusted_comment');

    const garbage = await t.request({
      method: 'PUT',
      url: `/api/v1/artifacts/${prehashed.id}/signature`,
      token: engineer.token,
      body: { minisig: 'not a signature' },
    });
    expect(garbage.statusCode).toBe(400);

    // Revoking the key: a re-verification records the signature as failed.
    expect((await t.request({ method: 'DELETE', url: `/api/v1/library/keys/${key.id}` })).statusCode).toBe(200);
    const verify = await post(`/api/v1/artifacts/${prehashed.id}/verify`, engineer.token);
    expect(verify.json()).toMatchObject({ ok: false, content: 'ok', signature: { status: 'failed' } });
  });

  it.skipIf(!HAVE_MINISIGN)('verifies signatures made now by the minisign tool (prehashed and legacy)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-minisign-'));
    try {
      execFileSync('minisign', ['-G', '-W', '-p', path.join(dir, 'k.pub'), '-s', path.join(dir, 'k.key')], {
        stdio: 'ignore',
      });
      const file = path.join(dir, 'payload.bin');
      fs.writeFileSync(file, crypto.randomBytes(70_000));
      execFileSync('minisign', ['-S', '-s', path.join(dir, 'k.key'), '-m', file, '-t', 'release 7.1'], {
        stdio: 'ignore',
      });
      execFileSync('minisign', ['-S', '-l', '-s', path.join(dir, 'k.key'), '-m', file, '-x', `${file}.legacy`], {
        stdio: 'ignore',
      });
      await trustKey(fs.readFileSync(path.join(dir, 'k.pub'), 'utf8'));
      for (const sig of [`${file}.minisig`, `${file}.legacy`]) {
        const a = await push(fs.readFileSync(file), { name: unique('live') });
        const res = await t.request({
          method: 'PUT',
          url: `/api/v1/artifacts/${a.id}/signature`,
          token: engineer.token,
          body: { minisig: fs.readFileSync(sig, 'utf8') },
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().signature.status).toBe('verified');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('requires a verified signature for elements the policy names (signatures.requiredFor) at approval and in gates', async () => {
    const unsigned = await push('server software', { element: 'server' });
    const res = await post(`/api/v1/artifacts/${unsigned.id}/approve`, approver.token);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.rule).toBe('signatures.requiredFor');

    const desktop = await push('desktop software', { element: 'desktop' });
    expect((await post(`/api/v1/artifacts/${desktop.id}/approve`, approver.token)).statusCode).toBe(200);
    const gate = await t.request({
      method: 'GET',
      url: `/api/v1/library/gate?ids=${desktop.id},${unsigned.id}&element=network`,
    });
    const body = gate.json() as { releasable: boolean; problems: { artifactId: number; rule: string }[] };
    expect(body.releasable).toBe(false);
    expect(body.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ artifactId: desktop.id, rule: 'signatures.requiredFor' }),
        expect.objectContaining({ artifactId: unsigned.id, rule: 'library.approved' }),
      ]),
    );
    expect(await t.slipway.ctx.library.artifacts.isReleasable(desktop.id, 'desktop')).toBe(true);
    expect(await t.slipway.ctx.library.artifacts.isReleasable(desktop.id, 'server')).toBe(false);
  });

  it('marks changed or missing content compromised on verify, audits it, and blocks download and release', async () => {
    const changed = await push('original bytes');
    expect((await post(`/api/v1/artifacts/${changed.id}/approve`, approver.token)).statusCode).toBe(200);
    const ok = await post(`/api/v1/artifacts/${changed.id}/verify`, engineer.token);
    expect(ok.json()).toMatchObject({ ok: true, content: 'ok' });

    fs.writeFileSync(contentPath(t.dataDir, changed.sha256), 'evil bytes');
    const res = await post(`/api/v1/artifacts/${changed.id}/verify`, engineer.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, content: 'changed', artifact: { state: 'compromised' } });
    const entry = (await audit(changed.id)).find((e) => e.action === 'artifact.compromised');
    expect(entry?.after.reason).toMatch(/no longer matches/);
    const download = await t.request({
      method: 'GET',
      url: `/api/v1/artifacts/${changed.id}/content`,
      token: engineer.token,
    });
    expect(download.statusCode).toBe(422);
    expect(download.json().error.details.rule).toBe('library.integrity');
    const problems = await t.slipway.ctx.library.artifacts.gateProblems([changed.id], 'desktop');
    expect(problems).toEqual([expect.objectContaining({ rule: 'library.integrity' })]);
    const retire = await post(`/api/v1/artifacts/${changed.id}/retire`, approver.token);
    expect(retire.statusCode, retire.body).toBe(422);

    const missing = await push('bytes that will vanish');
    fs.rmSync(contentPath(t.dataDir, missing.sha256));
    const gone = await post(`/api/v1/artifacts/${missing.id}/verify`, engineer.token);
    expect(gone.json()).toMatchObject({ ok: false, content: 'missing', artifact: { state: 'compromised' } });
  });

  it('cuts off a download whose bytes no longer match and marks the artifact compromised', async () => {
    const a = await push(crypto.randomBytes(50_000));
    const file = contentPath(t.dataDir, a.sha256);
    const bytes = fs.readFileSync(file);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    fs.writeFileSync(file, bytes);
    const res = await t
      .request({ method: 'GET', url: `/api/v1/artifacts/${a.id}/content`, token: engineer.token })
      .catch((e: unknown) => e);
    if (!(res instanceof Error)) expect(res.rawPayload.length).toBeLessThanOrEqual(50_000);
    for (let i = 0; i < 50; i++) {
      const state = (await t.request({ method: 'GET', url: `/api/v1/artifacts/${a.id}` })).json().state;
      if (state === 'compromised') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await t.request({ method: 'GET', url: `/api/v1/artifacts/${a.id}` })).json().state).toBe('compromised');
  });

  it('runs the scheduled full verification on exactly one instance at a time (lease row)', async () => {
    const victim = await push('scheduled check victim');
    fs.writeFileSync(contentPath(t.dataDir, victim.sha256), 'tampered while nobody looked');
    const { db } = t.slipway.ctx.database;
    const { clock } = t.slipway.ctx;
    const a = new LibraryScheduler(db, clock, t.slipway.ctx.library.artifacts, 1);
    const b = new LibraryScheduler(db, clock, t.slipway.ctx.library.artifacts, 1);
    // Make the task due now.
    await a.runIfDue();
    await db.updateTable('library_tasks').set({ next_run_at: '2000-01-01T00:00:00.000Z' }).execute();
    const [ra, rb] = await Promise.all([a.runIfDue(), b.runIfDue()]);
    const ran = [ra, rb].filter((r) => r !== undefined);
    expect(ran).toHaveLength(1);
    expect(ran[0]?.compromised).toContain(victim.id);
    // Not due again until the interval has passed.
    expect(await a.runIfDue()).toBeUndefined();
    const status = await t.request({ method: 'GET', url: '/api/v1/library/verification' });
    expect(status.json().lastResult.compromised).toContain(victim.id);
    const now = await post('/api/v1/library/verify', engineer.token);
    expect(now.statusCode, now.body).toBe(200);
    expect(now.json().checked).toBeGreaterThan(0);
    const entry = (await audit(victim.id)).find((e) => e.action === 'artifact.compromised');
    expect(entry).toBeDefined();
  });

  describe('SBOMs', () => {
    const bom = (components: unknown[], extra: Record<string, unknown> = {}) => ({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      serialNumber: `urn:uuid:${crypto.randomUUID()}`,
      version: 1,
      components,
      ...extra,
    });
    const lib = (name: string, version: string, licenses: unknown[] = [{ license: { id: 'MIT' } }]) => ({
      type: 'library',
      name,
      version,
      purl: `pkg:npm/${name}@${version}`,
      licenses,
    });

    it('refuses a corrupt SBOM with 400 and the JSON path of the problem', async () => {
      const a = await push('sbom holder');
      const res = await post(
        `/api/v1/artifacts/${a.id}/sbom`,
        engineer.token,
        bom([lib('ok', '1.0.0'), { type: 'library', version: '2' }]),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.path).toBe('/components/1');
      expect(res.json().error.message).toMatch(/\/components\/1.*name is required/);
      const version = await post(`/api/v1/artifacts/${a.id}/sbom`, engineer.token, {
        bomFormat: 'CycloneDX',
        specVersion: '1.2',
      });
      expect(version.json().error.details.path).toBe('/specVersion');
      const licence = await post(
        `/api/v1/artifacts/${a.id}/sbom`,
        engineer.token,
        bom([lib('x', '1', [{ license: {} }])]),
      );
      expect(licence.json().error.details.path).toBe('/components/0/licenses/0/license');
      const broken = await t.slipway.app.inject({
        method: 'POST',
        url: `/api/v1/artifacts/${a.id}/sbom`,
        headers: { authorization: `Bearer ${engineer.token}`, 'content-type': 'application/vnd.cyclonedx+json' },
        payload: '{"bomFormat": "CycloneDX", ',
      });
      expect(broken.statusCode).toBe(400);
      expect(broken.json().error.code).toBe('INVALID_JSON');
    });

    it('lists components with licences and verdicts, refuses approval on a denied one, clears a reviewed unknown one', async () => {
      const a = await push('app with deps', {}, manager.token);
      expect(a.sbom).toBeNull();
      const doc = bom([
        lib('left-pad', '1.3.0'),
        lib('copyleft', '2.0.0', [{ license: { id: 'AGPL-3.0-only' } }]),
        lib('mystery', '0.1.0', [{ license: { name: 'Some EULA' } }]),
        lib('dual', '3.1.0', [{ expression: 'GPL-3.0-only OR Apache-2.0' }]),
        { ...lib('parent', '1.0.0'), components: [lib('nested', '0.0.1', [])] },
      ]);
      const attached = await t.slipway.app.inject({
        method: 'POST',
        url: `/api/v1/artifacts/${a.id}/sbom`,
        headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/vnd.cyclonedx+json' },
        payload: JSON.stringify(doc),
      });
      expect(attached.statusCode, attached.body).toBe(201);
      expect(attached.json()).toMatchObject({
        specVersion: '1.6',
        componentCount: 6,
        licences: { allowed: 3, denied: 1, needsReview: 2 },
      });
      // The artifact says it has an SBOM, in its own view and in the list, so clients need not probe.
      const withSbom = (await t.request({ method: 'GET', url: `/api/v1/artifacts/${a.id}` })).json();
      expect(withSbom.sbom).toEqual({ id: expect.any(Number), specVersion: '1.6', components: 6 });
      const listed = (await t.request({ method: 'GET', url: '/api/v1/artifacts?limit=200' })).json().items as {
        id: number;
        sbom: unknown;
      }[];
      expect(listed.find((item) => item.id === a.id)?.sbom).toEqual(withSbom.sbom);

      const list = (await t.request({ method: 'GET', url: `/api/v1/artifacts/${a.id}/sbom/components` })).json()
        .items as {
        id: number;
        name: string;
        licence: { verdict: string; rule: string };
        licenses: unknown[];
      }[];
      const byName = Object.fromEntries(list.map((c) => [c.name, c]));
      expect(byName.copyleft?.licence).toMatchObject({ verdict: 'denied', rule: 'licences.deny' });
      expect(byName.mystery?.licence).toMatchObject({ verdict: 'needs_review', rule: 'licences.unknown' });
      expect(byName.dual?.licence.verdict).toBe('allowed');
      expect(byName.nested?.licence.verdict).toBe('needs_review');
      expect(byName.mystery?.licenses).toEqual([{ name: 'Some EULA' }]);
      const deniedOnly = (
        await t.request({ method: 'GET', url: `/api/v1/artifacts/${a.id}/sbom/components?verdict=denied` })
      ).json().items;
      expect(deniedOnly.map((c: { name: string }) => c.name)).toEqual(['copyleft']);

      const refused = await post(`/api/v1/artifacts/${a.id}/approve`, approver.token);
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.details.rule).toBe('licences.deny');
      expect(refused.json().error.message).toMatch(/copyleft/);

      const reviewDenied = await post(
        `/api/v1/artifacts/${a.id}/sbom/components/${byName.copyleft?.id}/review`,
        approver.token,
        {},
      );
      expect(reviewDenied.statusCode).toBe(422);
      expect(reviewDenied.json().error.details.rule).toBe('licences.deny');
      const ownReview = await post(
        `/api/v1/artifacts/${a.id}/sbom/components/${byName.mystery?.id}/review`,
        manager.token,
        {},
      );
      expect(ownReview.statusCode).toBe(403);
      expect(ownReview.json().error.code).toBe('SOD_VIOLATION');
      const reviewed = await post(
        `/api/v1/artifacts/${a.id}/sbom/components/${byName.mystery?.id}/review`,
        approver.token,
        { note: 'legal OK' },
      );
      expect(reviewed.statusCode, reviewed.body).toBe(200);
      expect(reviewed.json().review).toMatchObject({ by: 'cm', note: 'legal OK' });

      // Replace the SBOM without the copyleft component: the nested one still needs review.
      const cleaner = bom([lib('left-pad', '1.3.0'), lib('nested', '0.0.1', [])]);
      expect((await post(`/api/v1/artifacts/${a.id}/sbom`, manager.token, cleaner)).statusCode).toBe(201);
      const stillRefused = await post(`/api/v1/artifacts/${a.id}/approve`, approver.token);
      expect(stillRefused.json().error.details.rule).toBe('licences.unknown');
      const nested = (
        await t.request({ method: 'GET', url: `/api/v1/artifacts/${a.id}/sbom/components?verdict=needs_review` })
      ).json().items[0];
      expect(
        (await post(`/api/v1/artifacts/${a.id}/sbom/components/${nested.id}/review`, approver.token, {})).statusCode,
      ).toBe(200);
      expect((await post(`/api/v1/artifacts/${a.id}/approve`, approver.token)).statusCode).toBe(200);
      const frozen = await post(`/api/v1/artifacts/${a.id}/sbom`, manager.token, cleaner);
      expect(frozen.statusCode).toBe(422);
    });

    it("refuses an SBOM that states another SHA-256 for the artifact's own bytes", async () => {
      const a = await push('claimed bytes');
      const res = await post(
        `/api/v1/artifacts/${a.id}/sbom`,
        engineer.token,
        bom([], {
          metadata: {
            component: { type: 'application', name: 'x', hashes: [{ alg: 'SHA-256', content: 'a'.repeat(64) }] },
          },
        }),
      );
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details.rule).toBe('library.integrity');
    });

    it('diffs the SBOMs of two versions: added, removed, upgraded', async () => {
      const v1 = await push('v1', { name: 'diffed', artifactVersion: `1.${++n}` });
      const v2 = await push('v2', { name: 'diffed', artifactVersion: `2.${++n}` });
      await post(
        `/api/v1/artifacts/${v1.id}/sbom`,
        engineer.token,
        bom([lib('a', '1.0.0'), lib('b', '1.9.0'), lib('gone', '1.0.0'), lib('c', '2.0.0')]),
      );
      await post(
        `/api/v1/artifacts/${v2.id}/sbom`,
        engineer.token,
        bom([lib('a', '1.0.0'), lib('b', '1.10.0'), lib('new', '0.1.0'), lib('c', '1.5.0')]),
      );
      const diff = (await t.request({ method: 'GET', url: `/api/v1/sboms/diff?from=${v1.id}&to=${v2.id}` })).json();
      expect(diff.added.map((c: { name: string }) => c.name)).toEqual(['new']);
      expect(diff.removed.map((c: { name: string }) => c.name)).toEqual(['gone']);
      expect(diff.upgraded).toEqual([expect.objectContaining({ name: 'b', from: '1.9.0', to: '1.10.0' })]);
      expect(diff.downgraded).toEqual([expect.objectContaining({ name: 'c', from: '2.0.0', to: '1.5.0' })]);
      expect(diff.unchanged).toBe(1);
      const none = await t.request({
        method: 'GET',
        url: `/api/v1/sboms/diff?from=${v1.id}&to=${(await push('no sbom')).id}`,
      });
      expect(none.statusCode).toBe(404);
    });
  });

  it('judges licences with the current policy: a policy change moves the verdict', async () => {
    const a = await push('policy-dependent', { license: 'GPL-2.0-only' });
    expect((await t.request({ method: 'GET', url: `/api/v1/artifacts/${a.id}` })).json().licence.verdict).toBe(
      'needs_review',
    );
    await t.slipway.ctx.policy.apply(
      systemActor('test'),
      DEFAULT_POLICY_YAML.replace('allow: [MIT,', 'allow: [GPL-2.0-only, MIT,'),
      'allow GPL-2.0-only',
    );
    expect((await t.request({ method: 'GET', url: `/api/v1/artifacts/${a.id}` })).json().licence.verdict).toBe(
      'allowed',
    );
    expect((await post(`/api/v1/artifacts/${a.id}/approve`, approver.token)).statusCode).toBe(200);
  });
});
