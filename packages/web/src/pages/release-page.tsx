import { type ReactNode, useCallback, useRef, useState } from 'react';
import type { Release } from '../api/types.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { LoadFailure } from '../components/load-failure.js';
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

/**
 * Loads one part of the page once per `release` object: the page hands a new one only when the
 * release was fetched again or a write answered it, so each part is requested once per page view
 * and once per write. `fetch` may be a fresh closure on every render; only `release` starts a load.
 */
function usePart<T>(release: Release, fetch: (signal: AbortSignal) => Promise<T>): LoadState<T> {
  const latest = useRef(fetch);
  latest.current = fetch;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `release` is the trigger; the fetch reads the latest closure.
  const load = useCallback((signal: AbortSignal) => latest.current(signal), [release]);
  return useLoad(load);
}

/** Two loads shown as one part: data once both have it, the first error, busy while either is. */
function both<A, B>(first: LoadState<A>, second: LoadState<B>): LoadState<[A, B]> {
  return {
    data: first.data !== undefined && second.data !== undefined ? [first.data, second.data] : undefined,
    error: first.error ?? second.error,
    loading: first.loading || second.loading,
    reload: () => {
      if (first.error) first.reload();
      if (second.error) second.reload();
    },
  };
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
export function ReleasePage({ id }: { id: number }) {
  const { api } = useSession();
  const loadRelease = useCallback((signal: AbortSignal) => api.releases.get(id, signal), [api, id]);
  const loaded = useLoad(loadRelease);
  // A write answers the new release; it stands in for the loaded one until the next load.
  // Derived during render (no effect), so a new release reaches the parts in a single render.
  const [written, setWritten] = useState<{ base: Release | undefined; value: Release } | undefined>(undefined);
  const release = written && written.base === loaded.data ? written.value : loaded.data;
  useDocumentTitle(release ? `${releaseName(release)} — release` : 'Release');
  if (!release) {
    return loaded.error ? (
      <LoadFailure error={loaded.error} onRetry={loaded.reload} />
    ) : (
      <p aria-live="polite">Loading the release…</p>
    );
  }
  // The parts mount only once the release exists: a missing release costs one request.
  return (
    <ReleaseView
      release={release}
      onChanged={(value) => setWritten({ base: loaded.data, value })}
      // Tests, plan and contents edits bump the release's version on the server: fetch it again.
      onRefresh={loaded.reload}
    />
  );
}

/** The release's page once it is loaded: the facts, the actions and every part. */
function ReleaseView({
  release,
  onChanged: setRelease,
  onRefresh: refresh,
}: {
  release: Release;
  onChanged: (release: Release) => void;
  onRefresh: () => void;
}) {
  const { api } = useSession();
  const id = release.id;
  // Every part loads again for each new release object (a write, or the release fetched again).
  const readiness = usePart(release, (signal) => api.releases.readiness(id, signal));
  const plan = usePart(release, (signal) => api.releases.plan(id, signal));
  const contents = usePart(release, (signal) => api.releases.contents(id, signal));
  const targets = usePart(release, (signal) => api.releases.targets(id, signal));
  // The environments do not depend on the release: loaded once for the tests and contents.
  const loadEnvironments = useCallback((signal: AbortSignal) => api.releases.environments(signal), [api]);
  const environments = useLoad(loadEnvironments);
  const tests = usePart(release, (signal) => api.releases.tests(id, signal));
  const approvals = usePart(release, (signal) => api.releases.approvals(id, signal));
  const coexistence = usePart(release, (signal) => api.releases.coexistence(id, signal));
  const impact = usePart(release, (signal) => api.releases.impact(id, signal));
  const notes = usePart(release, (signal) => api.releases.notes(id, signal));
  const history = usePart(release, (signal) => api.releases.history(id, signal));
  const testsWithEnvironments = both(tests, environments);
  const contentsWithTargets = both(contents, targets);
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
      <ReleaseRollouts release={release} targets={targets.data} />
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
        <Part id="tests" title="Test matrix" state={testsWithEnvironments}>
          {([list, environments]) => (
            <TestMatrix release={release} tests={list.items} environments={environments.items} onRecorded={refresh} />
          )}
        </Part>
        <Part id="plan" title="Release plan" state={plan}>
          {(data) => <PlanSections release={release} plan={data} onSaved={refresh} />}
        </Part>
        <Part id="contents" title="Contents" state={contentsWithTargets}>
          {([data, targetList]) => (
            <>
              <ContentsView contents={data} targets={targetList} />
              {environments.data && (
                <ContentsEditor release={release} environments={environments.data.items} onChanged={refresh} />
              )}
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
