import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { kpiCsv } from '@slipway/model';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DoraQuerySchema, DoraReportSchema, KpiQuerySchema, KpiReportSchema } from './kpi.schemas.js';
import type { KpiService } from './kpi.service.js';

const tags = ['metrics'];

/** KPIs, their CSV export and the DORA four keys. */
export async function kpiRoutes(root: FastifyInstance, options: { kpis: KpiService }) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { kpis } = options;

  app.get(
    '/api/v1/metrics/kpis',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags,
        summary: 'Release and change KPIs for a period, a service or a release element, with trend',
        querystring: KpiQuerySchema,
        response: { 200: KpiReportSchema },
      },
    },
    async (request) => kpis.kpis(request.query),
  );
  app.get(
    '/api/v1/metrics/kpis/csv',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags,
        summary: 'The KPIs as CSV: one row per trend bucket, then one for the whole period',
        querystring: KpiQuerySchema,
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'text/csv; charset=utf-8' }) },
      },
    },
    async (request, reply) => {
      const report = await kpis.kpis(request.query);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="slipway-kpis.csv"')
        .send(kpiCsv(report));
    },
  );
  app.get(
    '/api/v1/metrics/dora',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags,
        summary:
          'DORA four keys with performance bands: deployment frequency, lead time, change failure rate, time to restore',
        querystring: DoraQuerySchema,
        response: { 200: DoraReportSchema },
      },
    },
    async (request) => kpis.dora(request.query),
  );
}
