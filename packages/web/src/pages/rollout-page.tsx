import { TARGET_STATES, TERMINAL_ROLLOUT_STATES } from '@slipway/model';
import { useCallback } from 'react';
import { Link, useParams } from 'react-router';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { releaseName, releasePath } from '../releases/release-badges.js';
import { formatDuration, RolloutStateBadge, rolloutLabel } from '../rollouts/rollout-badges.js';
import { RolloutControls } from '../rollouts/rollout-controls.js';
import type { Rollout, RolloutEvent, RolloutWave } from '../rollouts/rollouts-api.js';
import { useLiveRollout } from '../rollouts/use-live-rollout.js';
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
                Wave {wave.index + 1}: {wave.name}
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
  if (typeof data.name === 'string') parts.push(data.name);
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
export function RolloutPage() {
  const id = Number(useParams().id);
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
    return error ? <ErrorNotice error={error} /> : <p aria-live="polite">Loading the rollout…</p>;
  }
  const { totals, kpis } = rollout;
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
        <span className="badge">executor: {String(rollout.executor.kind)}</span>
        {rollout.pauseReason && <span className="badge"> paused: {rolloutLabel(rollout.pauseReason)}</span>}
        {rollout.activation && <span className="badge"> {rollout.activation}</span>}
      </p>
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
        <dt>Downtime</dt>
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
