import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../platform/actor.js';
import type { AuditVerification } from '../platform/audit/audit.service.js';
import { deriveAuditKeys } from '../platform/audit/audit-keys.js';
import { signCheckpoint } from '../platform/audit/checkpoint-store.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { type TamperClass, tamperCases } from './support/audit-tamper-cases.js';

/**
 * Suite 5 — audit tamper evidence. 10,000 operations are written through the same path every
 * write takes (AuditTrail.record inside the write's transaction; the first 300 are real API
 * writes), the head is signed into a checkpoint, and the whole chain must verify within 5 s.
 * Then, on that chain, every tamper in support/audit-tamper-cases.ts — each column of the first,
 * middle and last entries modified, entries deleted, reordered, the tail truncated (with and
 * without the head rewound), the chain re-hashed without the checkpoint key (with a foreign MAC
 * key, keeping old MACs, and even with the installation's MAC key), forged entries appended and
 * inserted — runs in a transaction that is rolled back after verification inside it. Every one
 * must be detected. Checkpoints forged with another key must be flagged too.
 */
const OPERATIONS = 10_000;
const API_WRITES = 300;
const BATCH = 250;

class RollBack extends Error {}

describe.each(testDatabaseKinds())('suite 5: audit tamper evidence on %s', (kind) => {
  let t: TestApp;
  let headSeq = 0;
  let verifyMs = 0;
  const detected = new Map<TamperClass, { detected: number; total: number }>();

  beforeAll(async () => {
    t = await createTestApp(kind, { env: { SLIPWAY_OVERLOAD_MAX_DELAY_MS: '0' } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it(`verifies the chain after ${OPERATIONS.toLocaleString('en')} operations in ≤ 5 s`, async () => {
    const { audit, database } = t.slipway.ctx;
    const started = performance.now();
    // Real writes through the API: CIs created and changed, each audited in its own transaction.
    const ids: number[] = [];
    for (let i = 0; i < API_WRITES; i++) {
      if (i % 2 === 0 || ids.length === 0) {
        const res = await t.request({
          method: 'POST',
          url: '/api/v1/cis',
          body: { class: 'server', name: `tamper-${i}`, attributes: { hostname: `höst-${i}.example — «π»` } },
        });
        expect(res.statusCode, res.body).toBe(201);
        ids.push((res.json() as { id: number }).id);
      } else {
        const id = ids[i % ids.length] as number;
        const res = await t.request({ method: 'PATCH', url: `/api/v1/cis/${id}`, body: { owner: `team-${i}` } });
        expect(res.statusCode, res.body).toBe(200);
      }
    }
    // The rest through AuditTrail.record, in transactions of BATCH entries (what is measured is
    // the trail, not 10,000 HTTP round trips).
    const actors: Actor[] = ['rita', 'ivan', 'carl', 'maria', 'ed'].map((name, i) => ({
      userId: i + 2,
      username: name,
      roles: ['engineer'],
      requestId: null,
      via: 'token',
    }));
    for (let done = API_WRITES; done < OPERATIONS; done += BATCH) {
      await database.db.transaction().execute(async (tx) => {
        for (let i = done; i < Math.min(done + BATCH, OPERATIONS); i++) {
          const actor = { ...(actors[i % actors.length] as Actor), requestId: `load-${i}` };
          await audit.record(tx, actor, {
            action: ['change.update', 'ci.update', 'release.transition', 'artifact.approve'][i % 4] as string,
            objectType: 'change',
            objectId: i % 700,
            before: { state: 'assess', version: i, title: `Ünïcødé ${i} 🚀` },
            after: { state: 'authorize', version: i + 1, nested: { list: [i, null, true] } },
          });
        }
      });
    }
    const written = performance.now() - started;
    await audit.checkpoint(database.db);

    const verified = performance.now();
    const result = await audit.verify(database.db);
    verifyMs = performance.now() - verified;
    headSeq = result.headSeq;
    console.log(
      `audit-tamper (${kind}): ${OPERATIONS} operations written in ${(written / 1000).toFixed(1)} s; ` +
        `chain of ${result.entries} entries verified in ${verifyMs.toFixed(0)} ms (ok=${result.ok}, checkpoints ${result.checkpoints.verified}/${result.checkpoints.total})`,
    );
    expect(result.ok, JSON.stringify(result.problems.slice(0, 3))).toBe(true);
    expect(result.entries).toBeGreaterThanOrEqual(OPERATIONS);
    expect(verifyMs).toBeLessThanOrEqual(5000);
    // The API's own verification answers the same.
    const viaApi = (await t.request({ method: 'GET', url: '/api/v1/audit/verify' })).json() as { ok: boolean };
    expect(viaApi.ok).toBe(true);
  }, 300_000);

  it('detects every tamper: modification, deletion, reordering, truncation, re-hash without the checkpoint key, forgery', async () => {
    expect(headSeq).toBeGreaterThan(OPERATIONS - 1);
    const { audit, database, auditKeys } = t.slipway.ctx;
    const middle = Math.floor(headSeq / 2);
    const all = tamperCases({
      headSeq,
      sampleSeqs: [1, middle, headSeq],
      attackerMacKey: deriveAuditKeys(crypto.randomBytes(32), 'attacker').macKey,
      installationMacKey: auditKeys.macKey,
    });
    // The verifier is the same code on both databases; PostgreSQL runs one case of each kind plus
    // the full re-hash and a rewound truncation (what reading and ordering there could get wrong),
    // SQLite runs the whole matrix. SLIPWAY_TAMPER_FULL=1 runs everything on both.
    const cases =
      kind === 'sqlite' || process.env.SLIPWAY_TAMPER_FULL === '1'
        ? all
        : all.filter(
            (c, i) =>
              all.findIndex((d) => d.class === c.class) === i ||
              c.name.includes('whole chain') ||
              c.name.includes('last 100 entries and rewind') ||
              c.name.includes(`entry ${headSeq}`),
          );
    const missed: string[] = [];
    const started = performance.now();
    for (const tamper of cases) {
      let result: AuditVerification | undefined;
      await database.db
        .transaction()
        .execute(async (tx) => {
          await tamper.apply(tx);
          result = await audit.verify(tx);
          throw new RollBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RollBack)) throw error;
        });
      const tally = detected.get(tamper.class) ?? { detected: 0, total: 0 };
      tally.total++;
      if (result && !result.ok && result.firstBad !== null) tally.detected++;
      else missed.push(tamper.name);
      detected.set(tamper.class, tally);
    }
    // The rollback restored the chain exactly.
    expect((await audit.verify(database.db)).ok).toBe(true);

    // Checkpoints: one signed by another key, appended or replacing the file, is flagged.
    const file = t.slipway.ctx.checkpoints.file;
    const original = fs.readFileSync(file, 'utf8');
    const head = await database.db.selectFrom('audit_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
    const foreign = deriveAuditKeys(crypto.randomBytes(32), 'attacker');
    const forgedCheckpoints: [string, string][] = [
      [
        'append a checkpoint signed by another key',
        `${original}${JSON.stringify(signCheckpoint(foreign, head.seq, head.hash, new Date().toISOString()))}\n`,
      ],
      [
        'replace the checkpoints with ones signed by another key',
        `${JSON.stringify(signCheckpoint(foreign, head.seq, head.hash, new Date().toISOString()))}\n`,
      ],
      [
        'claim this installation’s key id on a checkpoint signed by another key',
        `${original}${JSON.stringify({ ...signCheckpoint(foreign, head.seq, head.hash, new Date().toISOString()), keyId: auditKeys.keyId })}\n`,
      ],
    ];
    try {
      for (const [name, text] of forgedCheckpoints) {
        fs.writeFileSync(file, text);
        const result = await audit.verify(database.db);
        const tally = detected.get('forge') ?? { detected: 0, total: 0 };
        tally.total++;
        if (!result.ok && result.problems.some((p) => p.reason === 'checkpoint_signature_invalid')) tally.detected++;
        else missed.push(name);
        detected.set('forge', tally);
      }
    } finally {
      fs.writeFileSync(file, original);
    }
    expect((await audit.verify(database.db)).ok).toBe(true);

    const total = [...detected.values()].reduce((sum, v) => sum + v.total, 0);
    const found = [...detected.values()].reduce((sum, v) => sum + v.detected, 0);
    console.log(
      `audit-tamper (${kind}): tampers detected ${found}/${total} (${[...detected]
        .map(([c, v]) => `${c} ${v.detected}/${v.total}`)
        .join(
          ', ',
        )}) on a ${headSeq}-entry chain in ${((performance.now() - started) / 1000).toFixed(1)} s; clean verify ${verifyMs.toFixed(0)} ms`,
    );
    expect(missed).toEqual([]);
    expect(found).toBe(total);
  }, 300_000);
});
