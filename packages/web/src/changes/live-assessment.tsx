import { ErrorNotice } from '../components/error-notice.js';
import { ConflictList } from './conflict-list.js';
import { RiskPanel } from './risk-panel.js';
import type { DraftState } from './use-change-draft.js';

/** The side panel of the change form: risk and conflicts as the server computes them for the draft. */
export function LiveAssessment({ draft }: { draft: DraftState }) {
  return (
    <aside className="card live-panel" aria-labelledby="live-title" aria-busy={draft.saving}>
      <h2 id="live-title">Risk and conflicts</h2>
      <p className="draft-status muted" aria-live="polite" data-testid="draft-status">
        {draft.saving
          ? 'Saving the draft…'
          : draft.change
            ? `Draft #${draft.change.id} saved (version ${draft.change.version}); figures are live.`
            : 'Nothing is stored yet. Save a draft to see its risk and conflicts; they then follow every edit.'}
      </p>
      <ErrorNotice error={draft.saveError} />
      <ErrorNotice error={draft.previewError} />
      {draft.assessment && <RiskPanel risk={draft.assessment.risk} impact={draft.assessment.impact} />}
      {draft.conflicts && (
        <section aria-labelledby="live-conflicts-title" data-testid="live-conflicts">
          <h2 id="live-conflicts-title">Conflicts</h2>
          {draft.conflicts.plannedStart === null ? (
            <p className="muted">Plan a window to see conflicts.</p>
          ) : (
            <ConflictList conflicts={draft.conflicts.conflicts} truncated={draft.conflicts.truncated} />
          )}
        </section>
      )}
    </aside>
  );
}
