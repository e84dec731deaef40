import { classLabel } from './ci-format.js';

/** A CI's lifecycle status as a coloured badge. */
export function CiStatusBadge({ status }: { status: string }) {
  return <span className={`status ci-status-${status}`}>{status}</span>;
}

/** Criticality as a badge; nothing when the CI has none. */
export function CriticalityBadge({ criticality }: { criticality: string | null }) {
  if (!criticality) return <span className="muted">—</span>;
  return <span className={`status criticality-${criticality}`}>{criticality}</span>;
}

/** The class of a CI in small capitals. */
export function ClassBadge({ ciClass }: { ciClass: string }) {
  return <span className="badge class-badge">{classLabel(ciClass)}</span>;
}
