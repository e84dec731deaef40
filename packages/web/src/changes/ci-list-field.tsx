import { Link } from 'react-router';
import { ciPath, classLabel } from '../cmdb/ci-format.js';
import { CiPicker, type PickedCi } from '../cmdb/ci-picker.js';
import { useShowAll } from '../components/show-all.js';

/** The CIs a change touches: a picker to add one, and the chosen ones with a remove button each. */
export function CiListField({ value, onChange }: { value: PickedCi[]; onChange: (cis: PickedCi[]) => void }) {
  const chosen = useShowAll(value);
  return (
    <div className="field-wide">
      <CiPicker
        label="Add a CI"
        value={null}
        exclude={value.map((ci) => ci.id)}
        onChange={(ci) => {
          if (ci) onChange([...value, ci]);
        }}
      />
      <p className="small muted" id="chosen-cis-label">
        {value.length === 0
          ? 'No CI chosen yet: a change needs at least one.'
          : `CIs this change touches (${value.length}):`}
      </p>
      <ul className="chosen-cis" aria-labelledby="chosen-cis-label">
        {chosen.shown.map((ci) => (
          <li key={ci.id}>
            <Link to={ciPath(ci.id)} target="_blank" rel="noreferrer">
              {ci.name}
            </Link>
            <span className="muted small">{classLabel(ci.class)}</span>
            <button
              type="button"
              className="button-link"
              aria-label={`Remove ${ci.name}`}
              onClick={() => onChange(value.filter((other) => other.id !== ci.id))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      {chosen.toggle && (
        <p className="small">
          {chosen.hidden > 0 && `${chosen.hidden.toLocaleString('en-GB')} more not shown. `}
          {chosen.toggle}
        </p>
      )}
    </div>
  );
}
