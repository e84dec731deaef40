import { useCallback } from 'react';
import { Link } from 'react-router';
import type { Change, Release } from '../api/types.js';
import { ChangeStateBadge, changePath, RiskBadge } from '../changes/change-badges.js';
import { DateTime } from '../components/date-time.js';
import { ReleaseGateItem } from '../dashboard/release-gate-item.js';
import { WorkCard } from '../dashboard/work-card.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { DashboardKpis } from '../metrics/dashboard-kpis.js';
import { ReleaseStateBadge, releaseName, releasePath } from '../releases/release-badges.js';
import { RunningRollouts } from '../rollouts/running-rollouts.js';
import { useSession, useSignedIn } from '../session/session-context.js';
import '../dashboard/dashboard.css';

/** States where a release waits for a gate to pass before its next step. */
const GATE_STATES = ['built', 'in_test', 'accepted', 'approved', 'scheduled'] as const;
/** How many releases at a gate the dashboard checks (each costs a readiness request). */
const GATE_LIMIT = 8;

const empty = <T,>() => Promise.resolve<{ items: T[]; next: string | null }>({ items: [], next: null });

/** "My work": what waits for me across changes and releases, the releases at a gate, overdue reviews. */
export function DashboardPage() {
  useDocumentTitle('My work');
  const { api, can } = useSession();
  const { user } = useSignedIn();
  const canChanges = can('changes.read');
  const canReleases = can('releases.read');

  const loadAgenda = useCallback(
    (signal: AbortSignal) => (canChanges ? api.changes.agenda(signal) : Promise.resolve({ items: [] })),
    [api, canChanges],
  );
  const agenda = useLoad(loadAgenda);
  const loadReleases = useCallback(
    (signal: AbortSignal) =>
      canReleases
        ? Promise.all([
            api.releases.list({ states: GATE_STATES, limit: 50 }, signal),
            api.releases.list({ states: ['deployed', 'backed_out'], limit: 50 }, signal),
          ])
        : Promise.all([empty<Release>(), empty<Release>()]),
    [api, canReleases],
  );
  const releases = useLoad(loadReleases);
  const loadOverdue = useCallback(
    (signal: AbortSignal) => (canChanges ? api.changes.overdueReviews({ limit: 20 }, signal) : empty<Change>()),
    [api, canChanges],
  );
  const overdue = useLoad(loadOverdue);

  const [atGate, deployed] = releases.data ?? [];
  const changeApprovals = agenda.data?.items.filter((item) => item.reason === 'approve');
  const releaseApprovals = atGate?.items.filter(
    (release) =>
      can('releases.approve') &&
      (release.state === 'accepted' || (release.type === 'emergency' && release.state === 'in_test')) &&
      release.requester.id !== user.id &&
      release.implementer?.id !== user.id &&
      !release.approval.approvals.some((approval) => approval.approverId === user.id),
  );
  const otherTasks = agenda.data?.items.filter((item) => item.reason !== 'approve');
  const now = Date.now();
  const overdueReleases = deployed?.items.filter(
    (release) => release.reviewDueAt !== null && Date.parse(release.reviewDueAt) < now,
  );
  const approvalsCount =
    changeApprovals && releaseApprovals ? changeApprovals.length + releaseApprovals.length : undefined;
  const overdueCount = overdue.data && overdueReleases ? overdue.data.items.length + overdueReleases.length : undefined;

  return (
    <section className="page" aria-labelledby="dashboard-title">
      <div className="page-head">
        <h1 id="dashboard-title">My work</h1>
      </div>
      {can('metrics.read') && <DashboardKpis />}
      <div className="work-grid">
        <WorkCard
          id="work-approvals"
          title="Approvals waiting for me"
          count={approvalsCount}
          empty="Nothing waits for your approval."
          error={agenda.error ?? releases.error}
          onRetry={() => {
            agenda.reload();
            releases.reload();
          }}
        >
          {changeApprovals?.map(({ change }) => (
            <li key={`change-${change.id}`}>
              <Link to={changePath(change.id)}>
                Change #{change.id} {change.title}
              </Link>{' '}
              <RiskBadge risk={change.risk} />
              <div className="work-meta">
                {change.type} change by {change.requester.username}, starts{' '}
                <DateTime value={change.plannedStart} empty="unplanned" />
              </div>
            </li>
          ))}
          {releaseApprovals?.map((release) => (
            <li key={`release-${release.id}`}>
              <Link to={releasePath(release.id)}>
                Release {releaseName(release)} — {release.title}
              </Link>{' '}
              <ReleaseStateBadge state={release.state} />
              <div className="work-meta">
                {release.approval.approvals.length} of {release.approval.required}{' '}
                {release.approval.board.toUpperCase()} approvals
              </div>
            </li>
          ))}
        </WorkCard>
        <WorkCard
          id="work-gates"
          title="Releases at a gate"
          count={atGate?.items.length}
          empty="No release is waiting at a gate."
          error={releases.error}
          onRetry={releases.reload}
        >
          {atGate?.items.slice(0, GATE_LIMIT).map((release) => (
            <ReleaseGateItem key={release.id} release={release} />
          ))}
          {atGate && atGate.items.length > GATE_LIMIT && (
            <li>
              <Link to="/releases">All {atGate.items.length} on the release board</Link>
            </li>
          )}
        </WorkCard>
        {can('rollouts.read') && <RunningRollouts />}
        <WorkCard
          id="work-overdue"
          title="Overdue reviews"
          count={overdueCount}
          empty="No post-implementation review is overdue."
          error={overdue.error ?? releases.error}
          onRetry={overdue.reload}
        >
          {overdue.data?.items.map((change) => (
            <li key={`change-${change.id}`}>
              <Link to={changePath(change.id)}>
                Change #{change.id} {change.title}
              </Link>
              <div className="work-meta">
                Review was due <DateTime value={change.reviewDueAt} />
              </div>
            </li>
          ))}
          {overdueReleases?.map((release) => (
            <li key={`release-${release.id}`}>
              <Link to={releasePath(release.id)}>
                Release {releaseName(release)} — {release.title}
              </Link>
              <div className="work-meta">
                Review was due <DateTime value={release.reviewDueAt} />
              </div>
            </li>
          ))}
        </WorkCard>
        <WorkCard
          id="work-tasks"
          title="My other change tasks"
          count={otherTasks?.length}
          empty="No change waits for you to assess, schedule, implement, review or close it."
          error={agenda.error}
          onRetry={agenda.reload}
        >
          {otherTasks?.map(({ change, task, reason }) => (
            <li key={`${reason}-${change.id}`}>
              <Link to={changePath(change.id)}>
                Change #{change.id} {change.title}
              </Link>{' '}
              <ChangeStateBadge state={change.state} />
              <div className="work-meta">{task}</div>
            </li>
          ))}
        </WorkCard>
      </div>
    </section>
  );
}
