import { rolesAllow } from '@slipway/model';
import { type Kysely, sql } from 'kysely';
import type { Actor } from '../actor.js';
import type { AuditTrail } from '../audit/audit.service.js';
import { addMs, type Clock } from '../clock.js';
import { type Db, dialectOf } from '../database.js';
import type { Database } from '../database-schema.js';
import { AppError } from '../errors.js';
import { teamRepository } from '../teams/team.repository.js';
import { breakGlassRepository } from './break-glass.repository.js';
import { verifyAgainstDummy, verifyPassword } from './password.js';
import { elevated, type Principal, principalFor } from './principal.js';
import { loginAttemptRepository, sessionRepository } from './session.repository.js';
import { tokenRepository } from './token.repository.js';
import { hashSecret, randomSecret } from './token-format.js';
import { toUser, userRepository } from './user.repository.js';

export interface AuthSettings {
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
}

/** Failed logins before a name is throttled, and the lockout after many. */
const FREE_FAILURES = 5;
const LOCK_AFTER_FAILURES = 10;
const LOCK_MS = 15 * 60_000;
/** How long a verified token is trusted without asking the database again (revocation lag bound). */
const TOKEN_CACHE_MS = 1000;
/** last_used_at and session idle expiry are written at most this often, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface LoginResult {
  /** The cookie value; only its hash is stored. */
  sessionSecret: string;
  csrfToken: string;
  expiresAt: string;
  principal: Principal;
}

const INVALID_CREDENTIALS = () => new AppError('INVALID_CREDENTIALS', 'Invalid username or password');

/**
 * Authentication: API tokens, password login and sessions. Messages never say whether an
 * account exists; throttling is keyed by the submitted name for the same reason.
 */
export class AuthService {
  readonly #tokenCache = new Map<string, { principal: Principal; until: number }>();
  /** The last login attempt in flight per account name (see `login`). */
  readonly #loginQueue = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly settings: AuthSettings,
  ) {}

  /** The principal for a bearer token, or null when it is unknown, revoked, expired or its user disabled. */
  async authenticateToken(secret: string): Promise<Principal | null> {
    const tokenHash = hashSecret(secret);
    const now = this.clock.now();
    const cached = this.#tokenCache.get(tokenHash);
    if (cached && cached.until > now.getTime()) return cached.principal;
    return this.#verifyToken(tokenHash, now);
  }

  /**
   * The principal of a token verified less than TOKEN_CACHE_MS ago, without waiting: the access
   * hook answers most requests of a busy client from here and skips a promise per request.
   */
  cachedTokenPrincipal(secret: string): Principal | undefined {
    const cached = this.#tokenCache.get(hashSecret(secret));
    return cached && cached.until > this.clock.now().getTime() ? cached.principal : undefined;
  }

  async #verifyToken(tokenHash: string, now: Date): Promise<Principal | null> {
    const found = await tokenRepository.findByHashWithUser(this.db, tokenHash);
    if (!found) return null;
    const { token, user } = found;
    const nowIso = now.toISOString();
    if (token.revoked_at || (token.expires_at && token.expires_at <= nowIso) || user.disabled === 1) {
      this.#tokenCache.delete(tokenHash);
      return null;
    }
    if (!token.last_used_at || now.getTime() - Date.parse(token.last_used_at) > TOUCH_INTERVAL_MS) {
      await tokenRepository.touchLastUsed(this.db, token.id, nowIso);
    }
    const teamIds = await teamRepository.teamIdsOfUser(this.db, user.id);
    const principal = await this.#withElevation(
      principalFor(toUser(user), 'token', { tokenId: token.id, teamIds }),
      nowIso,
    );
    if (this.#tokenCache.size > 10_000) this.#tokenCache.clear();
    // An elevation's permissions must not outlive it in the cache.
    const until = Math.min(
      now.getTime() + TOKEN_CACHE_MS,
      principal.breakGlass ? Date.parse(principal.breakGlass.expiresAt) : Number.POSITIVE_INFINITY,
    );
    this.#tokenCache.set(tokenHash, { principal, until });
    return principal;
  }

  /** Forget cached verifications so a revocation or role change applies at once on this instance. */
  invalidateCachedTokens(): void {
    this.#tokenCache.clear();
  }

  async authenticateSession(cookieValue: string): Promise<Principal | null> {
    const id = hashSecret(cookieValue);
    const session = await sessionRepository.findById(this.db, id);
    if (!session) return null;
    const now = this.clock.now();
    const nowIso = now.toISOString();
    if (session.expires_at <= nowIso || session.idle_expires_at <= nowIso) {
      await sessionRepository.delete(this.db, id);
      return null;
    }
    const userRow = await userRepository.findById(this.db, session.user_id);
    if (!userRow || userRow.disabled === 1) return null;
    const idleMs = this.settings.sessionIdleMinutes * 60_000;
    if (Date.parse(session.idle_expires_at) - now.getTime() < idleMs - TOUCH_INTERVAL_MS) {
      await sessionRepository.extendIdle(this.db, id, addMs(nowIso, idleMs));
    }
    const teamIds = await teamRepository.teamIdsOfUser(this.db, userRow.id);
    return this.#withElevation(
      principalFor(toUser(userRow), 'session', { sessionId: id, csrfToken: session.csrf_token, teamIds }),
      nowIso,
    );
  }

  /**
   * The principal under its user's active break-glass elevation, if the user holds
   * `break_glass.use` by their roles and has one (read from the database on every uncached
   * authentication, so every instance sees a start, an end and an expiry).
   */
  async #withElevation(principal: Principal, nowIso: string): Promise<Principal> {
    if (!rolesAllow(principal.user.roles, 'break_glass.use')) return principal;
    const row = await breakGlassRepository.findActive(this.db, principal.user.id, nowIso);
    if (!row) return principal;
    return elevated(principal, {
      id: row.id,
      reason: row.reason,
      startedAt: row.started_at,
      expiresAt: row.expires_at,
    });
  }

  /**
   * Password login. Unknown user, wrong password and disabled account all answer the same
   * INVALID_CREDENTIALS after the same work; a name with too many recent failures answers
   * LOGIN_THROTTLED whether or not it exists.
   */
  async login(username: string, password: string, requestId: string | null): Promise<LoginResult> {
    const name = username.trim().toLowerCase();
    // Attempts for one name run one at a time, so each sees the failures recorded before it;
    // otherwise a burst of parallel guesses all pass the throttle check before any is counted.
    // Instances sharing a PostgreSQL database are serialised by a lock there (see #attemptLogin);
    // this queue keeps one instance's waiting attempts off the connection pool.
    const previous = this.#loginQueue.get(name) ?? Promise.resolve();
    const attempt = previous.then(() => this.#attemptLogin(name, password, requestId));
    const settled = attempt.then(
      () => undefined,
      () => undefined,
    );
    this.#loginQueue.set(name, settled);
    try {
      return await attempt;
    } finally {
      if (this.#loginQueue.get(name) === settled) this.#loginQueue.delete(name);
    }
  }

  /**
   * One login attempt. On PostgreSQL the whole attempt (throttle check, password check, counting
   * the failure or opening the session) runs in one transaction under an advisory lock on the
   * name, so attempts for one name are serialised across every instance sharing the database:
   * a burst of guesses spread over instances gets exactly the free failures, no more. SQLite has
   * one instance, whose in-process queue (`login`) already serialises them; there a transaction
   * must not stay open across the password hash, since it would hold the only write lock.
   */
  async #attemptLogin(name: string, password: string, requestId: string | null): Promise<LoginResult> {
    const outcome =
      dialectOf(this.db) === 'postgres'
        ? await this.db.transaction().execute(async (tx) => {
            await sql`select pg_advisory_xact_lock(hashtextextended(${`slipway.login:${name}`}, 0))`.execute(tx);
            return this.#attempt(tx, name, password, requestId);
          })
        : await this.#attempt(this.db, name, password, requestId);
    // Thrown only now: an error thrown inside the transaction would roll back the counted failure.
    if (outcome instanceof AppError) throw outcome;
    return outcome;
  }

  /** Runs `work` in `db` when it already is a transaction, else in a new one. */
  #inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
    return db.isTransaction ? work(db) : (db as Kysely<Database>).transaction().execute(work);
  }

  async #attempt(db: Db, name: string, password: string, requestId: string | null): Promise<LoginResult | AppError> {
    const now = this.clock.now();
    const nowIso = now.toISOString();

    const attempts = await loginAttemptRepository.find(db, name);
    if (attempts?.locked_until && attempts.locked_until > nowIso) {
      const retryAfter = Math.ceil((Date.parse(attempts.locked_until) - now.getTime()) / 1000);
      return new AppError(
        'LOGIN_THROTTLED',
        `Too many failed logins for this account name; try again in ${retryAfter} s`,
        { retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }

    const userRow = await userRepository.findByUsername(db, name);
    const ok =
      userRow?.password_hash && userRow.disabled === 0
        ? await verifyPassword(userRow.password_hash, password)
        : await verifyAgainstDummy(password);

    if (!ok || !userRow) {
      await this.#inTransaction(db, async (tx) => {
        const failures = await loginAttemptRepository.recordFailure(tx, name, nowIso);
        // The FREE_FAILURES-th failure already throttles the name: 2 s, then 4 s, … until the lockout.
        let lockedUntil: string | null = null;
        if (failures >= LOCK_AFTER_FAILURES) lockedUntil = addMs(nowIso, LOCK_MS);
        else if (failures >= FREE_FAILURES) lockedUntil = addMs(nowIso, (failures - FREE_FAILURES + 1) * 2000);
        await loginAttemptRepository.setLockedUntil(tx, name, lockedUntil);
        await this.audit.record(
          tx,
          { userId: null, username: name.slice(0, 100), roles: [], requestId, via: 'session' },
          {
            action: 'auth.login_failed',
            objectType: 'session',
            after: { username: name.slice(0, 100), failures, lockedUntil },
          },
        );
      });
      return INVALID_CREDENTIALS();
    }

    const user = toUser(userRow);
    const sessionSecret = randomSecret();
    const csrfToken = randomSecret();
    const sessionId = hashSecret(sessionSecret);
    const expiresAt = addMs(nowIso, this.settings.sessionAbsoluteHours * 3_600_000);
    await this.#inTransaction(db, async (tx) => {
      await loginAttemptRepository.clear(tx, name);
      await sessionRepository.deleteExpired(tx, nowIso);
      await sessionRepository.insert(tx, {
        id: sessionId,
        user_id: user.id,
        csrf_token: csrfToken,
        created_at: nowIso,
        expires_at: expiresAt,
        idle_expires_at: addMs(nowIso, this.settings.sessionIdleMinutes * 60_000),
      });
      await userRepository.touchLastLogin(tx, user.id, nowIso);
      await this.audit.record(
        tx,
        { userId: user.id, username: user.username, roles: user.roles, requestId, via: 'session' },
        { action: 'auth.login', objectType: 'user', objectId: user.id, after: { expiresAt } },
      );
    });
    return {
      sessionSecret,
      csrfToken,
      expiresAt,
      principal: principalFor(user, 'session', {
        sessionId,
        csrfToken,
        teamIds: await teamRepository.teamIdsOfUser(db, user.id),
      }),
    };
  }

  async logout(sessionId: string, actor: Actor): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await sessionRepository.delete(tx, sessionId);
      await this.audit.record(tx, actor, { action: 'auth.logout', objectType: 'user', objectId: actor.userId });
    });
  }

  /** Seconds a session lives at most, for the cookie's Max-Age. */
  get sessionMaxAgeSeconds(): number {
    return this.settings.sessionAbsoluteHours * 3600;
  }
}
