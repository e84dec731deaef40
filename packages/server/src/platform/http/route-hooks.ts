import type { RouteOptions } from 'fastify';

type RouteHookName = 'preValidation' | 'preHandler' | 'onSend';

/**
 * Adds a hook to one route from an `onRoute` hook, after the route's own hooks of that kind.
 * Plugins whose work concerns only some routes (POSTs for idempotency, scoped routes for object
 * scope) attach it this way, so every other request skips it instead of paying a promise.
 */
export function appendRouteHook<Name extends RouteHookName>(
  route: RouteOptions,
  name: Name,
  hook: NonNullable<RouteOptions[Name]> extends (infer H)[] | infer H ? H : never,
): void {
  const current = route[name] as unknown;
  const hooks = current === undefined ? [] : Array.isArray(current) ? current : [current];
  (route as unknown as Record<RouteHookName, unknown[]>)[name] = [...hooks, hook];
}
