import { rolesApprove } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Actor } from '../actor.js';
import type { AuditTrail } from '../audit/audit.service.js';
import { addMs, type Clock, isoNow } from '../clock.js';
import type { Database } from '../database-schema.js';
import { ForbiddenError, InputError, NotFoundError } from '../errors.js';
import { type ApiToken, toApiToken, tokenRepository } from './token.repository.js';
import { displayPrefix, generateToken, hashSecret } from './token-format.js';
import { toUser, userRepository } from './user.repository.js';

export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 366;

export interface CreateTokenInput {
  name: string;
  expiresInDays?: number | undefined;
  /** Create for another user (admins only: service accounts for pipelines). */
  userId?: number | undefined;
}

/** API tokens: created with an expiry, shown once, stored hashed, listed without secrets, revocable. */
export class TokenService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly onRevoked: () => void = () => {},
  ) {}

  async create(
    actor: Actor,
    input: CreateTokenInput,
    mayManageOthers: boolean,
  ): Promise<{ token: ApiToken; secret: string }> {
    const userId = input.userId ?? actor.userId;
    if (userId === null) throw new InputError('The system actor has no tokens; give userId', { field: 'userId' });
    if (userId !== actor.userId && !mayManageOthers) {
      throw new ForbiddenError('Only an admin may create a token for another user');
    }
    const days = input.expiresInDays ?? DEFAULT_TOKEN_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS) {
      throw new InputError(`expiresInDays must be a whole number from 1 to ${MAX_TOKEN_DAYS}`, {
        field: 'expiresInDays',
      });
    }
    const name = input.name.trim();
    if (name.length === 0) throw new InputError('A token needs a name', { field: 'name' });
    const secret = generateToken();
    const now = isoNow(this.clock);
    const token = await this.db.transaction().execute(async (tx) => {
      const owner = await userRepository.findById(tx, userId);
      if (!owner) throw new NotFoundError('user', userId);
      if (owner.disabled === 1) throw new InputError(`User ${owner.username} is disabled`, { field: 'userId' });
      if (actor.userId !== null && userId !== actor.userId && rolesApprove(toUser(owner).roles)) {
        // A token minted by someone else for an approver would let that someone approve as them.
        throw new ForbiddenError(
          `${owner.username} holds an approval permission: only they may create their API tokens (an admin who must approve in an emergency uses break-glass: POST /api/v1/auth/break-glass)`,
          { rule: 'no_token_for_another_approver' },
        );
      }
      const row = await tokenRepository.insert(tx, {
        user_id: userId,
        name,
        token_hash: hashSecret(secret),
        prefix: displayPrefix(secret),
        created_at: now,
        expires_at: addMs(now, days * 86_400_000),
        version: 1,
      });
      const created = toApiToken(row);
      await this.audit.record(tx, actor, {
        action: 'token.create',
        objectType: 'token',
        objectId: created.id,
        after: created,
      });
      return created;
    });
    return { token, secret };
  }

  /** Inserts the SLIPWAY_ADMIN_TOKEN bootstrap token (no expiry) inside the caller's transaction. */
  async insertBootstrapToken(
    tx: Parameters<typeof tokenRepository.insert>[0],
    userId: number,
    secret: string,
  ): Promise<ApiToken> {
    const row = await tokenRepository.insert(tx, {
      user_id: userId,
      name: 'bootstrap (SLIPWAY_ADMIN_TOKEN)',
      token_hash: hashSecret(secret),
      prefix: displayPrefix(secret),
      created_at: isoNow(this.clock),
      expires_at: null,
      version: 1,
    });
    return toApiToken(row);
  }

  async list(filter: {
    userId?: number | undefined;
    afterId?: number | undefined;
    limit: number;
    includeRevoked: boolean;
  }): Promise<ApiToken[]> {
    return (await tokenRepository.list(this.db, filter)).map(toApiToken);
  }

  async get(id: number): Promise<ApiToken> {
    const row = await tokenRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('token', id);
    return toApiToken(row);
  }

  /** Revokes a token; effective at once on this instance and within a second on others. */
  async revoke(actor: Actor, id: number, mayManageOthers: boolean): Promise<ApiToken> {
    const revoked = await this.db.transaction().execute(async (tx) => {
      const current = await tokenRepository.findById(tx, id);
      // Someone else's token is "not found" to a non-admin: no probing of other users' token ids.
      if (!current || (current.user_id !== actor.userId && !mayManageOthers)) throw new NotFoundError('token', id);
      if (current.revoked_at) return toApiToken(current);
      const row = await tokenRepository.revoke(tx, id, isoNow(this.clock));
      if (!row) throw new NotFoundError('token', id);
      const after = toApiToken(row);
      await this.audit.record(tx, actor, {
        action: 'token.revoke',
        objectType: 'token',
        objectId: id,
        before: toApiToken(current),
        after,
      });
      return after;
    });
    this.onRevoked();
    return revoked;
  }
}
