import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Transaction } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  type TestDatabase,
  tempDir,
  testDatabaseKinds,
} from '../../test-support/test-databases.js';
import type { Actor } from '../actor.js';
import { ManualClock } from '../clock.js';
import type { SlipwayDatabase } from '../database.js';
import type { Database } from '../database-schema.js';
import { migrateToLatest } from '../migrator.js';
import type { AuditRow } from './audit.repository.js';
import { AuditTrail, type AuditVerification } from './audit.service.js';
import { entryHash, entryMac } from './audit-chain.js';
import { type AuditKeys, deriveAuditKeys } from './audit-keys.js';
import { CheckpointStore, signCheckpoint } from './checkpoint-store.js';

const CHAIN_LENGTH = 20;
const actor: Actor = { userId: 1, username: 'tester', roles: ['admin'], requestId: 'req-1', via: 'token' };

/**
 * The audit trail on its own (no HTTP app, so no background checkpoint timer): every test starts
 * from a fresh, valid chain of CHAIN_LENGTH entries with a signed checkpoint of its head, then
 * tampers with the rows by direct SQL, as someone with database access but without the audit
 * key would, and checks that verification names the first entry that cannot be trusted.
 */
describe.each(testDatabaseKinds())('audit trail on %s', (kind) => {
  let testDb: TestDatabase;
  let database: SlipwayDatabase;
  let dataDir: string;
  let keys: AuditKeys;
  let checkpoints: CheckpointStore;
  let audit: AuditTrail;
  const clock = new ManualClock('2026-02-01T08:00:00.000Z');
  /** What an attacker has: the database, and a key of their own (never the installation's). */
  const attackerKeys = deriveAuditKeys(crypto.randomBytes(32), 'attacker');

  const db = () => database.db;

  async function rows(): Promise<AuditRow[]> {
    return db().selectFrom('audit_log').selectAll().orderBy('seq').execute();
  }

  async function head(): Promise<{ seq: number; hash: string }> {
    return db().selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  }

  async function appendEntries(tx: Transaction<Database>, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      clock.advance(1000);
      await audit.record(tx, actor, {
        action: 'widget.update',
        objectType: 'widget',
        objectId: i + 1,
        before: { size: i },
        after: { size: i + 1, note: `change ${i + 1}` },
      });
    }
  }

  async function writeEntries(count: number): Promise<void> {
    await db()
      .transaction()
      .execute((tx) => appendEntries(tx, count));
  }

  /** Empties the trail and writes a fresh chain, in one transaction (one commit keeps it cheap). */
  async function resetChain(): Promise<void> {
    await db()
      .transaction()
      .execute(async (tx) => {
        await tx.deleteFrom('audit_log').execute();
        await tx.updateTable('audit_head').set({ seq: 0, hash: '' }).where('id', '=', 1).execute();
        await appendEntries(tx, CHAIN_LENGTH);
      });
    fs.rmSync(checkpoints.file, { force: true });
    const checkpoint = await audit.checkpoint(db());
    expect(checkpoint?.seq).toBe(CHAIN_LENGTH);
  }

  function expectFirstBad(result: AuditVerification, seq: number | null, reasons: readonly string[]): void {
    expect(result.ok, JSON.stringify(result.problems)).toBe(false);
    expect(result.firstBad, JSON.stringify(result.problems)).not.toBeNull();
    expect(result.firstBad?.seq).toBe(seq);
    expect(reasons).toContain(result.firstBad?.reason);
  }

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    database = testDb.open();
    await migrateToLatest(database.db);
    dataDir = tempDir('slipway-audit-');
    keys = deriveAuditKeys(crypto.randomBytes(32));
    checkpoints = new CheckpointStore(dataDir);
    audit = new AuditTrail(keys, checkpoints, clock);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.cleanup();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetChain();
  });

  it('verifies an untouched chain and its signed checkpoint', async () => {
    const result = await audit.verify(db());
    expect(result).toMatchObject({ ok: true, entries: CHAIN_LENGTH, headSeq: CHAIN_LENGTH, firstBad: null });
    expect(result.problems).toEqual([]);
    expect(result.checkpoints).toMatchObject({ total: 1, verified: 1, latest: { seq: CHAIN_LENGTH } });
  });

  it('chains each entry to the one before it, with gap-free sequence numbers', async () => {
    const all = await rows();
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: CHAIN_LENGTH }, (_, i) => i + 1));
    expect(all[0]?.prev_hash).toBe('');
    for (let i = 1; i < all.length; i++) expect(all[i]?.prev_hash).toBe(all[i - 1]?.hash);
    expect(await head()).toEqual({ seq: CHAIN_LENGTH, hash: all.at(-1)?.hash });
  });

  it('appends in the caller’s transaction: a write that fails leaves no entry and the head unmoved', async () => {
    const before = await head();
    await expect(
      db()
        .transaction()
        .execute(async (tx) => {
          await audit.record(tx, actor, { action: 'user.create', objectType: 'user', objectId: 99, after: { id: 99 } });
          // The write the entry describes fails after the entry was appended (a constraint violation).
          await tx.insertInto('audit_head').values({ id: 1, seq: 0, hash: '' }).execute();
        }),
    ).rejects.toThrow();
    expect(await head()).toEqual(before);
    expect((await rows()).length).toBe(CHAIN_LENGTH);
    expect((await audit.verify(db())).ok).toBe(true);
  });

  it('detects a modified entry and names it', async () => {
    await db().updateTable('audit_log').set({ after_json: '{"size":1000}' }).where('seq', '=', 7).execute();
    expectFirstBad(await audit.verify(db()), 7, ['modified']);
  });

  it('detects a changed actor, even on the last entry', async () => {
    await db().updateTable('audit_log').set({ actor_name: 'someone-else' }).where('seq', '=', CHAIN_LENGTH).execute();
    expectFirstBad(await audit.verify(db()), CHAIN_LENGTH, ['modified']);
  });

  it('detects a modified entry whose stored hash was also replaced', async () => {
    const row = (await rows())[6] as AuditRow;
    const forged = { ...row, after_json: '{"size":1000}' };
    const hash = entryHash(row.prev_hash, forged);
    await db().updateTable('audit_log').set({ after_json: forged.after_json, hash }).where('seq', '=', 7).execute();
    expectFirstBad(await audit.verify(db()), 7, ['forged']);
  });

  it('detects a deleted entry in the middle', async () => {
    await db().deleteFrom('audit_log').where('seq', '=', 7).execute();
    const result = await audit.verify(db());
    expectFirstBad(result, 7, ['missing']);
    expect(result.problems.map((p) => p.reason)).toContain('broken_link');
  });

  it('detects the first entry being deleted', async () => {
    await db().deleteFrom('audit_log').where('seq', '=', 1).execute();
    expectFirstBad(await audit.verify(db()), 1, ['missing']);
  });

  it('detects two entries swapped in order', async () => {
    // Exchange the sequence numbers of entries 7 and 8 (via a free slot, the key is unique).
    await db().updateTable('audit_log').set({ seq: -1 }).where('seq', '=', 7).execute();
    await db().updateTable('audit_log').set({ seq: 7 }).where('seq', '=', 8).execute();
    await db().updateTable('audit_log').set({ seq: 8 }).where('seq', '=', -1).execute();
    expectFirstBad(await audit.verify(db()), 7, ['broken_link', 'modified']);
  });

  it('detects two entries swapped with all their contents (seq kept)', async () => {
    const all = await rows();
    const a = all[6] as AuditRow;
    const b = all[7] as AuditRow;
    const contents = ({ seq: _seq, ...rest }: AuditRow) => rest;
    await db().updateTable('audit_log').set(contents(b)).where('seq', '=', 7).execute();
    await db().updateTable('audit_log').set(contents(a)).where('seq', '=', 8).execute();
    expectFirstBad(await audit.verify(db()), 7, ['broken_link', 'modified']);
  });

  it('detects a truncated tail when the head row was left alone', async () => {
    await db().deleteFrom('audit_log').where('seq', '>', 17).execute();
    const result = await audit.verify(db());
    expectFirstBad(result, 18, ['truncated', 'head_mismatch']);
    expect(result.entries).toBe(17);
  });

  it('detects a truncated tail with the head rewound to match (only the signed checkpoint knows)', async () => {
    const all = await rows();
    const newLast = all[16] as AuditRow;
    await db().deleteFrom('audit_log').where('seq', '>', 17).execute();
    await db().updateTable('audit_head').set({ seq: newLast.seq, hash: newLast.hash }).where('id', '=', 1).execute();
    const result = await audit.verify(db());
    expectFirstBad(result, 18, ['truncated']);
    expect(result.problems.map((p) => p.reason)).toEqual(['truncated']);
  });

  it('detects a chain re-hashed from entry k by someone without the audit key', async () => {
    const all = await rows();
    let prevHash = (all[5] as AuditRow).hash;
    for (const row of all.slice(6)) {
      const changed = row.seq === 7 ? { ...row, after_json: '{"size":1000}' } : row;
      const hash = entryHash(prevHash, changed);
      await db()
        .updateTable('audit_log')
        .set({
          after_json: changed.after_json,
          prev_hash: prevHash,
          hash,
          mac: entryMac(attackerKeys.macKey, hash),
        })
        .where('seq', '=', row.seq)
        .execute();
      prevHash = hash;
    }
    await db().updateTable('audit_head').set({ hash: prevHash }).where('id', '=', 1).execute();
    const result = await audit.verify(db());
    expectFirstBad(result, 7, ['forged']);
    // The re-hashed head no longer matches the signed checkpoint either.
    expect(result.problems.map((p) => p.reason)).toContain('checkpoint_mismatch');
  });

  it('detects a chain re-hashed with the old authentication codes kept', async () => {
    const all = await rows();
    let prevHash = (all[5] as AuditRow).hash;
    for (const row of all.slice(6)) {
      const changed = row.seq === 7 ? { ...row, actor_name: 'scapegoat' } : row;
      const hash = entryHash(prevHash, changed);
      await db()
        .updateTable('audit_log')
        .set({ actor_name: changed.actor_name, prev_hash: prevHash, hash })
        .where('seq', '=', row.seq)
        .execute();
      prevHash = hash;
    }
    await db().updateTable('audit_head').set({ hash: prevHash }).where('id', '=', 1).execute();
    expectFirstBad(await audit.verify(db()), 7, ['forged']);
  });

  async function forgeAppended(updateHead: boolean): Promise<void> {
    const last = (await rows()).at(-1) as AuditRow;
    const fields = {
      seq: last.seq + 1,
      at: '2026-02-02T00:00:00.000Z',
      actor_id: 1,
      actor_name: 'tester',
      request_id: null,
      action: 'user.update',
      object_type: 'user',
      object_id: '1',
      before_json: null,
      after_json: '{"roles":["admin"]}',
    };
    const hash = entryHash(last.hash, fields);
    await db()
      .insertInto('audit_log')
      .values({ ...fields, prev_hash: last.hash, hash, mac: entryMac(attackerKeys.macKey, hash) })
      .execute();
    if (updateHead) {
      await db().updateTable('audit_head').set({ seq: fields.seq, hash }).where('id', '=', 1).execute();
    }
  }

  it('detects a forged entry appended beyond the head', async () => {
    await forgeAppended(false);
    expectFirstBad(await audit.verify(db()), CHAIN_LENGTH + 1, ['forged']);
  });

  it('detects a forged entry appended with the head moved to it', async () => {
    await forgeAppended(true);
    expectFirstBad(await audit.verify(db()), CHAIN_LENGTH + 1, ['forged']);
  });

  it('flags a checkpoint signed by another key', async () => {
    const { hash } = await head();
    checkpoints.append(signCheckpoint(attackerKeys, CHAIN_LENGTH, hash, clock.now().toISOString()));
    const result = await audit.verify(db());
    expectFirstBad(result, CHAIN_LENGTH, ['checkpoint_signature_invalid']);
    expect(result.checkpoints).toMatchObject({ total: 2, verified: 1 });
  });

  it('flags a checkpoint that claims this installation’s key id but is signed by another key', async () => {
    const { hash } = await head();
    const forged = {
      ...signCheckpoint(attackerKeys, CHAIN_LENGTH, hash, clock.now().toISOString()),
      keyId: keys.keyId,
    };
    checkpoints.append(forged);
    expectFirstBad(await audit.verify(db()), CHAIN_LENGTH, ['checkpoint_signature_invalid']);
  });

  it('does not let a forged checkpoint vouch for a truncated tail', async () => {
    const all = await rows();
    const newLast = all[16] as AuditRow;
    await db().deleteFrom('audit_log').where('seq', '>', 17).execute();
    await db().updateTable('audit_head').set({ seq: newLast.seq, hash: newLast.hash }).where('id', '=', 1).execute();
    checkpoints.append(signCheckpoint(attackerKeys, newLast.seq, newLast.hash, clock.now().toISOString()));
    const result = await audit.verify(db());
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.reason)).toEqual(
      expect.arrayContaining(['truncated', 'checkpoint_signature_invalid']),
    );
  });

  it('flags a malformed checkpoint line in the middle of the file', async () => {
    const text = fs.readFileSync(checkpoints.file, 'utf8');
    fs.writeFileSync(checkpoints.file, `{"seq": "not a checkpoint"\n${text}`);
    const result = await audit.verify(db());
    expect(result.ok).toBe(false);
    expect(result.firstBad?.reason).toBe('checkpoint_file_malformed');
    expect(result.firstBad?.message).toContain('line 1');
  });

  it('flags a malformed complete last checkpoint line', async () => {
    fs.appendFileSync(checkpoints.file, 'this is not json\n');
    const result = await audit.verify(db());
    expect(result.ok).toBe(false);
    expect(result.firstBad?.reason).toBe('checkpoint_file_malformed');
  });

  it('tolerates a last checkpoint line torn by a crash mid-write (no newline yet)', async () => {
    const { hash } = await head();
    const full = JSON.stringify(signCheckpoint(keys, CHAIN_LENGTH, hash, clock.now().toISOString()));
    fs.appendFileSync(checkpoints.file, full.slice(0, 30));
    const result = await audit.verify(db());
    expect(result.ok, JSON.stringify(result.problems)).toBe(true);
  });

  it('recovers from a torn checkpoint line: the next checkpoint is still readable and verifies', async () => {
    const { hash } = await head();
    const full = JSON.stringify(signCheckpoint(keys, CHAIN_LENGTH, hash, clock.now().toISOString()));
    fs.appendFileSync(checkpoints.file, full.slice(0, 30));
    await writeEntries(2);
    expect((await audit.checkpoint(db()))?.seq).toBe(CHAIN_LENGTH + 2);
    const { checkpoints: all, malformedLines } = checkpoints.readAll();
    expect(malformedLines).toEqual([]);
    expect(all.map((c) => c.seq)).toEqual([CHAIN_LENGTH, CHAIN_LENGTH + 2]);
    const result = await audit.verify(db());
    expect(result.ok, JSON.stringify(result.problems)).toBe(true);
    expect(result.checkpoints.verified).toBe(2);
  });

  it('finds the latest checkpoint in a long file by its tail', async () => {
    const { hash } = await head();
    // ~300 KB of older checkpoints in front: latest() must still return the newest one.
    const older = JSON.stringify(signCheckpoint(keys, CHAIN_LENGTH, hash, '2026-01-01T00:00:00.000Z'));
    fs.appendFileSync(checkpoints.file, `${older}\n`.repeat(1500));
    await writeEntries(1);
    const written = await audit.checkpoint(db());
    expect(checkpoints.latest()).toEqual(written);
    expect(await audit.checkpoint(db())).toBeUndefined();
  });

  it('writes a checkpoint only when the head moved', async () => {
    expect(await audit.checkpoint(db())).toBeUndefined();
    await writeEntries(1);
    expect((await audit.checkpoint(db()))?.seq).toBe(CHAIN_LENGTH + 1);
    expect(checkpoints.readAll().checkpoints.map((c) => c.seq)).toEqual([CHAIN_LENGTH, CHAIN_LENGTH + 1]);
    expect((await audit.verify(db())).ok).toBe(true);
  });

  it('verifies 10,000 entries quickly (duration printed)', async () => {
    await db().deleteFrom('audit_log').execute();
    fs.rmSync(checkpoints.file, { force: true });
    // Rows are computed with the real chain functions and inserted in bulk: what is measured is
    // verification, not 10,000 single-row transactions.
    const total = 10_000;
    let prevHash = '';
    let batch: AuditRow[] = [];
    for (let seq = 1; seq <= total; seq++) {
      const fields = {
        seq,
        at: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
        actor_id: 1 + (seq % 7),
        actor_name: `user${seq % 7}`,
        request_id: `req-${seq}`,
        action: 'ci.update',
        object_type: 'ci',
        object_id: String(seq % 500),
        before_json: JSON.stringify({ status: 'planned', version: seq }),
        after_json: JSON.stringify({ status: 'live', version: seq + 1 }),
      };
      const hash = entryHash(prevHash, fields);
      batch.push({ ...fields, prev_hash: prevHash, hash, mac: entryMac(keys.macKey, hash) });
      prevHash = hash;
      if (batch.length === 500) {
        await db().insertInto('audit_log').values(batch).execute();
        batch = [];
      }
    }
    await db().updateTable('audit_head').set({ seq: total, hash: prevHash }).where('id', '=', 1).execute();
    await audit.checkpoint(db());

    const started = performance.now();
    const result = await audit.verify(db());
    const ms = performance.now() - started;
    console.log(`[audit] verified ${result.entries} entries on ${kind} in ${ms.toFixed(0)} ms`);
    expect(result).toMatchObject({ ok: true, entries: total, headSeq: total });
    expect(result.checkpoints.verified).toBe(1);

    // The same verifier still finds one modified entry among 10,000.
    await db().updateTable('audit_log').set({ object_id: '31337' }).where('seq', '=', 9_999).execute();
    expectFirstBad(await audit.verify(db()), 9_999, ['modified']);
  });
});
