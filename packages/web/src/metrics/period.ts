import type { MetricsPeriod } from './metrics-api.js';

export const PERIOD_DAYS = [30, 90, 365] as const;
export type PeriodDays = (typeof PERIOD_DAYS)[number];

const DAY_MS = 86_400_000;

/**
 * The last `days` days up to the end of today (UTC). Ending at midnight rather than "now" keeps
 * the period the same across re-renders, so it does not trigger a new load every time.
 */
export function lastDays(days: PeriodDays, now = new Date()): MetricsPeriod {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS;
  return { from: new Date(end - days * DAY_MS).toISOString(), to: new Date(end).toISOString() };
}
