import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/**
 * A streaming tar.gz writer (POSIX ustar), small enough to read in one sitting: the evidence
 * pack is a handful of files, and a dependency for it would be more code to trust than this.
 * Content is streamed, never buffered whole, so big evidence files cost no memory.
 */

export interface ArchiveEntry {
  /** Path inside the archive: letters, digits, `._-` and `/`; no `..`, no leading `/`. */
  name: string;
  size: number;
  mtime: Date;
  /** The bytes, or a function that streams exactly `size` bytes. */
  content: Buffer | (() => AsyncIterable<Uint8Array>);
}

const BLOCK = 512;
const SAFE_PATH = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** A file name reduced to safe characters (uploads name their files whatever they like). */
export function safeFileName(name: string, fallback = 'file'): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 80);
  return cleaned === '' ? fallback : cleaned;
}

function writeString(header: Buffer, value: string, offset: number, length: number): void {
  header.write(value, offset, Math.min(Buffer.byteLength(value), length), 'utf8');
}

function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  // length - 1 octal digits and a NUL, as ustar readers expect.
  writeString(header, `${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
}

/** The 512-byte ustar header of one regular file. */
export function tarHeader(name: string, size: number, mtime: Date): Buffer {
  if (!SAFE_PATH.test(name) || name.split('/').includes('..')) throw new Error(`Unsafe archive path: ${name}`);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const slash = name.lastIndexOf('/', name.length - 2);
    if (slash <= 0 || slash > 155 || name.length - slash - 1 > 100) throw new Error(`Archive path too long: ${name}`);
    prefix = name.slice(0, slash);
    base = name.slice(slash + 1);
  }
  if (size > 0o77777777777) throw new Error(`File too large for ustar: ${name}`);
  const header = Buffer.alloc(BLOCK, 0);
  writeString(header, base, 0, 100);
  writeOctal(header, 0o644, 100, 8);
  writeOctal(header, 0, 108, 8);
  writeOctal(header, 0, 116, 8);
  writeOctal(header, size, 124, 12);
  writeOctal(header, Math.floor(mtime.getTime() / 1000), 136, 12);
  header.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  header.write('0', 156, 'ascii');
  writeString(header, 'ustar\0', 257, 6);
  writeString(header, '00', 263, 2);
  writeString(header, 'slipway', 265, 32);
  writeString(header, 'slipway', 297, 32);
  writeString(header, prefix, 345, 155);
  let sum = 0;
  for (const byte of header) sum += byte;
  writeString(header, `${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

async function* tarBlocks(entries: Iterable<ArchiveEntry> | AsyncIterable<ArchiveEntry>): AsyncGenerator<Buffer> {
  for await (const entry of entries) {
    yield tarHeader(entry.name, entry.size, entry.mtime);
    let written = 0;
    if (Buffer.isBuffer(entry.content)) {
      written = entry.content.length;
      yield entry.content;
    } else {
      for await (const chunk of entry.content()) {
        written += chunk.byteLength;
        if (written > entry.size) throw new Error(`${entry.name} is longer than its recorded size ${entry.size}`);
        yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
    }
    if (written !== entry.size) throw new Error(`${entry.name} has ${written} bytes, not its recorded ${entry.size}`);
    const padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (padding > 0) yield Buffer.alloc(padding, 0);
  }
  yield Buffer.alloc(BLOCK * 2, 0);
}

/** The entries as a gzip-compressed tar stream. */
export function tarGzStream(entries: Iterable<ArchiveEntry> | AsyncIterable<ArchiveEntry>): Readable {
  const gzip = zlib.createGzip();
  const source = Readable.from(tarBlocks(entries));
  source.on('error', (error) => gzip.destroy(error));
  return source.pipe(gzip);
}
