import type { Role } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Actor } from '../actor.js';
import type { AuditTrail } from '../audit/audit.service.js';
import { type Clock, isoNow } from '../clock.js';
import { isUniqueViolation } from '../database.js';
import type { Database } from '../database-schema.js';
import { ConflictError, ForbiddenError, InputError, NotFoundError, StaleVersionError } from '../errors.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password.js';
import { sessionRepository } from './session.repository.js';
import { randomSecret } from './token-format.js';
import { toUser, type User, type UserListFilter, userRepository } from './user.repository.js';

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,62}$/;

export interface CreateUserInput {
  username: string;
  displayName?: string | undefined;
  email?: string | null | undefined;
  roles: Role[];
  /** Omit to generate one (returned once). Null creates an account without a password (API tokens only). */
  password?: string | null | undefined;
}

export interface UpdateUserInput {
  displayName?: string | undefined;
  email?: string | null | undefined;
  roles?: Role[] | undefined;
  disabled?: boolean | undefined;
}

function sameRoles(a: readonly Role[], b: readonly Role[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((role) => right.has(role));
}

/** Generates a password that meets the policy: 20 URL-safe random characters. */
export function generatePassword(): string {
  return randomSecret().slice(0, 20);
}

/** Users and their roles. Every change is audited; disabling a user ends their sessions at once. */
export class UserService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    /** Called after a change that affects authentication (roles, disabled), to drop caches. */
    private readonly onAccessChanged: () => void = () => {},
  ) {}

  async get(id: number): Promise<User> {
    const row = await userRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('user', id);
    return toUser(row);
  }

  async list(filter: UserListFilter): Promise<User[]> {
    return (await userRepository.list(this.db, filter)).map(toUser);
  }

  async count(): Promise<number> {
    return userRepository.count(this.db);
  }

  /** Creates a user; `initialPassword` is set when Slipway generated the password (shown once). */
  async create(actor: Actor, input: CreateUserInput): Promise<{ user: User; initialPassword: string | null }> {
    const username = input.username.trim().toLowerCase();
    if (!USERNAME_PATTERN.test(username)) {
      throw new InputError(
        'Username must be 2–63 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
        { field: 'username' },
      );
    }
    if (input.roles.length === 0) throw new InputError('A user needs at least one role', { field: 'roles' });
    const generated = input.password === undefined ? generatePassword() : null;
    const password = input.password === undefined ? generated : input.password;
    if (password !== null && password !== undefined && generated === null) checkPasswordPolicy(password, username);
    const passwordHash = password ? await hashPassword(password) : null;
    const now = isoNow(this.clock);

    const taken = () => new ConflictError(`A user named "${username}" already exists`, { field: 'username' });
    const user = await this.db
      .transaction()
      .execute(async (tx) => {
        if (await userRepository.findByUsername(tx, username)) throw taken();
        const row = await userRepository.insert(tx, {
          username,
          display_name: input.displayName?.trim() || username,
          email: input.email ?? null,
          roles: JSON.stringify([...new Set(input.roles)]),
          password_hash: passwordHash,
          disabled: 0,
          created_at: now,
          updated_at: now,
          version: 1,
        });
        const created = toUser(row);
        await this.audit.record(tx, actor, {
          action: 'user.create',
          objectType: 'user',
          objectId: created.id,
          after: created,
        });
        return created;
      })
      // Two creates of one name at once both pass the check; the unique index refuses the second.
      .catch(async (error: unknown) => {
        // Only the name race is the caller's: the account is there now, created by the other request.
        if (isUniqueViolation(error) && (await userRepository.findByUsername(this.db, username))) throw taken();
        throw error;
      });
    return { user, initialPassword: generated };
  }

  async update(actor: Actor, id: number, input: UpdateUserInput, expectedVersion?: number): Promise<User> {
    if (input.roles && input.roles.length === 0)
      throw new InputError('A user needs at least one role', { field: 'roles' });
    if (input.disabled === true && actor.userId === id) {
      throw new InputError('You cannot disable your own account', { field: 'disabled' });
    }
    const updated = await this.db.transaction().execute(async (tx) => {
      const current = await userRepository.findById(tx, id);
      if (!current) throw new NotFoundError('user', id);
      const version = expectedVersion ?? current.version;
      if (current.version !== version) throw new StaleVersionError('user', id, version, current.version);
      if (input.roles !== undefined && actor.userId === id && !sameRoles(input.roles, toUser(current).roles)) {
        // Otherwise an admin could grant themselves an approver role and approve: the audited,
        // time-boxed route to that in an emergency is break-glass, never a self-grant.
        throw new ForbiddenError(
          'You cannot change your own roles; another admin must. For an emergency that needs an approval, start a break-glass elevation (POST /api/v1/auth/break-glass, `slipway break-glass start`)',
          { rule: 'no_self_role_change' },
        );
      }
      const row = await userRepository.update(tx, id, version, {
        ...(input.displayName !== undefined && { display_name: input.displayName.trim() }),
        ...(input.email !== undefined && { email: input.email }),
        ...(input.roles !== undefined && { roles: JSON.stringify([...new Set(input.roles)]) }),
        ...(input.disabled !== undefined && { disabled: input.disabled ? 1 : 0 }),
        updated_at: isoNow(this.clock),
      });
      if (!row) throw new StaleVersionError('user', id, version, version + 1);
      if (input.disabled === true) await sessionRepository.deleteForUser(tx, id);
      const after = toUser(row);
      await this.audit.record(tx, actor, {
        action: 'user.update',
        objectType: 'user',
        objectId: id,
        before: toUser(current),
        after,
      });
      return after;
    });
    this.onAccessChanged();
    return updated;
  }

  /**
   * Sets a password. A user changing their own must give the current one; an admin resetting
   * someone else's does not. Every session of the user ends (new credentials, new sessions).
   */
  async setPassword(actor: Actor, id: number, newPassword: string, currentPassword?: string): Promise<void> {
    const row = await userRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('user', id);
    if (currentPassword !== undefined) {
      if (!row.password_hash || !(await verifyPassword(row.password_hash, currentPassword))) {
        throw new InputError('The current password is wrong', { field: 'currentPassword' });
      }
    }
    checkPasswordPolicy(newPassword, row.username);
    const passwordHash = await hashPassword(newPassword);
    await this.db.transaction().execute(async (tx) => {
      const updated = await userRepository.update(tx, id, row.version, {
        password_hash: passwordHash,
        updated_at: isoNow(this.clock),
      });
      if (!updated) throw new StaleVersionError('user', id, row.version, row.version + 1);
      await sessionRepository.deleteForUser(tx, id);
      await this.audit.record(tx, actor, {
        action: 'user.password_set',
        objectType: 'user',
        objectId: id,
        after: { passwordChangedBy: actor.username },
      });
    });
  }
}
