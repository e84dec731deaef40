import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { useParams } from 'react-router';
import type { Release } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { TeamName } from '../components/team-name.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { type LoadState, useLoad } from '../hooks/use-load.js';
import { ContentsEditor } from '../releases/contents-editor.js';
import { PlanSections } from '../releases/plan-sections.js';
import { ReadinessChecklist } from '../releases/readiness-checklist.js';
import { ReleaseActions } from '../releases/release-actions.js';
import { CoexistenceView, ImpactView } from '../releases/release-analysis.js';
import { ReleaseApprovals } from '../releases/release-approvals.js';
import { ReleaseStateBadge, releaseName, stateLabel } from '../releases/release-badges.js';
import { ContentsView } from '../releases/release-contents.js';
import { TestMatrix } from '../releases/test-matrix.js';
import { ReleaseRollouts } from '../rollouts/release-rollouts.js';
import { useSession } from '../session/session-context.js';
import '../releases/releases.css';

const SECTIONS = [
  ['readiness', 'Readiness'],
  ['plan', 'Plan'],
  ['contents', 'Contents'],
  ['tests', 'Tests'],
  ['approvals', 'Approvals'],
  ['coexistence', 'Coexistence'],
  ['impact', 'Impact'],
  ['notes', 'Notes'],
  ['history', 'History'],
] as const;

/** Loads one part of the page, again whenever `key` changes (the release was written). */
function usePart<T>(key: string, fetch: (signal: AbortSignal) => Promise<T>): LoadState<T> {
  const latest = useRef(fetch);
  latest.current = fetch;
  const load = useCallback(
    (signal: AbortSignal) => {
      void key;
      return latest.current(signal);
    },
    [key],
  );
  return useLoad(load);
}

/** A card of the release page with its own loading and error state. */
function Part<T>({
  id,
  title,
  state,
  children,
}: {
  id: string;
  title: string;
  state: LoadState<T>;
  children: (data: T) => ReactNode;
}) {
  return (
    <section className="card" id={id} aria-labelledby={`${id}-title`} aria-busy={state.loading}>
      <h2 id={`${id}-title`}>{title}</h2>
      <ErrorNotice error={state.error} onRetry={state.reload} />
      {state.data === undefined ? !state.error && <p className="muted">Loading…</p> : children(state.data)}
    </section>
  );
}

/**
 * One release: its readiness checklist with every unmet rule, the plan, contents, the test
 * matrix, approvals, coexistence and impact, the release notes and the evidence pack. Every part
 * reloads after a write to the release (its version).
 */
export function ReleasePage() {
  const { api } = useSession();
  const id = Number(useParams().id);
  const loadRelease = useCallback((signal: AbortSignal) => api.releases.get(id, signal), [api, id]);
  const loaded = useLoad(loadRelease);
  const [release, setRelease] = useState<Release | undefined>(undefined);
  const [touched, setTouched] = useState(0);
  useEffect(() => setRelease(loaded.data), [loaded.data]);
  useDocumentTitle(release ? `${releaseName(release)} — release` : 'Release');
  // A version bump (a transition, approval, test, plan edit) reloads every part.
  const key = `${id}-${release?.version ?? 0}-${touched}`;
  const readiness = usePart(key, (signal) => api.releases.readiness(id, signal));
  const plan = usePart(key, (signal) => api.releases.plan(id, signal));
  const contents = usePart(key, (signal) =>
    Promise.all([
      api.releases.contents(id, signal),
      api.releases.targets(id, signal),
      api.releases.environments(signal),
    ]),
  );
  const tests = usePart(key, (signal) =>
    Promise.all([api.releases.tests(id, signal), api.releases.environments(signal)]),
  );
  const approvals = usePart(key, (signal) => api.releases.approvals(id, signal));
  const coexistence = usePart(key, (signal) => api.releases.coexistence(id, signal));
  const impact = usePart(key, (signal) => api.releases.impact(id, signal));
  const notes = usePart(key, (signal) => api.releases.notes(id, signal));
  const history = usePart(key, (signal) => api.releases.history(id, signal));

  if (loaded.error && !release) return <ErrorNotice error={loaded.error} onRetry={loaded.reload} />;
  if (!release) return <p aria-live="polite">Loading the release…</p>;
  // Tests and plan edits bump the release's version on the server: fetch it again.
  const refresh = () => {
    loaded.reload();
    setTouched((value) => value + 1);
  };
  return (
    <section className="page" aria-labelledby="release-title">
      <div className="page-head">
        <h1 id="release-title">
          {releaseName(release)} — {release.title}
        </h1>
        <a className="button-like" href={api.releases.evidenceArchiveUrl(release.id)} download>
          Download evidence pack
        </a>
      </div>
      <p className="badges" data-testid="release-badges">
        <ReleaseStateBadge state={release.state} /> <span className="badge">{release.type}</span>{' '}
        <span className="badge">{release.element.replaceAll('_', ' ')}</span>{' '}
        <span className="badge">{release.rolloutStrategy.replaceAll('_', ' ')}</span>
      </p>
      <dl className="facts-grid">
        <dt>Window</dt>
        <dd>
          <DateTime value={release.plannedStart} empty="not planned" />
          {release.plannedEnd && (
            <>
              {' – '}
              <DateTime value={release.plannedEnd} />
            </>
          )}
        </dd>
        <dt>Team</dt>
        <dd>
          <TeamName teamId={release.teamId} />
        </dd>
        <dt>Requester</dt>
        <dd>{release.requester.username}</dd>
        <dt>Implementer</dt>
        <dd>{release.implementer?.username ?? <span className="muted">nobody yet</span>}</dd>
        <dt>Environment</dt>
        <dd>{release.currentEnvironment ?? <span className="muted">not promoted yet</span>}</dd>
        {release.description && (
          <>
            <dt>Description</dt>
            <dd className="prewrap">{release.description}</dd>
          </>
        )}
      </dl>
      <ReleaseActions release={release} onChanged={setRelease} />
      <ReleaseRollouts release={release} />
      <nav className="section-nav" aria-label="Release sections">
        <ul>
          {SECTIONS.map(([anchor, label]) => (
            <li key={anchor}>
              <a href={`#${anchor}`}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="release-sections">
        <div className="release-top">
          <Part id="readiness" title="Readiness checklist" state={readiness}>
            {(data) => <ReadinessChecklist readiness={data} />}
          </Part>
          <Part id="approvals" title="Approvals" state={approvals}>
            {(data) => <ReleaseApprovals release={release} approvals={data.items} onApproved={setRelease} />}
          </Part>
        </div>
        <Part id="tests" title="Test matrix" state={tests}>
          {([list, environments]) => (
            <TestMatrix release={release} tests={list.items} environments={environments.items} onRecorded={refresh} />
          )}
        </Part>
        <Part id="plan" title="Release plan" state={plan}>
          {(data) => <PlanSections release={release} plan={data} onSaved={refresh} />}
        </Part>
        <Part id="contents" title="Contents" state={contents}>
          {([data, targets, environments]) => (
            <>
              <ContentsView contents={data} targets={targets} />
              <ContentsEditor release={release} environments={environments.items} onChanged={refresh} />
            </>
          )}
        </Part>
        <div className="release-top">
          <Part id="coexistence" title="Peaceful coexistence" state={coexistence}>
            {(data) => <CoexistenceView report={data} />}
          </Part>
          <Part id="impact" title="Impact" state={impact}>
            {(data) => <ImpactView impact={data} />}
          </Part>
        </div>
        <Part id="notes" title="Release notes" state={notes}>
          {(text) => <pre className="notes-text">{text}</pre>}
        </Part>
        <Part id="history" title="History" state={history}>
          {(data) => (
            <ol className="plain small">
              {data.items.map((item) => (
                <li key={item.id}>
                  <DateTime value={item.at} /> {item.actor.name}: {item.from ? `${stateLabel(item.from)} → ` : ''}
                  {stateLabel(item.to)} (policy v{item.policyVersion})
                  {item.comment && <span className="muted"> — {item.comment}</span>}
                </li>
              ))}
            </ol>
          )}
        </Part>
      </div>
    </section>
  );
}
