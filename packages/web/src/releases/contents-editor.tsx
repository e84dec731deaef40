import { CONTENT_EDITABLE_RELEASE_STATES, SCOPE_EDITABLE_RELEASE_STATES } from '@slipway/model';
import { useEffect, useState } from 'react';
import type { Artifact, Release, ReleaseEnvironment } from '../api/types.js';
import { CiPicker, type PickedCi } from '../cmdb/ci-picker.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';

/** Wait this long after the last keystroke before searching the library. */
const SEARCH_DELAY_MS = 250;

/**
 * Adds approved library artifacts (before testing starts) and target CIs (until approval) to a
 * release. Each write names the release version it saw (If-Match).
 */
export function ContentsEditor({
  release,
  environments,
  onChanged,
}: {
  release: Release;
  environments: ReleaseEnvironment[];
  onChanged: () => void;
}) {
  const { can } = useSession();
  if (!can('releases.write')) return null;
  return (
    <div className="contents-editor">
      {CONTENT_EDITABLE_RELEASE_STATES.includes(release.state) && <AddArtifact release={release} onAdded={onChanged} />}
      {SCOPE_EDITABLE_RELEASE_STATES.includes(release.state) && (
        <AddTarget release={release} environments={environments} onAdded={onChanged} />
      )}
    </div>
  );
}

function AddArtifact({ release, onAdded }: { release: Release; onAdded: () => void }) {
  const { api } = useSession();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Artifact[]>([]);
  const [chosen, setChosen] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    const text = query.trim();
    if (text === '') {
      setResults([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.library.artifacts.list({ q: text, state: 'approved', limit: 10 }, controller.signal).then(
        (page) => setResults(page.items),
        (failure: unknown) => {
          if (!controller.signal.aborted) setError(failure);
        },
      );
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, query]);

  async function add() {
    if (chosen === null) return;
    setError(undefined);
    try {
      await api.releases.addArtifact(release, chosen);
      setQuery('');
      setChosen(null);
      onAdded();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <fieldset className="contents-add">
      <legend>Add an approved artifact</legend>
      <div className="field">
        <label htmlFor="add-artifact-q">Artifact name</label>
        <input
          id="add-artifact-q"
          type="search"
          autoComplete="off"
          maxLength={200}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
      </div>
      {results.map((artifact) => (
        <div key={artifact.id} className="checkbox-row">
          <input
            id={`add-artifact-${artifact.id}`}
            type="radio"
            name="add-artifact"
            checked={chosen === artifact.id}
            onChange={() => setChosen(artifact.id)}
          />
          <label htmlFor={`add-artifact-${artifact.id}`}>
            {artifact.name} {artifact.artifactVersion}
          </label>
        </div>
      ))}
      <ErrorNotice error={error} />
      <button type="button" disabled={chosen === null} onClick={() => void add()}>
        Add artifact
      </button>
    </fieldset>
  );
}

function AddTarget({
  release,
  environments,
  onAdded,
}: {
  release: Release;
  environments: ReleaseEnvironment[];
  onAdded: () => void;
}) {
  const { api } = useSession();
  const [ci, setCi] = useState<PickedCi | null>(null);
  const last = environments.find((environment) => environment.last)?.name ?? environments.at(-1)?.name ?? '';
  const [environment, setEnvironment] = useState(last);
  const [error, setError] = useState<unknown>(undefined);

  async function add() {
    if (!ci) return;
    setError(undefined);
    try {
      await api.releases.addTargets(release, environment || last, [ci.id]);
      setCi(null);
      onAdded();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <fieldset className="contents-add">
      <legend>Add a target CI</legend>
      <div className="field">
        <label htmlFor="target-environment">Target environment</label>
        <select
          id="target-environment"
          value={environment || last}
          onChange={(event) => setEnvironment(event.target.value)}
        >
          {environments.map((item) => (
            <option key={item.name} value={item.name}>
              {item.name}
            </option>
          ))}
        </select>
      </div>
      <CiPicker label="Target CI" value={ci} onChange={setCi} />
      <ErrorNotice error={error} />
      <button type="button" disabled={!ci} onClick={() => void add()}>
        Add target
      </button>
    </fieldset>
  );
}
