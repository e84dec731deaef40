import { Fragment, type ReactNode } from 'react';
import { useParams } from 'react-router';
import { NotFoundPage } from '../pages/not-found-page.js';

/** The largest id a route accepts: every id the server hands out is a positive safe integer. */
const ID_PATTERN = /^[1-9]\d{0,15}$/;

/**
 * A route's `:id` as a positive integer, or undefined for anything else ("abc", "0", "-3",
 * "1.5", "1e3", "0x10"): `Number()` alone accepts several of those and turns the rest into NaN,
 * which the server then refuses with a validation error instead of the app's not-found page.
 */
export function parseRouteId(value: string | undefined): number | undefined {
  if (value === undefined || !ID_PATTERN.test(value)) return undefined;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : undefined;
}

/**
 * Renders `children` with the route's numeric `:id`, or the not-found page (without calling the
 * API) when the id is not one. Keyed by the id, so moving from one object to another mounts a
 * fresh page instead of showing the previous object's state while the new one loads.
 */
export function IdRoute({ children }: { children: (id: number) => ReactNode }) {
  const id = parseRouteId(useParams().id);
  if (id === undefined) return <NotFoundPage />;
  return <Fragment key={id}>{children(id)}</Fragment>;
}
