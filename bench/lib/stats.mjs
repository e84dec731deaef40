/** Small statistics helpers for workloads that time repetitions themselves. */

export function median(values) {
  return percentile(values, 50);
}

/** Nearest-rank percentile of an unsorted array (NaN when empty). */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** p50/p95/p99/min/max of a list of durations in ms. */
export function summarize(values) {
  return {
    n: values.length,
    min: Math.min(...values),
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: Math.max(...values),
  };
}

/**
 * Times `fn` `repetitions` times after `warmups` untimed calls; returns the durations in ms.
 * Anchors §5.1: at least 20 repetitions after 5 warm-ups (fewer for runs over a second).
 */
export async function timeRepeated(fn, { warmups = 5, repetitions = 20 } = {}) {
  for (let i = 0; i < warmups; i++) await fn();
  const durations = [];
  for (let i = 0; i < repetitions; i++) {
    const started = performance.now();
    await fn();
    durations.push(performance.now() - started);
  }
  return durations;
}
