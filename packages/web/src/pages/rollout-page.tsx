import { TARGET_STATES, TERMINAL_ROLLOUT_STATES } from '@slipway/model';
import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { fromLocalInput } from '../changes/local-time.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { LoadFailure } from '../components/load-failure.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { releaseName, releasePath } from '../releases/release-badges.js';
import { formatDuration, RolloutStateBadge, rolloutLabel, waveLabel } from '../rollouts/rollout-badges.js';
import { RolloutControls } from '../rollouts/rollout-controls.js';
import type { Rollout, RolloutActivation, RolloutEvent, RolloutWave } from '../rollouts/rollouts-api.js';
import { useLiveRollout } from '../rollouts/use-live-rollout.js';
import { useRolloutWrite } from '../rollouts/use-rollout-write.js';
import { useSession } from '../session/session-context.js';
import '../rollouts/rollouts.css';

/** Target states in the order the progress bar stacks them. */
const BAR_STATES = [
  'deployed',
  'backed_out',
  'running',
  'backing_out',
  'awaiting_confirmation',
  'failed',
  'backout_failed',
];

function WaveProgress({ wave }: { wave: RolloutWave }) {
  const total = Math.max(wave.targets, 1);
  return (
    <div className="wave-progress">
      <div className="wave-bar" aria-hidden="true">
        {BAR_STATES.map((state) =>
          wave.counts[state] ? (
            <span
              key={state}
              className={`wave-bar-part target-${state}`}
              style={{ width: `${((wave.counts[state] ?? 0) / total) * 100}%` }}
            />
          ) : null,
        )}
      </div>
      <p className="small">
        {wave.counts.deployed ?? 0} of {wave.targets} deployed
        {TARGET_STATES.filter((state) => state !== 'deployed' && wave.counts[state]).map(
          (state) => ` · ${wave.counts[state]} ${rolloutLabel(state)}`,
        )}
      </p>
    </div>
  );
}

interface GateResult {
  manual?: string;
  confirmedBy?: string;
  note?: string;
  checks?: { gate: string; ok: boolean; detail: string }[];
  at?: string;
}

function GateResults({ wave }: { wave: RolloutWave }) {
  const gates = wave.settings.gates;
  const result = (wave.gateResult ?? null) as GateResult | null;
  if (gates.length === 0) return <p className="small muted">No health gate.</p>;
  return (
    <div className="small">
      <p>
        Gates: {gates.map((gate) => (gate.kind === 'manual' ? 'manual' : gate.kind)).join(', ')}
        {wave.gatePassedAt && (
          <>
            {' '}
            — passed <DateTime value={wave.gatePassedAt} seconds />
          </>
        )}
      </p>
      {result && (
        <ul className="plain gate-results" aria-label={`Gate results of ${wave.name}`}>
          {result.manual && (
            <li className={`gate-${result.manual}`}>
              manual confirmation: {result.manual}
              {result.confirmedBy && ` by ${result.confirmedBy}`}
              {result.note && ` — ${result.note}`}
            </li>
          )}
          {result.checks?.map((check, index) => {
            // A manual gate not confirmed yet is waiting, not failed.
            const waiting = !check.ok && check.gate === 'manual' && wave.state === 'awaiting_confirmation';
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: gate checks are positional.
              <li key={index} className={check.ok ? 'gate-passed' : waiting ? 'gate-waiting' : 'gate-failed'}>
                {check.ok ? '✓ passed' : waiting ? '… waiting for a person' : '✗ failed'} — {check.gate}: {check.detail}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function Waves({
  rollout,
  gridRef,
}: {
  rollout: Rollout;
  gridRef: (wave: number) => (element: HTMLElement | null) => void;
}) {
  return (
    <ol className="wave-list">
      {rollout.waves.map((wave) => {
        const impact = wave.impact as { count?: number } | null;
        return (
          <li
            key={wave.index}
            className="card wave"
            data-testid={`wave-${wave.index}`}
            aria-labelledby={`wave-${wave.index}-title`}
          >
            <div className="wave-head">
              <h3 id={`wave-${wave.index}-title`}>
                {/* waveLabel at the start of a sentence: "Wave 0 (canary)", as the events say "wave 0 (canary)". */}
                Wave {wave.index} ({wave.name})
              </h3>
              <RolloutStateBadge state={wave.state} />
              <span className="badge">{wave.action}</span>
              {wave.pointOfNoReturn && <span className="badge">point of no return</span>}
            </div>
            <WaveProgress wave={wave} />
            <p className="small muted">
              {wave.targets} target{wave.targets === 1 ? '' : 's'}, {wave.settings.concurrency} at once
              {wave.settings.bakeMs > 0 && `, bake ${formatDuration(wave.settings.bakeMs)}`}, on failure{' '}
              {wave.settings.onFailure === 'backout' ? 'back out' : 'pause'}
              {impact?.count !== undefined && `, what-if impact ${impact.count} CIs`}
            </p>
            <GateResults wave={wave} />
            <div
              className="target-grid"
              ref={gridRef(wave.index)}
              role="img"
              aria-label={`Targets of ${wave.name} coloured by state: ${
                Object.entries(wave.counts)
                  .map(([state, n]) => `${n} ${rolloutLabel(state)}`)
                  .join(', ') || 'none yet'
              }`}
              data-testid={`wave-grid-${wave.index}`}
            />
          </li>
        );
      })}
    </ol>
  );
}

function describeEvent(event: RolloutEvent): string {
  const data = event.data as Record<string, unknown> & { ci?: { name?: string } };
  const parts: string[] = [];
  // Wave events carry the wave's index and name: named the way the wave headers and the server's reasons name them.
  if (typeof data.wave === 'number' && typeof data.name === 'string') parts.push(waveLabel(data.wave, data.name));
  else if (typeof data.name === 'string') parts.push(data.name);
  if (data.ci?.name) parts.push(data.ci.name);
  // "rollout.completed" already says the state it carries.
  if (typeof data.state === 'string' && event.type !== `rollout.${data.state}`) parts.push(rolloutLabel(data.state));
  for (const key of ['reason', 'error', 'by', 'pauseReason']) {
    if (typeof data[key] === 'string' && data[key]) parts.push(`${key === 'by' ? 'by ' : ''}${String(data[key])}`);
  }
  return parts.join(' — ');
}

function EventLog({ events, streaming, finished }: { events: RolloutEvent[]; streaming: boolean; finished: boolean }) {
  return (
    <section className="card" aria-labelledby="rollout-log-title" data-testid="rollout-log">
      <h2 id="rollout-log-title">
        Event log{' '}
        <span className="small muted">{streaming ? '(live)' : finished ? '(finished)' : '(connecting…)'}</span>
      </h2>
      {events.length === 0 ? (
        <p className="muted">No event yet.</p>
      ) : (
        <ul className="plain event-log" role="log" aria-label="Rollout events, newest first">
          {[...events].reverse().map((event) => (
            <li key={event.id} data-event={event.type}>
              <DateTime value={event.at} seconds /> <code>{event.type.replace(/^rollout\./, '')}</code>{' '}
              {describeEvent(event)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const ACTIVATION_STATES: Record<RolloutActivation['state'], string> = {
  pending: 'waiting for approval',
  scheduled: 'approved, scheduled',
  activated: 'approved and activated',
  rejected: 'rejected',
  cancelled: 'cancelled',
  blocked: 'blocked when due',
};

/** Who asked for the activation, for when, and how it was decided. */
function ActivationFacts({ request }: { request: RolloutActivation }) {
  return (
    <dl className="facts-grid" data-testid="activation-request">
      <dt>Request</dt>
      <dd>
        #{request.id}: <span className="badge">{ACTIVATION_STATES[request.state]}</span>
      </dd>
      <dt>Asked by</dt>
      <dd>
        {request.requestedBy}, <DateTime value={request.requestedAt} />
        {request.note && ` — ${request.note}`}
      </dd>
      <dt>Activate</dt>
      <dd>{request.activateAt ? <DateTime value={request.activateAt} /> : 'as soon as it is approved'}</dd>
      {request.decidedBy && (
        <>
          <dt>Decided by</dt>
          <dd>
            {request.decidedBy}, <DateTime value={request.decidedAt} />
            {request.decisionNote && ` — ${request.decisionNote}`}
          </dd>
        </>
      )}
      {request.activatedAt && (
        <>
          <dt>Activated</dt>
          <dd>
            <DateTime value={request.activatedAt} seconds />
          </dd>
        </>
      )}
      {request.closedReason && request.state !== 'rejected' && (
        <>
          <dt>Ended</dt>
          <dd>
            {request.closedBy && `${request.closedBy}: `}
            {request.closedReason}
          </dd>
        </>
      )}
      {request.state === 'rejected' && (
        <>
          <dt>Reason</dt>
          <dd>{request.closedReason}</dd>
        </>
      )}
    </dl>
  );
}

/**
 * A dormant rollout's activation: the newest request and the steps the user may take on it —
 * request (now or at a time; `rollouts.execute`), approve or reject (`rollouts.approve`, never
 * one's own request or rollout: the server refuses it, the panel says so), cancel a pending or
 * scheduled one (`rollouts.execute`). The server's `allowedActions` says what the state allows.
 */
function ActivationPanel({
  rollout,
  onChanged,
  onStale,
}: {
  rollout: Rollout;
  onChanged: (rollout: Rollout) => void;
  onStale: () => void;
}) {
  const { api, can, state } = useSession();
  const me = state.status === 'signed-in' ? state.session.user.username : null;
  const [at, setAt] = useState('');
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const { busy, error, run } = useRolloutWrite({
    onChanged,
    onStale,
    reset: () => {
      setAt('');
      setNote('');
      setReason('');
    },
  });
  const request = rollout.activationRequest;
  const allowed = (action: Rollout['allowedActions'][number]) => rollout.allowedActions.includes(action);
  const mayRequest = allowed('activate') && can('rollouts.execute');
  const mayDecide = allowed('approve_activation') && can('rollouts.approve');
  const ownCase = mayDecide && request !== null && (me === request.requestedBy || me === rollout.createdBy);
  const mayCancel = allowed('cancel_activation') && can('rollouts.execute');
  if (rollout.strategy !== 'dormant' || (!request && !mayRequest)) return null;

  return (
    <section className="card rollout-activation" aria-labelledby="rollout-activation-title">
      <h2 id="rollout-activation-title">Activation</h2>
      <p>
        Installed inactive everywhere. Switching it on is a separate step: a release manager asks for it, a change
        manager or CAB member who neither asked nor started the rollout approves it.
      </p>
      {request && <ActivationFacts request={request} />}
      {mayRequest && (
        <form
          className="inline-fields"
          aria-label="Request the activation"
          onSubmit={(event) => {
            event.preventDefault();
            const activateAt = fromLocalInput(at);
            void run(() =>
              api.rollouts.requestActivation(rollout, {
                ...(activateAt && { activateAt }),
                ...(note.trim() && { note: note.trim() }),
              }),
            );
          }}
        >
          <div className="field">
            <label htmlFor="activation-at">Activate at (empty: once approved)</label>
            <input id="activation-at" type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />
          </div>
          <div className="field field-wide">
            <label htmlFor="activation-note">Note for the approver</label>
            <input id="activation-note" value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
          </div>
          <button type="submit" disabled={busy}>
            Request activation
          </button>
        </form>
      )}
      {ownCase && (
        <p className="notice">
          You {me === request?.requestedBy ? 'asked for this activation' : 'started this rollout'}: another change
          manager or CAB member decides.
        </p>
      )}
      {mayDecide && !ownCase && (
        <form
          className="inline-fields"
          aria-label="Decide the activation"
          onSubmit={(event) => {
            event.preventDefault();
            void run(() => api.rollouts.approveActivation(rollout, note.trim() || undefined));
          }}
        >
          <div className="field">
            <label htmlFor="activation-decision-note">Approval note</label>
            <input
              id="activation-decision-note"
              value={note}
              maxLength={2000}
              onChange={(e) => setNote(e.target.value)}
            />
          </div>
          <button type="submit" disabled={busy}>
            Approve activation
          </button>
          <div className="field">
            <label htmlFor="activation-reject-reason">Reason to reject</label>
            <input
              id="activation-reject-reason"
              value={reason}
              maxLength={2000}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
          <button
            type="button"
            className="button-danger"
            disabled={busy || reason.trim() === ''}
            onClick={() => void run(() => api.rollouts.rejectActivation(rollout, reason.trim()))}
          >
            Reject activation
          </button>
        </form>
      )}
      {mayCancel && (
        <div className="actions">
          <button
            type="button"
            className="button-danger"
            disabled={busy}
            onClick={() => void run(() => api.rollouts.cancelActivation(rollout))}
          >
            {request?.state === 'scheduled' ? 'Cancel the scheduled activation' : 'Withdraw the request'}
          </button>
        </div>
      )}
      <ErrorNotice error={error} />
    </section>
  );
}

/** The legend of the target colours (the grid is an image to assistive technology; the counts say it in words). */
function Legend() {
  return (
    <ul className="plain target-legend" aria-label="Target colours">
      {TARGET_STATES.map((state) => (
        <li key={state}>
          <span className={`target-cell target-${state}`} aria-hidden="true" /> {rolloutLabel(state)}
        </li>
      ))}
    </ul>
  );
}

/**
 * A rollout live: state and KPIs, the controls the user may take now, every wave with its
 * progress, gate results and a grid of its targets coloured by state, and the event log fed by the
 * server-sent events stream.
 */
export function RolloutPage({ id }: { id: number }) {
  const { rollout, error, events, streaming, gridRef, accept, reload } = useLiveRollout(id);
  const { api, can } = useSession();
  const releaseId = rollout?.releaseId;
  const mayReadRelease = can('releases.read');
  // The release's name for the header; without releases.read the link shows its number only.
  const loadRelease = useCallback(
    (signal: AbortSignal) =>
      releaseId !== undefined && mayReadRelease ? api.releases.get(releaseId, signal) : Promise.resolve(null),
    [api, mayReadRelease, releaseId],
  );
  const release = useLoad(loadRelease).data;
  useDocumentTitle(rollout ? `Rollout #${rollout.id}` : 'Rollout');
  if (!rollout) {
    return error ? <LoadFailure error={error} onRetry={reload} /> : <p aria-live="polite">Loading the rollout…</p>;
  }
  const { totals, kpis } = rollout;
  // A past deployment recorded as history has no executor: Slipway never ran it.
  const recorded = rollout.executor.kind === undefined;
  return (
    <section className="page" aria-labelledby="rollout-title">
      <div className="page-head">
        <h1 id="rollout-title">
          Rollout #{rollout.id} to {rollout.environment}
        </h1>
        <Link to={releasePath(rollout.releaseId)}>
          Release #{rollout.releaseId}
          {release && `: ${releaseName(release)}`}
        </Link>
      </div>
      <p className="badges" data-testid="rollout-state">
        <RolloutStateBadge state={rollout.state} /> <span className="badge">{rolloutLabel(rollout.strategy)}</span>{' '}
        <span className="badge">phase: {rollout.phase}</span>{' '}
        {recorded ? (
          <span className="badge">recorded, not run by Slipway</span>
        ) : (
          <span className="badge">executor: {String(rollout.executor.kind)}</span>
        )}
        {rollout.pauseReason && <span className="badge"> paused: {rolloutLabel(rollout.pauseReason)}</span>}
        {rollout.activation && <span className="badge"> {rollout.activation}</span>}
      </p>
      {recorded && (
        <p className="notice">
          A record of a past deployment (imported history): Slipway did not run it, so it has no waves, steps or events,
          and it cannot be backed out here. To revert the release, roll out the previous one.
        </p>
      )}
      {rollout.reason && <p className="notice">Reason: {rollout.reason}</p>}
      <ErrorNotice error={error} />
      <dl className="facts-grid rollout-totals" data-testid="rollout-totals">
        <dt>Targets</dt>
        <dd>{totals.targets}</dd>
        <dt>Deployed</dt>
        <dd>{totals.deployed}</dd>
        <dt>Running / pending</dt>
        <dd>
          {totals.running} / {totals.pending}
        </dd>
        <dt>Failed</dt>
        <dd>{totals.failed}</dd>
        <dt>Backed out</dt>
        <dd>{totals.backedOut}</dd>
        <dt title="Each target's own downtime, added up: 30 s on each of 100 targets is 50 min">
          Downtime, all targets together
        </dt>
        <dd>{formatDuration(totals.downtimeMs)}</dd>
        <dt>Started</dt>
        <dd>
          <DateTime value={rollout.startedAt} empty={rollout.scheduledAt ? 'scheduled' : 'not yet'} seconds />
          {kpis.startDelayMs !== null && ` (${formatDuration(kpis.startDelayMs)} vs plan)`}
        </dd>
        <dt>Finished</dt>
        <dd>
          <DateTime value={rollout.finishedAt} empty="not yet" seconds />
          {kpis.durationMs !== null && ` after ${formatDuration(kpis.durationMs)}`}
          {kpis.onTime !== null && (kpis.onTime ? ', on time' : ', late')}
        </dd>
      </dl>
      <RolloutControls rollout={rollout} onChanged={accept} onStale={reload} />
      <ActivationPanel rollout={rollout} onChanged={accept} onStale={reload} />
      <div className="rollout-body">
        <section aria-labelledby="rollout-waves-title">
          <h2 id="rollout-waves-title">Waves</h2>
          <Legend />
          <Waves rollout={rollout} gridRef={gridRef} />
        </section>
        <EventLog events={events} streaming={streaming} finished={TERMINAL_ROLLOUT_STATES.includes(rollout.state)} />
      </div>
    </section>
  );
}
