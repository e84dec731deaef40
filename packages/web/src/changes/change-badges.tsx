import type { ChangeRisk } from '../api/types.js';

/** "partially_successful" → "partially successful"; "backoutPlan" → "backout plan". */
export function words(value: string): string {
  return value.replaceAll('_', ' ').replace(/([a-z])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`);
}

/** A change's lifecycle state as a coloured badge. */
export function ChangeStateBadge({ state }: { state: string }) {
  return <span className={`status change-state change-state-${state}`}>{words(state)}</span>;
}

/** standard / normal / emergency. */
export function ChangeTypeBadge({ type }: { type: string }) {
  return <span className={`badge change-type change-type-${type}`}>{type}</span>;
}

/** The risk level and score; "not assessed" before submit. */
export function RiskBadge({ risk }: { risk: Pick<ChangeRisk, 'level' | 'score'> | null }) {
  if (!risk) return <span className="muted">not assessed</span>;
  return (
    <span className={`status risk risk-${risk.level}`} title={`Risk score ${risk.score} of 100`}>
      {words(risk.level)} · {risk.score}
    </span>
  );
}

/** The path of a change's page. */
export function changePath(id: number): string {
  return `/changes/${id}`;
}
