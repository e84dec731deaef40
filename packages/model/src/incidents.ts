/**
 * Incidents, minimal: something broke, which CIs, when it started and ended, and — when known —
 * the release or the change that caused it. The cause is a causal link recorded by a person, not
 * an inference from timing: change failure rate and time to restore count only incidents whose
 * cause is recorded (see docs/metrics.md).
 */
export const INCIDENT_CAUSE_KINDS = ['release', 'change'] as const;
export type IncidentCauseKind = (typeof INCIDENT_CAUSE_KINDS)[number];

export interface IncidentCause {
  kind: IncidentCauseKind;
  id: number;
}

/** Minutes an incident lasted within [from, to); an open incident runs until `to`. */
export function incidentMinutesWithin(
  incident: { startedAt: string; resolvedAt: string | null },
  from: string,
  to: string,
): number {
  const start = Math.max(Date.parse(incident.startedAt), Date.parse(from));
  const end = Math.min(incident.resolvedAt === null ? Date.parse(to) : Date.parse(incident.resolvedAt), Date.parse(to));
  return end > start ? (end - start) / 60_000 : 0;
}

export const INCIDENT_SEVERITIES = ['critical', 'major', 'minor'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];
