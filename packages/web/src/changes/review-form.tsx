import { REVIEW_OUTCOMES, type ReviewOutcome } from '@slipway/model';
import { type FormEvent, useState } from 'react';
import type { Change } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';
import { words } from './change-badges.js';

/** The post-implementation review of a change in `review`: outcome and lessons. */
export function ReviewForm({ change, onReviewed }: { change: Change; onReviewed: (change: Change) => void }) {
  const { api, can } = useSession();
  const [outcome, setOutcome] = useState<ReviewOutcome>('successful');
  const [lessons, setLessons] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  if (change.state !== 'review' || !can('changes.write')) return null;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onReviewed(await api.changes.review(change, { outcome, lessons }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form" aria-labelledby="review-title" onSubmit={submit}>
      <h2 id="review-title">Post-implementation review</h2>
      <div className="field">
        <label htmlFor="review-outcome">Outcome</label>
        <select
          id="review-outcome"
          value={outcome}
          onChange={(event) => setOutcome(event.target.value as ReviewOutcome)}
        >
          {REVIEW_OUTCOMES.map((value) => (
            <option key={value} value={value}>
              {words(value)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="review-lessons">Lessons learned</label>
        <textarea id="review-lessons" rows={3} value={lessons} onChange={(event) => setLessons(event.target.value)} />
      </div>
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          Record review
        </button>
      </div>
    </form>
  );
}
