import { CHANGE_TYPES, type ChangeType, EDITABLE_CHANGE_STATES } from '@slipway/model';
import { type FormEvent, useCallback, useState } from 'react';
import { useNavigate } from 'react-router';
import type { ChangeDraft } from '../api/changes-api.js';
import type { Change } from '../api/types.js';
import { changePath } from '../changes/change-badges.js';
import { CiListField } from '../changes/ci-list-field.js';
import { LiveAssessment } from '../changes/live-assessment.js';
import { fromLocalInput, toLocalInput } from '../changes/local-time.js';
import { useChangeDraft } from '../changes/use-change-draft.js';
import type { PickedCi } from '../cmdb/ci-picker.js';
import { ErrorNotice } from '../components/error-notice.js';
import { LoadFailure } from '../components/load-failure.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession, useSignedIn } from '../session/session-context.js';

interface FormValues {
  type: ChangeType;
  templateId: string;
  title: string;
  description: string;
  justification: string;
  cis: PickedCi[];
  start: string;
  end: string;
  implementer: string;
  backoutPlan: string;
  team: string;
}

function valuesOf(change: Change | null): FormValues {
  return {
    type: change?.type ?? 'normal',
    templateId: change?.templateId ? String(change.templateId) : '',
    title: change?.title ?? '',
    description: change?.description ?? '',
    justification: change?.justification ?? '',
    cis: change?.cis ?? [],
    start: toLocalInput(change?.plannedStart ?? null),
    end: toLocalInput(change?.plannedEnd ?? null),
    implementer: change?.implementer ? String(change.implementer.id) : '',
    backoutPlan: change?.backoutPlan ?? '',
    team: change?.teamId ? String(change.teamId) : '',
  };
}

function draftOf(values: FormValues): ChangeDraft {
  return {
    title: values.title.trim(),
    description: values.description,
    justification: values.justification,
    ciIds: values.cis.map((ci) => ci.id),
    plannedStart: fromLocalInput(values.start),
    plannedEnd: fromLocalInput(values.end),
    implementerId: values.implementer ? Number(values.implementer) : null,
    backoutPlan: values.backoutPlan.trim() === '' ? null : values.backoutPlan,
    templateId: values.type === 'standard' && values.templateId ? Number(values.templateId) : null,
    teamId: values.team ? Number(values.team) : null,
  };
}

/** /changes/new: raise a change. */
export function NewChangePage() {
  useDocumentTitle('Raise a change');
  return <ChangeEditor existing={null} />;
}

/** /changes/:id/edit: edit a change that has not started yet. */
export function EditChangePage({ id }: { id: number }) {
  const { api } = useSession();
  const load = useCallback((signal: AbortSignal) => api.changes.get(id, signal), [api, id]);
  const { data, error, reload } = useLoad(load);
  useDocumentTitle(data ? `Edit #${data.id}` : 'Edit change');
  if (error) return <LoadFailure error={error} onRetry={reload} />;
  if (!data) return <p aria-live="polite">Loading the change…</p>;
  if (!EDITABLE_CHANGE_STATES.includes(data.state)) {
    return (
      <p className="notice notice-info">
        Change #{data.id} is {data.state}: it can no longer be edited.
      </p>
    );
  }
  return <ChangeEditor existing={data} />;
}

function ChangeEditor({ existing }: { existing: Change | null }) {
  const { api, can } = useSession();
  const { user } = useSignedIn();
  const navigate = useNavigate();
  const [values, setValues] = useState<FormValues>(() => valuesOf(existing));
  const draft = useChangeDraft(existing);
  const [submitError, setSubmitError] = useState<unknown>(undefined);
  const [submitting, setSubmitting] = useState(false);
  const loadTemplates = useCallback((signal: AbortSignal) => api.changes.templates(signal), [api]);
  const templates = useLoad(loadTemplates);
  const loadUsers = useCallback(
    (signal: AbortSignal) =>
      can('users.read') ? api.users.list({ limit: 100 }, signal) : Promise.resolve({ items: [], next: null }),
    [api, can],
  );
  const users = useLoad(loadUsers);
  const loadTeams = useCallback((signal: AbortSignal) => api.teams.list(signal), [api]);
  const teams = useLoad(loadTeams);

  function update(patch: Partial<FormValues>) {
    const next = { ...values, ...patch };
    setValues(next);
    // Typing never creates a change: a draft exists only once the user saves one (Save draft,
    // Submit), so leaving the form leaves nothing behind and the type stays open until then.
    // Once it exists, edits keep it (and its live risk and conflicts) up to date.
    if (draft.change) draft.edit(next.type, draftOf(next));
  }

  /** Creates the draft and stays on the form, so risk and conflicts follow the next edits. */
  async function saveDraft() {
    setSubmitError(undefined);
    setSubmitting(true);
    try {
      draft.edit(values.type, draftOf(values));
      await draft.saveNow();
    } catch (error) {
      setSubmitError(error);
    } finally {
      setSubmitting(false);
    }
  }

  async function save(submit: boolean) {
    setSubmitError(undefined);
    setSubmitting(true);
    try {
      draft.edit(values.type, draftOf(values));
      const saved = await draft.saveNow();
      if (!saved) return;
      if (submit && saved.state === 'new') await api.changes.act(saved, 'submit');
      navigate(changePath(saved.id));
    } catch (error) {
      setSubmitError(error);
    } finally {
      setSubmitting(false);
    }
  }

  const typeLocked = draft.change !== null;
  const isNew = !existing || existing.state === 'new';
  const others = (users.data?.items ?? []).filter((other) => other.id !== user.id && !other.disabled);
  // Only a member may put a change into a team; the current team stays selectable as it is.
  const teamChoices = (teams.data?.items ?? []).filter((team) => team.isMember || String(team.id) === values.team);
  return (
    <section className="page" aria-labelledby="change-editor-title">
      <div className="page-head">
        <h1 id="change-editor-title">{existing ? `Edit change #${existing.id}` : 'Raise a change'}</h1>
      </div>
      <div className="change-layout">
        <form
          className="card form change-form"
          onSubmit={(event: FormEvent<HTMLFormElement>) => {
            event.preventDefault();
            void save(isNew);
          }}
          aria-label="Change"
        >
          <div className="field">
            <label htmlFor="change-type-input">Type</label>
            <select
              id="change-type-input"
              value={values.type}
              disabled={typeLocked}
              aria-describedby="change-type-help"
              onChange={(event) => update({ type: event.target.value as ChangeType })}
            >
              {CHANGE_TYPES.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </select>
            <span id="change-type-help" className="small muted">
              {typeLocked
                ? 'The type is fixed once the draft is saved.'
                : 'Normal changes go to the CAB; emergency ones to the ECAB; standard ones follow a template.'}
            </span>
          </div>
          {values.type === 'standard' && (
            <div className="field">
              <label htmlFor="change-template">Template</label>
              <select
                id="change-template"
                value={values.templateId}
                disabled={typeLocked}
                onChange={(event) => update({ templateId: event.target.value })}
              >
                <option value="">choose a template</option>
                {templates.data?.items.map((template) => (
                  <option key={template.id} value={template.id}>
                    {template.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor="change-title">Title</label>
            <input
              id="change-title"
              required
              maxLength={200}
              value={values.title}
              onChange={(event) => update({ title: event.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="change-description">What will be done</label>
            <textarea
              id="change-description"
              rows={3}
              maxLength={20000}
              value={values.description}
              onChange={(event) => update({ description: event.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="change-justification">Why</label>
            <textarea
              id="change-justification"
              rows={2}
              maxLength={20000}
              value={values.justification}
              onChange={(event) => update({ justification: event.target.value })}
            />
          </div>
          <CiListField value={values.cis} onChange={(cis) => update({ cis })} />
          <div className="inline-fields">
            <div className="field">
              <label htmlFor="change-start">Planned start</label>
              <input
                id="change-start"
                type="datetime-local"
                value={values.start}
                onChange={(event) => update({ start: event.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor="change-end">Planned end</label>
              <input
                id="change-end"
                type="datetime-local"
                value={values.end}
                onChange={(event) => update({ end: event.target.value })}
              />
            </div>
          </div>
          <div className="field">
            <label htmlFor="change-implementer">Implementer</label>
            <select
              id="change-implementer"
              value={values.implementer}
              onChange={(event) => update({ implementer: event.target.value })}
            >
              <option value="">nobody yet</option>
              <option value={user.id}>me ({user.username})</option>
              {others.map((other) => (
                <option key={other.id} value={other.id}>
                  {other.displayName} ({other.username})
                </option>
              ))}
              {existing?.implementer && existing.implementer.id !== user.id && others.length === 0 && (
                <option value={existing.implementer.id}>{existing.implementer.username}</option>
              )}
            </select>
          </div>
          {teamChoices.length > 0 && (
            <div className="field">
              <label htmlFor="change-team">Team</label>
              <select id="change-team" value={values.team} onChange={(event) => update({ team: event.target.value })}>
                <option value="">organisation-wide (everyone who reads changes)</option>
                {teamChoices.map((team) => (
                  <option key={team.id} value={team.id}>
                    {team.name} (its members, auditors, change managers and the CAB)
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor="change-backout">Back-out plan</label>
            <textarea
              id="change-backout"
              rows={3}
              maxLength={20000}
              value={values.backoutPlan}
              onChange={(event) => update({ backoutPlan: event.target.value })}
            />
          </div>
          <ErrorNotice error={submitError} />
          <div className="actions">
            <button type="submit" disabled={submitting || values.title.trim() === ''}>
              {isNew ? 'Submit for assessment' : 'Save changes'}
            </button>
            {isNew && draft.change === null && (
              <button
                type="button"
                className="button-secondary"
                disabled={submitting || values.title.trim() === ''}
                onClick={() => void saveDraft()}
              >
                Save draft
              </button>
            )}
            {isNew && draft.change !== null && (
              <button
                type="button"
                className="button-secondary"
                disabled={submitting || values.title.trim() === ''}
                onClick={() => void save(false)}
              >
                Keep as draft
              </button>
            )}
          </div>
        </form>
        <LiveAssessment draft={draft} />
      </div>
    </section>
  );
}
