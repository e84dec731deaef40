import crypto from 'node:crypto';
import { isRole, type Role, rolesAllow } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { hashSecret } from '../platform/auth/token-format.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Database } from '../platform/database-schema.js';
import { ForbiddenError, NotFoundError } from '../platform/errors.js';

/**
 * Read-only calendar feed tokens: `slwcal_` + 256 random bits (base64url). Calendar clients
 * cannot send an Authorization header, so the iCalendar route accepts one in `?token=`. Such a
 * token grants exactly that route (no other route looks at feed tokens; it is not an API token),
 * only while its user is enabled and still holds `changes.read`. Only its SHA-256 is stored.
 */
export const FEED_TOKEN_PREFIX = 'slwcal_';
const FEED_TOKEN_PATTERN = /^slwcal_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often per token (a feed is polled every few minutes). */
const TOUCH_EVERY_MS = 60_000;

export interface FeedToken {
  id: number;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

type FeedTokenRow = {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
};

function toFeedToken(row: FeedTokenRow): FeedToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export class FeedTokenService {
  readonly #touched = new Map<number, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  async create(actor: Actor, name: string): Promise<{ token: FeedToken; secret: string }> {
    if (actor.userId === null) throw new ForbiddenError('Feed tokens belong to a user');
    const userId = actor.userId;
    const secret = `${FEED_TOKEN_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
    const token = await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('calendar_feed_tokens')
        .values({
          user_id: userId,
          name,
          token_hash: hashSecret(secret),
          prefix: secret.slice(0, FEED_TOKEN_PREFIX.length + 6),
          created_at: isoNow(this.clock),
          last_used_at: null,
          revoked_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const created = toFeedToken(row);
      await this.audit.record(tx, actor, {
        action: 'calendar_feed_token.create',
        objectType: 'calendar_feed_token',
        objectId: row.id,
        after: created,
      });
      return created;
    });
    return { token, secret };
  }

  async list(actor: Actor): Promise<FeedToken[]> {
    if (actor.userId === null) return [];
    const rows = await this.db
      .selectFrom('calendar_feed_tokens')
      .selectAll()
      .where('user_id', '=', actor.userId)
      .orderBy('id')
      .execute();
    return rows.map(toFeedToken);
  }

  /** Revokes one of the caller's own tokens (an admin with users.write may revoke anyone's). */
  async revoke(actor: Actor, id: number): Promise<FeedToken> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('calendar_feed_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      const mayManageAll = rolesAllow(actor.roles, 'users.write');
      // Someone else's token answers 404, as if it did not exist.
      if (!row || (row.user_id !== actor.userId && !mayManageAll)) throw new NotFoundError('calendar feed token', id);
      if (row.revoked_at !== null) return toFeedToken(row);
      const updated = await tx
        .updateTable('calendar_feed_tokens')
        .set({ revoked_at: isoNow(this.clock) })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.audit.record(tx, actor, {
        action: 'calendar_feed_token.revoke',
        objectType: 'calendar_feed_token',
        objectId: id,
        before: toFeedToken(row),
        after: toFeedToken(updated),
      });
      return toFeedToken(updated);
    });
  }

  /** The user a feed token reads the calendar as, or undefined when it must be refused. */
  async authenticate(secret: string): Promise<{ userId: number; username: string; roles: Role[] } | undefined> {
    if (!FEED_TOKEN_PATTERN.test(secret)) return undefined;
    const row = await this.db
      .selectFrom('calendar_feed_tokens')
      .innerJoin('users', 'users.id', 'calendar_feed_tokens.user_id')
      .select([
        'calendar_feed_tokens.id as id',
        'calendar_feed_tokens.revoked_at as revoked_at',
        'users.id as user_id',
        'users.username as username',
        'users.roles as roles',
        'users.disabled as disabled',
      ])
      .where('calendar_feed_tokens.token_hash', '=', hashSecret(secret))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || row.disabled === 1) return undefined;
    const roles = (JSON.parse(row.roles) as string[]).filter(isRole);
    if (!rolesAllow(roles, 'changes.read')) return undefined;
    const now = this.clock.now().getTime();
    if ((this.#touched.get(row.id) ?? 0) + TOUCH_EVERY_MS < now) {
      this.#touched.set(row.id, now);
      await this.db
        .updateTable('calendar_feed_tokens')
        .set({ last_used_at: isoNow(this.clock) })
        .where('id', '=', row.id)
        .execute();
    }
    return { userId: row.user_id, username: row.username, roles };
  }
}
