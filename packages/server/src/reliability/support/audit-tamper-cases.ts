import type { Transaction } from 'kysely';
import type { AuditRow } from '../../platform/audit/audit.repository.js';
import { entryHash, entryMac } from '../../platform/audit/audit-chain.js';
import type { Database } from '../../platform/database-schema.js';

/**
 * The tampers of the audit-tamper suite (audit-tamper.test.ts): what someone with write access to
 * the database, but without the installation's audit key, can do to the trail. Each case runs in
 * a transaction the suite rolls back, so every case starts from the same valid chain.
 */

type Tx = Transaction<Database>;

export type TamperClass = 'modify' | 'delete' | 'reorder' | 'truncate' | 'rehash' | 'forge';

export interface TamperCase {
  class: TamperClass;
  name: string;
  apply(tx: Tx): Promise<void>;
}

/** The columns of an entry: every one is covered by the hash, the link or the MAC. */
const COLUMNS = [
  'seq',
  'at',
  'actor_id',
  'actor_name',
  'request_id',
  'action',
  'object_type',
  'object_id',
  'before_json',
  'after_json',
  'actor_break_glass_id',
  'actor_break_glass_reason',
  'prev_hash',
  'hash',
  'mac',
] as const satisfies readonly (keyof AuditRow)[];

/** A different value of the same type, as an editor of the row would write. */
function altered(row: AuditRow, column: (typeof COLUMNS)[number], unusedSeq: number): unknown {
  switch (column) {
    case 'seq':
      return unusedSeq;
    case 'actor_id':
      return (row.actor_id ?? 0) + 1;
    case 'actor_break_glass_id':
      // Flagging an ordinary entry as break-glass (or re-pointing a flagged one) must show.
      return (row.actor_break_glass_id ?? 0) + 1;
    case 'at':
      return new Date(Date.parse(row.at) - 60_000).toISOString();
    case 'before_json':
    case 'after_json': {
      const value = row[column];
      return value === null ? '{"note":"added later"}' : value.replace(/}$/, ',"edited":true}');
    }
    case 'prev_hash':
    case 'hash':
    case 'mac': {
      const value = row[column];
      return `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;
    }
    default: {
      const value = row[column];
      return value === null ? 'inserted' : `${value}x`;
    }
  }
}

async function rowAt(tx: Tx, seq: number): Promise<AuditRow> {
  return tx.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
}

async function setHead(tx: Tx, seq: number, hash: string): Promise<void> {
  await tx.updateTable('audit_head').set({ seq, hash }).where('id', '=', 1).execute();
}

/**
 * Re-computes the chain from `fromSeq` to the head after changing that entry, as an attacker
 * without the audit key would: valid hashes and links, MACs under `macKey` (theirs, or the old
 * ones kept when `macKey` is null), and the head moved to the new last hash.
 */
async function rehashFrom(tx: Tx, fromSeq: number, headSeq: number, macKey: Buffer | null): Promise<void> {
  let prevHash = fromSeq === 1 ? '' : (await rowAt(tx, fromSeq - 1)).hash;
  const rows = await tx
    .selectFrom('audit_log')
    .selectAll()
    .where('seq', '>=', fromSeq)
    .where('seq', '<=', headSeq)
    .orderBy('seq')
    .execute();
  for (const row of rows) {
    const changed = row.seq === fromSeq ? { ...row, actor_name: 'scapegoat' } : row;
    const hash = entryHash(prevHash, changed);
    await tx
      .updateTable('audit_log')
      .set({
        actor_name: changed.actor_name,
        prev_hash: prevHash,
        hash,
        ...(macKey !== null && { mac: entryMac(macKey, hash) }),
      })
      .where('seq', '=', row.seq)
      .execute();
    prevHash = hash;
  }
  await setHead(tx, headSeq, prevHash);
}

export interface TamperPlan {
  headSeq: number;
  /** Entries whose every column is altered in turn: the first, some in the middle, the last. */
  sampleSeqs: number[];
  /** A MAC key that is not the installation's. */
  attackerMacKey: Buffer;
  /** The installation's MAC key: the strongest attacker has it, but not the checkpoint signing key. */
  installationMacKey: Buffer;
}

export function tamperCases(plan: TamperPlan): TamperCase[] {
  const { headSeq, sampleSeqs } = plan;
  const cases: TamperCase[] = [];
  for (const seq of sampleSeqs) {
    for (const column of COLUMNS) {
      cases.push({
        class: 'modify',
        name: `modify ${column} of entry ${seq}`,
        apply: async (tx) => {
          const row = await rowAt(tx, seq);
          await tx
            .updateTable('audit_log')
            .set({ [column]: altered(row, column, headSeq + 1000) })
            .where('seq', '=', seq)
            .execute();
        },
      });
    }
    cases.push({
      class: 'delete',
      name: `delete entry ${seq}`,
      apply: async (tx) => {
        await tx.deleteFrom('audit_log').where('seq', '=', seq).execute();
      },
    });
  }
  const middle = sampleSeqs[Math.floor(sampleSeqs.length / 2)] ?? Math.floor(headSeq / 2);
  cases.push(
    {
      class: 'reorder',
      name: `swap the positions (seq) of entries ${middle} and ${middle + 1}`,
      apply: async (tx) => {
        await tx.updateTable('audit_log').set({ seq: -1 }).where('seq', '=', middle).execute();
        await tx
          .updateTable('audit_log')
          .set({ seq: middle })
          .where('seq', '=', middle + 1)
          .execute();
        await tx
          .updateTable('audit_log')
          .set({ seq: middle + 1 })
          .where('seq', '=', -1)
          .execute();
      },
    },
    {
      class: 'reorder',
      name: `swap the contents of entries ${middle} and ${middle + 1}, keeping seq`,
      apply: async (tx) => {
        const a = await rowAt(tx, middle);
        const b = await rowAt(tx, middle + 1);
        const { seq: _a, ...aFields } = a;
        const { seq: _b, ...bFields } = b;
        await tx.updateTable('audit_log').set(bFields).where('seq', '=', middle).execute();
        await tx
          .updateTable('audit_log')
          .set(aFields)
          .where('seq', '=', middle + 1)
          .execute();
      },
    },
    {
      class: 'reorder',
      name: 'move the last entry to the front of the trail',
      apply: async (tx) => {
        await tx.updateTable('audit_log').set({ seq: 0 }).where('seq', '=', headSeq).execute();
      },
    },
  );
  for (const k of [1, 10, 100]) {
    cases.push({
      class: 'truncate',
      name: `truncate the last ${k} entries and rewind the head to match`,
      apply: async (tx) => {
        await tx
          .deleteFrom('audit_log')
          .where('seq', '>', headSeq - k)
          .execute();
        const last = await rowAt(tx, headSeq - k);
        await setHead(tx, last.seq, last.hash);
      },
    });
  }
  cases.push({
    class: 'truncate',
    name: 'truncate the last 10 entries, head left alone',
    apply: async (tx) => {
      await tx
        .deleteFrom('audit_log')
        .where('seq', '>', headSeq - 10)
        .execute();
    },
  });
  // From entry 1 with the installation's MAC key below: the full re-hash.
  for (const from of [middle, headSeq]) {
    cases.push({
      class: 'rehash',
      name: `change entry ${from} and re-hash the chain to the head with the attacker's MAC key`,
      apply: (tx) => rehashFrom(tx, from, headSeq, plan.attackerMacKey),
    });
  }
  cases.push(
    {
      class: 'rehash',
      name: `change entry ${middle} and re-hash the chain, keeping the old MACs`,
      apply: (tx) => rehashFrom(tx, middle, headSeq, null),
    },
    {
      class: 'rehash',
      name: `change entry 1 and re-hash the whole chain with the installation's MAC key (no checkpoint key)`,
      apply: (tx) => rehashFrom(tx, 1, headSeq, plan.installationMacKey),
    },
    {
      class: 'forge',
      name: 'append a forged entry beyond the head, head moved to it',
      apply: async (tx) => {
        const last = await rowAt(tx, headSeq);
        const fields = { ...last, seq: headSeq + 1, action: 'user.delete', request_id: 'forged' };
        const hash = entryHash(last.hash, fields);
        await tx
          .insertInto('audit_log')
          .values({ ...fields, prev_hash: last.hash, hash, mac: entryMac(plan.attackerMacKey, hash) })
          .execute();
        await setHead(tx, headSeq + 1, hash);
      },
    },
    {
      class: 'forge',
      name: 'insert a forged entry between two entries, renumbering the rest',
      apply: async (tx) => {
        // Shift the tail up by one (from the top, so no seq collides), then fill the gap.
        const tail = await tx
          .selectFrom('audit_log')
          .select('seq')
          .where('seq', '>', middle)
          .orderBy('seq', 'desc')
          .execute();
        for (const { seq } of tail)
          await tx
            .updateTable('audit_log')
            .set({ seq: seq + 1 })
            .where('seq', '=', seq)
            .execute();
        const before = await rowAt(tx, middle);
        const fields = { ...before, seq: middle + 1, action: 'change.approve', actor_name: 'ghost' };
        const hash = entryHash(before.hash, fields);
        await tx
          .insertInto('audit_log')
          .values({ ...fields, prev_hash: before.hash, hash, mac: entryMac(plan.attackerMacKey, hash) })
          .execute();
        await setHead(tx, headSeq + 1, (await rowAt(tx, headSeq + 1)).hash);
      },
    },
  );
  return cases;
}
