import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_POLICY_YAML } from '@slipway/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../platform/clock.js';
import { contentPath } from '../test-support/library-helpers.js';
import {
  errorOf,
  type Json,
  ReleaseClient,
  type ReleaseOrg,
  ruleIds,
  setupReleaseOrg,
  windowIn,
} from '../test-support/release-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { tempDir, testDatabaseKinds } from '../test-support/test-databases.js';

const NOW = '2026-10-01T08:00:00.000Z';

const junit = (failures: number) => `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="integration">
  <testsuite name="payments" tests="4" failures="${failures}" errors="0" skipped="1" time="3.25">
    <testcase classname="pay.Api" name="charges a card" time="1"/>
    <testcase classname="pay.Api" name="refunds" time="1">${failures > 0 ? '<failure message="expected 200, got 500">stack</failure>' : ''}</testcase>
    <testcase classname="pay.Api" name="lists payments" time="1.25"/>
    <testcase classname="pay.Api" name="exports"><skipped/></testcase>
  </testsuite>
</testsuites>`;

interface Contents {
  artifacts: { id: number; name: string }[];
  reservations: { id: number; lines: unknown[] }[];
  ciChanges: { id: number; attribute: string; current: unknown; value: unknown; ci: { name: string } }[];
}

interface TestView {
  id: number;
  environment: string;
  protocol: string;
  outcome: string;
  current: boolean;
  recordedBy: { name: string };
  evidence: {
    kind: string;
    file: { name: string; sha256: string; size: number; downloadUrl: string } | null;
    junit: {
      tests: number;
      passed: number;
      failed: number;
      skipped: number;
      failures: { name: string; message: string }[];
    } | null;
  };
}

describe.each(testDatabaseKinds())('release contents, tests, coexistence, impact, notes and evidence on %s', (kind) => {
  let t: TestApp;
  let org: ReleaseOrg;
  let api: ReleaseClient;
  const clock = new ManualClock(NOW);
  const as = (name: keyof ReleaseOrg['users']) => org.users[name].token;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    org = await setupReleaseOrg(t);
    api = new ReleaseClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('ships a template per release element; a user template fills the plan, the tests and the strategy of a release', async () => {
    const templates = await api.ok<{ items: { id: number; element: string; builtin: boolean }[] }>(
      as('audrey'),
      'GET',
      '/api/v1/release-templates?limit=100',
    );
    expect(
      templates.items
        .filter((x) => x.builtin)
        .map((x) => x.element)
        .sort(),
    ).toEqual(['database', 'desktop', 'messaging', 'network', 'server', 'technology_refresh']);
    errorOf(
      await api.call(as('ivan'), 'POST', '/api/v1/release-templates', {
        name: 'x',
        element: 'network',
        rolloutStrategy: 'canary',
      }),
      403,
      'FORBIDDEN',
    );
    const created = await api.ok<{ id: number; version: number }>(as('rita'), 'POST', '/api/v1/release-templates', {
      name: 'Core switch firmware',
      element: 'network',
      planSections: { scope: 'The core switches of one site per night.' },
      requiredTests: { test: ['security'] },
      backoutProcedure: 'Boot the previous firmware image from the backup slot.',
      rolloutStrategy: 'phased',
    });
    const edited = await api.ok<{ rolloutStrategy: string; version: number }>(
      as('rita'),
      'PATCH',
      `/api/v1/release-templates/${created.id}`,
      {
        rolloutStrategy: 'canary',
      },
    );
    expect(edited).toMatchObject({ rolloutStrategy: 'canary', version: created.version + 1 });
    const release = await api.create(as('rita'), {
      type: 'minor',
      templateId: created.id,
      unit: 'core-switch-fw',
      releaseVersion: '9.3.12',
      title: 'Firmware 9.3.12',
    });
    expect(release).toMatchObject({ element: 'network', rolloutStrategy: 'canary', templateId: created.id });
    expect((release.requiredTests as Record<string, string[]>).test).toEqual([
      'functionality',
      'integration',
      'security',
    ]);
    const plan = await api.ok<{ sections: { key: string; content: string }[] }>(
      as('rita'),
      'GET',
      `/api/v1/releases/${release.id}/plan`,
    );
    expect(plan.sections.find((s) => s.key === 'scope')?.content).toBe('The core switches of one site per night.');
    expect(plan.sections.find((s) => s.key === 'backout_plan')?.content).toContain('backup slot');
  });

  it('takes only approved, intact artifacts; reserves hardware, plans CI changes and selects targets by saved query', async () => {
    const rita = as('rita');
    const release = await api.create(rita, {
      type: 'minor',
      element: 'database',
      unit: 'db-tools',
      releaseVersion: '1.0.0',
      title: 'DB tools',
    });
    const add = (artifactId: number) =>
      api.call(rita, 'POST', `/api/v1/releases/${release.id}/artifacts`, { artifactId });

    const retired = await api.artifact(as('maria'), { name: 'pgtool', artifactVersion: '1.0.0' });
    await api.ok(as('maria'), 'POST', `/api/v1/artifacts/${retired}/retire`, { reason: 'superseded' });
    expect(errorOf(await add(retired), 422, 'POLICY_VIOLATION').message).toMatch(/pgtool 1\.0\.0.*retired/);
    const tampered = await api.artifact(as('maria'), { name: 'pgtool', artifactVersion: '1.1.0' });
    const tamperedSha = (await api.ok<{ sha256: string }>(rita, 'GET', `/api/v1/artifacts/${tampered}`)).sha256;
    fs.writeFileSync(contentPath(t.dataDir, tamperedSha), 'evil bytes');
    await api.ok(as('ivan'), 'POST', `/api/v1/artifacts/${tampered}/verify`, {});
    expect(ruleIds(await add(tampered))).toEqual(['library.integrity']);
    expect(errorOf(await add(999_999), 400, 'INVALID_INPUT').details.field).toBe('artifactId');
    const good = await api.artifact(as('maria'), { name: 'pgtool', artifactVersion: '1.2.0' });
    expect((await add(good)).statusCode).toBe(200);

    // Hardware from the store, and a planned change to a CI attribute.
    const site = await api.ok<{ id: number }>(t.adminToken, 'POST', '/api/v1/hardware/sites', {
      code: 'AMS',
      name: 'Amsterdam',
    });
    const model = await api.ok<{ id: number }>(t.adminToken, 'POST', '/api/v1/hardware/models', {
      name: 'R750',
      ciClass: 'server',
    });
    for (const serial of ['SN-1', 'SN-2']) {
      await api.ok(t.adminToken, 'POST', '/api/v1/hardware/items', { modelId: model.id, siteId: site.id, serial });
    }
    const reserved = await api.ok<Contents>(rita, 'POST', `/api/v1/releases/${release.id}/reservations`, {
      lines: [{ modelId: model.id, siteId: site.id, quantity: 1 }],
    });
    expect(reserved.reservations).toHaveLength(1);
    const short = await api.call(rita, 'POST', `/api/v1/releases/${release.id}/reservations`, {
      lines: [{ modelId: model.id, siteId: site.id, quantity: 5 }],
    });
    // The store's own answer: not enough stock is a conflict with what is on the shelf.
    expect(errorOf(short, 409, 'CONFLICT').message).toMatch(/stock|available/i);
    expect((await api.ok<Contents>(rita, 'GET', `/api/v1/releases/${release.id}/contents`)).reservations).toHaveLength(
      1,
    );
    const planned = await api.ok<Contents>(rita, 'POST', `/api/v1/releases/${release.id}/ci-changes`, {
      ciId: org.cis.db01,
      attribute: 'engine_version',
      value: '16.2',
      note: 'after the upgrade',
    });
    expect(planned.ciChanges).toEqual([
      expect.objectContaining({
        attribute: 'engine_version',
        current: '15.6',
        value: '16.2',
        ci: expect.objectContaining({ name: 'db-01' }),
      }),
    ]);

    // Targets: explicit, and "all desktops at site RTM with Zoom below 6.0".
    const query = { class: 'desktop', attributes: { site: 'RTM' }, installed: [{ product: 'Zoom', version: '<6.0' }] };
    const preview = await api.ok<{ count: number; items: { name: string }[] }>(
      rita,
      'POST',
      '/api/v1/releases/target-preview',
      { query },
    );
    expect(preview.items.map((c) => c.name).sort()).toEqual(['RTM-DT0001', 'RTM-DT0002']);
    const byRelationship = await api.ok<{ items: { name: string }[] }>(
      rita,
      'POST',
      '/api/v1/releases/target-preview',
      {
        query: { related: [{ type: 'runs_on', direction: 'in', ci: 'application/banking-app' }] },
      },
    );
    expect(byRelationship.items.map((c) => c.name)).toEqual(['web-01']);
    const older = await api.ok<{ items: { name: string }[] }>(rita, 'POST', '/api/v1/releases/target-preview', {
      query: { class: 'desktop', attributes: { os_version: { version: '<10' } } },
    });
    expect(older.items.map((c) => c.name)).toEqual(['HAM-DT0003']);
    errorOf(
      await api.call(rita, 'POST', '/api/v1/releases/target-preview', {
        query: { installed: [{ product: 'Zoom', version: 'not a range' }] },
      }),
      400,
      'INVALID_INPUT',
    );
    await api.ok(rita, 'POST', `/api/v1/releases/${release.id}/target-queries`, {
      environment: 'production',
      name: 'RTM desktops',
      query,
    });
    const summary = await api.ok<{
      environments: { environment: string; count: number; explicit: number; queries: { count: number }[] }[];
    }>(rita, 'POST', `/api/v1/releases/${release.id}/targets`, {
      environment: 'production',
      cis: [org.cis.dt1, 'server/web-01'],
    });
    expect(summary.environments.find((e) => e.environment === 'production')).toMatchObject({
      count: 3,
      explicit: 2,
      queries: [{ count: 2 }],
    });
    const page = await api.ok<{ items: { name: string; sources: string[] }[] }>(
      rita,
      'GET',
      `/api/v1/releases/${release.id}/targets/production`,
    );
    expect(page.items.find((c) => c.name === 'RTM-DT0001')?.sources).toEqual(
      expect.arrayContaining(['explicit', expect.stringMatching(/^query:\d+$/)]),
    );
    errorOf(
      await api.call(rita, 'POST', `/api/v1/releases/${release.id}/targets`, {
        environment: 'moon',
        cis: [org.cis.dt1],
      }),
      400,
      'INVALID_INPUT',
    );
    errorOf(
      await api.call(rita, 'POST', `/api/v1/releases/${release.id}/targets`, {
        environment: 'production',
        cis: ['desktop/nope'],
      }),
      400,
      'INVALID_INPUT',
    );

    const audit = await api.ok<{ items: { action: string }[] }>(
      t.adminToken,
      'GET',
      `/api/v1/audit?objectType=release&objectId=${release.id}&limit=100`,
    );
    for (const action of [
      'release.artifact.add',
      'release.reservation.add',
      'release.ci_change.add',
      'release.target_query.add',
      'release.targets.add',
    ]) {
      expect(
        audit.items.map((e) => e.action),
        action,
      ).toContain(action);
    }
  });

  it('records tests with JUnit, file and link evidence per environment, keeps history and refuses what is not JUnit', async () => {
    const rita = as('rita');
    const release = await api.create(rita, {
      type: 'emergency',
      element: 'database',
      unit: 'pay-db',
      releaseVersion: '3.0.0',
      title: 'Hotfix',
      ...windowIn(NOW, 2),
    });
    await api.fillPlan(rita, release.id, ['scope', 'backout_plan']);
    await api.ok(rita, 'POST', `/api/v1/releases/${release.id}/artifacts`, {
      artifactId: await api.artifact(as('maria'), { name: 'pay-db', artifactVersion: '3.0.0' }),
    });
    expect((await api.move(rita, release.id, 'built')).statusCode).toBe(200);
    for (const env of ['development', 'test']) await api.promote(rita, release.id, env);
    const postJunit = (xml: string, token = as('ted'), contentType = 'application/xml') =>
      t.slipway.app.inject({
        method: 'POST',
        url: `/api/v1/releases/${release.id}/tests/junit?environment=test&protocol=integration`,
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        payload: xml,
      });

    const red = await postJunit(junit(1));
    expect(red.statusCode, red.body).toBe(201);
    expect((red.json() as TestView).outcome).toBe('failed');
    expect((red.json() as TestView).evidence.junit).toMatchObject({
      tests: 4,
      passed: 2,
      failed: 1,
      skipped: 1,
      failures: [{ name: 'refunds', message: 'expected 200, got 500' }],
    });
    // As curl posts it without a Content-Type of its own: still read as the report it is.
    const green = (await postJunit(junit(0), as('ted'), 'application/x-www-form-urlencoded')).json() as TestView;
    expect(green).toMatchObject({
      outcome: 'passed',
      recordedBy: { name: 'ted' },
      evidence: { kind: 'junit', junit: { passed: 3, failed: 0, skipped: 1 } },
    });
    errorOf(await postJunit('<html><body>not a report</body></html>'), 400, 'INVALID_INPUT');
    errorOf(await postJunit('<testsuite><testcase'), 400, 'INVALID_INPUT');
    errorOf(await postJunit('<!DOCTYPE x [<!ENTITY a "b">]><testsuite name="x"/>'), 400, 'INVALID_INPUT');
    errorOf(await postJunit(junit(0), as('audrey')), 403, 'FORBIDDEN');

    const bytes = Buffer.from('%PDF-1.4 signed UAT form\n');
    const upload = await t.slipway.app.inject({
      method: 'POST',
      url: `/api/v1/releases/${release.id}/tests/upload?environment=test&protocol=functionality&outcome=passed&fileName=uat-form.pdf`,
      headers: { authorization: `Bearer ${as('ivan')}`, 'content-type': 'application/pdf' },
      payload: bytes,
    });
    expect(upload.statusCode, upload.body).toBe(201);
    const file = (upload.json() as TestView).evidence.file;
    expect(file).toMatchObject({ name: 'uat-form.pdf', size: bytes.length });
    const download = await t.slipway.app.inject({
      method: 'GET',
      url: file?.downloadUrl ?? '',
      headers: { authorization: `Bearer ${as('audrey')}` },
    });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(bytes)).toBe(true);
    expect(download.headers['slipway-sha256']).toBe(file?.sha256);
    const link = await api.call(as('ivan'), 'POST', `/api/v1/releases/${release.id}/tests`, {
      environment: 'test',
      protocol: 'security',
      outcome: 'blocked',
      evidence: { url: 'javascript:alert(1)' },
    });
    errorOf(link, 400, 'INVALID_INPUT');

    const tests = (await api.ok<{ items: TestView[] }>(rita, 'GET', `/api/v1/releases/${release.id}/tests`)).items;
    const integration = tests.filter((x) => x.protocol === 'integration');
    expect(integration.map((x) => [x.outcome, x.current])).toEqual(
      expect.arrayContaining([
        ['failed', false],
        ['passed', true],
      ]),
    );
    expect(integration).toHaveLength(2);
    const audit = await api.ok<{ items: { action: string; actor: { name: string } }[] }>(
      t.adminToken,
      'GET',
      `/api/v1/audit?objectType=release&objectId=${release.id}&limit=100`,
    );
    expect(
      audit.items
        .filter((e) => e.action === 'release.test.record')
        .map((e) => e.actor.name)
        .sort(),
    ).toEqual(['ivan', 'ted', 'ted']);
  });

  it('reports coexistence per target (installed, host, own artifacts, concurrent releases) and the union impact, services first', async () => {
    const rita = as('rita');
    // Another release already accepted for web-01 in an overlapping window, installing openssl 3.3.0.
    const other = await api.create(rita, {
      type: 'minor',
      element: 'database',
      unit: 'openssl-pkg',
      releaseVersion: '3.3.0',
      title: 'openssl 3.3',
      implementerId: org.users.ivan.id,
      ...windowIn(NOW, 6),
    });
    await api.fillPlan(rita, other.id, ['scope', 'schedule', 'test_plan', 'backout_plan']);
    await api.move(rita, other.id, 'planned');
    await api.ok(rita, 'POST', `/api/v1/releases/${other.id}/artifacts`, {
      artifactId: await api.artifact(as('maria'), { name: 'openssl', artifactVersion: '3.3.0' }),
    });
    await api.ok(rita, 'POST', `/api/v1/releases/${other.id}/targets`, {
      environment: 'production',
      cis: [org.cis.web01],
    });
    await api.move(rita, other.id, 'built');
    await api.move(rita, other.id, 'in_test');
    for (const env of ['development', 'test']) await api.promote(rita, other.id, env);
    await api.passTests(as('ivan'), other.id, 'test');
    await api.promote(rita, other.id, 'staging');
    await api.passTests(as('ivan'), other.id, 'staging');
    const accepted = await api.move(rita, other.id, 'accepted');
    expect(accepted.statusCode, accepted.body).toBe(200);

    const release = await api.create(rita, {
      type: 'minor',
      element: 'database',
      unit: 'ssl-tools',
      releaseVersion: '1.0.0',
      title: 'SSL tools',
      ...windowIn(NOW, 6, 2),
    });
    const tool = await api.artifact(as('maria'), {
      name: 'ssl-tool',
      artifactVersion: '1.0.0',
      conflicts: [{ name: 'openssl', range: '<3.4' }],
    });
    const plugin = await api.artifact(as('maria'), {
      name: 'ssl-tool-plugin',
      artifactVersion: '1.0.0',
      requires: [{ name: 'ssl-tool', range: '>=2' }],
    });
    for (const artifactId of [tool, plugin])
      await api.ok(rita, 'POST', `/api/v1/releases/${release.id}/artifacts`, { artifactId });
    await api.ok(rita, 'POST', `/api/v1/releases/${release.id}/targets`, {
      environment: 'production',
      cis: [org.cis.web01, org.cis.bankingApp, org.cis.dt1],
    });

    const report = await api.ok<{
      ok: boolean;
      releaseClashes: { rule: string; message: string }[];
      summary: { targets: number; clean: number; clashing: number };
      concurrentReleases: { id: number }[];
      targets: {
        ci: { name: string };
        ok: boolean;
        clashes: { rule: string; installedVersion: string | null; via: string | null; message: string }[];
      }[];
    }>(as('audrey'), 'GET', `/api/v1/releases/${release.id}/coexistence?environment=production`);
    expect(report.ok).toBe(false);
    expect(report.releaseClashes.map((c) => c.rule)).toEqual(['coexistence.release_artifacts']);
    expect(report.releaseClashes[0]?.message).toMatch(/ssl-tool-plugin 1\.0\.0 requires ssl-tool >=2/);
    expect(report.summary).toMatchObject({ targets: 3, clean: 1, clashing: 2 });
    expect(report.concurrentReleases.map((r) => r.id)).toEqual([other.id]);
    const byName = new Map(report.targets.map((x) => [x.ci.name, x]));
    expect(byName.get('RTM-DT0001')).toMatchObject({ ok: true, clashes: [] });
    expect(byName.get('web-01')?.clashes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'coexistence.conflicts', installedVersion: '3.0.13', via: 'installed' }),
        expect.objectContaining({ rule: 'coexistence.concurrent_release' }),
      ]),
    );
    expect(byName.get('web-01')?.clashes.find((c) => c.rule === 'coexistence.conflicts')?.message).toBe(
      'ssl-tool 1.0.0 conflicts with openssl <3.4, and server/web-01 has installed software/openssl 3.0.13',
    );
    expect(byName.get('banking-app')?.clashes).toEqual([
      expect.objectContaining({ rule: 'coexistence.conflicts', via: 'host_installed' }),
    ]);

    errorOf(
      await api.call(as('audrey'), 'GET', `/api/v1/releases/${release.id}/coexistence?environment=moon`),
      400,
      'INVALID_INPUT',
    );
    errorOf(
      await api.call(as('audrey'), 'GET', `/api/v1/releases/${release.id}/impact?environment=moon`),
      400,
      'INVALID_INPUT',
    );
    const impact = await api.ok<{
      roots: { count: number };
      count: number;
      services: { name: string }[];
      items: { class: string; name: string }[];
    }>(as('audrey'), 'GET', `/api/v1/releases/${release.id}/impact`);
    expect(impact.roots.count).toBe(3);
    expect(impact.services.map((s) => s.name)).toEqual(['online-banking']);
    expect(impact.items[0]).toMatchObject({ class: 'service', name: 'online-banking' });
  });

  it('writes release notes and an evidence pack with approvals, tests, digests and a verified audit excerpt, also as one archive', async () => {
    const rita = as('rita');
    const release = await api.create(rita, {
      type: 'emergency',
      element: 'messaging',
      unit: 'mq-fix',
      releaseVersion: '1.0.1',
      title: 'MQ fix',
      knownIssues: 'Restart drops idle consumers',
      ...windowIn(NOW, 1),
    });
    await api.fillPlan(rita, release.id, ['scope', 'backout_plan']);
    const artifact = await api.artifact(as('maria'), {
      name: 'mq-fix',
      artifactVersion: '1.0.1',
      license: 'Apache-2.0',
    });
    await api.ok(rita, 'POST', `/api/v1/releases/${release.id}/artifacts`, { artifactId: artifact });
    await api.ok(rita, 'POST', `/api/v1/releases/${release.id}/targets`, {
      environment: 'production',
      cis: [org.cis.web01],
    });
    await api.move(rita, release.id, 'built');
    await api.move(rita, release.id, 'in_test');
    for (const env of ['development', 'test']) await api.promote(rita, release.id, env);
    await api.passTests(as('ted'), release.id, 'test');
    const { change } = (await api.ok(rita, 'POST', `/api/v1/releases/${release.id}/change`, { submit: true })) as {
      change: { id: number };
    };
    await api.ok(as('carl'), 'POST', `/api/v1/changes/${change.id}/approve`, {});
    const approved = await api.ok<{ state: string }>(as('cora'), 'POST', `/api/v1/releases/${release.id}/approve`, {
      comment: 'go',
    });
    expect(approved.state).toBe('approved');

    const notes = await t.slipway.app.inject({
      method: 'GET',
      url: `/api/v1/releases/${release.id}/notes`,
      headers: { authorization: `Bearer ${as('audrey')}` },
    });
    expect(notes.statusCode).toBe(200);
    expect(notes.headers['content-type']).toMatch(/^text\/markdown/);
    expect(notes.body).toMatch(/^# mq-fix 1\.0\.1/);
    expect(notes.body).toContain('Restart drops idle consumers');
    expect(notes.body).toContain('mq-fix 1.0.1');
    expect(notes.body).toMatch(new RegExp(`#${change.id}`));

    const pack = await api.ok<{
      release: { id: number; state: string };
      approvals: { approverName: string; at: string; roles: string[] }[];
      contents: { artifacts: { sha256: string; signature: unknown }[] };
      tests: unknown[];
      changes: { change: { id: number }; approvals: { approverName: string }[] }[];
      policy: { judgedBy: number[] };
      audit: { entries: unknown[]; verification: { ok: boolean; entries: number } };
    }>(as('audrey'), 'GET', `/api/v1/releases/${release.id}/evidence`);
    expect(pack.release).toMatchObject({ id: release.id, state: 'approved' });
    expect(pack.approvals).toEqual([expect.objectContaining({ approverName: 'cora', at: NOW, roles: ['cab_member'] })]);
    expect(pack.contents.artifacts[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pack.tests.length).toBeGreaterThan(0);
    expect(pack.changes).toEqual([
      expect.objectContaining({
        change: expect.objectContaining({ id: change.id }),
        approvals: [expect.objectContaining({ approverName: 'carl' })],
      }),
    ]);
    expect(pack.policy.judgedBy).toEqual([1]);
    expect(pack.audit.verification.ok).toBe(true);
    expect(pack.audit.entries.length).toBeGreaterThan(5);

    const archive = await t.slipway.app.inject({
      method: 'GET',
      url: `/api/v1/releases/${release.id}/evidence/archive`,
      headers: { authorization: `Bearer ${as('audrey')}` },
    });
    expect(archive.statusCode).toBe(200);
    expect(archive.headers['content-type']).toBe('application/gzip');
    const dir = tempDir('slipway-evidence-');
    try {
      const file = path.join(dir, 'pack.tar.gz');
      fs.writeFileSync(file, archive.rawPayload);
      execFileSync('tar', ['-xzf', file, '-C', dir]);
      const root = fs.readdirSync(dir).find((n) => n !== 'pack.tar.gz') as string;
      const files = fs.readdirSync(path.join(dir, root), { recursive: true }) as string[];
      expect(files).toEqual(expect.arrayContaining(['evidence.json', 'release-notes.md', 'SHA256SUMS']));
      const sums = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, root), encoding: 'utf8' });
      expect(sums).toMatch(/evidence\.json: OK/);
      const json = JSON.parse(fs.readFileSync(path.join(dir, root, 'evidence.json'), 'utf8')) as Json;
      expect((json.release as Json).id).toBe(release.id);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('promotes through the environments the policy configures, in its order', async () => {
    const put = (yaml: string) =>
      t.slipway.app.inject({
        method: 'PUT',
        url: '/api/v1/policy',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/yaml' },
        payload: yaml,
      });
    const custom = DEFAULT_POLICY_YAML.replace(
      'environments: [development, test, staging, production]',
      'environments: [build, qa, live]',
    )
      .replace(/^( {6})test:/gm, '$1qa:')
      .replace(/^( {6})staging:/gm, '$1build:');
    const applied = await put(custom);
    expect(applied.statusCode, applied.body).toBe(200);
    try {
      const envs = await api.ok<{ items: { name: string; requiredTests: Record<string, string[]> }[] }>(
        as('audrey'),
        'GET',
        '/api/v1/environments',
      );
      expect(envs.items.map((e) => e.name)).toEqual(['build', 'qa', 'live']);
      expect(envs.items.find((e) => e.name === 'qa')?.requiredTests.emergency).toEqual(['functionality']);
      const rita = as('rita');
      const release = await api.create(rita, {
        type: 'emergency',
        element: 'messaging',
        unit: 'env-check',
        releaseVersion: '1.0.0',
        title: 'Custom path',
        ...windowIn(NOW, 1),
      });
      await api.fillPlan(rita, release.id, ['scope', 'backout_plan']);
      await api.ok(rita, 'POST', `/api/v1/releases/${release.id}/artifacts`, {
        artifactId: await api.artifact(as('maria'), { name: 'env-check', artifactVersion: '1.0.0' }),
      });
      await api.move(rita, release.id, 'built');
      await api.move(rita, release.id, 'in_test');
      expect(ruleIds(await api.promote(rita, release.id, 'qa'))).toEqual(['promotion.order']);
      errorOf(await api.promote(rita, release.id, 'staging'), 400, 'INVALID_INPUT');
      expect((await api.promote(rita, release.id, 'build')).statusCode).toBe(201);
      expect((await api.promote(rita, release.id, 'qa')).statusCode).toBe(201);
      const live = await api.promote(rita, release.id, 'live');
      expect(ruleIds(live)).toEqual(['promotion.authorised', 'promotion.tests']);
      expect(errorOf(live, 422, 'POLICY_VIOLATION').message).toMatch(/functionality in qa/);
    } finally {
      expect((await put(DEFAULT_POLICY_YAML)).statusCode).toBe(200);
    }
  });
});
