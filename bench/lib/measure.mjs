/**
 * Timing of repeated queries for the CMDB workloads (shared by the harness process and
 * graphology-child.mjs): warm-ups, then at least `minReps` runs and more while `budgetMs` lasts
 * (up to `maxReps`). A call over 1 s gets 3 runs and no extra warm-up (anchors §5.1: 1–3
 * repetitions for runs over a second). Also counts the garbage-collection pauses that fell into
 * the timed runs, which is where a p99 far above the p50 usually comes from.
 */
import { PerformanceObserver } from 'node:perf_hooks';

export async function measure(fn, { budgetMs, warmups, minReps, maxReps }) {
  let started = performance.now();
  const answer = await fn();
  const firstMs = performance.now() - started;
  const slow = firstMs > 1000;
  for (let i = 1; i < (slow ? 1 : firstMs > 200 ? 2 : warmups); i++) await fn();
  const gc = { count: 0, ms: 0, maxMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.ms += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const times = [];
  const min = slow ? 3 : minReps;
  const begin = performance.now();
  while (times.length < maxReps && (times.length < min || performance.now() - begin < budgetMs)) {
    started = performance.now();
    await fn();
    times.push(performance.now() - started);
    if (slow && times.length >= 3) break;
  }
  // GC entries are delivered asynchronously (not within one tick): let them arrive first.
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  return { answer, times, gc };
}
