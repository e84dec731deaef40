import { ACTIVE_ROLLOUT_STATES } from '@slipway/model';
import { useCallback } from 'react';
import { Link } from 'react-router';
import { WorkCard } from '../dashboard/work-card.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';
import { RolloutStateBadge, rolloutPath } from './rollout-badges.js';

/** How many of the newest rollouts the card looks through (the list filters by one state only). */
const SCAN = 200;

/** The dashboard's "Rollouts running" card: every rollout not finished yet, with its progress. */
export function RunningRollouts() {
  const { api } = useSession();
  const load = useCallback((signal: AbortSignal) => api.rollouts.list({ limit: SCAN }, signal), [api]);
  const list = useLoad(load);
  const running = list.data?.items.filter((rollout) => ACTIVE_ROLLOUT_STATES.includes(rollout.state));
  return (
    <WorkCard
      id="work-rollouts"
      title="Rollouts running"
      count={running?.length}
      empty="No rollout is running."
      error={list.error}
      onRetry={list.reload}
    >
      {running?.map((rollout) => (
        <li key={rollout.id}>
          <Link to={rolloutPath(rollout.id)}>
            Rollout #{rollout.id} of release #{rollout.releaseId} to {rollout.environment}
          </Link>{' '}
          <RolloutStateBadge state={rollout.state} />
          <div className="work-meta">
            {rollout.totals.deployed} of {rollout.totals.targets} deployed
            {rollout.totals.failed > 0 && `, ${rollout.totals.failed} failed`}
          </div>
        </li>
      ))}
    </WorkCard>
  );
}
