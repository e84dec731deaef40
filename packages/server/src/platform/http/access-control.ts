import crypto from 'node:crypto';
import { PERMISSIONS, type Permission } from '@slipway/model';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { AppError, ForbiddenError, UnauthenticatedError } from '../errors.js';

/** What a route requires: a permission from the table, any signed-in user, or nothing. */
export type RouteAccess = Permission | 'authenticated' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const SESSION_COOKIE = 'slipway_session';
export const SECURE_SESSION_COOKIE = '__Host-slipway_session';
/**
 * A cookie the web app can read (the session cookie is HttpOnly) saying "a session was started in
 * this browser". It holds no secret and grants nothing: the app asks for the session only when it
 * is there, so a first visit does not start with a 401 in the browser console. Set at sign-in,
 * cleared at sign-out and when a request arrives with a session that has ended.
 */
export const SIGNED_IN_HINT_COOKIE = 'slipway_signed_in';

/** Routes registered by third-party plugins that serve static documentation. */
const PUBLIC_PREFIXES = ['/docs'];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function timingSafeEqualText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

/**
 * Cookie-authenticated writes must (a) come from this site and (b) echo the session's CSRF token
 * in `X-CSRF-Token` (synchronizer token; Fetch Metadata and Origin as the first line).
 */
function checkCsrf(request: FastifyRequest, principal: Principal): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new AppError('CSRF_FAILED', 'Cross-site request refused');
  }
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost !== request.headers.host) throw new AppError('CSRF_FAILED', 'Cross-origin request refused');
  }
  const token = request.headers['x-csrf-token'];
  if (typeof token !== 'string' || !principal.csrfToken || !timingSafeEqualText(token, principal.csrfToken)) {
    throw new AppError('CSRF_FAILED', 'Missing or wrong X-CSRF-Token header for a cookie-authenticated write');
  }
}

export interface AccessControlOptions {
  auth: AuthService;
}

/**
 * Authentication and authorisation for every route. A route must declare `config.access`;
 * the server refuses to start otherwise, so no route is ever reachable by accident.
 */
export const accessControl = fp<AccessControlOptions>(async (app: FastifyInstance, { auth }) => {
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (access === undefined) {
      if (PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix))) return;
      throw new Error(`Route ${route.method} ${route.url} declares no config.access`);
    }
    if (access !== 'public' && access !== 'authenticated' && !(access in PERMISSIONS)) {
      throw new Error(`Route ${route.method} ${route.url} declares unknown permission "${access}"`);
    }
  });

  /** Lets the principal in when the route's access allows it (throws otherwise). */
  const admit = (request: FastifyRequest, access: RouteAccess, principal: Principal | null): void => {
    if (!principal) throw new UnauthenticatedError();
    request.principal = principal;
    if (access !== 'authenticated' && access !== 'public' && !principal.permissions.has(access)) {
      throw new ForbiddenError(`Your roles (${principal.user.roles.join(', ')}) do not grant "${access}"`, {
        permission: access,
        roles: principal.user.roles,
      });
    }
  };

  const authenticate = async (
    request: FastifyRequest,
    reply: FastifyReply,
    access: RouteAccess,
    bearer: string | undefined,
  ) => {
    let principal: Principal | null = null;
    if (bearer !== undefined) {
      principal = await auth.authenticateToken(bearer);
      if (!principal)
        throw new UnauthenticatedError('The token is unknown, expired or revoked, or its user is disabled');
    } else {
      const cookie = request.cookies[SECURE_SESSION_COOKIE] ?? request.cookies[SESSION_COOKIE];
      if (cookie) {
        principal = await auth.authenticateSession(cookie);
        if (!principal) {
          reply.clearCookie(SIGNED_IN_HINT_COOKIE, { path: '/' });
          throw new UnauthenticatedError('The session has ended; sign in again');
        }
        checkCsrf(request, principal);
      }
    }
    admit(request, access, principal);
  };

  // A callback-style hook with a synchronous path for a recently verified bearer token (most
  // requests of an API client): no promise, no microtask turn. Everything else goes async.
  app.addHook('onRequest', (request, reply, done) => {
    const access = request.routeOptions.config?.access;
    if (access === undefined || access === 'public') return done();
    let bearer: string | undefined;
    try {
      const authorization = request.headers.authorization;
      if (authorization !== undefined) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
        if (!match?.[1]) throw new UnauthenticatedError('Malformed Authorization header: expected "Bearer <token>"');
        bearer = match[1];
        const cached = auth.cachedTokenPrincipal(bearer);
        if (cached) {
          admit(request, access, cached);
          return done();
        }
      }
    } catch (error) {
      return done(error as Error);
    }
    authenticate(request, reply, access, bearer).then(() => done(), done);
  });
});

/** The principal of an authenticated route (the access hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError();
  return request.principal;
}
