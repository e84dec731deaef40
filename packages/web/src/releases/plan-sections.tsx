import { PLAN_SECTION_STATUSES } from '@slipway/model';
import { type FormEvent, useState } from 'react';
import type { Release, ReleasePlan } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';

type Section = ReleasePlan['sections'][number];

/** The release plan: every section with owner, status and content; release managers edit one at a time. */
export function PlanSections({ release, plan, onSaved }: { release: Release; plan: ReleasePlan; onSaved: () => void }) {
  const { can } = useSession();
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <div data-testid="plan">
      {plan.sections.map((section) => (
        <div key={section.key} className="plan-section" data-section={section.key}>
          <h3>
            {section.title} {section.required && <span className="badge">required by policy</span>}{' '}
            <span className="small muted">
              {section.status.replaceAll('_', ' ')}
              {section.owner ? `, owner ${section.owner}` : ', no owner'}
            </span>
          </h3>
          {editing === section.key ? (
            <SectionForm
              release={release}
              section={section}
              onDone={(saved) => {
                setEditing(null);
                if (saved) onSaved();
              }}
            />
          ) : (
            <>
              <p className="prewrap small">{section.content || <span className="muted">Not written yet.</span>}</p>
              {section.content && (
                <p className="small muted">
                  Revision {section.revision} by {section.updatedBy}, <DateTime value={section.updatedAt} />
                </p>
              )}
              {can('releases.write') && (
                <button type="button" className="button-link" onClick={() => setEditing(section.key)}>
                  Edit {section.title}
                </button>
              )}
            </>
          )}
        </div>
      ))}
    </div>
  );
}

function SectionForm({
  release,
  section,
  onDone,
}: {
  release: Release;
  section: Section;
  onDone: (saved: boolean) => void;
}) {
  const { api } = useSession();
  const [owner, setOwner] = useState(section.owner ?? '');
  const [status, setStatus] = useState(section.status);
  const [content, setContent] = useState(section.content);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.releases.updateSection(release, section.key, { owner: owner.trim() || null, status, content });
      onDone(true);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  const id = `section-${section.key}`;
  return (
    <form className="form" onSubmit={submit} aria-label={`Edit ${section.title}`}>
      <div className="inline-fields">
        <div className="field">
          <label htmlFor={`${id}-owner`}>Owner</label>
          <input id={`${id}-owner`} maxLength={200} value={owner} onChange={(event) => setOwner(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-status`}>Status</label>
          <select
            id={`${id}-status`}
            value={status}
            onChange={(event) => setStatus(event.target.value as Section['status'])}
          >
            {PLAN_SECTION_STATUSES.map((value) => (
              <option key={value} value={value}>
                {value.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${id}-content`}>Content</label>
        <textarea
          id={`${id}-content`}
          rows={6}
          maxLength={50000}
          value={content}
          onChange={(event) => setContent(event.target.value)}
        />
      </div>
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          Save section
        </button>
        <button type="button" className="button-secondary" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
