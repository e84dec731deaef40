import { breakGlassPermissions, PERMISSION_NAMES, type Permission, ROLES, type Role, rolesAllow } from '@slipway/model';
import type { FuzzOperation } from './fuzz-openapi.js';

/**
 * The oracle of the segregation-of-duties suite (sod-matrix.test.ts): what the permission table
 * in packages/model says each role may do, and the policy invariants every route must keep
 * whatever permission it declares.
 */

/** Routes anyone may call: health, the API description, login, and the token-authenticated iCalendar feed. */
export const PUBLIC_OPERATIONS = new Set([
  'GET /healthz',
  'GET /api/v1/openapi.json',
  'POST /api/v1/auth/login',
  'GET /api/v1/calendar.ics',
]);

/** A value for a path parameter that names no object, so a probe can only be answered by access control or 404. */
export function probeValue(param: string): string {
  if (param === 'environment') return 'production';
  if (param === 'section') return 'scope';
  if (param === 'name') return 'zz-no-such-class';
  if (param === 'version') return '999999';
  return '999999';
}

export function probeUrl(op: FuzzOperation): string {
  return op.template.replace(/\{([^}]+)\}/g, (_, name: string) => probeValue(name));
}

export function isKnownPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSION_NAMES as string[]).includes(value);
}

/** True when the table lets a user holding only `role` through a route that requires `permission`. */
export function tableAllows(role: Role, permission: Permission | 'authenticated'): boolean {
  return permission === 'authenticated' || rolesAllow([role], permission);
}

/** Queries sent as POST because their input is a document (a policy dry-run, a target preview): they change nothing. */
export const READ_ONLY_POSTS = new Set(['POST /api/v1/policy/check', 'POST /api/v1/releases/target-preview']);

/**
 * Writes every user may make to their own account: sign out, own password, own API tokens and
 * calendar feed tokens (the service refuses another user's; the matrix's last test checks that).
 */
export const SELF_SERVICE = new Set([
  'POST /api/v1/auth/logout',
  'PUT /api/v1/users/me/password',
  'POST /api/v1/tokens',
  'DELETE /api/v1/tokens/{id}',
  'POST /api/v1/calendar/feed-tokens',
  'DELETE /api/v1/calendar/feed-tokens/{id}',
]);

/**
 * Invariants of the policy that hold whatever permission a route declares (a misdeclared route
 * breaks one of these even when the table itself is right):
 * - a state-changing route is never open to every signed-in user, except self-service on one's own account;
 * - a state-changing route never requires only a `.read` permission;
 * - an approve/reject route requires an `.approve` permission;
 * - the auditor changes nothing but their own password and tokens;
 * - the admin holds no approval permission (admins administer; they do not approve).
 */
export function invariantProblems(op: FuzzOperation, permission: Permission | 'authenticated'): string[] {
  const problems: string[] = [];
  const name = `${op.method} ${op.template}`;
  const writes = op.method !== 'GET' && !READ_ONLY_POSTS.has(name);
  if (permission === 'authenticated' && writes && !SELF_SERVICE.has(name)) {
    problems.push(`${name}: any signed-in user may call this write`);
  }
  if (writes && permission !== 'authenticated' && permission.endsWith('.read')) {
    problems.push(`${name} changes state but requires only ${permission}`);
  }
  if (/\/(approve|reject)$/.test(op.template) && !(permission !== 'authenticated' && permission.endsWith('.approve'))) {
    problems.push(`${name} decides an approval but requires ${permission}`);
  }
  if (
    writes &&
    tableAllows('auditor', permission) &&
    !String(permission).startsWith('self.') &&
    !SELF_SERVICE.has(name)
  ) {
    problems.push(`${name} lets the auditor change something (${permission})`);
  }
  if (permission !== 'authenticated' && permission.endsWith('.approve') && tableAllows('admin', permission)) {
    problems.push(`${name}: the admin holds ${permission}`);
  }
  return problems;
}

export const MATRIX_ROLES: readonly Role[] = ROLES;

/**
 * The matrix's extra principal: an admin under an active break-glass elevation, who holds every
 * permission (packages/model/src/break-glass.ts) whatever a route declares.
 */
export const ELEVATED_ADMIN = 'admin under break-glass';

/** What the model lets the elevated admin through: every permission an elevation grants. */
export function elevatedAllows(permission: Permission | 'authenticated'): boolean {
  return permission === 'authenticated' || breakGlassPermissions().includes(permission);
}

/**
 * Operations the elevated admin is not probed on: ending the elevation would turn the principal
 * into a plain admin for the rest of the matrix (break-glass.api.test.ts covers ending).
 */
export const ELEVATED_SKIP = new Set(['DELETE /api/v1/auth/break-glass']);
