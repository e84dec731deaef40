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

const TAIL_BYTES = 64 * 1024;

function parseCheckpoint(line: string): Checkpoint | undefined {
  if (line.trim() === '') return undefined;
  try {
    const c = JSON.parse(line) as Checkpoint;
    if (typeof c.seq !== 'number' || typeof c.hash !== 'string' || typeof c.sig !== 'string') return undefined;
    return c;
  } catch {
    return undefined;
  }
}

/** Where the text after the file's last newline starts, or undefined when the file ends in one. */
function tornTailStart(fd: number): number | undefined {
  const size = fs.fstatSync(fd).size;
  const last = Buffer.alloc(1);
  if (size === 0) return undefined;
  fs.readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return undefined;
  const chunk = Buffer.alloc(4096);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const read = fs.readSync(fd, chunk, 0, end - start, start);
    const newline = chunk.subarray(0, read).lastIndexOf(0x0a);
    if (newline >= 0) return start + newline + 1;
    end = start;
  }
  return 0;
}

/**
 * Checkpoints live in an append-only JSON-lines file in the data directory, outside the database.
 * Auditors may also keep their own copies (GET /api/v1/audit/checkpoints) and verify against them.
 */
export class CheckpointStore {
  readonly file: string;
  /**
   * `file` (SLIPWAY_AUDIT_CHECKPOINT_FILE) moves it out of the data directory: instances that
   * share one data directory on a network file system each keep their own, since appends from
   * several hosts to one file on NFS may interleave.
   */
  constructor(dataDir: string, file?: string) {
    this.file = file ?? path.join(dataDir, 'audit-checkpoints.jsonl');
  }

  append(checkpoint: Checkpoint): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const fd = fs.openSync(this.file, 'a+', 0o600);
    try {
      // Text after the last newline is a line torn by a crash mid-write; it never was a
      // checkpoint. Cut it off, or it would merge with this line into an unreadable one that
      // every later verification reports as tampering.
      const torn = tornTailStart(fd);
      if (torn !== undefined) fs.ftruncateSync(fd, torn);
      fs.writeSync(fd, `${JSON.stringify(checkpoint)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Every checkpoint in the file, oldest first. A final line cut short by a crash mid-write is
   * skipped; any other unreadable line is reported as malformed. `append` writes the newline
   * last, so only the text after the last newline can be torn: an unreadable line that ends in
   * a newline was written whole, and is tampering (else anyone could silence a checkpoint by
   * garbling the last line).
   */
  readAll(): { checkpoints: Checkpoint[]; malformedLines: number[] } {
    if (!fs.existsSync(this.file)) return { checkpoints: [], malformedLines: [] };
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    const checkpoints: Checkpoint[] = [];
    const malformedLines: number[] = [];
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      const c = parseCheckpoint(line);
      if (c) checkpoints.push(c);
      else if (index !== lines.length - 1) malformedLines.push(index + 1);
    });
    return { checkpoints, malformedLines };
  }

  /**
   * The newest checkpoint. Reads only the end of the file: this runs every second, and the
   * file grows by a line for every second with writes.
   */
  latest(): Checkpoint | undefined {
    if (!fs.existsSync(this.file)) return undefined;
    const fd = fs.openSync(this.file, 'r');
    let tail: string;
    let whole: boolean;
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      tail = buffer.toString('utf8');
      whole = length === size;
    } finally {
      fs.closeSync(fd);
    }
    // The first line of a partial tail may be cut; it is never used when a later one parses.
    const lines = tail.split('\n');
    for (let i = lines.length - 1; i >= (whole ? 0 : 1); i--) {
      const c = parseCheckpoint(lines[i] ?? '');
      if (c) return c;
    }
    return whole ? undefined : this.readAll().checkpoints.at(-1);
  }

  /**
   * Moves the file aside. Used only when the database's audit trail is empty, i.e. a new
   * database in an old data directory; the old file is kept, renamed, never deleted.
   */
  supersede(at: string): string | undefined {
    if (!fs.existsSync(this.file)) return undefined;
    const stamp = `superseded-${at.replace(/[:.]/g, '-')}`;
    const target = this.file.endsWith('.jsonl')
      ? this.file.replace(/\.jsonl$/, `.${stamp}.jsonl`)
      : `${this.file}.${stamp}`;
    fs.renameSync(this.file, target);
    return target;
  }
}
