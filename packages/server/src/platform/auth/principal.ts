import { breakGlassPermissions, type Permission, permissionsOf } from '@slipway/model';
import type { Actor } from '../actor.js';
import type { User } from './user.repository.js';

/** The authenticated caller of a request. */
export interface Principal {
  user: User;
  via: 'token' | 'session';
  tokenId: number | null;
  /** Hash of the session cookie, for logout. */
  sessionId: string | null;
  /** The session's CSRF token; cookie-authenticated writes must echo it. */
  csrfToken: string | null;
  permissions: ReadonlySet<Permission>;
  /** The teams the user belongs to, loaded with the user (teams/team-scope.ts decides visibility). */
  teamIds: readonly number[];
  /** The caller's active break-glass elevation, or null (break-glass.service.ts). */
  breakGlass: ActiveElevation | null;
}

/** An active break-glass elevation as the request sees it. */
export interface ActiveElevation {
  id: number;
  reason: string;
  startedAt: string;
  expiresAt: string;
}

/**
 * The same principal under an active elevation: every permission, and an actor that carries the
 * elevation into the audit trail. The user's roles are unchanged.
 */
export function elevated(principal: Principal, elevation: ActiveElevation): Principal {
  return { ...principal, permissions: new Set(breakGlassPermissions()), breakGlass: elevation };
}

export function principalFor(user: User, via: Principal['via'], extra: Partial<Principal> = {}): Principal {
  return {
    user,
    via,
    tokenId: null,
    sessionId: null,
    csrfToken: null,
    permissions: new Set(permissionsOf(user.roles)),
    teamIds: [],
    breakGlass: null,
    ...extra,
  };
}

export function actorOf(principal: Principal, requestId: string | null): Actor {
  return {
    userId: principal.user.id,
    username: principal.user.username,
    roles: principal.user.roles,
    requestId,
    via: principal.via,
    breakGlass: principal.breakGlass ? { id: principal.breakGlass.id, reason: principal.breakGlass.reason } : null,
  };
}
