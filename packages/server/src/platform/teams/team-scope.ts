import { type Role, seesEveryTeam } from '@slipway/model';
import { type Expression, type SqlBool, sql } from 'kysely';

/**
 * Who may see team-scoped objects. Changes and releases carry an optional team (null =
 * organisation-wide); everything inside them (approvals, history, tests, evidence, rollouts)
 * inherits that scope. An object outside the caller's visibility does not exist for them: every
 * route taking its id answers 404 (platform/http/object-scope.ts) and every list leaves it out
 * (`visibleTo` below, applied by the repositories).
 */
export type Visibility =
  /** Oversight roles (model/teams.ts TEAM_OVERSIGHT_ROLES) and the system itself. */
  | { readonly all: true }
  /** Organisation-wide objects plus those of these teams. */
  | { readonly all: false; readonly teamIds: readonly number[] };

/** Sees every object: the system's own work (demo loader, scheduled jobs, gates) and oversight roles. */
export const SEES_ALL: Visibility = { all: true };

export function visibilityFor(roles: readonly Role[], teamIds: readonly number[]): Visibility {
  return seesEveryTeam(roles) ? SEES_ALL : { all: false, teamIds };
}

/** True when an object owned by `teamId` (null = organisation-wide) is visible. */
export function canSee(visibility: Visibility, teamId: number | null): boolean {
  return visibility.all || teamId === null || visibility.teamIds.includes(teamId);
}

/**
 * The list filter every repository applies: `column is null or column in (teams)`, or nothing
 * for a caller who sees everything. `column` is a trusted, qualified column name (e.g.
 * `changes.team_id`), never input.
 */
export function visibleTo(visibility: Visibility, column: string): Expression<SqlBool> | undefined {
  if (visibility.all) return undefined;
  const ref = sql.ref(column);
  if (visibility.teamIds.length === 0) return sql<SqlBool>`${ref} is null`;
  return sql<SqlBool>`(${ref} is null or ${ref} in (${sql.join([...visibility.teamIds])}))`;
}

/** The objects that carry a scope (directly, or through their release for rollouts). */
export const SCOPED_OBJECTS = ['change', 'release', 'rollout'] as const;
export type ScopedObject = (typeof SCOPED_OBJECTS)[number];
