import { DEFAULT_POLICY_YAML } from '@slipway/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { parsePolicy } from './policy-document.js';

describe('policy documents', () => {
  it('accepts the shipped default', () => {
    const parsed = parsePolicy(DEFAULT_POLICY_YAML);
    expect(parsed.ok).toBe(true);
  });

  it('names the line and path of a typo, a bad value and a broken reference', () => {
    const yaml = DEFAULT_POLICY_YAML.replace('minNoticeDays: 10', 'minNoticeDay: 10')
      .replace('versioning: semver', 'versioning: roman')
      .replace('      staging: [acceptance]', '      prod: [acceptance]');
    const parsed = parsePolicy(yaml);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const lines = yaml.split('\n');
    const typo = parsed.problems.find((p) => p.path === '/releaseTypes/major/minNoticeDay');
    expect(typo?.message).toMatch(/not a known setting/);
    expect(lines[(typo?.line as number) - 1]).toContain('minNoticeDay: 10');
    const versioning = parsed.problems.find((p) => p.path === '/versioning');
    expect(versioning?.message).toMatch(/semver, calver, sequence/);
    expect(lines[(versioning?.line as number) - 1]).toContain('versioning: roman');
  });

  it('checks references between sections, licence ids and threshold order', () => {
    const broken = DEFAULT_POLICY_YAML.replace('      staging: [acceptance]', '      prod: [acceptance]')
      .replace('deny: [AGPL-3.0-only,', 'deny: [MIT, Not-A-Licence,')
      .replace(
        'thresholds: { moderate: 30, high: 55, very_high: 80 }',
        'thresholds: { moderate: 60, high: 55, very_high: 80 }',
      );
    const parsed = parsePolicy(broken);
    if (parsed.ok) throw new Error('expected problems');
    const messages = parsed.problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/requiredTests\/prod: "prod" is not one of the environments/),
        expect.stringMatching(/licences\/deny\/1: "Not-A-Licence" is not an SPDX/),
        expect.stringMatching(/licences\/deny\/0: "MIT" is both allowed and denied/),
        expect.stringMatching(/thresholds must increase/),
      ]),
    );
  });

  it('reports YAML syntax errors with their line', () => {
    const parsed = parsePolicy('environments: [a, b\nversioning: semver\n');
    if (parsed.ok) throw new Error('expected a syntax error');
    expect(parsed.problems[0]?.message).toMatch(/^YAML:/);
    expect(parsed.problems[0]?.line).toBeGreaterThanOrEqual(1);
  });
});

describe.each(testDatabaseKinds())('policy API on %s', (kind) => {
  let t: TestApp;
  const put = (yaml: string, headers: Record<string, string> = {}, token = t.adminToken) =>
    t.slipway.app.inject({
      method: 'PUT',
      url: '/api/v1/policy?comment=tighter',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml', ...headers },
      payload: yaml,
    });
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('starts with the default as version 1 and applies new versions with history and audit', async () => {
    const current = await t.request({ method: 'GET', url: '/api/v1/policy' });
    expect(current.json()).toMatchObject({ version: 1, yaml: DEFAULT_POLICY_YAML });
    expect(current.headers.etag).toBe('"1"');
    const next = await put(DEFAULT_POLICY_YAML.replace('minNoticeDays: 10', 'minNoticeDays: 14'), {
      'if-match': '"1"',
    });
    expect(next.statusCode, next.body).toBe(200);
    expect(next.json()).toMatchObject({
      version: 2,
      comment: 'tighter',
      policy: { releaseTypes: { major: { minNoticeDays: 14 } } },
    });
    const stale = await put(DEFAULT_POLICY_YAML, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    const history = (await t.request({ method: 'GET', url: '/api/v1/policy/versions' })).json();
    expect(history.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await t.request({ method: 'GET', url: '/api/v1/policy/versions/1' })).json().version).toBe(1);
    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit?action=policy.apply' })).json();
    expect(audit.items[0].after.version).toBe(2);
  });

  it('refuses an invalid document with 400 naming the line, and changes nothing', async () => {
    const res = await put(DEFAULT_POLICY_YAML.replace('versioning: semver', 'versioning: roman'));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/line 3 \(\/versioning\)/);
    expect(res.json().error.details.problems[0]).toMatchObject({ path: '/versioning', line: 3 });
    const check = await t.slipway.app.inject({
      method: 'POST',
      url: '/api/v1/policy/check',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/yaml' },
      payload: 'environments: []\n',
    });
    expect(check.json().valid).toBe(false);
    expect((await t.request({ method: 'GET', url: '/api/v1/policy' })).json().version).toBe(2);
  });

  it('lets only admins apply, while everyone reads', async () => {
    const rm = await t.userWithRoles('rm1', ['release_manager']);
    expect((await put(DEFAULT_POLICY_YAML, {}, rm.token)).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/policy', token: rm.token })).statusCode).toBe(200);
  });
});
