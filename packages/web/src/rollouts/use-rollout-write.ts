import { useState } from 'react';
import { isApiError } from '../api/errors.js';
import type { Rollout } from './rollouts-api.js';

/**
 * One write at a time on a rollout, for a panel of rollout actions: `busy` while it runs; on
 * success `onChanged` gets the rollout the server answers and `reset` clears the panel's inputs;
 * on failure `error` holds why, and a write that named an older version (412) calls `onStale`.
 */
export function useRolloutWrite({
  onChanged,
  onStale,
  reset,
}: {
  onChanged: (rollout: Rollout) => void;
  onStale: () => void;
  reset: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  async function run(write: () => Promise<Rollout>) {
    setBusy(true);
    setError(undefined);
    try {
      onChanged(await write());
      reset();
    } catch (failure) {
      setError(failure);
      if (isApiError(failure, 'PRECONDITION_FAILED')) onStale();
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, run };
}
