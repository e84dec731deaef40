import crypto from 'node:crypto';

/**
 * minisign (https://jedisct1.github.io/minisign/) signatures, verified with Node's own Ed25519.
 *
 * Public key: `untrusted comment: …` then base64 of `Ed` ‖ key id (8 bytes, little-endian) ‖
 * Ed25519 public key (32 bytes); the comment line is optional.
 * Signature file (`.minisig`), four lines: `untrusted comment: …`; base64 of algorithm (2 bytes)
 * ‖ key id (8) ‖ signature (64); `trusted comment: …`; base64 of the global signature (64), which
 * signs signature ‖ trusted comment, so the trusted comment (timestamp, file name) cannot be
 * swapped. Algorithm `Ed` signs the file itself (legacy); `ED` (minisign's default since 0.10)
 * signs the BLAKE2b-512 digest of the file, which can be computed while streaming.
 */

export type MinisignAlgorithm = 'Ed' | 'ED';

export interface MinisignPublicKey {
  /** 16 upper-case hex digits, as `minisign` prints the key id. */
  keyId: string;
  /** The base64 line (without comment): what admins register and what we store. */
  base64: string;
  key: crypto.KeyObject;
}

export interface MinisignSignature {
  algorithm: MinisignAlgorithm;
  keyId: string;
  signature: Buffer;
  trustedComment: string;
  globalSignature: Buffer;
}

export class MinisignFormatError extends Error {}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
const MAX_COMMENT = 1024;

/** minisign prints the little-endian 64-bit key id as a hex number. */
function keyIdHex(bytes: Buffer): string {
  return Buffer.from(bytes).reverse().toString('hex').toUpperCase();
}

function decodeBase64Line(line: string, what: string, expectedLength: number): Buffer {
  const trimmed = line.trim();
  if (!BASE64_LINE.test(trimmed)) throw new MinisignFormatError(`The ${what} line is not base64`);
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== expectedLength) {
    throw new MinisignFormatError(`The ${what} has ${bytes.length} bytes, a minisign ${what} has ${expectedLength}`);
  }
  return bytes;
}

/** Parses a minisign public key: the whole `.pub` file, or only its base64 line. */
export function parseMinisignPublicKey(text: string): MinisignPublicKey {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const keyLine = lines.find((l) => !l.startsWith('untrusted comment:'));
  if (!keyLine || lines.length > 2) {
    throw new MinisignFormatError(
      'Expected a minisign public key: an optional "untrusted comment:" line and one base64 line',
    );
  }
  const bytes = decodeBase64Line(keyLine, 'public key', 42);
  if (bytes.subarray(0, 2).toString('latin1') !== 'Ed') {
    throw new MinisignFormatError('The public key is not an Ed25519 minisign key (it does not start with "Ed")');
  }
  const key = crypto.createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, bytes.subarray(10, 42)]),
    format: 'der',
    type: 'spki',
  });
  return { keyId: keyIdHex(bytes.subarray(2, 10)), base64: keyLine, key };
}

/** Parses a `.minisig` file. */
export function parseMinisignSignature(text: string): MinisignSignature {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  if (lines.length !== 4) {
    throw new MinisignFormatError(
      `A minisign signature has 4 lines (untrusted comment, signature, trusted comment, global signature); this has ${lines.length}`,
    );
  }
  const [untrusted, signatureLine, trusted, globalLine] = lines as [string, string, string, string];
  if (!untrusted.startsWith('untrusted comment:')) {
    throw new MinisignFormatError('Line 1 of a minisign signature must start with "untrusted comment:"');
  }
  if (!trusted.startsWith('trusted comment: ')) {
    throw new MinisignFormatError('Line 3 of a minisign signature must start with "trusted comment: "');
  }
  const trustedComment = trusted.slice('trusted comment: '.length);
  if (trustedComment.length > MAX_COMMENT) throw new MinisignFormatError('The trusted comment is too long');
  const bytes = decodeBase64Line(signatureLine, 'signature', 74);
  const algorithm = bytes.subarray(0, 2).toString('latin1');
  if (algorithm !== 'Ed' && algorithm !== 'ED') {
    throw new MinisignFormatError(`Unknown minisign signature algorithm "${algorithm}" (expected Ed or ED)`);
  }
  return {
    algorithm,
    keyId: keyIdHex(bytes.subarray(2, 10)),
    signature: bytes.subarray(10, 74),
    trustedComment,
    globalSignature: decodeBase64Line(globalLine, 'global signature', 64),
  };
}

export type SignatureCheck =
  | { ok: true; keyId: string; trustedComment: string; algorithm: MinisignAlgorithm }
  | {
      ok: false;
      reason: 'unknown_key' | 'bad_signature' | 'bad_trusted_comment' | 'malformed' | 'unsupported';
      message: string;
    };

/**
 * Verifies a parsed signature against the trusted keys. `message` is what was signed: the
 * BLAKE2b-512 digest of the file for `ED`, the file itself for `Ed` (the caller decides which
 * to read, from `signature.algorithm`).
 */
export function verifyMinisign(
  signature: MinisignSignature,
  message: Buffer,
  trustedKeys: ReadonlyMap<string, MinisignPublicKey>,
): SignatureCheck {
  const key = trustedKeys.get(signature.keyId);
  if (!key) {
    return {
      ok: false,
      reason: 'unknown_key',
      message: `Signed with key ${signature.keyId}, which is not a trusted key (an admin registers trusted keys)`,
    };
  }
  if (!crypto.verify(null, message, key.key, signature.signature)) {
    return {
      ok: false,
      reason: 'bad_signature',
      message: `The signature by key ${signature.keyId} does not match the content: the file was changed after it was signed, or the signature belongs to another file`,
    };
  }
  const global = Buffer.concat([signature.signature, Buffer.from(signature.trustedComment, 'utf8')]);
  if (!crypto.verify(null, global, key.key, signature.globalSignature)) {
    return {
      ok: false,
      reason: 'bad_trusted_comment',
      message: `The trusted comment of the signature by key ${signature.keyId} was altered (its global signature does not verify)`,
    };
  }
  return { ok: true, keyId: signature.keyId, trustedComment: signature.trustedComment, algorithm: signature.algorithm };
}
