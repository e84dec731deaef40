import type { Actor } from '../actor.js';
import { type Clock, isoNow } from '../clock.js';
import type { Db } from '../database.js';
import { type AuditListFilter, type AuditRow, auditRepository } from './audit.repository.js';
import { entryHash, entryMac, macMatches } from './audit-chain.js';
import type { AuditKeys } from './audit-keys.js';
import { canonicalJson, redactSecrets } from './canonical-json.js';
import { type Checkpoint, type CheckpointStore, checkpointSignatureValid, signCheckpoint } from './checkpoint-store.js';

/** What a write tells the audit trail. `before`/`after` are the object's public shape. */
export interface AuditEvent {
  action: string;
  objectType: string;
  objectId?: string | number | null;
  before?: unknown;
  after?: unknown;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: {
    id: number | null;
    name: string;
    /** The break-glass elevation the actor acted under; absent for ordinary entries. */
    breakGlass?: { id: number; reason: string };
  };
  requestId: string | null;
  action: string;
  objectType: string;
  objectId: string | null;
  before: unknown;
  after: unknown;
  hash: string;
}

export type AuditProblemReason =
  | 'modified'
  | 'forged'
  | 'broken_link'
  | 'missing'
  | 'truncated'
  | 'checkpoint_mismatch'
  | 'checkpoint_signature_invalid'
  | 'checkpoint_file_malformed'
  | 'head_mismatch';

export interface AuditProblem {
  seq: number | null;
  reason: AuditProblemReason;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  headSeq: number;
  checkpoints: { total: number; verified: number; latest: { seq: number; at: string } | null };
  /** The first entry that cannot be trusted, or null. */
  firstBad: AuditProblem | null;
  /** Up to 50 problems, in chain order. */
  problems: AuditProblem[];
  durationMs: number;
}

const VERIFY_BATCH = 5000;
const MAX_PROBLEMS = 50;

/** A surrogate without its partner; see `storable`. */
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text exactly as both databases store and return it: they encode UTF-8 and turn a lone
 * surrogate into U+FFFD. Hashing anything else would make an honest entry read back "modified"
 * (input validation refuses such text, but streamed imports and internal callers bypass it).
 */
function storable<T extends string | null>(text: T): T {
  return (text === null ? text : text.replace(LONE_SURROGATES, '\uFFFD')) as T;
}

function toJsonText(value: unknown): string | null {
  return value === undefined ? null : canonicalJson(redactSecrets(value));
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: {
      id: row.actor_id,
      name: row.actor_name,
      ...(row.actor_break_glass_id !== null && {
        breakGlass: { id: row.actor_break_glass_id, reason: row.actor_break_glass_reason ?? '' },
      }),
    },
    requestId: row.request_id,
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    before: row.before_json === null ? null : JSON.parse(row.before_json),
    after: row.after_json === null ? null : JSON.parse(row.after_json),
    hash: row.hash,
  };
}

/** Bookkeeping that must commit with every audited write (see `AuditTrail.onRecord`). */
export type AuditRecordHook = (tx: Db, actor: Actor, event: AuditEvent) => Promise<void>;

/**
 * The tamper-evident audit trail. Every write calls `record` inside its own transaction, so the
 * entry commits or rolls back with the change it describes. See audit/README.md for the design.
 */
export class AuditTrail {
  constructor(
    private readonly keys: AuditKeys,
    private readonly checkpoints: CheckpointStore,
    private readonly clock: Clock,
  ) {}

  readonly #recorded: AuditRecordHook[] = [];

  /**
   * Runs `hook` after every entry, in the entry's transaction: every write audits in its own
   * transaction, so this is where cross-cutting bookkeeping commits atomically with the write
   * (platform/http/idempotency.ts marks the request's Idempotency-Key as carried out there).
   */
  onRecord(hook: AuditRecordHook): void {
    this.#recorded.push(hook);
  }

  /** Appends one entry. Must run inside the transaction that performs the write. */
  async record(tx: Db, actor: Actor, event: AuditEvent): Promise<void> {
    const head = await auditRepository.lockHead(tx);
    const fields = {
      seq: head.seq + 1,
      at: isoNow(this.clock),
      actor_id: actor.userId,
      actor_name: storable(actor.username),
      request_id: storable(actor.requestId),
      action: storable(event.action),
      object_type: storable(event.objectType),
      object_id: event.objectId === undefined || event.objectId === null ? null : storable(String(event.objectId)),
      before_json: toJsonText(event.before),
      after_json: toJsonText(event.after),
      actor_break_glass_id: actor.breakGlass?.id ?? null,
      actor_break_glass_reason: actor.breakGlass ? storable(actor.breakGlass.reason) : null,
    };
    const hash = entryHash(head.hash, fields);
    await auditRepository.append(tx, { ...fields, prev_hash: head.hash, hash, mac: entryMac(this.keys.macKey, hash) });
    for (const hook of this.#recorded) await hook(tx, actor, event);
  }

  async list(db: Db, filter: AuditListFilter): Promise<AuditEntry[]> {
    return (await auditRepository.list(db, filter)).map(toAuditEntry);
  }

  /** Signs the current head into the checkpoint file if it moved since the last checkpoint. */
  async checkpoint(db: Db): Promise<Checkpoint | undefined> {
    const head = await auditRepository.readHead(db);
    const latest = this.checkpoints.latest();
    if (head.seq === 0 || (latest && latest.seq === head.seq && latest.hash === head.hash)) return undefined;
    const checkpoint = signCheckpoint(this.keys, head.seq, head.hash, isoNow(this.clock));
    this.checkpoints.append(checkpoint);
    return checkpoint;
  }

  /**
   * A new database in a data directory that still holds checkpoints of an old one: move those
   * aside (renamed, kept) so they are not mistaken for a truncated trail.
   */
  async supersedeStaleCheckpoints(db: Db): Promise<string | undefined> {
    const head = await auditRepository.readHead(db);
    if (head.seq !== 0) return undefined;
    return this.checkpoints.supersede(isoNow(this.clock));
  }

  /**
   * Recomputes the whole chain and checks it against the signed checkpoints. Detects a modified
   * entry (hash mismatch), a forged or re-hashed entry (MAC mismatch), a deleted or reordered
   * entry (gap or broken link), and a truncated tail (a checkpoint beyond the last entry).
   */
  async verify(db: Db): Promise<AuditVerification> {
    const started = performance.now();
    const problems: AuditProblem[] = [];
    const report = (problem: AuditProblem) => {
      if (problems.length < MAX_PROBLEMS) problems.push(problem);
    };
    const { checkpoints, malformedLines } = this.checkpoints.readAll();
    for (const line of malformedLines) {
      report({ seq: null, reason: 'checkpoint_file_malformed', message: `Checkpoint file line ${line} is unreadable` });
    }
    const bySeq = new Map<number, Checkpoint>();
    let verifiedCheckpoints = 0;
    for (const c of checkpoints) {
      if (c.keyId !== this.keys.keyId || !checkpointSignatureValid(this.keys.publicKey, c)) {
        report({
          seq: c.seq,
          reason: 'checkpoint_signature_invalid',
          message: `Checkpoint at entry ${c.seq} (${c.at}) is not signed by this installation's audit key`,
        });
        continue;
      }
      bySeq.set(c.seq, c);
    }

    // Verify up to the head as it is now; entries appended while we read are left for next time.
    const head = await auditRepository.readHead(db);
    let expectedSeq = 1;
    let prevHash = '';
    let entries = 0;
    let lastSeq = 0;
    for (;;) {
      const batch = await auditRepository.batchAfter(db, lastSeq, VERIFY_BATCH, head.seq);
      if (batch.length === 0) break;
      for (const row of batch) {
        entries++;
        if (row.seq !== expectedSeq) {
          report({
            seq: expectedSeq,
            reason: 'missing',
            message: `Entries ${expectedSeq}–${row.seq - 1} are missing (deleted)`,
          });
        }
        if (row.prev_hash !== prevHash) {
          report({
            seq: row.seq,
            reason: 'broken_link',
            message: `Entry ${row.seq} does not follow the entry before it (an entry was deleted, inserted or reordered)`,
          });
        }
        const recomputed = entryHash(row.prev_hash, row);
        if (recomputed !== row.hash) {
          report({ seq: row.seq, reason: 'modified', message: `Entry ${row.seq} was modified after it was written` });
        } else if (!macMatches(this.keys.macKey, row.hash, row.mac)) {
          report({
            seq: row.seq,
            reason: 'forged',
            message: `Entry ${row.seq} was not written by Slipway (its authentication code is wrong: forged or re-hashed)`,
          });
        }
        const checkpoint = bySeq.get(row.seq);
        if (checkpoint) {
          if (checkpoint.hash === row.hash) verifiedCheckpoints++;
          else {
            report({
              seq: row.seq,
              reason: 'checkpoint_mismatch',
              message: `Entry ${row.seq} differs from the signed checkpoint of ${checkpoint.at}`,
            });
          }
        }
        prevHash = row.hash;
        expectedSeq = row.seq + 1;
        lastSeq = row.seq;
      }
    }

    // Rows beyond the head were not appended by Slipway (the head moves in the same transaction).
    // Read the highest seq before the head, so a concurrent append cannot look like a forgery.
    const maxSeq = await auditRepository.maxSeq(db);
    const currentHead = await auditRepository.readHead(db);
    if (maxSeq > currentHead.seq) {
      report({
        seq: currentHead.seq + 1,
        reason: 'forged',
        message: `Entries ${currentHead.seq + 1}–${maxSeq} lie beyond the chain head: they were inserted outside Slipway`,
      });
    }

    let latest: Checkpoint | undefined;
    for (const c of bySeq.values()) if (!latest || c.seq > latest.seq) latest = c;
    // A checkpoint beyond the snapshot head is fine if those entries exist by now.
    if (latest && latest.seq > lastSeq && currentHead.seq < latest.seq) {
      report({
        seq: lastSeq + 1,
        reason: 'truncated',
        message: `The signed checkpoint of ${latest.at} covers ${latest.seq} entries but only ${lastSeq} remain: entries ${lastSeq + 1}–${latest.seq} were removed`,
      });
    }
    if (head.seq !== lastSeq || head.hash !== prevHash) {
      report({
        seq: Math.min(head.seq, lastSeq) + 1,
        reason: 'head_mismatch',
        message: `The chain head records ${head.seq} entries but the trail ends at entry ${lastSeq}`,
      });
    }

    const sorted = [...problems].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    return {
      ok: problems.length === 0,
      entries,
      headSeq: lastSeq,
      checkpoints: {
        total: checkpoints.length,
        verified: verifiedCheckpoints,
        latest: latest ? { seq: latest.seq, at: latest.at } : null,
      },
      firstBad: sorted.find((p) => p.seq !== null) ?? sorted[0] ?? null,
      problems: sorted,
      durationMs: Math.round(performance.now() - started),
    };
  }
}
