import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type SlipwayApp } from '../app.js';
import { ManualClock } from '../platform/clock.js';
import { resolveConfig } from '../platform/config.js';
import { ChangeClient, type ChangeOrg, setupChangeOrg, windowAt } from '../test-support/change-kit.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../test-support/test-app.js';
import { createTestDatabase, type TestDatabase, tempDir, testDatabaseKinds } from '../test-support/test-databases.js';

const NOW = '2026-12-01T08:00:00.000Z'; // a Tuesday
type Conflict = {
  kind: string;
  severity: string;
  message: string;
  changes: { id: number }[];
  cis: { id: number; name: string }[];
  freeze: { name: string } | null;
  maintenanceWindows: { name: string }[];
  nextFit: { start: string } | null;
  implementer: { username: string } | null;
  sharedImpact: number | null;
};

describe.each(testDatabaseKinds())('change conflicts on %s', (kind) => {
  let t: TestApp;
  let org: ChangeOrg;
  let api: ChangeClient;
  const ids: Record<string, number> = {};

  async function submitted(name: string, body: Record<string, unknown>): Promise<number> {
    const created = await api.create(org.users.rita.token, {
      type: 'normal',
      title: name,
      backoutPlan: 'Roll back',
      implementerId: org.users.ivan.id,
      ...body,
    });
    const res = await api.act(org.users.rita.token, created.id, 'submit');
    expect(res.statusCode, res.body).toBe(200);
    ids[name] = created.id;
    return created.id;
  }

  const conflictsOf = async (id: number) =>
    (await api.ok<{ conflicts: Conflict[] }>(t.adminToken, 'GET', `/api/v1/changes/${id}/conflicts`)).conflicts;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: new ManualClock(NOW) });
    org = await setupChangeOrg(t);
    api = new ChangeClient(t);
    await api.ok(org.users.maria.token, 'POST', '/api/v1/maintenance-windows', {
      name: 'web-01 Saturday night',
      startsAt: '2026-12-05T22:00:00Z',
      endsAt: '2026-12-06T02:00:00Z',
      rrule: 'FREQ=WEEKLY;BYDAY=SA',
      ciIds: [org.cis.web01],
    });
    await api.ok(org.users.maria.token, 'POST', '/api/v1/freezes', {
      name: 'Database soft freeze',
      kind: 'soft',
      startsAt: '2026-12-03T00:00:00Z',
      endsAt: '2026-12-04T00:00:00Z',
      scope: { ciClasses: ['database'] },
    });
    await submitted('A', { ciIds: [org.cis.web01], ...windowAt(NOW, 48) });
    await submitted('B', { ciIds: [org.cis.web01], ...windowAt(NOW, 49), implementerId: org.users.cora.id });
    await submitted('C', { ciIds: [org.cis.db01], ...windowAt(NOW, 49), implementerId: org.users.ed.id });
    await submitted('D', { ciIds: [org.cis.app02], ...windowAt(NOW, 47) });
    await submitted('E', { ciIds: [org.cis.web01], ...windowAt(NOW, 60), implementerId: org.users.cora.id });
    await submitted('F', {
      ciIds: [org.cis.web01],
      plannedStart: '2026-12-05T23:00:00Z',
      plannedEnd: '2026-12-06T01:00:00Z',
      implementerId: org.users.ed.id,
    });
    // A draft occupies nobody's calendar.
    const draft = await api.create(org.users.rita.token, {
      type: 'normal',
      title: 'Draft',
      ciIds: [org.cis.web01],
      ...windowAt(NOW, 48),
    });
    ids.draft = draft.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds the same CI, overlapping impact, the implementer booked twice and a missed maintenance window for one change', async () => {
    const a = await conflictsOf(ids.A as number);
    const byKind = (k: string) => a.filter((c) => c.kind === k);
    expect(byKind('same_ci').map((c) => c.changes[1]?.id)).toEqual([ids.B]);
    expect(byKind('same_ci')[0]?.cis.map((c) => c.name)).toEqual(['web-01']);
    // C changes db-01; both reach banking-app and online-banking.
    const impact = byKind('impact_overlap');
    expect(impact.map((c) => c.changes[1]?.id)).toEqual([ids.C]);
    expect(impact[0]?.sharedImpact).toBe(2);
    expect(impact[0]?.message).toContain('online-banking');
    const implementer = byKind('implementer_double_booked');
    expect(implementer.map((c) => c.changes[1]?.id)).toEqual([ids.D]);
    expect(implementer[0]?.implementer?.username).toBe('ivan');
    const maintenance = byKind('outside_maintenance_window');
    expect(maintenance).toHaveLength(1);
    expect(maintenance[0]).toMatchObject({
      maintenanceWindows: [{ name: 'web-01 Saturday night' }],
      nextFit: { start: '2026-12-05T22:00:00.000Z' },
    });
    expect(byKind('freeze')).toEqual([]);
    // Nothing with E (later), F (Saturday night) or the draft.
    const others = a.flatMap((c) => c.changes.map((x) => x.id));
    for (const name of ['E', 'F', 'draft']) expect(others).not.toContain(ids[name]);
  });

  it('reports a freeze covering the CIs and a fitting maintenance window as no conflict', async () => {
    const c = await conflictsOf(ids.C as number);
    const freeze = c.filter((x) => x.kind === 'freeze');
    expect(freeze).toHaveLength(1);
    expect(freeze[0]).toMatchObject({ severity: 'warning', freeze: { name: 'Database soft freeze' } });
    expect(
      c
        .filter((x) => x.kind === 'impact_overlap')
        .map((x) => x.changes[1]?.id)
        .sort(),
    ).toEqual([ids.A, ids.B].sort());
    const f = await conflictsOf(ids.F as number);
    expect(f.filter((x) => x.kind === 'outside_maintenance_window')).toEqual([]);
  });

  it('keeps the index current on writes: a moved or cancelled change stops conflicting at once', async () => {
    const moved = await submitted('G', { ciIds: [org.cis.web01], ...windowAt(NOW, 48) });
    expect((await conflictsOf(ids.A as number)).some((c) => c.changes.some((x) => x.id === moved))).toBe(true);
    await api.ok(org.users.rita.token, 'PATCH', `/api/v1/changes/${moved}`, windowAt(NOW, 200));
    expect((await conflictsOf(ids.A as number)).some((c) => c.changes.some((x) => x.id === moved))).toBe(false);
    await api.ok(org.users.rita.token, 'PATCH', `/api/v1/changes/${moved}`, windowAt(NOW, 48));
    expect((await conflictsOf(ids.A as number)).some((c) => c.changes.some((x) => x.id === moved))).toBe(true);
    expect((await api.act(org.users.rita.token, moved, 'cancel')).statusCode).toBe(200);
    expect((await conflictsOf(ids.A as number)).some((c) => c.changes.some((x) => x.id === moved))).toBe(false);
  });

  it('lists every conflict of a calendar range with counts', async () => {
    const report = await api.ok<{
      changes: number;
      counts: Record<string, number>;
      items: Conflict[];
      truncated: boolean;
    }>(t.adminToken, 'GET', '/api/v1/changes/conflicts?from=2026-12-01T00:00:00Z&to=2026-12-08T00:00:00Z');
    expect(report.changes).toBe(6);
    // same CI: A–B (E is later, F on Saturday night); impact: A–C, B–C; freeze: C; maintenance:
    // A, B and E touch web-01 outside its Saturday window; implementer: ivan on A and D.
    expect(report.counts).toEqual({
      same_ci: 1,
      impact_overlap: 2,
      freeze: 1,
      outside_maintenance_window: 3,
      implementer_double_booked: 1,
    });
    expect(report.truncated).toBe(false);
    const pairs = (kind: string) =>
      report.items
        .filter((i) => i.kind === kind)
        .map((i) =>
          i.changes
            .map((c) => c.id)
            .sort((x, y) => x - y)
            .join('-'),
        )
        .sort();
    const pair = (a: string, b: string) => [ids[a] as number, ids[b] as number].sort((x, y) => x - y).join('-');
    expect(pairs('implementer_double_booked')).toEqual([pair('A', 'D')]);
    expect(pairs('same_ci')).toEqual([pair('A', 'B')]);
    expect(pairs('impact_overlap')).toEqual([pair('A', 'C'), pair('B', 'C')].sort());
    expect(report.items.filter((i) => i.kind === 'freeze').map((i) => i.changes[0]?.id)).toEqual([ids.C]);
    const noImpact = await api.ok<{ counts: Record<string, number> }>(
      t.adminToken,
      'GET',
      '/api/v1/changes/conflicts?from=2026-12-01T00:00:00Z&to=2026-12-08T00:00:00Z&impact=false',
    );
    expect(noImpact.counts.impact_overlap).toBe(0);
    const tooLong = await api.call(
      t.adminToken,
      'GET',
      '/api/v1/changes/conflicts?from=2026-01-01T00:00:00Z&to=2028-01-01T00:00:00Z',
    );
    expect(tooLong.statusCode).toBe(400);
  });
});

/** Two instances on one database: B's calendar index follows changes written on A. */
describe.each(testDatabaseKinds())('change calendar index across two instances on %s', (kind) => {
  let testDb: TestDatabase;
  const apps: SlipwayApp[] = [];
  const dirs: string[] = [];

  async function instance(): Promise<SlipwayApp> {
    const dataDir = tempDir();
    dirs.push(dataDir);
    if (dirs.length > 1) fs.copyFileSync(path.join(dirs[0] as string, 'audit.key'), path.join(dataDir, 'audit.key'));
    const config = resolveConfig({ db: testDb.url, dataDir, port: 0 }, { SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN });
    const app = await buildApp(config, { logger: false });
    apps.push(app);
    return app;
  }
  const call = async (app: SlipwayApp, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
    const res = await app.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
    return res.json();
  };

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await testDb.cleanup();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sees a conflict written on the other instance within a second, and its end', async () => {
    const a = await instance();
    const b = await instance();
    const ci = await call(a, 'POST', '/api/v1/cis', { class: 'server', name: 'shared-host' });
    const start = Date.now() + 10 * 86_400_000;
    const window = {
      plannedStart: new Date(start).toISOString(),
      plannedEnd: new Date(start + 7_200_000).toISOString(),
    };
    const first = await call(a, 'POST', '/api/v1/changes', {
      type: 'normal',
      title: 'On A',
      ciIds: [ci.id],
      ...window,
    });
    await call(a, 'POST', `/api/v1/changes/${first.id}/submit`, {});
    const second = await call(b, 'POST', '/api/v1/changes', {
      type: 'normal',
      title: 'On B',
      ciIds: [ci.id],
      ...window,
    });
    await call(b, 'POST', `/api/v1/changes/${second.id}/submit`, {});
    // A learns of B's change from the log (B wrote it); the check itself also syncs first.
    const seen = await call(a, 'GET', `/api/v1/changes/${first.id}/conflicts`);
    expect(seen.conflicts.map((c: { kind: string }) => c.kind)).toContain('same_ci');
    await call(b, 'POST', `/api/v1/changes/${second.id}/cancel`, {});
    const started = Date.now();
    let still = true;
    while (still && Date.now() - started < 1000) {
      // The poller alone (no write on A) must bring the cancellation over.
      still = a.ctx.changes.index.index.get(second.id) !== undefined;
      if (still) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(still).toBe(false);
  });
});
