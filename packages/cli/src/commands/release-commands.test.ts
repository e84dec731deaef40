import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_POLICY_YAML, type Role } from '@slipway/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, slipway, startTestServer, type TestServer, tempDir } from '../test-support/cli-harness.js';

const system = {
  userId: null,
  username: 'cli-test',
  roles: ['admin'] as Role[],
  requestId: null,
  via: 'system' as const,
};

const JUNIT_GREEN = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="zoom-smoke" tests="3" failures="0" errors="0" skipped="1" time="1.5">
    <testcase classname="zoom.Login" name="signs in" time="0.5"/>
    <testcase classname="zoom.Call" name="starts a call" time="1.0"/>
    <testcase classname="zoom.Share" name="shares the screen"><skipped/></testcase>
  </testsuite>
</testsuites>`;

describe('slipway release … and policy … against a real server', () => {
  let server: TestServer;
  let dir: string;
  const users: Record<string, { id: number; env: Record<string, string> }> = {};
  const start = new Date(Date.now() + 7 * 86_400_000);
  start.setUTCMinutes(0, 0, 0);
  const end = new Date(start.getTime() + 4 * 3_600_000);

  async function api(
    method: string,
    url: string,
    body?: unknown,
    token = ADMIN_TOKEN,
  ): Promise<Record<string, unknown>> {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    expect(res.status, `${method} ${url} → ${text}`).toBeLessThan(300);
    return JSON.parse(text) as Record<string, unknown>;
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    dir = tempDir('slipway-cli-release-');
    const { users: userService, tokens } = server.slipway.ctx;
    for (const [name, roles] of [
      ['rita', ['release_manager']],
      ['ivan', ['engineer']],
      ['carl', ['cab_member']],
      ['maria', ['change_manager']],
    ] as const) {
      const { user } = await userService.create(system, { username: name, roles: [...roles], password: null });
      const { secret } = await tokens.create(system, { name: 'cli', userId: user.id }, true);
      users[name] = { id: user.id, env: { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: secret } };
    }
    const desktop = await api('POST', '/api/v1/cis', {
      class: 'desktop',
      name: 'RTM-DT0001',
      environment: 'production',
      attributes: { os: 'Windows', os_version: '10.0.19045', site: 'RTM' },
    });
    const zoomOld = await api('POST', '/api/v1/cis', {
      class: 'software',
      name: 'Zoom 5.12.9',
      attributes: { product: 'Zoom', version: '5.12.9' },
    });
    await api('POST', '/api/v1/relationships', { sourceId: zoomOld.id, type: 'installed_on', targetId: desktop.id });
    const pushed = await api('POST', '/api/v1/artifacts', {
      name: 'Zoom',
      artifactVersion: '5.17.5',
      license: 'MIT',
      content: Buffer.from('zoom 5.17.5 installer').toString('base64'),
    });
    await api('POST', `/api/v1/artifacts/${pushed.id}/approve`, {}, users.maria?.env.SLIPWAY_TOKEN);
  });
  afterAll(async () => {
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const as = (name: string) => ({ env: users[name]?.env ?? {} });

  it('takes a minor release from draft to approved, printing each blocked gate, then notes and the evidence pack', async () => {
    const created = await slipway(
      [
        'release',
        'create',
        '--type',
        'minor',
        '--element',
        'desktop',
        '--unit',
        'Zoom',
        '--version',
        '5.17.5',
        '--title',
        'Zoom 5.17.5 on every desktop',
        '--start',
        start.toISOString(),
        '--end',
        end.toISOString(),
        '--implementer',
        String(users.ivan?.id),
        '--json',
      ],
      as('rita'),
    );
    expect(created.code, created.stderr).toBe(0);
    const id = created.json<{ release: { id: number; state: string } }>().release.id;
    const rel = String(id);

    const lower = await slipway(
      [
        'release',
        'create',
        '--type',
        'minor',
        '--element',
        'desktop',
        '--unit',
        'Zoom',
        '--version',
        '5.17.4',
        '--title',
        'older',
      ],
      as('rita'),
    );
    expect(lower.code).not.toBe(0);
    expect(lower.stderr).toContain('✗ versioning.increase');
    expect(lower.stderr).toContain('POLICY_VIOLATION');

    const skipping = await slipway(['release', 'transition', rel, 'approved'], as('rita'));
    expect(skipping.code).not.toBe(0);
    expect(skipping.stderr).toMatch(/ILLEGAL_TRANSITION/);
    expect(skipping.stderr).toMatch(/allowed from draft: planned, cancelled/);

    const unplanned = await slipway(['release', 'transition', rel, 'planned'], as('rita'));
    expect(unplanned.code).not.toBe(0);
    expect(unplanned.stderr).toMatch(/✗ plan\.required_sections: .*\(test_plan\)/);
    expect(unplanned.stderr).toMatch(
      /\nslipway: Release \d+ cannot go from draft to planned: 4 rules unmet \(HTTP 422 POLICY_VIOLATION\)\n$/,
    );

    for (const section of ['scope', 'schedule', 'test_plan', 'backout_plan']) {
      const written = await slipway(
        [
          'release',
          'plan',
          rel,
          '--section',
          section,
          '--owner',
          'rita',
          '--status',
          'done',
          '--content',
          `The ${section}.`,
        ],
        as('rita'),
      );
      expect(written.code, written.stderr).toBe(0);
    }
    const plan = await slipway(['release', 'plan', rel], as('rita'));
    expect(plan.stdout).toMatch(/backout_plan\s+yes\s+rita\s+done/);
    expect((await slipway(['release', 'transition', rel, 'planned'], as('rita'))).code).toBe(0);

    const added = await slipway(['release', 'add-artifact', rel, 'Zoom@5.17.5'], as('rita'));
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Zoom 5.17.5');
    expect((await slipway(['release', 'add-artifact', rel, 'Zoom@9.9.9'], as('rita'))).stderr).toContain(
      'No artifact Zoom 9.9.9',
    );
    for (const to of ['built', 'in_test']) {
      const moved = await slipway(['release', 'transition', rel, to], as('rita'));
      expect(moved.code, moved.stderr).toBe(0);
    }

    const preview = await slipway(
      [
        'release',
        'target',
        rel,
        '--env',
        'production',
        '--preview',
        '--query',
        '{"class":"desktop","installed":[{"product":"Zoom","version":"<5.17"}]}',
      ],
      as('rita'),
    );
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain('selects 1 CIs');
    const targeted = await slipway(
      [
        'release',
        'target',
        rel,
        '--env',
        'production',
        '--query',
        '{"class":"desktop","installed":[{"product":"Zoom","version":"<5.17"}]}',
        '--name',
        'Old Zoom',
      ],
      as('rita'),
    );
    expect(targeted.code, targeted.stderr).toBe(0);
    expect(targeted.stdout).toMatch(/query #\d+ "Old Zoom": 1 CIs/);
    expect(targeted.stdout).toMatch(/desktop\/RTM-DT0001\s+query:\d+/);

    for (const env of ['development', 'test']) {
      const promoted = await slipway(['release', 'promote', rel, env], as('rita'));
      expect(promoted.code, promoted.stderr).toBe(0);
    }
    const early = await slipway(['release', 'promote', rel, 'staging'], as('rita'));
    expect(early.code).not.toBe(0);
    expect(early.stderr).toMatch(/✗ promotion\.tests: functionality in test/);

    // Evidence three ways: a JUnit report from the pipeline, an uploaded file, plain text.
    const junitFile = path.join(dir, 'junit.xml');
    fs.writeFileSync(junitFile, JUNIT_GREEN);
    const junit = await slipway(
      ['release', 'test', rel, '--env', 'test', '--protocol', 'functionality', '--junit', junitFile],
      as('ivan'),
    );
    expect(junit.code, junit.stderr).toBe(0);
    expect(junit.stdout).toMatch(/functionality in test: passed \(2 passed, 0 failed, 1 skipped\)/);
    const notJunit = path.join(dir, 'not-junit.xml');
    fs.writeFileSync(notJunit, '<html><body>hello</body></html>');
    const refused = await slipway(
      ['release', 'test', rel, '--env', 'test', '--protocol', 'integration', '--junit', notJunit],
      as('ivan'),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('HTTP 400');
    const report = path.join(dir, 'integration-report.txt');
    fs.writeFileSync(report, 'Integration suite: 42 checks, all green\n');
    const uploaded = await slipway(
      [
        'release',
        'test',
        rel,
        '--env',
        'test',
        '--protocol',
        'integration',
        '--outcome',
        'passed',
        '--file',
        report,
        '--json',
      ],
      as('ivan'),
    );
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(
      uploaded.json<{ test: { evidence: { kind: string; file: { name: string; size: number } } } }>().test.evidence,
    ).toMatchObject({
      kind: 'file',
      file: { name: 'integration-report.txt', size: fs.statSync(report).size },
    });
    const text = await slipway(
      [
        'release',
        'test',
        rel,
        '--env',
        'test',
        '--protocol',
        'supportability',
        '--outcome',
        'passed',
        '--text',
        'Service desk briefed',
      ],
      as('ivan'),
    );
    expect(text.code, text.stderr).toBe(0);
    const tests = await slipway(['release', 'tests', rel], as('rita'));
    expect(tests.stdout).toMatch(/\*\s+\d+\s+test\s+functionality\s+passed\s+junit\s+ivan/);

    expect((await slipway(['release', 'promote', rel, 'staging'], as('rita'))).code).toBe(0);
    await slipway(
      [
        'release',
        'test',
        rel,
        '--env',
        'staging',
        '--protocol',
        'acceptance',
        '--outcome',
        'passed',
        '--link',
        'https://uat.example/run/7',
      ],
      as('ivan'),
    );
    const accepted = await slipway(['release', 'transition', rel, 'accepted'], as('rita'));
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain('in_test → accepted');

    const readiness = await slipway(['release', 'readiness', rel], as('rita'));
    expect(readiness.code, readiness.stderr).toBe(0);
    expect(readiness.stdout).toMatch(/✗ approve → approved/);
    expect(readiness.stdout).toMatch(/✗ change_approved: .*\n\s+change\.linked: /);

    const raised = await slipway(['release', 'change', rel, '--json'], as('rita'));
    expect(raised.code, raised.stderr).toBe(0);
    const changeId = String(raised.json<{ change: { id: number; state: string } }>().change.id);
    expect((await slipway(['change', 'transition', changeId, 'authorize'], as('maria'))).code).toBe(0);
    expect((await slipway(['change', 'approve', changeId], as('carl'))).code).toBe(0);

    const byManager = await slipway(['release', 'approve', rel], as('rita'));
    expect(byManager.stderr).toContain('403 FORBIDDEN');
    const approved = await slipway(['release', 'approve', rel, '--comment', 'Tested well'], as('carl'));
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('quorum met, now approved');
    const listed = await slipway(['release', 'list', '--state', 'approved'], as('rita'));
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+minor\\s+approved\\s+Zoom\\s+5\\.17\\.5`));
    const shown = await slipway(['release', 'show', rel], as('rita'));
    expect(shown.stdout).toContain('minor desktop release, approved');
    expect(shown.stdout).toContain('✓ carl');
    expect(shown.stdout).toMatch(/query #\d+ "Old Zoom": 1 CIs/);

    const notes = await slipway(['release', 'notes', rel], as('rita'));
    expect(notes.code, notes.stderr).toBe(0);
    expect(notes.stdout).toMatch(/^# /);
    expect(notes.stdout).toContain('Zoom 5.17.5');
    const notesJson = await slipway(['release', 'notes', rel, '--json'], as('rita'));
    expect(notesJson.code, notesJson.stderr).toBe(0);
    const notesAnswer = notesJson.json<{ releaseId: number; format: string; text: string }>();
    expect(notesAnswer).toMatchObject({ releaseId: id, format: 'markdown' });
    expect(notesAnswer.text.trimEnd()).toBe(notes.stdout.trimEnd());

    const archive = path.join(dir, 'evidence.tar.gz');
    const evidence = await slipway(['release', 'evidence', rel, '-o', archive], as('rita'));
    expect(evidence.code, evidence.stderr).toBe(0);
    const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' });
    expect(listing).toContain('evidence.json');
    expect(listing).toContain('SHA256SUMS');
    expect(listing).toContain('integration-report.txt');
    const pack = await slipway(['release', 'evidence', rel, '--json'], as('rita'));
    expect(
      pack.json<{ audit: { verification: { ok: boolean } }; approvals: { approverName: string }[] }>(),
    ).toMatchObject({
      audit: { verification: { ok: true } },
      approvals: [expect.objectContaining({ approverName: 'carl' })],
    });
  });

  it('checks and applies the release policy from a file, naming the line of a mistake', async () => {
    const bad = path.join(dir, 'bad-policy.yaml');
    fs.writeFileSync(bad, DEFAULT_POLICY_YAML.replace('minNoticeDays: 10', 'minNoticeDays: ten'));
    const line = DEFAULT_POLICY_YAML.split('\n').findIndex((l) => l.includes('minNoticeDays: 10')) + 1;
    const checked = await slipway(['policy', 'check', bad], as('rita'));
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain(`${bad}:${line}`);
    expect(checked.stdout).toContain('/releaseTypes/major/minNoticeDays');

    const good = path.join(dir, 'policy.yaml');
    fs.writeFileSync(good, DEFAULT_POLICY_YAML.replace('minNoticeDays: 10', 'minNoticeDays: 14'));
    expect((await slipway(['policy', 'check', good], as('rita'))).stdout).toContain('valid');
    const notAdmin = await slipway(['policy', 'apply', good], as('rita'));
    expect(notAdmin.stderr).toContain('403');
    const refused = await slipway(['policy', 'apply', bad], { env: server.apiEnv });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`${bad}:${line}`);
    const applied = await slipway(['policy', 'apply', good, '--comment', 'Two weeks of notice'], {
      env: server.apiEnv,
    });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/as policy version 2 \(was 1\)/);
    const history = await slipway(['policy', 'history'], as('rita'));
    expect(history.stdout).toContain('Two weeks of notice');
    expect((await slipway(['policy', 'show'], as('rita'))).stdout).toContain('minNoticeDays: 14');
    expect((await slipway(['policy', 'show', '--version', '1'], as('rita'))).stdout).toContain('minNoticeDays: 10');
  });
});
