import type { Permission } from '@slipway/model';

export interface NavigationItem {
  to: string;
  label: string;
  /** The permission the page's data needs; the item is hidden from users without it. */
  permission: Permission;
}

/** Every page of the UI in navigation order. Pages of later issues add themselves here. */
export const NAVIGATION: readonly NavigationItem[] = [
  // First, so it is the start page: every role's week starts with what waits for them.
  { to: '/dashboard', label: 'Dashboard', permission: 'self.read' },
  { to: '/cmdb', label: 'CMDB', permission: 'cmdb.read' },
  { to: '/changes', label: 'Changes', permission: 'changes.read' },
  { to: '/calendar', label: 'Calendar', permission: 'changes.read' },
  { to: '/releases', label: 'Releases', permission: 'releases.read' },
  { to: '/rollouts', label: 'Rollouts', permission: 'rollouts.read' },
  // KPIs, DORA keys and the maturity assessment (the metrics page links to /maturity).
  { to: '/metrics', label: 'Metrics', permission: 'metrics.read' },
  { to: '/library', label: 'Library', permission: 'library.read' },
  { to: '/policy', label: 'Policy', permission: 'policy.read' },
  { to: '/account', label: 'My account', permission: 'self.read' },
  { to: '/users', label: 'Users', permission: 'users.read' },
  { to: '/audit', label: 'Audit', permission: 'audit.read' },
];
