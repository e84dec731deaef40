import { type FormEvent, useState } from 'react';
import type { Release, ReleaseApproval } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession, useSignedIn } from '../session/session-context.js';
import { ViolationDetails } from './release-actions.js';

/**
 * The release's quorum, every approval (voided ones marked) and, for CAB members who are neither
 * requester nor implementer, the approve form. The server refuses until every other gate holds
 * and says which rules are unmet.
 */
export function ReleaseApprovals({
  release,
  approvals,
  onApproved,
}: {
  release: Release;
  approvals: ReleaseApproval[];
  onApproved: (release: Release) => void;
}) {
  const { api, can } = useSession();
  const { user } = useSignedIn();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const { approval } = release;
  const own = release.requester.id === user.id || release.implementer?.id === user.id;
  const already = approval.approvals.some((given) => given.approverId === user.id);
  const open = release.state === 'accepted' || (release.type === 'emergency' && release.state === 'in_test');

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onApproved(await api.releases.approve(release, comment.trim()));
      setComment('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div data-testid="release-approvals">
      <p>
        {approval.board.toUpperCase()} quorum: <strong>{approval.approvals.length}</strong> of{' '}
        <strong>{approval.required}</strong> in round {approval.round}.{' '}
        {approval.met ? (
          <span className="status status-on">quorum reached</span>
        ) : (
          <span className="status status-off">waiting</span>
        )}
      </p>
      {approval.missing.length > 0 && (
        <ul className="small">
          {approval.missing.map((missing) => (
            <li key={missing}>{missing}</li>
          ))}
        </ul>
      )}
      {approval.excluded.length > 0 && (
        <ul className="small">
          {approval.excluded.map((excluded) => (
            <li key={`${excluded.approverName}-${excluded.rule}`}>
              {excluded.approverName} does not count: {excluded.reason} (<code>{excluded.rule}</code>)
            </li>
          ))}
        </ul>
      )}
      {approvals.length > 0 && (
        <ul className="decision-list">
          {approvals.map((given) => (
            <li key={given.id} className={given.voidedAt ? 'decision-voided' : undefined}>
              <span className="decision-approved">approved</span> by <strong>{given.approverName}</strong> (
              {given.board}) <DateTime value={given.at} />
              {given.comment && <p className="prewrap">{given.comment}</p>}
              {given.voidedAt && <p className="small muted">Voided: {given.voidedReason}</p>}
            </li>
          ))}
        </ul>
      )}
      {can('releases.approve') && open && own && (
        <p className="notice notice-info">You requested or implement this release, so others must approve it.</p>
      )}
      {can('releases.approve') && open && !own && !already && (
        <form className="form" onSubmit={submit} aria-label="Approve the release">
          <div className="field">
            <label htmlFor="release-approve-comment">Approval comment</label>
            <textarea
              id="release-approve-comment"
              rows={2}
              maxLength={4000}
              value={comment}
              onChange={(event) => setComment(event.target.value)}
            />
          </div>
          <ErrorNotice error={error} />
          <ViolationDetails error={error} />
          <div className="actions">
            <button type="submit" disabled={busy}>
              Approve release
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
