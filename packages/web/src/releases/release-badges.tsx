import type { Release } from '../api/types.js';

/** "rolling_out" → "rolling out". */
export function stateLabel(state: string): string {
  return state.replaceAll('_', ' ');
}

/** A release's lifecycle state as a coloured badge. */
export function ReleaseStateBadge({ state }: { state: string }) {
  return <span className={`status release-state release-state-${state}`}>{stateLabel(state)}</span>;
}

/** The path of a release's page. */
export function releasePath(id: number): string {
  return `/releases/${id}`;
}

/** "payroll 4.2.0 — title". */
export function releaseName(release: Pick<Release, 'unit' | 'releaseVersion'>): string {
  return `${release.unit.name} ${release.releaseVersion}`;
}
