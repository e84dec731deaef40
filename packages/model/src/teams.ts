import type { Role } from './roles.js';

/**
 * Team scoping. A change or release may belong to one team (`teamId`); null means
 * organisation-wide, visible to everyone holding the `.read` permission. A team-scoped object
 * (and everything inside it: approvals, history, tests, evidence, rollouts) is visible only to
 * the team's members and to the oversight roles below; everyone else is told it does not exist.
 */

/**
 * Roles whose job spans every team, so they see team-scoped objects without being members:
 * - `auditor` reads everything (read-only by construction, see roles.ts);
 * - `change_manager` and `cab_member` assess, authorise and schedule changes and approve
 *   releases for the whole organisation: a change the CAB cannot see cannot be authorised,
 *   and a conflict the change manager cannot see cannot be resolved.
 * The admin is deliberately not here: admins administer users and teams, they do not read
 * team work; an admin who needs to adds themselves to the team, which is audited.
 */
export const TEAM_OVERSIGHT_ROLES: readonly Role[] = ['auditor', 'change_manager', 'cab_member'];

/** True when these roles see team-scoped objects of every team. */
export function seesEveryTeam(roles: readonly Role[]): boolean {
  return roles.some((role) => TEAM_OVERSIGHT_ROLES.includes(role));
}

/** Longest team name. */
export const TEAM_NAME_MAX = 100;
