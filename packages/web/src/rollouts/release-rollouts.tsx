import { useCallback } from 'react';
import type { Release, ReleaseTargets } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';
import { RolloutTable } from './rollout-table.js';
import { StartRolloutForm } from './start-rollout-form.js';

/** Release states a rollout may start from (the server checks again: 422 `rollout.release_approved`). */
const STARTABLE = ['approved', 'scheduled'];

/**
 * The rollouts of a release on its page and, for an approved release and a user with
 * `rollouts.execute`, the form that starts one. The release page loads the targets once for
 * this card and its contents section; `undefined` while they load.
 */
export function ReleaseRollouts({ release, targets }: { release: Release; targets: ReleaseTargets | undefined }) {
  const { api, can } = useSession();
  const mayRead = can('rollouts.read');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the release's version: a new rollout moves the release (approved → scheduled → rolling out), so the list loads again.
  const load = useCallback(
    (signal: AbortSignal) =>
      mayRead
        ? api.rollouts.list({ releaseId: release.id, limit: 50 }, signal)
        : Promise.resolve({ items: [], next: null }),
    [api, release.id, release.version, mayRead],
  );
  const state = useLoad(load);
  const mayStart = can('rollouts.execute') && STARTABLE.includes(release.state);
  if (!mayRead && !mayStart) return null;
  const rollouts = state.data;
  const environments = targets?.environments.filter((e) => e.count > 0).map((e) => e.environment) ?? [];
  return (
    <section className="card" id="rollouts" aria-labelledby="rollouts-title" data-testid="release-rollouts">
      <h2 id="rollouts-title">Rollouts</h2>
      <ErrorNotice error={state.error} onRetry={state.reload} />
      {rollouts &&
        (rollouts.items.length === 0 ? (
          <p className="muted">No rollout yet.</p>
        ) : (
          <RolloutTable rollouts={rollouts.items} label="Rollouts of this release" />
        ))}
      {mayStart &&
        targets &&
        (environments.length === 0 ? (
          <p className="muted">Add target CIs before starting a rollout.</p>
        ) : (
          <StartRolloutForm release={release} environments={environments} />
        ))}
    </section>
  );
}
