import { type FormEvent, useState } from 'react';
import type { Change } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession, useSignedIn } from '../session/session-context.js';

/**
 * Approve or reject a change in `authorize` with a comment. The decision names the version the
 * member reviewed, so it cannot land on a scope edited meanwhile. Requesters and implementers
 * are told why they cannot decide instead of being shown buttons the server would refuse.
 */
export function DecisionForm({ change, onDecided }: { change: Change; onDecided: (change: Change) => void }) {
  const { api, can } = useSession();
  const { user } = useSignedIn();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  if (change.state !== 'authorize' || !can('changes.approve')) return null;
  if (change.requester.id === user.id || change.implementer?.id === user.id) {
    return (
      <p className="notice notice-info">
        You {change.requester.id === user.id ? 'raised' : 'implement'} this change, so another CAB member must decide on
        it (segregation of duties).
      </p>
    );
  }
  if (change.approval.approvals.some((approval) => approval.approverId === user.id)) {
    return <p className="notice notice-ok">You approved this change in this round.</p>;
  }

  async function decide(decision: 'approve' | 'reject') {
    setBusy(true);
    setError(undefined);
    try {
      onDecided(await api.changes.decide(change, decision, comment.trim()));
      setComment('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="form"
      aria-label="CAB decision"
      onSubmit={(event: FormEvent<HTMLFormElement>) => {
        event.preventDefault();
        void decide('approve');
      }}
    >
      <div className="field">
        <label htmlFor="decision-comment">Comment</label>
        <textarea
          id="decision-comment"
          rows={3}
          maxLength={4000}
          aria-describedby="decision-help"
          value={comment}
          onChange={(event) => setComment(event.target.value)}
        />
        <span id="decision-help" className="small muted">
          Required to reject; recorded with your decision in the audit trail.
        </span>
      </div>
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          Approve
        </button>
        <button
          type="button"
          className="button-danger"
          disabled={busy || comment.trim() === ''}
          onClick={() => void decide('reject')}
        >
          Reject
        </button>
      </div>
    </form>
  );
}
