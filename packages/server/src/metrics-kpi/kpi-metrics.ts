import { doraReport, kpiReport } from '@slipway/model';
import type { FastifyBaseLogger } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../platform/clock.js';
import type { KpiService } from './kpi.service.js';

const WINDOW_DAYS = 30;
/** A scrape every 15 s must not recompute the KPIs each time: they move on a scale of hours. */
const CACHE_MS = 60_000;

type Figures = { kpi: ReturnType<typeof kpiReport>['summary']; dora: ReturnType<typeof doraReport> };

/**
 * KPI and DORA gauges on /metrics over the last 30 days, recomputed at most once a minute. A
 * ratio over nothing is left out (no sample) rather than reported as 0. A failed computation keeps
 * the last values: the scrape must still succeed.
 */
export function registerKpiMetrics(
  registry: Registry,
  kpis: KpiService,
  clock: Clock,
  logger: FastifyBaseLogger,
): void {
  let cached: { at: number; figures: Figures } | undefined;
  let pending: Promise<Figures | undefined> | undefined;
  const figures = async (): Promise<Figures | undefined> => {
    const now = clock.now().getTime();
    if (cached && now - cached.at < CACHE_MS) return cached.figures;
    pending ??= (async () => {
      try {
        const to = new Date(now).toISOString();
        const from = new Date(now - WINDOW_DAYS * 86_400_000).toISOString();
        const { input } = await kpis.load(to);
        const computed = {
          kpi: kpiReport(input, { from, to, bucket: 'month' }).summary,
          dora: doraReport(input, from, to),
        };
        cached = { at: now, figures: computed };
        return computed;
      } catch (error) {
        logger.warn({ err: error }, 'computing KPI metrics failed');
        return cached?.figures;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };

  const gauge = (name: string, help: string, read: (f: Figures) => number | null | undefined) =>
    new Gauge({
      name,
      help: `${help} (last ${WINDOW_DAYS} days)`,
      registers: [registry],
      async collect() {
        const f = await figures();
        this.reset();
        const value = f === undefined ? null : read(f);
        if (value !== null && value !== undefined) this.set(value);
      },
    });

  new Gauge({
    name: 'slipway_kpi_release_downtime_minutes',
    help: `Downtime caused by releases by service, minutes (last ${WINDOW_DAYS} days)`,
    labelNames: ['service'] as const,
    registers: [registry],
    async collect() {
      const f = await figures();
      this.reset();
      for (const s of f?.kpi.downtime.byService ?? []) this.set({ service: s.service }, s.minutes);
    },
  });
  gauge(
    'slipway_kpi_rollouts_on_time_ratio',
    'Share of finished production rollouts completed by their planned end',
    (f) => f.kpi.rolloutsOnTime.value,
  );
  gauge(
    'slipway_kpi_backout_ratio',
    'Share of finished production rollouts that were backed out',
    (f) => f.kpi.backoutRate.value,
  );
  gauge(
    'slipway_kpi_change_success_ratio',
    'Share of implemented changes that succeeded',
    (f) => f.kpi.changeSuccessRate.value,
  );
  gauge(
    'slipway_kpi_emergency_change_ratio',
    'Share of raised changes that were emergency changes',
    (f) => f.kpi.emergencyChangeRatio.value,
  );
  gauge(
    'slipway_kpi_unauthorized_cis',
    'Installed software CIs with no approved library artifact (now)',
    (f) => f.kpi.unauthorizedCis,
  );
  gauge(
    'slipway_kpi_unlicensed_cis',
    'Installed software CIs whose licence the policy does not allow (now)',
    (f) => f.kpi.unlicensedCis,
  );
  gauge(
    'slipway_kpi_lead_time_hours',
    'Median hours from release plan to production',
    (f) => f.kpi.leadTimeHours.median,
  );
  gauge('slipway_dora_deployments_per_day', 'DORA deployment frequency', (f) => f.dora.deploymentFrequency.perDay);
  gauge(
    'slipway_dora_lead_time_hours',
    'DORA lead time for changes, median hours',
    (f) => f.dora.leadTimeForChanges.medianHours,
  );
  gauge(
    'slipway_dora_change_failure_ratio',
    'DORA change failure rate (causally linked incidents)',
    (f) => f.dora.changeFailureRate.value,
  );
  gauge(
    'slipway_dora_time_to_restore_hours',
    'DORA time to restore, median hours',
    (f) => f.dora.timeToRestore.medianHours,
  );
}
