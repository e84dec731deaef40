import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeHash } from '../changes/change.service.js';
import { ManualClock } from '../platform/clock.js';
import { ChangeClient, type ChangeOrg, setupChangeOrg, windowAt } from '../test-support/change-kit.js';
import { ReleaseClient, type ReleaseOrg, setupReleaseOrg } from '../test-support/release-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { type Contended, range, readModifyWrite } from './support/concurrency-helpers.js';
import { ApiClient, seededRandom } from './support/crash-workload.js';
import { approvableRelease, copyRelease, readState, violations } from './support/release-interleavings.js';

/**
 * Suite 3 (issue 11), anchors §7.2 C1–C3, over real HTTP on loopback (and `inject` for the
 * approval races), on each database:
 * - lost updates: CLIENTS clients × UPDATES read-modify-write increments of the same objects (two
 *   CIs, two requests for change) with If-Match: every success bumps the version exactly once, the
 *   counters equal the number of successes, every stale write is a 412; the same load without
 *   If-Match (negative control) does lose increments, so the test can see the bug it guards;
 * - idempotency keys: the same create sent concurrently several times per key, then retried:
 *   exactly one object per key, every answer the original or a replay of it (or 409 while the
 *   first is still running), the same key with another body 422;
 * - approve / edit / schedule / start interleavings on requests for change: after every
 *   interleaving no approval stands for a scope the change no longer has, and a change that is
 *   scheduled or being implemented has its quorum for exactly its current scope;
 * - approve / edit / rollout interleavings on releases, each on its own copy of an approvable
 *   release: approvals, scope edits (plan, targets, window, artifacts), rollouts into two
 *   environments and a cancellation, concurrently (support/release-interleavings.ts); after each, every
 *   rollout runs exactly the approved scope, no scope edit committed after the approval, and no
 *   rollout exists of a release that was not approved (or was cancelled) when it was created.
 *
 * Sizes: SLIPWAY_CONCURRENCY_CLIENTS (20), SLIPWAY_CONCURRENCY_UPDATES (25),
 * SLIPWAY_CONCURRENCY_KEYS (30), SLIPWAY_CONCURRENCY_INTERLEAVINGS (issue size 1000; CI 100 per
 * database), SLIPWAY_CONCURRENCY_RELEASE_INTERLEAVINGS (CI 150 per database, about 15 s on SQLite
 * and 25 s on PostgreSQL on the shared machine; 500 runs the 1,000 across both),
 * SLIPWAY_CONCURRENCY_SEED.
 */
const CLIENTS = Number(process.env.SLIPWAY_CONCURRENCY_CLIENTS ?? 20);
const UPDATES = Number(process.env.SLIPWAY_CONCURRENCY_UPDATES ?? 25);
const KEYS = Number(process.env.SLIPWAY_CONCURRENCY_KEYS ?? 30);
const RETRIES_PER_KEY = 4;
const INTERLEAVINGS = Number(process.env.SLIPWAY_CONCURRENCY_INTERLEAVINGS ?? 100);
const RELEASE_INTERLEAVINGS = Number(process.env.SLIPWAY_CONCURRENCY_RELEASE_INTERLEAVINGS ?? 500);
/**
 * Release interleavings run this many at a time, each on its own release: PostgreSQL round trips
 * leave room for more; SQLite's one writer and the shared core do not.
 */
const RELEASE_LANES = { sqlite: 2, postgres: 6 } as const;
const SEED = Number(process.env.SLIPWAY_CONCURRENCY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const NOW = '2026-12-01T08:00:00.000Z';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ChangeJson {
  id: number;
  version: number;
  state: string;
  ciIds: number[];
  plannedStart: string | null;
  plannedEnd: string | null;
  implementer: { id: number } | null;
  approval: { met: boolean; required: number; round: number; approvals: { approverName: string }[] };
}

interface ApprovalJson {
  approverId: number;
  approverName: string;
  decision: string;
  scopeHash: string;
  round: number;
  voidedAt: string | null;
}

describe.each(testDatabaseKinds())('concurrency on %s', (kind) => {
  let t: TestApp;
  let api: ApiClient;
  const random = seededRandom(SEED);
  const figures: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind, { clock: new ManualClock(NOW) });
    const url = await t.slipway.app.listen({ port: 0, host: '127.0.0.1' });
    api = new ApiClient(url, t.adminToken);
  });
  afterAll(async () => {
    console.log(`[reliability] concurrency ${kind}: ${figures.join('; ')}, seed ${SEED}`);
    await t?.close();
  });

  async function contendedObjects(prefix: string): Promise<Contended[]> {
    const objects: Contended[] = [];
    for (const n of [1, 2]) {
      const ci = await api.expect<{ id: number }>(201, 'POST', '/api/v1/cis', {
        class: 'server',
        name: `${prefix}-ci-${n}`,
        attributes: { cpu_cores: 0 },
      });
      objects.push({
        label: `CI ${ci.id}`,
        path: `/api/v1/cis/${ci.id}`,
        read: (body) => Number((body.attributes as { cpu_cores: number }).cpu_cores),
        write: (counter) => ({ attributes: { cpu_cores: counter } }),
      });
      const change = await api.expect<{ id: number }>(201, 'POST', '/api/v1/changes', {
        type: 'normal',
        title: `${prefix} counter 0`,
      });
      objects.push({
        label: `change ${change.id}`,
        path: `/api/v1/changes/${change.id}`,
        read: (body) => Number(String(body.title).split(' ').at(-1)),
        write: (counter) => ({ title: `${prefix} counter ${counter}` }),
      });
    }
    return objects;
  }

  it(`loses no update: ${CLIENTS} clients × ${UPDATES} If-Match increments of the same objects`, async () => {
    const objects = await contendedObjects('guarded');
    const initial = new Map<string, number>();
    for (const o of objects) initial.set(o.path, (await api.expect<{ version: number }>(200, 'GET', o.path)).version);

    const started = performance.now();
    const result = await readModifyWrite(api, objects, CLIENTS, UPDATES, true, random);
    const seconds = (performance.now() - started) / 1000;

    expect(result.successes).toBe(CLIENTS * UPDATES);
    let lost = 0;
    for (const o of objects) {
      const now = await api.expect<Record<string, unknown> & { version: number }>(200, 'GET', o.path);
      const versions = result.versions.get(o.path) ?? [];
      const first = initial.get(o.path) ?? 0;
      // Each success took the next version: no two successes share one, none is skipped.
      expect(
        [...versions].sort((a, b) => a - b),
        o.label,
      ).toEqual(range(first + 1, first + versions.length));
      expect(now.version, o.label).toBe(first + versions.length);
      lost += versions.length - o.read(now);
    }
    expect(lost).toBe(0);
    // Every refused write was a stale version, answered 412 PRECONDITION_FAILED.
    expect(Object.keys(result.refused).filter((status) => status !== '412')).toEqual([]);
    expect(Object.keys(result.codes).filter((c) => c !== 'PRECONDITION_FAILED')).toEqual([]);
    figures.push(
      `If-Match ${result.successes} increments, ${lost} lost, ${result.refused['412'] ?? 0} × 412 (${seconds.toFixed(1)} s)`,
    );

    // Negative control: the same clients without If-Match overwrite each other's increments.
    const naive = await contendedObjects('naive');
    const control = await readModifyWrite(api, naive, CLIENTS, UPDATES, false, random);
    let naiveTotal = 0;
    for (const o of naive) naiveTotal += o.read(await api.expect<Record<string, unknown>>(200, 'GET', o.path));
    const naiveLost = control.successes - naiveTotal;
    expect(naiveLost, 'the negative control must lose updates, or the test could not see them').toBeGreaterThan(0);
    figures.push(`control without If-Match lost ${naiveLost} of ${control.successes}`);
  }, 180_000);

  it(`creates exactly one object per Idempotency-Key under ${RETRIES_PER_KEY} concurrent retries`, async () => {
    type Sent = { key: string; kind: 'ci' | 'change'; status: number; id?: number; replayed: boolean; code?: string };
    const bodyFor = (key: string, k: 'ci' | 'change') =>
      k === 'ci'
        ? { path: '/api/v1/cis', body: { class: 'server', name: `idem-${key}` } }
        : { path: '/api/v1/changes', body: { type: 'normal', title: `idem-${key}` } };
    const send = async (key: string, k: 'ci' | 'change'): Promise<Sent> => {
      const { path, body } = bodyFor(key, k);
      await sleep(random() * 3);
      const answer = await api.call('POST', path, body, { 'idempotency-key': key });
      const json = answer.body as { id?: number; error?: { code: string } };
      return {
        key,
        kind: k,
        status: answer.status,
        ...(json.id !== undefined && { id: json.id }),
        replayed: answer.headers.get('idempotent-replayed') === 'true',
        ...(json.error && { code: json.error.code }),
      };
    };
    const keys = Array.from({ length: KEYS }, (_, i) => ({
      key: `${SEED}-${i}-${kind}`,
      kind: (i % 2 === 0 ? 'ci' : 'change') as 'ci' | 'change',
    }));
    const concurrent = await Promise.all(
      keys.flatMap(({ key, kind: k }) => Array.from({ length: RETRIES_PER_KEY }, () => send(key, k))),
    );
    const retried = await Promise.all(keys.map(({ key, kind: k }) => send(key, k)));

    let replays = 0;
    let inFlight = 0;
    for (const { key } of keys) {
      const answers = [...concurrent, ...retried].filter((s) => s.key === key);
      for (const a of answers) {
        expect(a.status === 201 || (a.status === 409 && a.code === 'IDEMPOTENCY_IN_PROGRESS'), JSON.stringify(a)).toBe(
          true,
        );
      }
      const created = answers.filter((a) => a.status === 201);
      expect(new Set(created.map((a) => a.id)).size, key).toBe(1);
      expect(
        created.filter((a) => !a.replayed),
        key,
      ).toHaveLength(1);
      replays += created.filter((a) => a.replayed).length;
      inFlight += answers.filter((a) => a.status === 409).length;
    }
    // After the dust settles, a retry is always a replay of the original.
    for (const r of retried) expect(r.status === 201 && r.replayed, JSON.stringify(r)).toBe(true);

    // Exactly one object per key in the database.
    const cis = await api.all<{ name: string }>('/api/v1/cis?q=idem-');
    const changes = await api.all<{ title: string }>('/api/v1/changes');
    for (const { key, kind: k } of keys) {
      const matches =
        k === 'ci' ? cis.filter((c) => c.name === `idem-${key}`) : changes.filter((c) => c.title === `idem-${key}`);
      expect(matches, key).toHaveLength(1);
    }

    // The same key with another body is refused, and changes nothing.
    const first = keys[0] as { key: string };
    const reused = await api.call(
      'POST',
      '/api/v1/cis',
      { class: 'server', name: 'idem-other' },
      {
        'idempotency-key': first.key,
      },
    );
    expect(reused.status).toBe(422);
    expect((reused.body as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await api.all<{ name: string }>('/api/v1/cis?q=idem-other')).length).toBe(0);
    figures.push(
      `idempotency ${KEYS} keys × ${RETRIES_PER_KEY + 1} sends: ${KEYS} objects, ${replays} replays, ${inFlight} × 409 in flight`,
    );
  }, 120_000);

  describe('approve / edit / schedule / start interleavings', () => {
    let org: ChangeOrg;
    let changes: ChangeClient;

    beforeAll(async () => {
      org = await setupChangeOrg(t, 'il-');
      changes = new ChangeClient(t);
    });

    /** A change by rita, implemented by ivan, assessed and waiting for the CAB. */
    async function awaitingApproval(i: number): Promise<ChangeJson> {
      const created = await changes.create(org.users.rita.token, {
        type: 'normal',
        title: `Interleaving ${i}`,
        ciIds: [i % 2 === 0 ? org.cis.web01 : org.cis.app02],
        ...windowAt(NOW, 48 + (i % 500)),
        implementerId: org.users.ivan.id,
        backoutPlan: 'Roll back',
      });
      const submitted = await changes.act(org.users.rita.token, created.id, 'submit');
      expect(submitted.statusCode, submitted.body).toBe(200);
      const assessed = await changes.act(org.users.maria.token, created.id, 'assess');
      expect(assessed.statusCode, assessed.body).toBe(200);
      return assessed.json();
    }

    it(`never schedules or starts a change whose approved scope differs from its scope (${INTERLEAVINGS} interleavings)`, async () => {
      const started = performance.now();
      const tally: Record<string, number> = {};
      let scheduled = 0;
      let implementing = 0;
      let voided = 0;
      const allowed = new Set([200, 403, 409, 412, 422]);
      // A PostgreSQL round trip takes a few ms: wider random delays let the operations land in
      // every order there too (not mostly all at once, where most of them lose with 409).
      const spread = kind === 'postgres' ? 8 : 1;

      for (let i = 0; i < INTERLEAVINGS; i++) {
        const change = await awaitingApproval(i);
        const ifMatch = () => (random() < 0.5 ? { 'if-match': `"${change.version}"` } : undefined);
        const ops: { name: string; run: () => Promise<{ statusCode: number; body: string }> }[] = [
          {
            name: 'approve',
            run: () =>
              changes.call(
                org.users.carl.token,
                'POST',
                `/api/v1/changes/${change.id}/approve`,
                { comment: 'ok' },
                ifMatch(),
              ),
          },
          {
            name: 'approve2',
            run: () =>
              changes.call(org.users.cora.token, 'POST', `/api/v1/changes/${change.id}/approve`, { comment: 'ok' }),
          },
          {
            name: 'self-approve',
            run: () =>
              changes.call(org.users.rita.token, 'POST', `/api/v1/changes/${change.id}/approve`, { comment: 'mine' }),
          },
          {
            name: 'edit-scope',
            run: () =>
              changes.call(
                org.users.rita.token,
                'PATCH',
                `/api/v1/changes/${change.id}`,
                random() < 0.5 ? { ciIds: [org.cis.db01] } : windowAt(NOW, 600 + i),
                ifMatch(),
              ),
          },
          {
            name: 'edit-text',
            run: () =>
              changes.call(org.users.rita.token, 'PATCH', `/api/v1/changes/${change.id}`, {
                description: `edited ${i}`,
              }),
          },
          {
            name: 'schedule',
            run: async () => {
              await sleep(random() * 6 * spread);
              return changes.call(org.users.maria.token, 'POST', `/api/v1/changes/${change.id}/schedule`, {});
            },
          },
          {
            name: 'start',
            run: async () => {
              await sleep(random() * 12 * spread);
              return changes.call(org.users.ivan.token, 'POST', `/api/v1/changes/${change.id}/start`, {});
            },
          },
        ];
        // A random subset (always at least an approval) in a random order, each after a random delay.
        const chosen = ops.filter((op) => op.name === 'approve' || random() < 0.6);
        const results = await Promise.all(
          chosen
            .sort(() => random() - 0.5)
            .map(async (op) => {
              await sleep(random() * 3 * spread);
              const res = await op.run();
              return { name: op.name, status: res.statusCode, body: res.body };
            }),
        );
        for (const r of results) {
          tally[`${r.name}:${r.status}`] = (tally[`${r.name}:${r.status}`] ?? 0) + 1;
          expect(allowed.has(r.status), `interleaving ${i} (seed ${SEED}): ${r.name} → ${r.status} ${r.body}`).toBe(
            true,
          );
          if (r.name === 'self-approve') expect(r.status, `interleaving ${i}: self-approval`).toBe(403);
        }

        const now = await changes.ok<ChangeJson>(t.adminToken, 'GET', `/api/v1/changes/${change.id}`);
        const decisions = (
          await changes.ok<{ items: ApprovalJson[] }>(t.adminToken, 'GET', `/api/v1/changes/${change.id}/approvals`)
        ).items;
        const scope = scopeHash(now.ciIds, now.plannedStart, now.plannedEnd, now.implementer?.id ?? null);
        const standing = decisions.filter((d) => d.voidedAt === null && d.decision === 'approved');
        voided += decisions.filter((d) => d.voidedAt !== null).length;
        for (const d of standing) {
          expect(d.scopeHash, `interleaving ${i} (seed ${SEED}): an approval stands for another scope`).toBe(scope);
          expect(d.round).toBe(now.approval.round);
        }
        expect(decisions.some((d) => d.approverId === org.users.rita.id)).toBe(false);
        expect(now.approval.approvals.length).toBe(standing.length);
        if (now.state === 'scheduled' || now.state === 'implement') {
          expect(now.approval.met, `interleaving ${i} (seed ${SEED}): ${now.state} without quorum`).toBe(true);
          expect(standing.length).toBeGreaterThanOrEqual(now.approval.required);
          if (now.state === 'scheduled') scheduled++;
          else implementing++;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      figures.push(
        `${INTERLEAVINGS} approve/edit/schedule/start interleavings: 0 violations, ${scheduled} scheduled, ` +
          `${implementing} started, ${voided} approvals voided by edits, ${tally['self-approve:403'] ?? 0} self-approvals refused (${seconds.toFixed(1)} s)`,
      );
      expect(tally['approve:200'] ?? 0).toBeGreaterThan(0);
    }, 300_000);
  });

  describe('approve / edit / rollout interleavings on releases', () => {
    let org: ReleaseOrg;
    let releases: ReleaseClient;
    let templateId: number;
    let spareArtifact: number;
    let production: number[];

    beforeAll(async () => {
      org = await setupReleaseOrg(t, 'rl-');
      releases = new ReleaseClient(t);
      production = [org.cis.dt1, org.cis.dt2];
      templateId = await approvableRelease(t, org, NOW, [org.cis.dt1], [org.cis.dtOld]);
      spareArtifact = await releases.artifact(org.users.maria.token, {
        name: 'interleaving-spare',
        artifactVersion: '1.0.0',
      });
    }, 120_000);

    it(`never rolls out a scope other than the approved one (${RELEASE_INTERLEAVINGS} interleavings)`, async () => {
      const started = performance.now();
      const db = t.slipway.ctx.database.db;
      const tally: Record<string, number> = {};
      const found: string[] = [];
      let rollouts = 0;
      let approved = 0;
      let voided = 0;
      const allowed = new Set([200, 201, 403, 409, 412, 422]);
      const spread = kind === 'postgres' ? 6 : 1;
      // Rollouts wait up to about one approval's duration, so they land before, during and after it.
      const rolloutDelay = kind === 'postgres' ? 60 : 20;
      const rita = org.users.rita.token;
      // Inside the release's window (it starts a day after NOW): the rollouts stay scheduled,
      // since the manual clock never reaches them, so no two interleavings share running work.
      const scheduledAt = new Date(Date.parse(NOW) + 25 * 3_600_000).toISOString();
      const rollout = (id: number, environment: string) =>
        releases.call(rita, 'POST', `/api/v1/releases/${id}/rollouts`, {
          environment,
          strategy: { kind: 'big_bang' },
          executor: { kind: 'simulated' },
          scheduledAt,
        });

      // Each interleaving draws from its own generator (seed and index), so the lanes that run
      // interleavings side by side (each on its own release) do not change what each one does.
      const interleaving = async (i: number) => {
        const random = seededRandom((SEED + i * 7919) >>> 0);
        const id = await copyRelease(db, templateId, `${kind}-${i}`);
        const version = (
          await db.selectFrom('releases').select('version').where('id', '=', id).executeTakeFirstOrThrow()
        ).version;
        const ifMatch = () => (random() < 0.3 ? { 'if-match': `"${version}"` } : undefined);
        const url = `/api/v1/releases/${id}`;
        // Half the other operations start once the approval answered (so rollouts race the edits
        // and each other on an approved release, and edits meet an approved scope); the rest land
        // anywhere around the approval.
        let approvalAnswered: () => void = () => {};
        const approval = new Promise<void>((resolve) => {
          approvalAnswered = resolve;
        });
        const later = async (scale: number) => {
          if (random() < 0.5) await approval;
          await sleep(random() * rolloutDelay * scale);
        };
        const ops: { name: string; weight: number; run: () => Promise<{ statusCode: number; body: string }> }[] = [
          {
            name: 'approve',
            weight: 1,
            run: async () => {
              try {
                return await releases.call(
                  org.users.cora.token,
                  'POST',
                  `${url}/approve`,
                  { comment: 'ok' },
                  ifMatch(),
                );
              } finally {
                approvalAnswered();
              }
            },
          },
          {
            name: 'approve-again',
            weight: 0.3,
            run: () => releases.call(org.users.carl.token, 'POST', `${url}/approve`, { comment: 'ok' }),
          },
          {
            name: 'self-approve',
            weight: 0.2,
            run: () => releases.call(rita, 'POST', `${url}/approve`, { comment: 'mine' }),
          },
          {
            name: 'edit-plan',
            weight: 0.45,
            run: () => releases.call(rita, 'PATCH', `${url}/plan/scope`, { content: `Scope, edit ${i}` }, ifMatch()),
          },
          {
            name: 'add-target',
            weight: 0.35,
            run: () => releases.call(rita, 'POST', `${url}/targets`, { environment: 'production', cis: production }),
          },
          {
            name: 'remove-target',
            weight: 0.25,
            run: () => releases.call(rita, 'DELETE', `${url}/targets/production/${org.cis.dt1}`),
          },
          {
            name: 'edit-window',
            weight: 0.3,
            run: () =>
              releases.call(rita, 'PATCH', url, {
                plannedStart: new Date(Date.parse(NOW) + 24 * 3_600_000).toISOString(),
                plannedEnd: new Date(Date.parse(NOW) + (29 + (i % 5)) * 3_600_000).toISOString(),
              }),
          },
          {
            name: 'add-artifact',
            weight: 0.15,
            run: () => releases.call(rita, 'POST', `${url}/artifacts`, { artifactId: spareArtifact }),
          },
          {
            name: 'rollout',
            weight: 0.9,
            run: async () => {
              await later(1);
              return rollout(id, 'production');
            },
          },
          {
            name: 'rollout-staging',
            weight: 0.5,
            run: async () => {
              await later(1.2);
              return rollout(id, 'staging');
            },
          },
          {
            name: 'cancel',
            weight: 0.15,
            run: async () => {
              await later(1.2);
              return releases.call(rita, 'POST', `${url}/transitions`, { to: 'cancelled' });
            },
          },
        ];
        const chosen = ops.filter((op) => random() < op.weight);
        if (!chosen.some((op) => op.name === 'approve')) approvalAnswered();
        const results = await Promise.all(
          chosen
            .sort(() => random() - 0.5)
            .map(async (op) => {
              await sleep(random() * 3 * spread);
              if (!['approve', 'rollout', 'rollout-staging', 'cancel'].includes(op.name)) await later(0.5);
              const res = await op.run();
              return { name: op.name, status: res.statusCode, body: res.body };
            }),
        );
        for (const r of results) {
          const code = r.status >= 400 ? ` ${(JSON.parse(r.body) as { error: { code: string } }).error.code}` : '';
          tally[`${r.name} ${r.status}${code}`] = (tally[`${r.name} ${r.status}${code}`] ?? 0) + 1;
          expect(allowed.has(r.status), `interleaving ${i} (seed ${SEED}): ${r.name} → ${r.status} ${r.body}`).toBe(
            true,
          );
          if (r.name === 'self-approve') expect(r.status, `interleaving ${i}: self-approval`).toBe(403);
        }
        const state = await readState(db, id);
        for (const v of violations(state, 1)) found.push(`interleaving ${i} (release ${id}, seed ${SEED}): ${v}`);
        rollouts += state.rollouts.length;
        if (state.audit.some((a) => a.action === 'release.approve')) approved++;
        voided += state.approvals.filter((a) => a.voided).length;
      };
      let next = 0;
      await Promise.all(
        Array.from({ length: RELEASE_LANES[kind] }, async () => {
          while (next < RELEASE_INTERLEAVINGS) await interleaving(next++);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const refusals = Object.entries(tally)
        .filter(([k]) => !/ 2\d\d$/.test(k))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ');
      figures.push(
        `${RELEASE_INTERLEAVINGS} approve/edit/rollout interleavings on releases: violations=${found.length}, ` +
          `${approved} approved, ${rollouts} rollouts started, ${voided} approvals voided by edits; refusals: ${refusals} (${seconds.toFixed(1)} s)`,
      );
      expect(found).toEqual([]);
      expect(rollouts).toBeGreaterThan(0);
    }, 300_000);
  });
});
