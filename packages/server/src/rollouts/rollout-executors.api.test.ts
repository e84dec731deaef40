import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../platform/webhooks/webhook-signature.js';
import { errorOf, type ReleaseOrg, setupReleaseOrg } from '../test-support/release-kit.js';
import { approvedRelease, desktops, inState, type RolloutJson, waitFor } from '../test-support/rollout-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { tempDir, testDatabaseKinds } from '../test-support/test-databases.js';

const SECRET = 'rollout-webhook-secret-0123456789';

interface StepJson {
  targetId: number;
  action: string;
  state: string;
  attempts: number;
  exitCode: number | null;
  output: string | null;
  error: string | null;
  idempotencyKey: string;
}

describe.each(testDatabaseKinds())('rollout executors and gates on %s', (kind) => {
  let t: TestApp;
  let org: ReleaseOrg;
  let fleet: number[];
  let dir: string;
  let server: http.Server;
  let base: string;
  let health = 200;
  const received: { key: string; signed: boolean; ci: string; attempt: number }[] = [];
  const failOnce = new Set<string>();
  const rita = () => org.users.rita.token;

  const start = async (releaseId: number, body: Record<string, unknown>) => {
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/releases/${releaseId}/rollouts`,
      token: rita(),
      body: { environment: 'production', ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as RolloutJson;
  };
  const steps = async (id: number): Promise<StepJson[]> =>
    (await t.request({ method: 'GET', url: `/api/v1/rollouts/${id}/steps?limit=1000` })).json().items;

  beforeAll(async () => {
    t = await createTestApp(kind);
    org = await setupReleaseOrg(t);
    fleet = await desktops(t, 'EX-DT', 4, ['AMS', 'HAM'], org.cis.zoomOld);
    dir = tempDir('slipway-rollout-exec-');
    // A receiver that checks Slipway's signature and answers like a deployment tool.
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        if (req.url === '/health') {
          res.writeHead(health).end('ok');
          return;
        }
        const parsed = JSON.parse(body) as {
          target: { name: string };
          release: { artifacts: { name: string; version: string }[] };
          attempt: number;
        };
        const key = String(req.headers['idempotency-key']);
        const signed = verifySignature(
          SECRET,
          body,
          req.headers['slipway-signature'] as string | undefined,
          Math.floor(Date.now() / 1000),
        );
        received.push({ key, signed, ci: parsed.target.name, attempt: parsed.attempt });
        if (failOnce.has(parsed.target.name)) {
          failOnce.delete(parsed.target.name);
          res.writeHead(503).end('busy');
          return;
        }
        const artifact = parsed.release.artifacts[0] as { name: string; version: string };
        // EX-DT-0003 reports an older version than the manifest: the verification must show drift.
        const version = parsed.target.name.endsWith('0003') ? '1.0.0' : artifact.version;
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            downtimeMs: 1500,
            facts: { installed: [{ product: artifact.name, version }] },
            output: `installed on ${parsed.target.name}`,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const allow = await t.request({
      method: 'POST',
      url: '/api/v1/webhooks/allow-list',
      body: { pattern: '127.0.0.1', allowPrivate: true, note: 'test receiver' },
    });
    expect(allow.statusCode, allow.body).toBe(201);
  });
  afterAll(async () => {
    server?.close();
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('command executor: argv from CI attributes without a shell, exit codes and capped output; threshold pauses, resume retries', async () => {
    const script = path.join(dir, 'deploy.sh');
    const log = path.join(dir, 'calls.log');
    fs.writeFileSync(
      script,
      `#!/bin/sh\nprintf '%s|%s|%s\\n' "$SLIPWAY_IDEMPOTENCY_KEY" "$1" "$2" >> '${log}'\nif [ "$2" = HAM ] && [ ! -f '${dir}/fixed' ]; then echo "disk full on $1"; exit 3; fi\nhead -c 100000 /dev/zero | tr '\\0' x\n`,
      { mode: 0o755 },
    );
    expect(
      (await t.request({ method: 'POST', url: '/api/v1/rollout-executables', token: rita(), body: { path: script } }))
        .statusCode,
    ).toBe(403);
    const added = await t.request({
      method: 'POST',
      url: '/api/v1/rollout-executables',
      body: { path: script, note: 'test deployer' },
    });
    expect(added.statusCode, added.body).toBe(201);
    errorOf(
      await t.request({ method: 'POST', url: '/api/v1/rollout-executables', body: { path: script } }),
      409,
      'CONFLICT',
    );
    errorOf(
      await t.request({ method: 'POST', url: '/api/v1/rollout-executables', body: { path: 'relative/x' } }),
      400,
      'INVALID_INPUT',
    );

    const release = await approvedRelease(t, org, fleet, { product: 'Notepad' });
    const created = await start(release.id, {
      strategy: { kind: 'big_bang' },
      executor: { kind: 'command', argv: [script, '{ci.name}', '{ci.site}'], timeoutMs: 10_000 },
      defaults: { failureThreshold: { percent: 25 }, onFailure: 'pause', concurrency: 1 },
    });
    let r = await waitFor(t, created.id, inState('paused'));
    expect(r.pauseReason).toBe('failure_threshold');
    let all = await steps(created.id);
    const failed = all.filter((s) => s.state === 'failed');
    expect(failed.length).toBe(2);
    expect(failed[0]).toMatchObject({ exitCode: 3, error: 'exit code 3' });
    expect(failed[0]?.output).toMatch(/^disk full on EX-DT-000[13]/);
    const ok = all.find((s) => s.state === 'succeeded') as StepJson;
    expect(ok.output?.length).toBe(64 * 1024);
    fs.writeFileSync(path.join(dir, 'fixed'), '');
    const resumed = await t.request({
      method: 'POST',
      url: `/api/v1/rollouts/${created.id}/resume`,
      token: rita(),
      body: {},
    });
    expect(resumed.statusCode, resumed.body).toBe(200);
    r = await waitFor(t, created.id, inState('completed'));
    expect(r.totals.deployed).toBe(4);
    all = await steps(created.id);
    expect(all.filter((s) => s.state === 'superseded')).toHaveLength(2);
    // Every call got its step's key; a retry after a failure is a new step with a new key.
    const calls = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('|'));
    expect(calls).toHaveLength(6);
    expect(new Set(calls.map((c) => c[0])).size).toBe(6);
    expect(new Set(calls.map((c) => c[0]))).toEqual(new Set(all.map((s) => s.idempotencyKey)));
    expect(calls.map((c) => c[2]).sort()).toEqual(['AMS', 'AMS', 'HAM', 'HAM', 'HAM', 'HAM']);
  });

  it('webhook executor: signed JSON with the idempotency key, retried after a 503; facts feed the verification, which shows drift', async () => {
    const release = await approvedRelease(t, org, fleet, { product: 'Editor' });
    failOnce.add('EX-DT-0000');
    received.length = 0;
    const created = await start(release.id, {
      strategy: { kind: 'big_bang' },
      executor: { kind: 'webhook', url: `${base}/deploy/{ci.site}`, secret: SECRET, retries: 2 },
    });
    expect(created.executor).not.toHaveProperty('secret');
    expect(JSON.stringify(created)).not.toContain(SECRET);
    const r = await waitFor(t, created.id, inState('completed'));
    expect(r.totals).toMatchObject({ deployed: 4, downtimeMs: 6000 });
    expect(received).toHaveLength(5);
    expect(received.every((x) => x.signed)).toBe(true);
    const retried = received.filter((x) => x.ci === 'EX-DT-0000');
    expect(retried).toHaveLength(2);
    expect(retried[0]?.key).toBe(retried[1]?.key);
    const verification = (
      await t.request({ method: 'GET', url: `/api/v1/rollouts/${created.id}/verification` })
    ).json();
    expect(verification).toMatchObject({ checked: 4, ok: 3 });
    expect(verification.drift).toEqual([
      {
        ci: expect.objectContaining({ name: 'EX-DT-0003' }),
        product: 'Editor',
        expected: release.version,
        inCmdb: [release.version],
        reported: '1.0.0',
      },
    ]);
  });

  it('http health gate: an unhealthy service pauses the rollout; resume re-checks and continues', async () => {
    const release = await approvedRelease(t, org, fleet, { product: 'Browser' });
    health = 500;
    const created = await start(release.id, {
      strategy: { kind: 'canary', canary: { count: 1 } },
      executor: { kind: 'simulated', latencyMs: 1 },
      defaults: { onFailure: 'pause' },
      waves: [{ gates: [{ kind: 'http', url: `${base}/health` }] }, null],
    });
    let r = await waitFor(t, created.id, inState('paused'));
    expect(r.pauseReason).toBe('gate_failed');
    expect(r.reason).toMatch(/health gate failed after wave 0 \(canary\).*HTTP 500/);
    expect(r.waves.map((w) => w.state)).toEqual(['failed', 'pending']);
    health = 200;
    await t.request({ method: 'POST', url: `/api/v1/rollouts/${created.id}/resume`, token: rita(), body: {} });
    r = await waitFor(t, created.id, inState('completed'));
    expect(r.totals.deployed).toBe(4);
  });

  it('a freeze that begins before the scheduled start pauses the rollout instead of starting it', async () => {
    const targets = fleet.slice(0, 2);
    const release = await approvedRelease(t, org, targets, { product: 'Planner' });
    const created = await start(release.id, {
      strategy: { kind: 'big_bang' },
      executor: { kind: 'simulated', latencyMs: 1 },
      scheduledAt: new Date(Date.now() + 1500).toISOString(),
    });
    const freeze = await t.request({
      method: 'POST',
      url: '/api/v1/freezes',
      token: org.users.maria.token,
      body: {
        name: 'Year-end close',
        kind: 'hard',
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        // Over the release's planned window (tomorrow): what the release's freeze gate judges.
        endsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
        scope: { ciIds: targets },
      },
    });
    expect(freeze.statusCode, freeze.body).toBe(201);
    const r = await waitFor(t, created.id, inState('paused'), 15_000);
    expect(r.pauseReason).toBe('gate_failed');
    expect(r.reason).toMatch(/may not start rolling out.*Year-end close/);
    expect(r.startedAt).toBeNull();
    expect(r.totals.deployed).toBe(0);
    const rel = await t.request({ method: 'GET', url: `/api/v1/releases/${release.id}`, token: rita() });
    expect(rel.json().state).toBe('scheduled');
    const resumed = await t.request({
      method: 'POST',
      url: `/api/v1/rollouts/${created.id}/resume`,
      token: rita(),
      body: {},
    });
    expect(resumed.json().state).toBe('scheduled');
    await waitFor(t, created.id, inState('paused'), 15_000);
    const aborted = await t.request({
      method: 'POST',
      url: `/api/v1/rollouts/${created.id}/abort`,
      token: rita(),
      body: { reason: 'frozen' },
    });
    expect(aborted.json().state).toBe('aborted');
    const lifted = await t.request({
      method: 'DELETE',
      url: `/api/v1/freezes/${freeze.json().id}`,
      token: org.users.maria.token,
    });
    expect(lifted.statusCode, lifted.body).toBeLessThan(300);
  });

  it('waits for its scheduled start, and a window that closes pauses it', async () => {
    const release = await approvedRelease(t, org, fleet, { product: 'Viewer' });
    const blocked = await t.request({
      method: 'POST',
      url: `/api/v1/releases/${release.id}/rollouts`,
      token: rita(),
      body: {
        environment: 'production',
        executor: { kind: 'simulated' },
        waves: [{ gates: [{ kind: 'http', url: 'http://169.254.169.254/latest' }] }],
      },
    });
    expect(errorOf(blocked, 400, 'INVALID_INPUT').details.rule).toBe('outbound_allow_list');
    const now = Date.now();
    const created = await start(release.id, {
      strategy: { kind: 'big_bang' },
      executor: { kind: 'simulated', latencyMs: 400 },
      defaults: { concurrency: 1 },
      scheduledAt: new Date(now + 1500).toISOString(),
      windows: [{ start: new Date(now - 60_000).toISOString(), end: new Date(now + 2600).toISOString() }],
    });
    expect(created.state).toBe('scheduled');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await t.request({ method: 'GET', url: `/api/v1/rollouts/${created.id}` })).json().state).toBe('scheduled');
    const r = await waitFor(t, created.id, inState('paused'), 15_000);
    expect(r.pauseReason).toBe('window_closed');
    expect(Date.parse(r.startedAt as string)).toBeGreaterThanOrEqual(now + 1500);
    expect(r.totals.deployed).toBeGreaterThan(0);
    expect(r.totals.deployed).toBeLessThan(4);
  });
});
