import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { InputError } from '../platform/errors.js';
import { versionFromIfMatch } from '../platform/http/etag.js';
import { RELEASE_SCOPE } from '../platform/http/object-scope.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders } from '../platform/http/schemas.js';
import { JunitQuery, RecordTestBody, TestParams, TestSchema, UploadQuery } from './release.schemas.js';
import { safeFileName } from './tar-archive.js';

const XML_TYPES = ['application/xml', 'text/xml', 'application/junit+xml'];

function mediaType(request: FastifyRequest): string {
  return request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Test results per environment and protocol, with evidence; JUnit reports from CI pipelines. */
export async function releaseTestRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { tests } = ctx.releases;
  const maxBytes = ctx.releases.evidenceMaxBytes;
  const tags = ['releases'];

  app.get(
    '/api/v1/releases/:id/tests',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Every test result ever recorded (history kept); `current` marks the ones the gates read',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(TestSchema) }) },
      },
    },
    async (request) => ({ items: await tests.list(request.params.id) }),
  );

  app.post(
    '/api/v1/releases/:id/tests',
    {
      config: { access: 'releases.test', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: 'Record a test result with text or link evidence (recording again keeps the earlier result)',
        params: IdParams,
        headers: Type.Object({ ...IdempotencyHeaders.properties, ...IfMatchHeaders.properties }),
        body: RecordTestBody,
        response: { 201: TestSchema },
      },
    },
    async (request, reply) => {
      const test = await tests.record(
        actorOfRequest(request),
        request.params.id,
        request.body,
        versionFromIfMatch(request.headers['if-match']),
      );
      reply.header('location', `/api/v1/releases/${request.params.id}/tests`);
      return reply.code(201).send(test);
    },
  );

  // JUnit reports and evidence files each get their own parsers, scoped to their routes.
  await app.register(async (junitApp) => {
    junitApp.addContentTypeParser(XML_TYPES, { parseAs: 'string', bodyLimit: maxBytes }, (_request, body, done) =>
      done(null, body),
    );
    // Pipelines often post with curl's default (application/x-www-form-urlencoded) or text/plain:
    // take any body as text and let the parser say whether it is JUnit (400 if not), rather than
    // a 415 that asks for JSON. A JSON body still reaches the handler as an object and is refused.
    junitApp.addContentTypeParser('*', { parseAs: 'string', bodyLimit: maxBytes }, (_request, body, done) =>
      done(null, body),
    );
    junitApp.withTypeProvider<TypeBoxTypeProvider>().post(
      '/api/v1/releases/:id/tests/junit',
      {
        config: { access: 'releases.test', scope: RELEASE_SCOPE },
        bodyLimit: maxBytes,
        schema: {
          tags,
          summary: 'Post a JUnit XML report (CI pipelines, with an API token): parsed into passed/failed/skipped',
          description:
            'Body: the report as application/xml. A body that is not well-formed XML or not JUnit is refused with 400; DTDs and entities are refused (no XXE).',
          params: IdParams,
          querystring: JunitQuery,
          consumes: XML_TYPES,
          response: { 201: TestSchema },
        },
      },
      async (request, reply) => {
        if (typeof request.body !== 'string') {
          throw new InputError('Send the JUnit report as XML (Content-Type: application/xml)', { field: 'body' });
        }
        const test = await tests.recordJunit(actorOfRequest(request), request.params.id, request.query, request.body);
        return reply.code(201).send(test);
      },
    );
  });

  await app.register(async (uploadApp) => {
    // Any media type: the evidence is whatever the tester has (PDF, screenshot, signed form).
    uploadApp.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploadApp.withTypeProvider<TypeBoxTypeProvider>().post(
      '/api/v1/releases/:id/tests/upload',
      {
        config: { access: 'releases.test', scope: RELEASE_SCOPE },
        // The store enforces the evidence limit while it streams.
        bodyLimit: Number.MAX_SAFE_INTEGER,
        schema: {
          tags,
          summary: 'Record a test result with an uploaded evidence file (the bytes as the body, metadata in the query)',
          params: IdParams,
          querystring: UploadQuery,
          body: { content: { 'application/octet-stream': { schema: { description: 'The evidence file' } } } },
          response: { 201: TestSchema },
          // A binary body is valid Fastify (and OpenAPI) but outside the type provider's types.
        } as never,
      },
      async (
        request: FastifyRequest<{ Params: Static<typeof IdParams>; Querystring: Static<typeof UploadQuery> }>,
        reply,
      ) => {
        const type = mediaType(request);
        if (type === 'application/json' || type === '') {
          throw new InputError('Send the evidence file as the body, e.g. Content-Type: application/pdf', {
            field: 'body',
          });
        }
        const query = request.query;
        const test = await tests.recordFile(
          actorOfRequest(request),
          request.params.id,
          {
            environment: query.environment,
            protocol: query.protocol,
            outcome: query.outcome,
            summary: query.summary,
            evidence: query.note === undefined ? undefined : { text: query.note },
            fileName: safeFileName(query.fileName ?? 'evidence', 'evidence'),
            contentType: type,
          },
          request.body as AsyncIterable<Uint8Array>,
        );
        return reply.code(201).send(test);
      },
    );
  });

  app.get(
    '/api/v1/releases/:id/tests/:testId/evidence',
    {
      config: { access: 'releases.read', scope: RELEASE_SCOPE },
      schema: {
        tags,
        summary: "Download a test result's evidence file, byte for byte (digest in Slipway-Sha256)",
        params: TestParams,
        response: {
          200: {
            description: 'The evidence file',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      } as never,
    },
    async (request: FastifyRequest<{ Params: Static<typeof TestParams> }>, reply) => {
      const file = await tests.openEvidence(request.params.id, request.params.testId);
      reply.headers({
        // Never rendered by a browser as the server's own page: uploaded content is untrusted.
        'content-type': 'application/octet-stream',
        'content-length': String(file.size),
        'slipway-sha256': file.sha256,
        'x-evidence-content-type': file.contentType,
        'content-disposition': `attachment; filename="${safeFileName(file.name, 'evidence')}"`,
        'cache-control': 'private, no-transform',
      });
      return reply.send(file.stream);
    },
  );
}
