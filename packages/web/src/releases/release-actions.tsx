import { findReleaseTransition } from '@slipway/model';
import { useState } from 'react';
import type { Release } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';
import { stateLabel } from './release-badges.js';

/**
 * The next lifecycle steps this user may take (the transition table in the model names who:
 * release managers, approvers, the rollout module). A refused step shows every unmet rule.
 */
export function ReleaseActions({ release, onChanged }: { release: Release; onChanged: (release: Release) => void }) {
  const { api, can } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const steps = release.allowedTransitions.filter((step) => {
    const transition = findReleaseTransition(release.state, step.to, release.type);
    return transition?.by.some(
      (who) =>
        (who === 'manager' && can('releases.write')) ||
        (who === 'approver' && can('releases.approve')) ||
        (who === 'rollout' && can('rollouts.execute')),
    );
  });
  if (steps.length === 0) return null;

  async function take(to: Release['state']) {
    setBusy(true);
    setError(undefined);
    try {
      onChanged(await api.releases.transition(release, to));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="release-actions">
      <div className="actions">
        {steps.map((step) => (
          <button
            key={`${step.action}-${step.to}`}
            type="button"
            className={step.to === 'cancelled' ? 'button-secondary' : undefined}
            disabled={busy}
            onClick={() => void take(step.to)}
          >
            {step.action.replaceAll('_', ' ')} → {stateLabel(step.to)}
          </button>
        ))}
      </div>
      <ErrorNotice error={error} />
      <ViolationDetails error={error} />
    </div>
  );
}

/** The unmet rules a 422 POLICY_VIOLATION names in its details, listed under the error. */
export function ViolationDetails({ error }: { error: unknown }) {
  const details = (error as { details?: { violations?: unknown } } | undefined)?.details;
  const violations = Array.isArray(details?.violations)
    ? (details.violations as { id?: string; message?: string }[])
    : [];
  if (violations.length === 0) return null;
  return (
    <ul className="violation-list" aria-label="Unmet rules">
      {violations.map((violation, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: violations carry no id of their own.
        <li key={index}>
          <code>{violation.id}</code>: {violation.message}
        </li>
      ))}
    </ul>
  );
}
