import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { Type } from 'typebox';

export interface SystemRoutesOptions {
  registry: Registry;
  /** True once the server can serve (migrations done, indexes loaded); false while shutting down. */
  isReady: () => boolean;
  version: string;
}

/** Health, metrics and the OpenAPI document. */
export async function systemRoutes(app: FastifyInstance, { registry, isReady, version }: SystemRoutesOptions) {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Liveness and readiness',
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }),
          503: Type.Object({ status: Type.Literal('unavailable'), version: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      if (!isReady()) return reply.code(503).send({ status: 'unavailable', version });
      return { status: 'ok' as const, version };
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'metrics.read' },
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics (text exposition format)',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }) },
      },
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );

  app.get(
    '/api/v1/openapi.json',
    {
      config: { access: 'public' },
      schema: { tags: ['system'], summary: 'This API as an OpenAPI 3.1 document', security: [], hide: true },
    },
    async () => app.swagger(),
  );
}
