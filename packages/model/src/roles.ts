/**
 * The roles a Slipway user can hold. A user may hold several; permissions are the union.
 * `auditor` is read-only everywhere by construction: it is granted only `*.read` permissions.
 */
export const ROLES = ['admin', 'release_manager', 'change_manager', 'cab_member', 'engineer', 'auditor'] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: 'Manages users, tokens, configuration and the CMDB schema',
  release_manager: 'Plans, builds, tests, schedules and rolls out releases; backs them out',
  change_manager: 'Runs change management: assesses RFCs, chairs the CAB, manages freezes',
  cab_member: 'Reviews and approves or rejects changes on the change advisory board',
  engineer: 'Keeps the CMDB true, raises changes, executes rollout steps',
  auditor: 'Reads everything, including the audit trail; changes nothing',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
