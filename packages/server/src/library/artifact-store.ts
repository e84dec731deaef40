import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** What streaming an upload into the store produced: a staged file not yet in the store. */
export interface StagedContent {
  sha256: string;
  size: number;
  /** Moves the staged bytes into the store under their digest (no-op when already there). */
  commit(): Promise<{ created: boolean }>;
  /** Deletes the staged file. Safe to call after commit and more than once. */
  discard(): Promise<void>;
}

export interface ContentDigests {
  sha256: string;
  size: number;
  /** BLAKE2b-512, computed only when asked (minisign's prehashed signatures sign it). */
  blake2b512?: Buffer;
}

/** Thrown while staging when the content passes the configured size limit. */
export class ContentTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The content is larger than this server accepts (${limit} bytes)`);
  }
}

/**
 * Where artifact bytes live, addressed by their sha256. Behind an interface so the service can
 * be tested with a fake and another backend (object storage) can replace the file system.
 *
 * Invariants every implementation keeps: content appears under its digest atomically and
 * complete, or not at all; identical content is stored once; nothing is ever overwritten.
 */
export interface ArtifactStore {
  /** Streams `source` to a staging area, hashing as it goes; nothing is in the store yet. */
  stage(source: AsyncIterable<Uint8Array>, options: { maxBytes: number }): Promise<StagedContent>;
  /** Size of the stored content, or undefined when it is missing. */
  stat(sha256: string): Promise<{ size: number } | undefined>;
  /** Reads stored content (an inclusive byte range, or all of it). */
  read(sha256: string, range?: { start: number; end: number }): Readable;
  /** Re-hashes stored content; undefined when it is missing. */
  digest(sha256: string, options?: { blake2b512?: boolean }): Promise<ContentDigests | undefined>;
  /** The whole content in memory (only for small files: legacy minisign signatures sign the file itself). */
  readAll(sha256: string): Promise<Buffer>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Staged files older than this are leftovers of a crash and are swept on start. */
const STALE_STAGING_MS = 24 * 3_600_000;
const CHUNK = 1 << 20;
/** Bytes gathered before one write to the staging file. */
const WRITE_BATCH = 4 << 20;

/**
 * The file-system store under `<dataDir>/artifacts/`: `sha256/ab/cd/<digest>` for content,
 * `staging/` for uploads in progress. An upload is written to a staging file, fsynced, then
 * hard-linked into place (link fails if the digest already exists, so concurrent identical
 * pushes store one copy and nothing is ever replaced), and the directory is fsynced so the new
 * name survives a crash. A failed or cut-off upload only ever leaves a staging file, which is
 * removed at once (or, after a crash, by the sweep on start).
 */
export class FileArtifactStore implements ArtifactStore {
  readonly #root: string;
  readonly #staging: string;

  constructor(dataDir: string) {
    this.#root = path.join(dataDir, 'artifacts');
    this.#staging = path.join(this.#root, 'staging');
    fs.mkdirSync(this.#staging, { recursive: true });
    this.#sweepStaging();
  }

  #sweepStaging(): void {
    const cutoff = Date.now() - STALE_STAGING_MS;
    for (const name of fs.readdirSync(this.#staging)) {
      const file = path.join(this.#staging, name);
      try {
        if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
      } catch {
        // Removed by another instance sharing the directory: fine.
      }
    }
  }

  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`Not a sha256 digest: ${sha256}`);
    return path.join(this.#root, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async stage(source: AsyncIterable<Uint8Array>, { maxBytes }: { maxBytes: number }): Promise<StagedContent> {
    const staged = path.join(this.#staging, `${process.pid}-${crypto.randomBytes(12).toString('hex')}`);
    const hash = crypto.createHash('sha256');
    let size = 0;
    const handle = await fs.promises.open(staged, 'wx', 0o600);
    // Chunks are gathered into batches and written while the next batch is read: one write in
    // flight and one batch filling, so memory stays at two batches whatever the size, and the
    // network and the disk work at the same time instead of taking turns.
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    let inflight: Promise<void> = Promise.resolve();
    const flush = async () => {
      await inflight;
      const buffers = batch;
      batch = [];
      batchBytes = 0;
      inflight = writeAll(handle, buffers);
    };
    try {
      for await (const chunk of source) {
        size += chunk.byteLength;
        if (size > maxBytes) throw new ContentTooLargeError(maxBytes);
        hash.update(chunk);
        batch.push(chunk);
        batchBytes += chunk.byteLength;
        if (batchBytes >= WRITE_BATCH) await flush();
      }
      await flush();
      await inflight;
      await handle.sync();
    } catch (error) {
      await inflight.catch(() => undefined);
      await handle.close().catch(() => undefined);
      await fs.promises.rm(staged, { force: true });
      throw error;
    }
    await handle.close();
    const sha256 = hash.digest('hex');
    const target = this.pathOf(sha256);
    const discard = () => fs.promises.rm(staged, { force: true });
    return {
      sha256,
      size,
      discard,
      commit: async () => {
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        let created = true;
        try {
          await fs.promises.link(staged, target);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          created = false;
        }
        await discard();
        if (created) await fsyncDirectory(path.dirname(target));
        return { created };
      },
    };
  }

  async stat(sha256: string): Promise<{ size: number } | undefined> {
    try {
      const stats = await fs.promises.stat(this.pathOf(sha256));
      return { size: stats.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  read(sha256: string, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.pathOf(sha256), { highWaterMark: CHUNK, ...(range ?? {}) });
  }

  async digest(sha256: string, options: { blake2b512?: boolean } = {}): Promise<ContentDigests | undefined> {
    if (!(await this.stat(sha256))) return undefined;
    const sha = crypto.createHash('sha256');
    const blake = options.blake2b512 ? crypto.createHash('blake2b512') : undefined;
    let size = 0;
    try {
      for await (const chunk of this.read(sha256) as AsyncIterable<Buffer>) {
        size += chunk.length;
        sha.update(chunk);
        blake?.update(chunk);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return { sha256: sha.digest('hex'), size, ...(blake && { blake2b512: blake.digest() }) };
  }

  async readAll(sha256: string): Promise<Buffer> {
    return fs.promises.readFile(this.pathOf(sha256));
  }
}

async function writeAll(handle: fs.promises.FileHandle, buffers: Uint8Array[]): Promise<void> {
  let pending = buffers;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending);
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.byteLength) skip -= buffer.byteLength;
      else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    pending = rest;
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  // A new directory entry is durable only once its directory is synced (POSIX); some file
  // systems refuse to open directories for this, which costs durability, not correctness.
  try {
    const handle = await fs.promises.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // See above.
  }
}
