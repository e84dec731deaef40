import { useEffect, useId, useState } from 'react';
import type { Ci } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';
import { classLabel } from './ci-format.js';

const RESULTS = 12;
/** Wait this long after the last keystroke before searching, so typing a name is one request, not ten. */
const DEBOUNCE_MS = 250;

export interface PickedCi {
  id: number;
  class: string;
  name: string;
}

/**
 * Finds a CI by part of its name (and optionally its class) and offers the matches as radio
 * buttons: a plain, keyboard-friendly way to pick one CI among thousands.
 */
export function CiPicker({
  label,
  value,
  onChange,
  exclude = [],
}: {
  label: string;
  value: PickedCi | null;
  onChange: (ci: PickedCi | null) => void;
  /** CIs that cannot be picked (the CI itself, those already chosen). */
  exclude?: readonly number[];
}) {
  const { api } = useSession();
  const id = useId();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Ci[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    const text = query.trim();
    if (text === '') {
      setResults(null);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.cmdb.cis.list({ q: text, limit: RESULTS }, controller.signal).then(
        (page) => {
          setError(undefined);
          setResults(page.items);
        },
        (failure: unknown) => {
          if (!controller.signal.aborted) setError(failure);
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, query]);

  const choices = (results ?? []).filter((ci) => !exclude.includes(ci.id));
  return (
    <div className="ci-picker">
      <div className="field">
        <label htmlFor={`${id}-q`}>{label}</label>
        <input
          id={`${id}-q`}
          type="search"
          placeholder="Type part of a name"
          autoComplete="off"
          maxLength={255}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
      </div>
      <ErrorNotice error={error} />
      {results !== null && (
        <fieldset className="ci-picker-results">
          <legend className="visually-hidden">Matching CIs</legend>
          {choices.length === 0 && (
            <p className="muted">
              {results.length > 0 ? 'Every match is already chosen.' : `No CI matches “${query.trim()}”.`}
            </p>
          )}
          {choices.map((ci) => (
            <div key={ci.id} className="checkbox-row">
              <input
                id={`${id}-ci-${ci.id}`}
                type="radio"
                name={`${id}-choice`}
                checked={value?.id === ci.id}
                onChange={() => onChange({ id: ci.id, class: ci.class, name: ci.name })}
              />
              <label htmlFor={`${id}-ci-${ci.id}`}>
                {ci.name} <span className="muted small">{classLabel(ci.class)}</span>
              </label>
            </div>
          ))}
          {results.length === RESULTS && (
            <p className="muted small">Showing the first {RESULTS}; type more to narrow.</p>
          )}
        </fieldset>
      )}
    </div>
  );
}
