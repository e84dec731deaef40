import { useCallback } from 'react';
import { Link } from 'react-router';
import type { Release } from '../api/types.js';
import { useLoad } from '../hooks/use-load.js';
import { ReleaseStateBadge, releaseName, releasePath, stateLabel } from '../releases/release-badges.js';
import { useSession } from '../session/session-context.js';

const BACKWARD_ACTIONS = new Set(['rework', 'retest', 'cancel', 'back_out']);

/**
 * A release waiting at a gate, with what its next step still needs. The release list carries no
 * readiness, so each item asks for its own (the dashboard shows a handful).
 */
export function ReleaseGateItem({ release }: { release: Release }) {
  const { api } = useSession();
  const load = useCallback((signal: AbortSignal) => api.releases.readiness(release.id, signal), [api, release.id]);
  const { data } = useLoad(load);
  // The step forward (not rework, retest or cancel) is the gate the release waits at.
  const next = data?.transitions.find((transition) => !BACKWARD_ACTIONS.has(transition.action));
  const unmet = next ? next.checks.flatMap((check) => check.violations) : [];
  return (
    <li>
      <Link to={releasePath(release.id)}>
        {releaseName(release)} — {release.title}
      </Link>{' '}
      <ReleaseStateBadge state={release.state} />
      <div className="work-meta">
        {next
          ? next.ready
            ? `Ready to ${next.action.replaceAll('_', ' ')} (→ ${stateLabel(next.to)}).`
            : `${next.action.replaceAll('_', ' ')} blocked by ${unmet.length} unmet rule${unmet.length === 1 ? '' : 's'}: ${unmet
                .slice(0, 2)
                .map((v) => v.id)
                .join(', ')}${unmet.length > 2 ? ' …' : ''}`
          : 'Checking its gates…'}
      </div>
    </li>
  );
}
