import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.js';
import { QualityQuery, QualityReportSchema } from './quality.schemas.js';

/** The CMDB data-quality report. */
export async function qualityRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/v1/cmdb/quality',
    {
      config: { access: 'cmdb.read' },
      schema: {
        tags: ['cmdb'],
        summary:
          'Data quality: CIs without owner, orphans, CIs not seen by their source, likely duplicates, relationships to retired CIs',
        description: 'Each category is counted in full over the whole CMDB and lists its first `examples` items.',
        querystring: QualityQuery,
        response: { 200: QualityReportSchema },
      },
    },
    async (request) => {
      const { staleDays = 30, examples = 10, orphanIgnoreClasses } = request.query;
      return ctx.cmdb.quality.report({
        staleDays,
        examples,
        orphanIgnoreClasses:
          orphanIgnoreClasses === undefined ? undefined : orphanIgnoreClasses.split(',').filter((c) => c.length > 0),
      });
    },
  );
}
