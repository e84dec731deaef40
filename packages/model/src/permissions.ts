import type { Role } from './roles.js';

/**
 * The one permission table. Every HTTP route declares exactly one of these permissions
 * (or declares itself public); the server refuses to start if a route does not.
 * The UI and the CLI read the same table to show only what a role may do.
 *
 * Invariant: `auditor` appears only on permissions ending in `.read`, and on `self.write` (their own
 * password and API tokens).
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
  'policy.read': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: 'Read the release policy and its history',
  },
  'policy.write': {
    roles: ['admin'],
    description: 'Apply a new version of the release policy (those who are gated by it do not set it)',
  },
  'library.read': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: 'Read the software library (artifacts, signatures, SBOMs, compliance)',
  },
  'library.write': {
    roles: ['admin', 'release_manager', 'engineer'],
    description: 'Push artifacts, attach signatures and SBOMs, verify integrity',
  },
  'library.approve': {
    roles: ['release_manager', 'change_manager'],
    description: "Approve or retire artifacts (never one's own upload)",
  },
  'library.admin': {
    roles: ['admin'],
    description: 'Manage trusted signing keys',
  },
  'hardware.read': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: 'Read the hardware store: models, stock, reservations',
  },
  'hardware.write': {
    roles: ['admin', 'release_manager', 'engineer'],
    description: 'Receive, move, reserve and retire hardware stock',
  },
  'changes.read': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: 'Read changes, the change calendar, freezes and conflicts',
  },
  'changes.write': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer'],
    description: 'Raise changes and edit them until they are authorised',
  },
  'changes.approve': {
    roles: ['change_manager', 'cab_member'],
    description: "Approve or reject changes as a CAB or ECAB member (never one's own)",
  },
  'changes.manage': {
    roles: ['admin', 'change_manager'],
    description: 'Assess and schedule changes, manage freezes, maintenance windows and standard-change templates',
  },
  'releases.read': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: 'Read releases, plans, tests, readiness, notes and evidence',
  },
  'releases.write': {
    roles: ['admin', 'release_manager'],
    description: 'Create and plan releases, add contents, move them through their lifecycle',
  },
  'releases.test': {
    roles: ['admin', 'release_manager', 'engineer'],
    description: 'Record test results and evidence for releases (also CI pipelines with a token)',
  },
  'releases.approve': {
    roles: ['change_manager', 'cab_member'],
    description: "Approve releases (never one's own)",
  },
  'rollouts.read': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: 'Watch rollouts and their events',
  },
  'rollouts.execute': {
    roles: ['admin', 'release_manager'],
    description: 'Start, pause, resume, abort and back out rollouts; request, cancel and deactivate activations',
  },
  'rollouts.confirm': {
    roles: ['release_manager', 'engineer'],
    description: 'Confirm manual rollout steps and health gates',
  },
  // The go-live of a dormant release is authorised by the change authority, as releases and
  // changes are: those who deploy (release managers) ask, change managers or CAB members decide.
  'rollouts.approve': {
    roles: ['change_manager', 'cab_member'],
    description: "Approve or reject the activation of a dormant rollout (never one's own request or rollout)",
  },
  'incidents.read': {
    roles: ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'],
    description: 'Read incidents',
  },
  'incidents.write': {
    roles: ['admin', 'release_manager', 'change_manager', 'engineer'],
    description: 'Record incidents and what caused them',
  },
  'maturity.write': {
    roles: ['admin', 'release_manager', 'change_manager'],
    description: 'Run maturity assessments',
  },
  'webhooks.manage': {
    roles: ['admin'],
    description: 'Manage webhook subscriptions and the outbound allow-list',
  },
  'teams.admin': {
    roles: ['admin'],
    description: 'Create and rename teams and set their members (team-scoped changes and releases)',
  },
  'rollouts.executables': {
    roles: ['admin'],
    description: 'Manage the allow-list of executables that rollout command steps and gates may run',
  },
  'break_glass.use': {
    roles: ['admin'],
    description:
      "Start and end a break-glass elevation of one's own account: time-boxed, audited and flagged (docs/security.md)",
  },
  'break_glass.read': {
    roles: ['admin', 'auditor'],
    description: 'List break-glass elevations: who, why, when, and how they ended',
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
