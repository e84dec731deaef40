import type { Role } from '@slipway/model';

export function roleLabel(role: Role): string {
  return role.replaceAll('_', ' ');
}

/** Roles as small badges. */
export function RoleList({ roles }: { roles: readonly Role[] }) {
  return (
    <ul className="badges">
      {roles.map((role) => (
        <li key={role} className={`badge badge-${role}`}>
          {roleLabel(role)}
        </li>
      ))}
    </ul>
  );
}
