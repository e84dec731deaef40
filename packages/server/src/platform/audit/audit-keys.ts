import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Key material for the audit trail, kept outside the database so that someone who can write to
 * the database cannot forge entries or checkpoints:
 * - `macKey` authenticates every entry's hash (a re-hashed chain fails the MAC);
 * - `signingKey` (Ed25519) signs checkpoints of the chain head (a truncated tail fails them);
 *   auditors can check checkpoints with the public key alone.
 * Both derive from one 32-byte secret in `<dataDir>/audit.key` (or `SLIPWAY_AUDIT_KEY_FILE`).
 * Several instances sharing one PostgreSQL must share this file.
 */
export interface AuditKeys {
  macKey: Buffer;
  signingKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  /** Short fingerprint of the public key, recorded in every checkpoint. */
  keyId: string;
  /** Where the secret lives, for messages. */
  file: string;
}

// PKCS#8 DER prefix for a raw 32-byte Ed25519 seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function deriveAuditKeys(secret: Buffer, file = '(in memory)'): AuditKeys {
  if (secret.length < 32) throw new Error(`Audit key in ${file} is too short: expected 32 bytes`);
  const macKey = Buffer.from(crypto.hkdfSync('sha256', secret, Buffer.alloc(0), 'slipway audit mac', 32));
  const seed = Buffer.from(crypto.hkdfSync('sha256', secret, Buffer.alloc(0), 'slipway audit checkpoint', 32));
  const signingKey = crypto.createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = crypto.createPublicKey(signingKey);
  const raw = publicKey.export({ format: 'der', type: 'spki' });
  const keyId = crypto.createHash('sha256').update(raw).digest('hex').slice(0, 16);
  return { macKey, signingKey, publicKey, keyId, file };
}

/** Reads the audit secret, creating it (mode 0600) on first start. */
export function loadOrCreateAuditKeys(dataDir: string, env: NodeJS.ProcessEnv = process.env): AuditKeys {
  const file = path.resolve(env.SLIPWAY_AUDIT_KEY_FILE ?? path.join(dataDir, 'audit.key'));
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const secret = crypto.randomBytes(32).toString('base64');
    // Written whole to a private temporary file, then linked into place: link() fails if another
    // process (an instance starting beside this one on a shared data directory) created the key
    // first, and then we read theirs. A reader never sees the key file half written.
    const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    const fd = fs.openSync(temporary, 'wx', 0o600);
    try {
      fs.writeSync(fd, `${secret}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(temporary, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') {
        // A file system without hard links: exclusive create is the next best thing.
        try {
          fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
        } catch (inner) {
          if ((inner as NodeJS.ErrnoException).code !== 'EEXIST') throw inner;
        }
      } else if (code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  const secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  return deriveAuditKeys(secret, file);
}

export function publicKeyPem(keys: AuditKeys): string {
  return keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
}
