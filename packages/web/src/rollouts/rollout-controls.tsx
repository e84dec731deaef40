import { useState } from 'react';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';
import type { Rollout, RolloutControl } from './rollouts-api.js';
import { useRolloutWrite } from './use-rollout-write.js';

const LABELS: Record<RolloutControl, string> = {
  pause: 'Pause',
  resume: 'Resume',
  abort: 'Abort',
  deactivate: 'Deactivate',
  backout: 'Back out',
};
/** These need a reason (the back-out's reason ends up on the release; an abort's in the record). */
const WITH_REASON: readonly RolloutControl[] = ['abort', 'backout'];

/**
 * The actions the server says the state allows now (`allowedActions`), shown only to a user
 * whose roles may take them: `rollouts.execute` for the controls, `rollouts.confirm` for a
 * manual gate or manual steps.
 */
export function RolloutControls({
  rollout,
  onChanged,
  onStale,
}: {
  rollout: Rollout;
  onChanged: (rollout: Rollout) => void;
  /** The write named an older version (the engine moved the rollout meanwhile): fetch it again. */
  onStale: () => void;
}) {
  const { api, can } = useSession();
  const [asking, setAsking] = useState<RolloutControl | null>(null);
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const { busy, error, run } = useRolloutWrite({
    onChanged,
    onStale,
    reset: () => {
      setAsking(null);
      setReason('');
      setNote('');
    },
  });
  const controls = can('rollouts.execute')
    ? // The activation's request and decisions have their own panel (rollout-page.tsx).
      rollout.allowedActions.filter((action): action is RolloutControl => action in LABELS)
    : [];
  const confirmable = rollout.allowedActions.includes('confirm') && can('rollouts.confirm');
  // The question of the manual gate that waits, if any (manual steps have none).
  const waiting = rollout.waves.find((wave) => wave.state === 'awaiting_confirmation');
  const question = waiting?.settings.gates.find((gate) => gate.kind === 'manual');
  if (controls.length === 0 && !confirmable) return null;

  return (
    <section className="card rollout-controls" aria-label="Rollout actions">
      <div className="actions">
        {controls.map((action) => (
          <button
            key={action}
            type="button"
            className={WITH_REASON.includes(action) ? 'button-danger' : undefined}
            disabled={busy}
            aria-expanded={WITH_REASON.includes(action) ? asking === action : undefined}
            onClick={() =>
              WITH_REASON.includes(action)
                ? setAsking(asking === action ? null : action)
                : void run(() => api.rollouts.control(rollout, action))
            }
          >
            {LABELS[action]}
          </button>
        ))}
      </div>
      {asking && (
        <form
          className="inline-fields"
          aria-label={`${LABELS[asking]} the rollout`}
          onSubmit={(event) => {
            event.preventDefault();
            void run(() => api.rollouts.control(rollout, asking, reason.trim()));
          }}
        >
          <div className="field field-wide">
            <label htmlFor="rollout-reason">Reason</label>
            <input
              id="rollout-reason"
              value={reason}
              required
              maxLength={2000}
              onChange={(event) => setReason(event.target.value)}
            />
          </div>
          <button type="submit" className="button-danger" disabled={busy || reason.trim() === ''}>
            {LABELS[asking]} now
          </button>
        </form>
      )}
      {confirmable && (
        <form
          className="inline-fields"
          aria-label="Confirm the manual step"
          onSubmit={(event) => event.preventDefault()}
        >
          <p className="field-wide">
            {waiting ? `${waiting.name}: ` : ''}
            {question && 'prompt' in question && question.prompt
              ? question.prompt
              : 'Confirm that the waiting step or health gate passed, or fail it.'}
          </p>
          <div className="field field-wide">
            <label htmlFor="rollout-confirm-note">Confirmation note</label>
            <input
              id="rollout-confirm-note"
              value={note}
              maxLength={2000}
              onChange={(event) => setNote(event.target.value)}
            />
          </div>
          <button
            type="button"
            disabled={busy}
            onClick={() => void run(() => api.rollouts.confirm(rollout.id, true, note))}
          >
            Confirm: passed
          </button>
          <button
            type="button"
            className="button-danger"
            disabled={busy}
            onClick={() => void run(() => api.rollouts.confirm(rollout.id, false, note))}
          >
            Confirm: failed
          </button>
        </form>
      )}
      <ErrorNotice error={error} />
    </section>
  );
}
