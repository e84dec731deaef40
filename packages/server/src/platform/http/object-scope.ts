import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../database.js';
import { InputError, NotFoundError } from '../errors.js';
import { teamRepository } from '../teams/team.repository.js';
import {
  canSee,
  SCOPED_OBJECTS,
  type ScopedObject,
  SEES_ALL,
  type Visibility,
  visibilityFor,
} from '../teams/team-scope.js';
import { principalOf } from './access-control.js';
import { appendRouteHook } from './route-hooks.js';

/** One object id a route takes, whose team scope the request must be allowed to see. */
export interface ObjectScope {
  object: ScopedObject;
  /** The path parameter (or JSON body field) holding the id. */
  param: string;
  /** Where the id is; default `params`. */
  in?: 'params' | 'body';
  /**
   * For a body id: the error the handler itself gives an id that names nothing, so an invisible
   * object gets exactly that answer. Default `400 <param>: no <object> with id <id>`.
   */
  unknown?: (id: number) => Error;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scoped object ids this route takes (see object-scope.ts); required under SCOPED_PREFIXES. */
    scope?: ObjectScope | readonly ObjectScope[];
  }
}

/** `:id` of a change, release or rollout route. */
export const CHANGE_SCOPE: ObjectScope = { object: 'change', param: 'id' };
export const RELEASE_SCOPE: ObjectScope = { object: 'release', param: 'id' };
export const ROLLOUT_SCOPE: ObjectScope = { object: 'rollout', param: 'id' };

/**
 * Every route whose path starts with one of these and continues with a parameter takes the id of
 * a scoped object there; the server refuses to start unless it declares that scope.
 */
const SCOPED_PREFIXES: readonly { pattern: RegExp; object: ScopedObject }[] = [
  { pattern: /^\/api\/v1\/changes\/:([A-Za-z]\w*)/, object: 'change' },
  { pattern: /^\/api\/v1\/releases\/:([A-Za-z]\w*)/, object: 'release' },
  { pattern: /^\/api\/v1\/rollouts\/:([A-Za-z]\w*)/, object: 'rollout' },
];

export function scopesOf(declared: ObjectScope | readonly ObjectScope[] | undefined): readonly ObjectScope[] {
  if (declared === undefined) return [];
  return Array.isArray(declared) ? (declared as readonly ObjectScope[]) : [declared as ObjectScope];
}

/**
 * Checks a route's scope declaration: a route under SCOPED_PREFIXES must declare the object of
 * its first path parameter; every declared path parameter must exist in the path. Returns the
 * problem, or null.
 */
export function scopeDeclarationProblem(
  url: string,
  declared: ObjectScope | readonly ObjectScope[] | undefined,
): string | null {
  const scopes = scopesOf(declared);
  for (const scope of scopes) {
    if (!SCOPED_OBJECTS.includes(scope.object)) return `declares unknown scoped object "${scope.object}"`;
    if ((scope.in ?? 'params') === 'params' && !new RegExp(`/:${scope.param}(?:/|$)`).test(url)) {
      return `declares scope param "${scope.param}", which its path does not have`;
    }
  }
  for (const { pattern, object } of SCOPED_PREFIXES) {
    const param = pattern.exec(url)?.[1];
    if (param === undefined) continue;
    if (!scopes.some((s) => s.object === object && s.param === param && (s.in ?? 'params') === 'params')) {
      return `takes a ${object} id in :${param} but declares no config.scope { object: '${object}', param: '${param}' }`;
    }
  }
  return null;
}

/** What the caller of a request may see: oversight roles and break-glass see every team. */
export function visibilityOfPrincipal(principal: Principal): Visibility {
  if (principal.breakGlass) return SEES_ALL;
  return visibilityFor(principal.user.roles, principal.teamIds);
}

/** The visibility of an authenticated request, for the lists its route returns. */
export function visibilityOf(request: FastifyRequest): Visibility {
  return visibilityOfPrincipal(principalOf(request));
}

/** Largest id a route accepts (IdParams); anything else is left to schema validation (400). */
const MAX_ID = 2_147_483_647;

/**
 * The id as schema validation will see it: path parameters are coerced from text the way Ajv
 * does (`Number(text)`, so `1e3` and ` 12` count), JSON bodies are not coerced at all.
 */
function idFrom(value: unknown, coerce: boolean): number | undefined {
  const id =
    typeof value === 'number'
      ? value
      : coerce && typeof value === 'string' && value !== ''
        ? Number(value)
        : Number.NaN;
  return Number.isSafeInteger(id) && id > 0 && id <= MAX_ID ? id : undefined;
}

const declarations = new WeakMap<FastifyInstance, Map<string, readonly ObjectScope[]>>();

/** Every route's declared scopes (`METHOD /url` → scopes), as registered: for the suite that checks them. */
export function declaredScopes(app: FastifyInstance): ReadonlyMap<string, readonly ObjectScope[]> {
  return declarations.get(app) ?? new Map();
}

export interface ObjectScopeOptions {
  db: Db;
}

/**
 * Object-level authorisation by team, in one place. Every route that takes the id of a change,
 * release or rollout declares it (`config.scope`); before validation and the handler, this hook
 * loads the object's team with one primary-key lookup and answers 404 (`No change with id 7`)
 * when the caller may not see it — and the very same 404 when no such object exists, so neither
 * the status nor the message nor the order of checks tells an invisible object from an unused
 * id. An id in a JSON body (e.g. `releaseId` on a change) answers 400 `releaseId: no release
 * with id 7` in both cases. Callers who see every team skip the lookup.
 */
export const objectScope = fp<ObjectScopeOptions>(async (app: FastifyInstance, { db }) => {
  const declared = new Map<string, readonly ObjectScope[]>();
  declarations.set(app, declared);
  app.addHook('onRoute', (route) => {
    const problem = scopeDeclarationProblem(route.url, route.config?.scope);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (problem) throw new Error(`Route ${methods.join(',')} ${route.url} ${problem}`);
    const scopes = scopesOf(route.config?.scope);
    for (const method of methods) declared.set(`${method} ${route.url}`, scopes);
    // Only scoped routes carry the check (a route-level hook): other requests pay nothing.
    if (scopes.length > 0) appendRouteHook(route, 'preValidation', checkScopes(scopes));
  });

  // preValidation: after authentication and body parsing, before schema validation. Checking
  // after validation would let an invalid body tell the two apart (400 for an unused id, 404 for
  // an invisible one); here both get the 404 before anything else is looked at. The route's
  // scopes are read once, when it is registered.
  const checkScopes = (scopes: readonly ObjectScope[]) => async (request: FastifyRequest) => {
    const visibility = visibilityOf(request);
    if (visibility.all) return;
    for (const scope of scopes) {
      const inParams = (scope.in ?? 'params') === 'params';
      const source = inParams ? request.params : request.body;
      const raw =
        source !== null && typeof source === 'object' ? (source as Record<string, unknown>)[scope.param] : undefined;
      const id = idFrom(raw, inParams);
      if (id === undefined) continue;
      const found = await teamRepository.teamOf(db, scope.object, id);
      if (found && canSee(visibility, found.teamId)) continue;
      // Invisible and unknown ids get the same answer, so the answer says nothing about existence.
      if (!inParams) {
        throw (
          scope.unknown?.(id) ??
          new InputError(`${scope.param}: no ${scope.object} with id ${id}`, { field: scope.param })
        );
      }
      throw new NotFoundError(scope.object, id);
    }
  };
});
