import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PERMISSION_NAMES } from '@slipway/model';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { principalOf, SECURE_SESSION_COOKIE, SESSION_COOKIE, SIGNED_IN_HINT_COOKIE } from '../http/access-control.js';
import { actorOfRequest } from '../http/request-actor.js';
import { LoginBody, LoginResponse, SessionInfo } from './auth.schemas.js';
import type { Principal } from './principal.js';

function sessionInfo(principal: Principal) {
  return {
    user: principal.user,
    // What this request may do: the roles' permissions, or every permission under break-glass.
    permissions: PERMISSION_NAMES.filter((permission) => principal.permissions.has(permission)),
    via: principal.via,
    csrfToken: principal.csrfToken,
    breakGlass: principal.breakGlass,
  };
}

/** Whether the session cookie must be Secure (and so may carry the __Host- prefix). */
function secureCookie(ctx: AppContext, request: FastifyRequest): boolean {
  if (ctx.config.secureCookies === 'always') return true;
  if (ctx.config.secureCookies === 'never') return false;
  return request.protocol === 'https';
}

function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
  reply.clearCookie(SECURE_SESSION_COOKIE, { path: '/', secure: true });
  reply.clearCookie(SIGNED_IN_HINT_COOKIE, { path: '/' });
}

/** Password login for the UI, logout, and "who am I". */
export async function authRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with username and password; sets the session cookie',
        security: [],
        body: LoginBody,
        response: { 200: LoginResponse },
      },
    },
    async (request, reply) => {
      const result = await ctx.auth.login(request.body.username, request.body.password, request.id);
      const secure = secureCookie(ctx, request);
      reply.setCookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, result.sessionSecret, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure,
        maxAge: ctx.auth.sessionMaxAgeSeconds,
      });
      reply.setCookie(SIGNED_IN_HINT_COOKIE, '1', {
        path: '/',
        sameSite: 'strict',
        secure,
        maxAge: ctx.auth.sessionMaxAgeSeconds,
      });
      reply.header('cache-control', 'no-store');
      return { ...sessionInfo(result.principal), expiresAt: result.expiresAt };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['auth'], summary: 'End the current browser session', response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.sessionId) await ctx.auth.logout(principal.sessionId, actorOfRequest(request));
      clearSessionCookies(reply);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/auth/session',
    {
      config: { access: 'self.read' },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user, their permissions and the CSRF token for cookie-authenticated writes',
        response: { 200: SessionInfo },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return sessionInfo(principalOf(request));
    },
  );
}
