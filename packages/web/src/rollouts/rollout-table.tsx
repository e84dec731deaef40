import { Link } from 'react-router';
import { DateTime } from '../components/date-time.js';
import { releasePath } from '../releases/release-badges.js';
import { RolloutStateBadge, rolloutLabel, rolloutPath } from './rollout-badges.js';
import type { Rollout } from './rollouts-api.js';

/** Rollouts as a table: state, progress, release, environment, strategy, when. */
export function RolloutTable({ rollouts, label }: { rollouts: Rollout[]; label: string }) {
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Rollout</th>
            <th scope="col">State</th>
            <th scope="col">Progress</th>
            <th scope="col">Release</th>
            <th scope="col">Environment</th>
            <th scope="col">Strategy</th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {rollouts.map((rollout) => (
            <tr key={rollout.id}>
              <td>
                <Link to={rolloutPath(rollout.id)}>Rollout #{rollout.id}</Link>
              </td>
              <td>
                <RolloutStateBadge state={rollout.state} />
              </td>
              <td>
                {rollout.totals.deployed} / {rollout.totals.targets} deployed
                {rollout.totals.failed > 0 && `, ${rollout.totals.failed} failed`}
                {rollout.totals.backedOut > 0 && `, ${rollout.totals.backedOut} backed out`}
              </td>
              <td>
                <Link to={releasePath(rollout.releaseId)}>Release #{rollout.releaseId}</Link>
              </td>
              <td>{rollout.environment}</td>
              <td>{rolloutLabel(rollout.strategy)}</td>
              <td>
                <DateTime value={rollout.startedAt ?? rollout.scheduledAt} empty="not yet" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
