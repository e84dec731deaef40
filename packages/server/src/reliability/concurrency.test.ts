import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeHash } from '../changes/change.service.js';
import { ManualClock } from '../platform/clock.js';
import { ChangeClient, type ChangeOrg, setupChangeOrg, windowAt } from '../test-support/change-kit.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { type Contended, range, readModifyWrite } from './support/concurrency-helpers.js';
import { ApiClient, seededRandom } from './support/crash-workload.js';

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
 *   scheduled or being implemented has its quorum for exactly its current scope.
 *
 * Sizes: SLIPWAY_CONCURRENCY_CLIENTS (20), SLIPWAY_CONCURRENCY_UPDATES (25),
 * SLIPWAY_CONCURRENCY_KEYS (30), SLIPWAY_CONCURRENCY_INTERLEAVINGS (issue size 1000; CI 100 per
 * database), SLIPWAY_CONCURRENCY_SEED.
 */
const CLIENTS = Number(process.env.SLIPWAY_CONCURRENCY_CLIENTS ?? 20);
const UPDATES = Number(process.env.SLIPWAY_CONCURRENCY_UPDATES ?? 25);
const KEYS = Number(process.env.SLIPWAY_CONCURRENCY_KEYS ?? 30);
const RETRIES_PER_KEY = 4;
const INTERLEAVINGS = Number(process.env.SLIPWAY_CONCURRENCY_INTERLEAVINGS ?? 100);
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
});
