import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { incidentRoutes } from '../incidents/incident.routes.js';
import { IncidentService } from '../incidents/incident.service.js';
import { EvidenceService } from '../maturity/evidence.service.js';
import { maturityRoutes } from '../maturity/maturity.routes.js';
import { MaturityService } from '../maturity/maturity.service.js';
import type { AppContext } from '../platform/context.js';
import { kpiRoutes } from './kpi.routes.js';
import { KpiService } from './kpi.service.js';
import { registerKpiMetrics } from './kpi-metrics.js';

export interface MeasurementServices {
  incidents: IncidentService;
  kpis: KpiService;
  maturity: MaturityService;
}

/**
 * Incidents, KPIs/DORA and maturity, built from the shared context: they only read other
 * modules' records (and write their own tables), so nothing else depends on them.
 */
export function createMeasurementServices(ctx: AppContext): MeasurementServices {
  const db = ctx.database.db;
  const incidents = new IncidentService(db, ctx.audit, ctx.clock);
  const kpis = new KpiService(db, ctx.clock, ctx.policy, ctx.cmdb, ctx.library);
  const evidence = new EvidenceService(db, ctx.clock, kpis, ctx.library);
  const maturity = new MaturityService(db, ctx.audit, ctx.clock, evidence);
  return { incidents, kpis, maturity };
}

/** Registers the routes of incidents, KPIs, DORA and maturity, and the KPI gauges on /metrics. */
export function measurementRoutes(
  services: MeasurementServices,
  ctx: AppContext,
  registry: Registry,
  log: FastifyBaseLogger,
) {
  registerKpiMetrics(registry, services.kpis, ctx.clock, log);
  return async (app: FastifyInstance) => {
    await app.register(incidentRoutes, { incidents: services.incidents });
    await app.register(kpiRoutes, { kpis: services.kpis });
    await app.register(maturityRoutes, { maturity: services.maturity, kpis: services.kpis, clock: ctx.clock });
  };
}
