import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slipway, startTestServer, type TestServer, tempDir } from '../test-support/cli-harness.js';

describe('slipway incident, kpi and assess against a real server', () => {
  let server: TestServer;
  let ciId: number;
  const dir = tempDir('slipway-assess-');

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const ci = await slipway(['ci', 'create', '--class', 'server', '--name', 'kpi-web', '--json'], {
      env: server.apiEnv,
    });
    expect(ci.code, ci.stderr).toBe(0);
    ciId = ci.json<{ ci: { id: number } }>().ci.id;
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records, lists and resolves an incident', async () => {
    const env = { env: server.apiEnv };
    const created = await slipway(
      [
        'incident',
        'create',
        '--title',
        'Web down',
        '--started',
        '2026-01-05T10:00:00Z',
        '--ci',
        String(ciId),
        '--json',
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const id = created.json<{ id: number; open: boolean }>().id;
    const list = await slipway(['incident', 'list', '--open'], env);
    expect(list.stdout).toContain('Web down');
    expect(list.stdout).toContain('server/kpi-web');
    expect(list.stdout).toContain('(not recorded)');
    const resolved = await slipway(['incident', 'resolve', String(id), '--at', '2026-01-05T10:45:00Z'], env);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain('after 45 minutes');
    const again = await slipway(['incident', 'resolve', String(id)], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already resolved');
    const bad = await slipway(['incident', 'create', '--title', 'x', '--caused-by-release', '999'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('no release 999');
  });

  it('prints KPIs with DORA bands, exports CSV, and runs, lists, compares and reports assessments', async () => {
    const env = { env: server.apiEnv };
    const kpi = await slipway(['kpi', '--from', '2026-01-01', '--to', '2026-02-01', '--bucket', 'week'], env);
    expect(kpi.code, kpi.stderr).toBe(0);
    expect(kpi.stdout).toContain('Rollouts on time             – (0 counted)');
    expect(kpi.stdout).toContain('Deployment frequency');
    expect(kpi.stdout).toContain('Trend by week');
    const csv = await slipway(
      ['kpi', '--from', '2026-01-01', '--to', '2026-02-01', '--bucket', 'week', '--csv', '-'],
      env,
    );
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^from,to,downtime_minutes/);
    expect((await slipway(['kpi', '--service', 'nope'], env)).code).not.toBe(0);

    const first = await slipway(['assess', '--title', 'First', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const second = await slipway(['assess', '--title', 'Second', '--answer', 'rel-2-owner=yes'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('release management: level');
    expect(second.stdout).toContain('To reach level');
    const list = await slipway(['assess', '--list'], env);
    expect(list.stdout).toContain('First');
    expect(list.stdout).toContain('Second');
    const firstId = first.json<{ id: number }>().id;
    const cmp = await slipway(['assess', '--compare', String(firstId), String(firstId + 1)], env);
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toContain('rel-2-owner: – → yes');
    const file = path.join(dir, 'report.html');
    const report = await slipway(
      ['assess', '--report', String(firstId + 1), '--with', String(firstId), '-o', file],
      env,
    );
    expect(report.code, report.stderr).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toContain('<svg');
    expect((await slipway(['assess', '--answer', 'rel-2-owner=maybe'], env)).code).not.toBe(0);
  });
});
