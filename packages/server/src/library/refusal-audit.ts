import type { Kysely } from 'kysely';
import type { Actor } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import type { Database } from '../platform/database-schema.js';
import { AppError } from '../platform/errors.js';

export interface RefusalTarget {
  /** The write that was refused, e.g. `artifact.approve`; the entry's action is `<action>.refused`. */
  action: string;
  objectType: string;
  objectId?: string | number | null;
}

/**
 * Runs a write and, when it is refused (any client error the write raises: SoD, a policy rule,
 * a conflict, bad input), records the refusal in the audit trail before passing the error on.
 * The refused write's own transaction has rolled back, so the refusal is its own transaction.
 * A failure to audit never replaces the refusal the client must see.
 */
export async function auditRefusals<T>(
  db: Kysely<Database>,
  audit: AuditTrail,
  actor: Actor,
  target: RefusalTarget,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof AppError && error.status >= 400 && error.status < 500) {
      await db
        .transaction()
        .execute((tx) =>
          audit.record(tx, actor, {
            action: `${target.action}.refused`,
            objectType: target.objectType,
            objectId: target.objectId ?? null,
            after: { code: error.code, message: error.message, ...(error.details && { details: error.details }) },
          }),
        )
        .catch(() => undefined);
    }
    throw error;
  }
}
