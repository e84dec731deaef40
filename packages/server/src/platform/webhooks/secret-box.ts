import crypto from 'node:crypto';

/**
 * Seals webhook signing secrets at rest with AES-256-GCM under a key derived from the audit key
 * (kept outside the database). Slipway must read a secret back to sign with it, so it cannot be
 * hashed like an API token; sealed, a copy of the database alone does not let anyone forge
 * Slipway's signatures.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(rootKey: Buffer, purpose: string) {
    this.#key = Buffer.from(crypto.hkdfSync('sha256', rootKey, Buffer.alloc(0), `slipway ${purpose}`, 32));
  }

  seal(plaintext: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#key, iv);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v1',
      iv.toString('base64url'),
      sealed.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  open(box: string): string {
    const [version, iv, sealed, tag] = box.split('.');
    if (version !== 'v1' || !iv || sealed === undefined || !tag) throw new Error('Unreadable sealed secret');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
  }
}
