import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Role, rolesAllow } from '@slipway/model';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import type { Db } from '../platform/database.js';
import { ForbiddenError, UnauthenticatedError } from '../platform/errors.js';
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from '../platform/http/access-control.js';
import { visibilityOf, visibilityOfPrincipal } from '../platform/http/object-scope.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdParams } from '../platform/http/schemas.js';
import { teamRepository } from '../platform/teams/team.repository.js';
import { isScopedObject, onlyVisible } from '../platform/teams/team-filter.js';
import { type Visibility, visibilityFor } from '../platform/teams/team-scope.js';
import type { CalendarEvent } from './calendar-registry.js';
import { rangeOf } from './change.routes.js';
import {
  CalendarQuery,
  CalendarSchema,
  CreatedFeedTokenSchema,
  CreateFeedTokenBody,
  FeedTokenSchema,
  IcsQuery,
} from './change.schemas.js';
import { toICalendar } from './ical-writer.js';

/** The events whose change, release or rollout the caller may see (freezes and windows are organisation-wide). */
function visibleEvents(db: Db, events: CalendarEvent[], visibility: Visibility): Promise<CalendarEvent[]> {
  return onlyVisible(
    db,
    events,
    (e) => (isScopedObject(e.objectType) ? [{ object: e.objectType, id: e.objectId }] : []),
    visibility,
  );
}

function sourceList(value: string | undefined): string[] | undefined {
  const names = value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return names && names.length > 0 ? names : undefined;
}

/**
 * The request as logged for the iCalendar route: without its query string, which carries the
 * feed token (Fastify logs URLs; a token in a log file is a leaked token).
 */
export function redactedRequest(request: FastifyRequest): Record<string, unknown> {
  const path = request.url.split('?')[0] ?? '';
  return {
    method: request.method,
    url: request.url.includes('?') ? `${path}?[redacted]` : path,
    host: request.host,
    remoteAddress: request.ip,
  };
}

/** The forward schedule of change, its iCalendar feed and the feed tokens calendar clients use. */
export async function calendarRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { feedTokens, conflicts } = ctx.changes;
  const tags = ['calendar'];

  app.get(
    '/api/v1/calendar',
    {
      config: { access: 'changes.read' },
      schema: {
        tags,
        summary: 'The forward schedule of change: changes, freezes, maintenance windows (and every registered source)',
        querystring: CalendarQuery,
        response: { 200: CalendarSchema },
      },
    },
    async (request) => {
      const range = rangeOf(request.query, ctx.clock.now(), { backDays: 7, forwardDays: 90 });
      const visibility = visibilityOf(request);
      const { sources, events: all } = await ctx.calendar.events(
        range.from,
        range.to,
        sourceList(request.query.sources),
      );
      const events = await visibleEvents(ctx.database.db, all, visibility);
      const report = request.query.conflicts
        ? await conflicts.report(range.from, range.to, { limit: 1000, visibility })
        : null;
      return { from: range.from, to: range.to, sources, events, conflicts: report };
    },
  );

  app.get(
    '/api/v1/calendar.ics',
    {
      // Authenticated below: by a feed token in ?token= (calendar clients send no headers), or
      // as every other route by bearer token or session.
      config: { access: 'public' },
      logSerializers: { req: redactedRequest },
      schema: {
        tags,
        summary: 'The change calendar as RFC 5545 iCalendar, for calendar clients (?token= a feed token)',
        querystring: IcsQuery,
        produces: ['text/calendar'],
        response: { 200: Type.String({ description: 'text/calendar; charset=utf-8' }) },
      },
    },
    async (request, reply) => {
      let roles: readonly Role[];
      let visibility: Visibility;
      if (request.query.token !== undefined) {
        const reader = await feedTokens.authenticate(request.query.token);
        if (!reader)
          throw new UnauthenticatedError(
            'The calendar feed token is unknown or revoked, or its user may no longer read the calendar',
          );
        roles = reader.roles;
        visibility = visibilityFor(reader.roles, await teamRepository.teamIdsOfUser(ctx.database.db, reader.userId));
      } else {
        const authorization = request.headers.authorization;
        const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
        const cookie = request.cookies[SECURE_SESSION_COOKIE] ?? request.cookies[SESSION_COOKIE];
        const principal = match?.[1]
          ? await ctx.auth.authenticateToken(match[1])
          : cookie
            ? await ctx.auth.authenticateSession(cookie)
            : null;
        if (!principal)
          throw new UnauthenticatedError('Send ?token=<calendar feed token> or Authorization: Bearer <token>');
        roles = principal.user.roles;
        visibility = visibilityOfPrincipal(principal);
      }
      if (!rolesAllow(roles, 'changes.read')) {
        throw new ForbiddenError('Your roles do not grant "changes.read"', { permission: 'changes.read' });
      }
      const range = rangeOf(request.query, ctx.clock.now(), { backDays: 30, forwardDays: 365 });
      const { events: all } = await ctx.calendar.events(range.from, range.to, sourceList(request.query.sources));
      const events = await visibleEvents(ctx.database.db, all, visibility);
      reply.type('text/calendar; charset=utf-8');
      reply.header('cache-control', 'private, max-age=60');
      return toICalendar(events, { name: 'Slipway change calendar' });
    },
  );

  app.post(
    '/api/v1/calendar/feed-tokens',
    {
      config: { access: 'changes.read' },
      schema: {
        tags,
        summary: 'Create a read-only calendar feed token (shown once) for a calendar client subscription',
        body: CreateFeedTokenBody,
        response: { 201: CreatedFeedTokenSchema },
      },
    },
    async (request, reply) => {
      const { token, secret } = await feedTokens.create(actorOfRequest(request), request.body.name);
      reply.header('cache-control', 'no-store').header('location', `/api/v1/calendar/feed-tokens/${token.id}`);
      return reply.code(201).send({ ...token, token: secret, url: `/api/v1/calendar.ics?token=${secret}` });
    },
  );

  app.get(
    '/api/v1/calendar/feed-tokens',
    {
      config: { access: 'changes.read' },
      schema: {
        tags,
        summary: 'My calendar feed tokens (never their secrets)',
        response: { 200: Type.Object({ items: Type.Array(FeedTokenSchema) }) },
      },
    },
    async (request) => ({ items: await feedTokens.list(actorOfRequest(request)) }),
  );

  app.delete(
    '/api/v1/calendar/feed-tokens/:id',
    {
      config: { access: 'changes.read' },
      schema: { tags, summary: 'Revoke a calendar feed token', params: IdParams, response: { 200: FeedTokenSchema } },
    },
    async (request) => feedTokens.revoke(actorOfRequest(request), request.params.id),
  );
}
