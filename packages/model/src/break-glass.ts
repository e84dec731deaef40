import { PERMISSION_NAMES, type Permission, rolesAllow } from './permissions.js';
import type { Role } from './roles.js';

/**
 * Break-glass: an admin's time-boxed, audited elevation for an emergency (docs/security.md,
 * "Break-glass"). Without one the admin administers and never approves; with one they hold every
 * permission and may act where segregation of duties would stop anyone else, and every audit
 * entry written meanwhile carries the elevation's id and reason.
 */

/** A reason shorter than this (after trimming) says nothing an auditor could check. */
export const BREAK_GLASS_REASON_MIN = 20;
export const BREAK_GLASS_REASON_MAX = 1000;
/** Longest elevation, in minutes; a longer emergency starts a new one with a re-stated reason. */
export const BREAK_GLASS_MAX_MINUTES = 60;
export const BREAK_GLASS_DEFAULT_MINUTES = 30;

/** Webhook events about elevations. */
export const BREAK_GLASS_EVENTS = ['break_glass.started', 'break_glass.ended'] as const;

/** How an elevation ended: its holder (or another admin) ended it, or its time ran out. */
export type BreakGlassEndReason = 'ended' | 'expired';

/**
 * What an active elevation grants: every permission in the table, approvals included. The admin
 * role's own permissions are unchanged (the table still never gives the admin an `.approve`).
 */
export function breakGlassPermissions(): Permission[] {
  return [...PERMISSION_NAMES];
}

/** The approval permissions: every `.approve` in the table. */
export const APPROVAL_PERMISSIONS: readonly Permission[] = PERMISSION_NAMES.filter((p) => p.endsWith('.approve'));

/**
 * Whether roles grant an approval permission. An admin never gives themselves such roles, nor
 * mints an API token for someone who holds them (that would let the admin approve as them):
 * their route to an approval in an emergency is break-glass.
 */
export function rolesApprove(roles: readonly Role[]): boolean {
  return APPROVAL_PERMISSIONS.some((permission) => rolesAllow(roles, permission));
}
