import { type Permission, type Role, rolesAllow } from '@slipway/model';

/** Who is doing something: carried from the request into every service call that writes. */
export interface Actor {
  /** Null for the system itself (migrations, demo loader, scheduled jobs). */
  userId: number | null;
  username: string;
  roles: Role[];
  /** Correlates the audit entry with the request's log lines. */
  requestId: string | null;
  /** How the caller authenticated. */
  via: 'token' | 'session' | 'system' | 'cli';
  /**
   * Set while the caller acts under a break-glass elevation (platform/auth/break-glass.service.ts):
   * every audit entry they write carries it, and segregation-of-duties checks let them through.
   */
  breakGlass?: BreakGlassMark | null;
}

/** The elevation an actor acts under, as the audit trail records it. */
export interface BreakGlassMark {
  id: number;
  reason: string;
}

/**
 * Whether the actor holds a permission: through their roles, or through an active break-glass
 * elevation (which grants every permission). Services that check a permission on the actor use
 * this, never the roles alone, so they agree with the access hook.
 */
export function actorHolds(actor: Actor, permission: Permission): boolean {
  return Boolean(actor.breakGlass) || rolesAllow(actor.roles, permission);
}

/**
 * Whether a segregation-of-duties rule is waived for this actor: only under break-glass, and
 * the audit entry of the act is flagged with the elevation. Nobody else is ever let through.
 */
export function sodWaived(actor: Actor): boolean {
  return Boolean(actor.breakGlass && actor.userId !== null);
}

export function systemActor(name = 'system', requestId: string | null = null): Actor {
  return { userId: null, username: name, roles: ['admin'], requestId, via: 'system' };
}
