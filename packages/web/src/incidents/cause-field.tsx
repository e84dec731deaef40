import { useEffect, useState } from 'react';
import { errorMessage, isApiError } from '../api/errors.js';
import { useSession } from '../session/session-context.js';

/**
 * What the person says caused the incident. The server records a release or a change; a rollout
 * is recorded as the release it rolled out (a rollout's failure is its release's failure in
 * DORA's change failure rate).
 */
export type CauseKind = 'none' | 'release' | 'rollout' | 'change';

export interface CauseChoice {
  kind: CauseKind;
  /** The id as typed. */
  id: string;
}

/** The cause as the API takes it, once the typed id is known to exist. */
export type CauseLookup =
  | { status: 'none' }
  | { status: 'pending' }
  | { status: 'found'; label: string; releaseId: number | null; changeId: number | null }
  | { status: 'failed'; message: string };

const DEBOUNCE_MS = 300;

function positiveId(text: string): number | null {
  return /^\d{1,10}$/.test(text.trim()) && Number(text) > 0 && Number(text) <= 2_147_483_647 ? Number(text) : null;
}

/** Looks the typed id up, so the form shows what it names before anything is recorded. */
export function useCauseLookup(choice: CauseChoice): CauseLookup {
  const { api } = useSession();
  const [lookup, setLookup] = useState<CauseLookup>({ status: 'none' });
  const id = positiveId(choice.id);

  useEffect(() => {
    if (choice.kind === 'none') {
      setLookup({ status: 'none' });
      return;
    }
    if (id === null) {
      setLookup({
        status: 'failed',
        message: choice.id.trim() === '' ? `Type the ${choice.kind}'s number.` : 'A number, e.g. 12.',
      });
      return;
    }
    setLookup({ status: 'pending' });
    const controller = new AbortController();
    const { signal } = controller;
    const timer = setTimeout(async () => {
      try {
        if (choice.kind === 'release') {
          const release = await api.releases.get(id, signal);
          setLookup({
            status: 'found',
            label: `${release.unit.name} ${release.releaseVersion}: ${release.title} (${release.state.replaceAll('_', ' ')})`,
            releaseId: release.id,
            changeId: null,
          });
        } else if (choice.kind === 'change') {
          const change = await api.changes.get(id, signal);
          setLookup({
            status: 'found',
            label: `${change.title} (${change.type}, ${change.state.replaceAll('_', ' ')})`,
            releaseId: null,
            changeId: change.id,
          });
        } else {
          const rollout = await api.rollouts.get(id, signal);
          const release = await api.releases.get(rollout.releaseId, signal);
          setLookup({
            status: 'found',
            label: `rollout to ${rollout.environment} (${rollout.state.replaceAll('_', ' ')}) of ${release.unit.name} ${release.releaseVersion}: recorded against release #${release.id}`,
            releaseId: release.id,
            changeId: null,
          });
        }
      } catch (error) {
        if (signal.aborted) return;
        setLookup({
          status: 'failed',
          message: isApiError(error, 'NOT_FOUND') ? `There is no ${choice.kind} #${id}.` : errorMessage(error),
        });
      }
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, choice.kind, choice.id, id]);

  return lookup;
}

const KIND_LABELS: Record<CauseKind, string> = {
  none: 'not known (yet)',
  release: 'a release',
  rollout: 'a rollout (recorded as its release)',
  change: 'a change',
};

/** The cause: its kind, the number of the release, rollout or change, and what that number names. */
export function CauseField({
  value,
  lookup,
  onChange,
  disabled,
}: {
  value: CauseChoice;
  lookup: CauseLookup;
  onChange: (value: CauseChoice) => void;
  disabled?: boolean;
}) {
  return (
    <div className="cause-field">
      <div className="field">
        <label htmlFor="incident-cause-kind">Caused by</label>
        <select
          id="incident-cause-kind"
          value={value.kind}
          disabled={disabled}
          onChange={(event) => onChange({ kind: event.target.value as CauseKind, id: value.id })}
        >
          {(Object.keys(KIND_LABELS) as CauseKind[]).map((kind) => (
            <option key={kind} value={kind}>
              {KIND_LABELS[kind]}
            </option>
          ))}
        </select>
      </div>
      {value.kind !== 'none' && (
        <div className="field">
          <label htmlFor="incident-cause-id">{value.kind[0]?.toUpperCase() + value.kind.slice(1)} number</label>
          <input
            id="incident-cause-id"
            inputMode="numeric"
            required
            size={8}
            maxLength={10}
            disabled={disabled}
            aria-describedby="incident-cause-found"
            aria-invalid={lookup.status === 'failed' && value.id.trim() !== ''}
            value={value.id}
            onChange={(event) => onChange({ kind: value.kind, id: event.target.value })}
          />
        </div>
      )}
      <p id="incident-cause-found" className="cause-found small" aria-live="polite" data-testid="cause-lookup">
        {lookup.status === 'none' && (
          <span className="muted">
            Change failure rate and time to restore count only incidents whose cause is recorded; you can add it later.
          </span>
        )}
        {lookup.status === 'pending' && <span className="muted">Looking it up…</span>}
        {lookup.status === 'found' && <span>→ {lookup.label}</span>}
        {lookup.status === 'failed' && <span className="cause-missing">{lookup.message}</span>}
      </p>
    </div>
  );
}
