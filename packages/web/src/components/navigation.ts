import type { Permission } from '@slipway/model';

export interface NavigationItem {
  to: string;
  label: string;
  /** The permission the page's data needs; the item is hidden from users without it. */
  permission: Permission;
}

/** Every page of the UI in navigation order. Pages of later issues add themselves here. */
export const NAVIGATION: readonly NavigationItem[] = [
  // First, so it is the start page: every role reads the CMDB, and it is where weekly work begins.
  { to: '/cmdb', label: 'CMDB', permission: 'cmdb.read' },
  { to: '/account', label: 'My account', permission: 'self.read' },
  { to: '/users', label: 'Users', permission: 'users.read' },
  { to: '/audit', label: 'Audit trail', permission: 'audit.read' },
];
