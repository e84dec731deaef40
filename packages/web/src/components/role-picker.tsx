import { ROLE_DESCRIPTIONS, ROLES, type Role } from '@slipway/model';
import { useId } from 'react';
import { roleLabel } from './role-list.js';

/** Role checkboxes, each with what the role is for (from the model's one role table). */
export function RolePicker({
  legend,
  value,
  onChange,
}: {
  legend: string;
  value: readonly Role[];
  onChange: (roles: Role[]) => void;
}) {
  const id = useId();
  return (
    <fieldset className="role-picker">
      <legend>{legend}</legend>
      {ROLES.map((role) => (
        <div key={role} className="checkbox-row">
          <input
            id={`${id}-${role}`}
            type="checkbox"
            checked={value.includes(role)}
            aria-describedby={`${id}-${role}-help`}
            onChange={(event) =>
              onChange(
                event.target.checked
                  ? ROLES.filter((r) => r === role || value.includes(r))
                  : value.filter((r) => r !== role),
              )
            }
          />
          <label htmlFor={`${id}-${role}`}>{roleLabel(role)}</label>
          <span id={`${id}-${role}-help`} className="muted small">
            {ROLE_DESCRIPTIONS[role]}
          </span>
        </div>
      ))}
    </fieldset>
  );
}
