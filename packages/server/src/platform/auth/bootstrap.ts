import type { Kysely } from 'kysely';
import { systemActor } from '../actor.js';
import { auditRepository } from '../audit/audit.repository.js';
import type { AuditTrail } from '../audit/audit.service.js';
import { type Clock, isoNow } from '../clock.js';
import type { Database } from '../database-schema.js';
import { hashPassword } from './password.js';
import type { TokenService } from './token.service.js';
import { toUser, userRepository } from './user.repository.js';
import { generatePassword } from './user.service.js';

export type BootstrapResult =
  | { kind: 'none' }
  | { kind: 'token'; username: string }
  | { kind: 'password'; username: string; password: string };

/**
 * On a database with no users, creates `admin`: with SLIPWAY_ADMIN_TOKEN as its API token when
 * that is set, otherwise with a generated password that the caller prints once. Runs in one
 * transaction serialised on the audit head, so instances starting together create one admin.
 */
export async function ensureInitialAdmin(
  db: Kysely<Database>,
  audit: AuditTrail,
  tokens: TokenService,
  clock: Clock,
  adminToken: string | undefined,
): Promise<BootstrapResult> {
  if ((await userRepository.count(db)) > 0) return { kind: 'none' };
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new Error('SLIPWAY_ADMIN_TOKEN must be at least 16 characters long');
  }
  const password = adminToken ? null : generatePassword();
  const passwordHash = password ? await hashPassword(password) : null;
  const now = isoNow(clock);
  const actor = systemActor('bootstrap');
  return db.transaction().execute(async (tx): Promise<BootstrapResult> => {
    // Instances starting together on PostgreSQL queue on the audit head's row lock (which this
    // transaction needs anyway), so the re-count below sees the admin a faster instance created.
    await auditRepository.lockHead(tx);
    if ((await userRepository.count(tx)) > 0) return { kind: 'none' };
    const row = await userRepository.insert(tx, {
      username: 'admin',
      display_name: 'Administrator',
      email: null,
      roles: JSON.stringify(['admin']),
      password_hash: passwordHash,
      disabled: 0,
      created_at: now,
      updated_at: now,
      version: 1,
    });
    const user = toUser(row);
    await audit.record(tx, actor, { action: 'user.create', objectType: 'user', objectId: user.id, after: user });
    if (adminToken) {
      const token = await tokens.insertBootstrapToken(tx, user.id, adminToken);
      await audit.record(tx, actor, { action: 'token.create', objectType: 'token', objectId: token.id, after: token });
      return { kind: 'token', username: user.username };
    }
    return { kind: 'password', username: user.username, password: password as string };
  });
}
