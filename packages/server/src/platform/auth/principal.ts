import { type Permission, permissionsOf } from '@slipway/model';
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
}

export function principalFor(user: User, via: Principal['via'], extra: Partial<Principal> = {}): Principal {
  return {
    user,
    via,
    tokenId: null,
    sessionId: null,
    csrfToken: null,
    permissions: new Set(permissionsOf(user.roles)),
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
  };
}
