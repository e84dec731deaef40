import type { Permission } from '@slipway/model';

export interface NavigationItem {
  to: string;
  label: string;
  /** The permission the page's data needs; the item is hidden from users without it. */
  permission: Permission;
}

/** Every page of the UI in navigation order. Pages of later issues add themselves here. */
export const NAVIGATION: readonly NavigationItem[] = [
  { to: '/account', label: 'My account', permission: 'self.read' },
  { to: '/users', label: 'Users', permission: 'users.read' },
  { to: '/audit', label: 'Audit trail', permission: 'audit.read' },
];
