import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AuditKeys } from './audit-keys.js';

/** A signed statement "the chain had `seq` entries and its head hash was `hash` at `at`". */
export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  /** Ed25519 signature, base64. */
  sig: string;
}

function signedBytes(c: Pick<Checkpoint, 'seq' | 'hash' | 'at' | 'keyId'>): Buffer {
  return Buffer.from(`slipway-audit-checkpoint\n${c.keyId}\n${c.seq}\n${c.hash}\n${c.at}`);
}

export function signCheckpoint(keys: AuditKeys, seq: number, hash: string, at: string): Checkpoint {
  const unsigned = { seq, hash, at, keyId: keys.keyId };
  const sig = crypto.sign(null, signedBytes(unsigned), keys.signingKey).toString('base64');
  return { ...unsigned, sig };
}

export function checkpointSignatureValid(publicKey: crypto.KeyObject, c: Checkpoint): boolean {
  try {
    return crypto.verify(null, signedBytes(c), publicKey, Buffer.from(c.sig, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Checkpoints live in an append-only JSON-lines file in the data directory, outside the database.
 * Auditors may also keep their own copies (GET /api/v1/audit/checkpoints) and verify against them.
 */
export class CheckpointStore {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'audit-checkpoints.jsonl');
  }

  append(checkpoint: Checkpoint): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const fd = fs.openSync(this.file, 'a', 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(checkpoint)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Every checkpoint in the file, oldest first. A final line cut short by a crash mid-write is
   * skipped; any other unreadable line is reported as malformed.
   */
  readAll(): { checkpoints: Checkpoint[]; malformedLines: number[] } {
    if (!fs.existsSync(this.file)) return { checkpoints: [], malformedLines: [] };
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    const checkpoints: Checkpoint[] = [];
    const malformedLines: number[] = [];
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        const c = JSON.parse(line) as Checkpoint;
        if (typeof c.seq !== 'number' || typeof c.hash !== 'string' || typeof c.sig !== 'string') throw new Error();
        checkpoints.push(c);
      } catch {
        const isLast = lines.slice(index + 1).every((rest) => rest.trim() === '');
        if (!isLast) malformedLines.push(index + 1);
      }
    });
    return { checkpoints, malformedLines };
  }

  latest(): Checkpoint | undefined {
    return this.readAll().checkpoints.at(-1);
  }

  /**
   * Moves the file aside. Used only when the database's audit trail is empty, i.e. a new
   * database in an old data directory; the old file is kept, renamed, never deleted.
   */
  supersede(at: string): string | undefined {
    if (!fs.existsSync(this.file)) return undefined;
    const target = this.file.replace(/\.jsonl$/, `.superseded-${at.replace(/[:.]/g, '-')}.jsonl`);
    fs.renameSync(this.file, target);
    return target;
  }
}
