import { type ChangeAction, type ChangeState, findChangeTransition } from '@slipway/model';
import { useState } from 'react';
import { isApiError } from '../api/errors.js';
import type { Change } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession, useSignedIn } from '../session/session-context.js';

type LifecycleAction = Exclude<ChangeAction, 'reject' | 'reauthorize'>;

const LABELS: Record<LifecycleAction, string> = {
  submit: 'Submit for assessment',
  assess: 'Accept assessment, send to CAB',
  schedule: 'Schedule',
  start: 'Start implementing',
  complete: 'Mark implemented',
  close: 'Close',
  cancel: 'Cancel change',
};

/** Who may try each step; the server still checks requester, implementer and guards. */
const PERMISSION: Record<LifecycleAction, 'changes.write' | 'changes.manage'> = {
  submit: 'changes.write',
  assess: 'changes.manage',
  schedule: 'changes.manage',
  start: 'changes.write',
  complete: 'changes.write',
  close: 'changes.write',
  cancel: 'changes.write',
};

function isLifecycle(action: ChangeAction): action is LifecycleAction {
  return action !== 'reject' && action !== 'reauthorize';
}

/**
 * The next steps of a change from its `allowedTransitions` (the state machine in the model), as
 * buttons. A soft freeze makes scheduling ask for an override reason, which is audited.
 */
export function ChangeActions({ change, onChanged }: { change: Change; onChanged: (change: Change) => void }) {
  const { api, can } = useSession();
  const { user } = useSignedIn();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [overrideReason, setOverrideReason] = useState<string | null>(null);

  // Only the steps this user may take: the transition table names who (requester, implementer,
  // manager), so a CAB member is not offered "Cancel" on someone else's change.
  const mayTake = (to: ChangeState) => {
    const transition = findChangeTransition(change.state, to, change.type);
    if (!transition) return false;
    return transition.by.some(
      (who) =>
        (who === 'requester' && change.requester.id === user.id) ||
        (who === 'implementer' && change.implementer?.id === user.id) ||
        (who === 'manager' && can('changes.manage')),
    );
  };
  const actions = change.allowedTransitions
    .filter((transition) => mayTake(transition.to))
    .map((transition) => transition.action)
    .filter(isLifecycle)
    .filter((action) => can(PERMISSION[action]));
  if (actions.length === 0) return null;

  async function run(action: LifecycleAction) {
    setBusy(true);
    setError(undefined);
    try {
      const body = overrideReason ? { freezeOverride: { reason: overrideReason } } : {};
      onChanged(await api.changes.act(change, action, body));
      setOverrideReason(null);
    } catch (failure) {
      if (isApiError(failure, 'FREEZE_WINDOW') && failure.details?.overridable === true && overrideReason === null) {
        setOverrideReason('');
      }
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="change-actions">
      {overrideReason !== null && (
        <div className="field">
          <label htmlFor="freeze-override">Reason to override the soft freeze</label>
          <input
            id="freeze-override"
            maxLength={2000}
            value={overrideReason}
            onChange={(event) => setOverrideReason(event.target.value)}
          />
        </div>
      )}
      <div className="actions">
        {actions.map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'cancel' ? 'button-secondary' : undefined}
            disabled={busy}
            onClick={() => void run(action)}
          >
            {LABELS[action]}
          </button>
        ))}
      </div>
      <ErrorNotice error={error} />
    </div>
  );
}
