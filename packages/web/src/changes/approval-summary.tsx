import type { Change, ChangeDecision } from '../api/types.js';
import { DateTime } from '../components/date-time.js';

/** Where the quorum stands and every decision with its comment, voided ones marked. */
export function ApprovalSummary({ change, decisions }: { change: Change; decisions: ChangeDecision[] }) {
  const { approval } = change;
  return (
    <div data-testid="approval-summary">
      {approval.board === 'none' ? (
        <p className="muted">No CAB approval needed (standard change).</p>
      ) : (
        <p>
          {approval.board.toUpperCase()} quorum: <strong>{approval.approvals.length}</strong> of{' '}
          <strong>{approval.required}</strong> approvals in round {approval.round}
          {approval.serviceOwnerRequired && ', one of them by an owner of an impacted service'}.{' '}
          {approval.met ? (
            <span className="status status-on">quorum reached</span>
          ) : (
            <span className="status status-off">waiting</span>
          )}
        </p>
      )}
      {approval.missing.length > 0 && (
        <ul className="small">
          {approval.missing.map((missing) => (
            <li key={missing}>{missing}</li>
          ))}
        </ul>
      )}
      {decisions.length > 0 && (
        <ul className="decision-list" aria-label="Decisions">
          {decisions.map((decision) => (
            <li key={decision.id} className={decision.voidedAt ? 'decision-voided' : undefined}>
              <span className={`decision-${decision.decision}`}>{decision.decision}</span> by{' '}
              <strong>{decision.approverName}</strong> <DateTime value={decision.at} />
              {decision.asServiceOwner && <span className="badge">service owner</span>}
              {decision.comment && <p className="prewrap">{decision.comment}</p>}
              {decision.voidedAt && <p className="small muted">Voided: {decision.voidedReason}</p>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
