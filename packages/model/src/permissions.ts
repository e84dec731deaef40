import type { Role } from './roles.js';

/**
 * The one permission table. Every HTTP route declares exactly one of these permissions
 * (or declares itself public); the server refuses to start if a route does not.
 * The UI and the CLI read the same table to show only what a role may do.
 *
 * Invariant: `auditor` appears only on permissions ending in `.read`.
 */
export const PERMISSIONS = {
  'self.read': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: "Read one's own account and session",
  },
  'self.write': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: "Change one's own password, create and revoke one's own API tokens",
  },
  'users.read': {
    roles: ['admin', 'auditor'],
    description: "List users and their roles; list every user's API tokens (without secrets)",
  },
  'users.write': {
    roles: ['admin'],
    description: "Create, change and disable users; revoke anyone's API tokens",
  },
  'audit.read': {
    roles: ['admin', 'auditor'],
    description: 'Read the audit trail and verify its integrity',
  },
  'metrics.read': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: 'Read Prometheus metrics and KPIs',
  },
  'cmdb.read': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: 'Read configuration items, relationships, history, impact, baselines',
  },
  'cmdb.write': {
    roles: ['admin', 'release_manager', 'engineer'],
    description: 'Create, change and retire configuration items and relationships; import; take baselines',
  },
  'cmdb.schema': {
    roles: ['admin'],
    description: 'Add CI classes and attributes',
  },
} as const satisfies Record<string, { roles: readonly Role[]; description: string }>;

export type Permission = keyof typeof PERMISSIONS;

export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

/** True when any of the given roles grants the permission. */
export function rolesAllow(roles: readonly Role[], permission: Permission): boolean {
  const allowed: readonly Role[] = PERMISSIONS[permission].roles;
  return roles.some((role) => allowed.includes(role));
}

/** Every permission the given roles hold, for the UI's navigation and `GET /auth/session`. */
export function permissionsOf(roles: readonly Role[]): Permission[] {
  return PERMISSION_NAMES.filter((permission) => rolesAllow(roles, permission));
}
