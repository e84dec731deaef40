import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { RELEASE_SCOPE } from '../platform/http/object-scope.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdParams } from '../platform/http/schemas.js';
import { EvidenceSchema } from './release.schemas.js';

/** Release notes and the auditor's evidence pack (JSON, or one tar.gz with the evidence files). */
export async function releaseEvidenceRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { evidence } = ctx.releases;
  const tags = ['releases'];

  app.get(
    '/api/v1/releases/:id/notes',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Release notes in Markdown: contents, changes, tests, known issues, back-out',
        params: IdParams,
        produces: ['text/markdown'],
        response: { 200: Type.String({ description: 'text/markdown; charset=utf-8' }) },
      },
    },
    async (request, reply) => {
      reply.type('text/markdown; charset=utf-8');
      return evidence.notes(request.params.id);
    },
  );

  app.get(
    '/api/v1/releases/:id/evidence',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary:
          'The evidence pack: plan, approvals (who, when, role), tests with evidence, digests and signatures, rollouts, audit excerpt with chain verification',
        params: IdParams,
        response: { 200: EvidenceSchema },
      },
    },
    async (request) => evidence.evidence(actorOfRequest(request), request.params.id),
  );

  app.get(
    '/api/v1/releases/:id/evidence/archive',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'The evidence pack as one tar.gz: evidence.json, release-notes.md, evidence files, SHA256SUMS',
        params: IdParams,
        response: {
          200: {
            description: 'A gzip-compressed POSIX tar archive',
            content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      } as never,
    },
    async (request: FastifyRequest<{ Params: Static<typeof IdParams> }>, reply) => {
      const { fileName, stream } = await evidence.archive(actorOfRequest(request), request.params.id);
      reply.headers({
        'content-type': 'application/gzip',
        'content-disposition': `attachment; filename="${fileName}"`,
        'cache-control': 'private, no-store',
      });
      return reply.send(stream);
    },
  );
}
