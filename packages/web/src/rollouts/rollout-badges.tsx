/** "backing_out" → "backing out". */
export function rolloutLabel(state: string): string {
  return state.replaceAll('_', ' ');
}

/**
 * A wave as the server names it in its reasons and events ("wave 0 (canary)"): the index counts
 * from 0, like the CLI and the event log, so every place the UI names a wave agrees with them.
 */
export function waveLabel(index: number, name: string): string {
  return `wave ${index} (${name})`;
}

/** A rollout's (or wave's, or target's) state as a coloured badge. */
export function RolloutStateBadge({ state }: { state: string }) {
  return <span className={`status rollout-state rollout-state-${state}`}>{rolloutLabel(state)}</span>;
}

/** The path of a rollout's live page. */
export function rolloutPath(id: number): string {
  return `/rollouts/${id}`;
}

/** Milliseconds as "1 h 5 min", "42 s" or "350 ms". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const sign = ms < 0 ? '−' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${abs} ms`;
  if (abs < 60_000) return `${sign}${Math.round(abs / 1000)} s`;
  const minutes = Math.round(abs / 60_000);
  if (minutes < 60) return `${sign}${minutes} min`;
  return `${sign}${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
