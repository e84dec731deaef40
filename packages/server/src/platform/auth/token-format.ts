import crypto from 'node:crypto';

/**
 * API token format: `slw_` + 43 base62 characters (256 random bits) + 6 base62 characters of
 * CRC-32 checksum. The prefix and checksum let secret scanners recognise a leaked Slipway token
 * without asking the server (the GitHub token scheme). Only a SHA-256 of the token is stored.
 */
export const TOKEN_PREFIX = 'slw_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
export const TOKEN_PATTERN = /^slw_[0-9A-Za-z]{49}$/;

function toBase62(bytes: Buffer, length: number): string {
  let value = BigInt(`0x${bytes.toString('hex') || '0'}`);
  let out = '';
  while (out.length < length) {
    out = BASE62[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}

function crc32Base62(text: string): string {
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(Buffer.from(text)));
  return toBase62(checksum, CHECKSUM_LENGTH);
}

let crcTable: Uint32Array | undefined;
function crc32(data: Buffer): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function generateToken(): string {
  const body = toBase62(crypto.randomBytes(32), BODY_LENGTH);
  return `${TOKEN_PREFIX}${body}${crc32Base62(body)}`;
}

/** True when the string has the Slipway token shape and its checksum matches. */
export function looksLikeSlipwayToken(token: string): boolean {
  if (!TOKEN_PATTERN.test(token)) return false;
  const body = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + BODY_LENGTH);
  return token.endsWith(crc32Base62(body));
}

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

/** What lists show of a token: enough to recognise it, far too little to use it. */
export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

/** A random URL-safe secret for session cookies and CSRF tokens (256 bits). */
export function randomSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}
