import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReleaseOrg, setupReleaseOrg } from '../test-support/release-kit.js';
import { approvedRelease, desktops, inState, waitFor } from '../test-support/rollout-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

interface ProcedureJson {
  id: number;
  class: string;
  revision: number;
  current: boolean;
  title: string;
  steps: string;
  rehearsals: { outcome: string; environment: string | null; recordedBy: string }[];
  lastRehearsal: { outcome: string; at: string } | null;
}

/** The library of general back-out procedures per CI class, and a back-out that carries them. */
describe.each(testDatabaseKinds())('back-out procedures on %s', (kind) => {
  let t: TestApp;
  let org: ReleaseOrg;
  let journal: string;
  const rita = () => org.users.rita.token;

  beforeAll(async () => {
    // The simulated executor journals each call with the procedure sources it was handed.
    journal = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-backout-')), 'journal.ndjson');
    process.env.SLIPWAY_SIMULATED_JOURNAL = journal;
    try {
      t = await createTestApp(kind);
    } finally {
      delete process.env.SLIPWAY_SIMULATED_JOURNAL;
    }
    org = await setupReleaseOrg(t);
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(path.dirname(journal), { recursive: true, force: true });
  });

  const post = (url: string, body: unknown, token = rita()) => t.request({ method: 'POST', url, token, body });

  it('keeps revisions per class, records rehearsals, and refuses bad input', async () => {
    const first = await post('/api/v1/backout-procedures', {
      class: 'desktop',
      title: 'Reinstall the previous package',
      steps: '1. Uninstall the new version\n2. Install the previous one from the library',
    });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ class: 'desktop', revision: 1, current: true, lastRehearsal: null });
    const second = await post('/api/v1/backout-procedures', {
      class: 'desktop',
      title: 'Reimage from the golden image',
      steps: 'Reimage the desktop from the golden image of the previous quarter',
    });
    expect(second.json()).toMatchObject({ revision: 2, current: true });

    const rehearsed = await post(`/api/v1/backout-procedures/${second.json().id}/rehearsals`, {
      outcome: 'passed',
      environment: 'staging',
      notes: 'Ten lab desktops, 14 minutes each',
    });
    expect(rehearsed.statusCode, rehearsed.body).toBe(201);
    expect(rehearsed.json().lastRehearsal).toMatchObject({ outcome: 'passed' });
    expect(rehearsed.json().rehearsals).toEqual([
      expect.objectContaining({ outcome: 'passed', environment: 'staging', recordedBy: 'rita' }),
    ]);

    const list = await t.request({ method: 'GET', url: '/api/v1/backout-procedures?class=desktop', token: rita() });
    const items = list.json().items as ProcedureJson[];
    expect(items.map((p) => [p.revision, p.current])).toEqual([
      [1, false],
      [2, true],
    ]);

    const audit = await t.request({ method: 'GET', url: '/api/v1/audit?objectType=backout_procedure' });
    expect(audit.statusCode, audit.body).toBe(200);
    expect((audit.json().items as { action: string }[]).map((e) => e.action).sort()).toEqual([
      'backout_procedure.create',
      'backout_procedure.create',
      'backout_procedure.rehearse',
    ]);

    const unknownClass = await post('/api/v1/backout-procedures', { class: 'spaceship', title: 'x', steps: 'y' });
    expect(unknownClass.statusCode).toBe(400);
    expect(unknownClass.json().error.details.field).toBe('class');
    const blank = await post('/api/v1/backout-procedures', { class: 'desktop', title: ' ', steps: 'y' });
    expect(blank.statusCode).toBe(400);
    const badOutcome = await post(`/api/v1/backout-procedures/${second.json().id}/rehearsals`, { outcome: 'maybe' });
    expect(badOutcome.statusCode).toBe(400);
    expect((await post('/api/v1/backout-procedures/999999/rehearsals', { outcome: 'passed' })).statusCode).toBe(404);
    const auditor = await post(
      '/api/v1/backout-procedures',
      { class: 'desktop', title: 'x', steps: 'y' },
      org.users.audrey.token,
    );
    expect(auditor.statusCode).toBe(403);
  });

  it("hands each backed-out target its class's current procedure next to the release's own", async () => {
    const fleet = await desktops(t, 'BO-DT', 3, ['AMS'], org.cis.zoomOld);
    const release = await approvedRelease(t, org, fleet, { product: 'Teams' });
    const started = await post(`/api/v1/releases/${release.id}/rollouts`, {
      environment: 'production',
      strategy: { kind: 'canary', canary: { count: 2 } },
      executor: { kind: 'simulated', latencyMs: 2, failCis: [fleet[1] as number] },
    });
    expect(started.statusCode, started.body).toBe(201);
    const done = await waitFor(t, started.json().id, inState('backed_out', 'failed'));
    expect(done.state).toBe('backed_out');
    const calls = fs
      .readFileSync(journal, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; ci: number; procedures: string[] })
      .filter((c) => fleet.includes(c.ci));
    const backouts = calls.filter((c) => c.action === 'backout');
    expect(backouts.length).toBe(2);
    for (const call of backouts) expect(call.procedures).toContain('class:desktop');
    // Deploy steps carry no back-out procedure.
    expect(calls.filter((c) => c.action === 'deploy').every((c) => c.procedures.length === 0)).toBe(true);
  });
});
