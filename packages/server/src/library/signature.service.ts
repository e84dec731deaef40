import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { ConflictError, InputError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import type { ArtifactStore } from './artifact-store.js';
import { libraryRepository, type TrustedKeyRow } from './library.repository.js';
import {
  MinisignFormatError,
  type MinisignPublicKey,
  type MinisignSignature,
  parseMinisignPublicKey,
  parseMinisignSignature,
  type SignatureCheck,
  verifyMinisign,
} from './minisign.js';
import { auditRefusals } from './refusal-audit.js';

/** Legacy (`Ed`, not prehashed) signatures sign the whole file, which must then fit in memory. */
export const LEGACY_SIGNATURE_MAX_BYTES = 256 * 1024 * 1024;

export interface TrustedKey {
  id: number;
  keyId: string;
  name: string;
  publicKey: string;
  createdBy: string;
  revokedAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

function toKey(row: TrustedKeyRow): TrustedKey {
  return {
    id: row.id,
    keyId: row.key_id,
    name: row.name,
    publicKey: row.public_key,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

/** Parses a `.minisig` text, turning format problems into a 400 that says what is wrong. */
export function parseSignatureInput(text: string): MinisignSignature {
  try {
    return parseMinisignSignature(text);
  } catch (error) {
    if (error instanceof MinisignFormatError) throw new InputError(error.message, { field: 'minisig' });
    throw error;
  }
}

/**
 * Trusted minisign keys (registered by admins) and signature verification of stored content.
 * Revoking a key keeps it listed (audits name it) but no signature verifies against it any more.
 */
export class SignatureService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly store: ArtifactStore,
  ) {}

  async listKeys(afterId: number | undefined, limit: number): Promise<TrustedKey[]> {
    return (await libraryRepository.listKeys(this.db, afterId, limit)).map(toKey);
  }

  async getKey(id: number): Promise<TrustedKey> {
    const row = await libraryRepository.findKey(this.db, id);
    if (!row) throw new NotFoundError('trusted key', id);
    return toKey(row);
  }

  async addKey(actor: Actor, input: { name: string; publicKey: string }): Promise<TrustedKey> {
    return auditRefusals(this.db, this.audit, actor, { action: 'library.key.add', objectType: 'trusted_key' }, () =>
      this.db.transaction().execute(async (tx) => {
        let parsed: MinisignPublicKey;
        try {
          parsed = parseMinisignPublicKey(input.publicKey);
        } catch (error) {
          if (error instanceof MinisignFormatError || error instanceof TypeError) {
            throw new InputError(`publicKey: ${error.message}`, { field: 'publicKey' });
          }
          throw new InputError('publicKey is not a valid Ed25519 public key', { field: 'publicKey' });
        }
        const existing = await libraryRepository.findKeyByKeyId(tx, parsed.keyId);
        if (existing) {
          throw new ConflictError(`Key ${parsed.keyId} is already registered (id ${existing.id})`, {
            existingId: existing.id,
          });
        }
        const now = isoNow(this.clock);
        const row = await libraryRepository.insertKey(tx, {
          key_id: parsed.keyId,
          public_key: parsed.base64,
          name: input.name,
          created_by: actor.username,
          revoked_at: null,
          created_at: now,
          updated_at: now,
          version: 1,
        });
        const key = toKey(row);
        await this.audit.record(tx, actor, {
          action: 'library.key.add',
          objectType: 'trusted_key',
          objectId: key.id,
          after: key,
        });
        return key;
      }),
    );
  }

  async revokeKey(actor: Actor, id: number, expectedVersion?: number): Promise<TrustedKey> {
    return auditRefusals(
      this.db,
      this.audit,
      actor,
      { action: 'library.key.revoke', objectType: 'trusted_key', objectId: id },
      () =>
        this.db.transaction().execute(async (tx) => {
          const current = await libraryRepository.findKey(tx, id);
          if (!current) throw new NotFoundError('trusted key', id);
          const version = expectedVersion ?? current.version;
          if (version !== current.version) throw new StaleVersionError('trusted key', id, version, current.version);
          if (current.revoked_at !== null) return toKey(current);
          const now = isoNow(this.clock);
          const row = await libraryRepository.updateKey(tx, id, version, { revoked_at: now, updated_at: now });
          if (!row) throw new StaleVersionError('trusted key', id, version, current.version + 1);
          const key = toKey(row);
          await this.audit.record(tx, actor, {
            action: 'library.key.revoke',
            objectType: 'trusted_key',
            objectId: id,
            before: toKey(current),
            after: key,
          });
          return key;
        }),
    );
  }

  async #trustedKeys(db: Db): Promise<Map<string, MinisignPublicKey>> {
    const keys = new Map<string, MinisignPublicKey>();
    for (const row of await libraryRepository.activeKeys(db))
      keys.set(row.key_id, parseMinisignPublicKey(row.public_key));
    return keys;
  }

  /**
   * Verifies a signature over stored content. `blake2b512` may be passed when the caller has
   * just hashed the content (integrity checks compute both digests in one pass).
   */
  async verifyStored(
    signature: MinisignSignature,
    content: { sha256: string; size: number; blake2b512?: Buffer | undefined },
    db: Db = this.db,
  ): Promise<SignatureCheck> {
    const keys = await this.#trustedKeys(db);
    if (!keys.has(signature.keyId)) return verifyMinisign(signature, Buffer.alloc(0), keys);
    let message: Buffer;
    if (signature.algorithm === 'ED') {
      const blake = content.blake2b512 ?? (await this.store.digest(content.sha256, { blake2b512: true }))?.blake2b512;
      if (!blake) return { ok: false, reason: 'bad_signature', message: 'The stored content is missing' };
      message = blake;
    } else {
      if (content.size > LEGACY_SIGNATURE_MAX_BYTES) {
        return {
          ok: false,
          reason: 'unsupported',
          message: `Legacy minisign signatures (algorithm Ed, made with -l) sign the whole file and are verified only up to ${LEGACY_SIGNATURE_MAX_BYTES} bytes; sign this ${content.size}-byte file with minisign's default (prehashed) mode`,
        };
      }
      message = await this.store.readAll(content.sha256);
    }
    return verifyMinisign(signature, message, keys);
  }
}
