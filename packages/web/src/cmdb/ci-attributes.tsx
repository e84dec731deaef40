import type { Ci, CiClass } from '../api/types.js';
import { displayValue, fieldLabel } from './ci-format.js';

/**
 * A CI's attributes in the order its class schema defines them, each with its type; attributes
 * the schema does not (or no longer) define are listed after them.
 */
export function CiAttributes({ ci, ciClass }: { ci: Ci; ciClass: CiClass | undefined }) {
  const definitions = ciClass?.attributes ?? [];
  const extra = Object.keys(ci.attributes)
    .filter((name) => !definitions.some((definition) => definition.name === name))
    .sort();
  return (
    <section className="card" aria-labelledby="attributes-title">
      <h2 id="attributes-title">Attributes</h2>
      {definitions.length === 0 && extra.length === 0 ? (
        <p className="muted">The {ci.class} class defines no attributes.</p>
      ) : (
        <dl className="details attributes" data-testid="ci-attributes">
          {definitions.map((definition) => {
            const value = ci.attributes[definition.name];
            return (
              <div key={definition.name} className="details-row">
                <dt title={definition.description}>
                  {fieldLabel(definition.name)} <span className="attribute-type">{definition.type}</span>
                </dt>
                <dd className={value === undefined || value === null ? 'muted' : undefined}>
                  {value === undefined || value === null ? 'not set' : displayValue(value)}
                </dd>
              </div>
            );
          })}
          {extra.map((name) => (
            <div key={name} className="details-row">
              <dt title="Not in the class schema">
                {fieldLabel(name)} <span className="attribute-type">unknown</span>
              </dt>
              <dd>{displayValue(ci.attributes[name])}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
