import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { InputError } from '../platform/errors.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { SOURCE_PATTERN } from './import.service.js';

const ImportQuery = Type.Object(
  {
    source: Type.Optional(
      Type.String({
        pattern: SOURCE_PATTERN.source,
        description: 'Name of the feed, e.g. discovery; relationships remember it',
      }),
    ),
    atomic: Type.Optional(
      Type.Boolean({ default: false, description: 'All or nothing: any bad line rejects the import' }),
    ),
    prune: Type.Optional(
      Type.Boolean({
        default: false,
        description: "With source: remove that source's relationships this import no longer contains",
      }),
    ),
  },
  { additionalProperties: false },
);

const ImportResultSchema = Type.Object({
  cis: Type.Object({ created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer() }),
  relationships: Type.Object({ created: Type.Integer(), unchanged: Type.Integer(), pruned: Type.Integer() }),
  errors: Type.Array(Type.Object({ line: Type.Integer(), code: Type.String(), message: Type.String() }), {
    description: 'The first 1000 bad lines (errorCount has them all); good lines were imported',
  }),
  errorCount: Type.Integer(),
  lines: Type.Integer(),
  durationMs: Type.Integer(),
});

/** Streaming NDJSON import into the CMDB. */
export async function importRoutes(app: FastifyInstance, ctx: AppContext) {
  // The body is handed over as a stream: hundreds of thousands of lines are never buffered whole.
  app.addContentTypeParser('application/x-ndjson', (_request, payload, done) => done(null, payload));

  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/api/v1/import',
    {
      config: { access: 'cmdb.write' },
      // Streamed bodies are not subject to the JSON body limit; lines are capped at 1 MiB each.
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        tags: ['cmdb'],
        summary: 'Import CIs and relationships from NDJSON (upsert by class/name; identical data changes nothing)',
        description:
          'Content-Type: application/x-ndjson. One object per line: {"kind":"ci","class":"software","name":"libc6","attributes":{…}} ' +
          'or {"kind":"relationship","source":"software/openssl","type":"depends_on","target":"software/libc6"}. ' +
          'CIs must come before the relationships that use them.',
        querystring: ImportQuery,
        response: { 200: ImportResultSchema },
      },
    },
    async (request) => {
      if (request.headers['content-type']?.split(';')[0]?.trim() !== 'application/x-ndjson') {
        throw new InputError('Send the import as Content-Type: application/x-ndjson');
      }
      if (request.query.prune && !request.query.source) {
        throw new InputError("prune=true needs source=<name>: only that source's relationships are pruned", {
          field: 'prune',
        });
      }
      const { errors, ...rest } = await ctx.cmdb.imports.run(
        actorOfRequest(request),
        request.body as AsyncIterable<Buffer>,
        {
          source: request.query.source,
          atomic: request.query.atomic,
          prune: request.query.prune,
        },
      );
      return { ...rest, errors };
    },
  );
}
