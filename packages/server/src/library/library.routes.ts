import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ReleaseElement } from '@slipway/model';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { InputError } from '../platform/errors.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders, IdParams, IfMatchHeaders, Page, PageQuery } from '../platform/http/schemas.js';
import type { ArtifactInput } from './artifact.service.js';
import type { SoftwareRange } from './artifact-view.js';
import {
  ArtifactListQuery,
  ArtifactSchema,
  ComplianceQuery,
  ComplianceReportSchema,
  ComponentListQuery,
  ComponentParams,
  CreateArtifactJsonBody,
  CreateKeyBody,
  GateAnswerSchema,
  GateQuery,
  PatchArtifactBody,
  PushHeaders,
  PushQuery,
  RetireBody,
  ReviewBody,
  SbomComponentSchema,
  SbomDiffQuery,
  SbomDiffSchema,
  SbomSchema,
  SignatureBody,
  TrustedKeySchema,
  VerificationStatusSchema,
  VerifyAllSchema,
  VerifyResultSchema,
} from './library.schemas.js';

/** Bodies of SBOM uploads: CycloneDX documents of many MB are normal for container images. */
const SBOM_BODY_LIMIT = 32 * 1024 * 1024;

/** Lets a POST whose body is optional arrive without one (the body schema then sees `{}`). */
async function optionalBody(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

type CreateArtifactJson = Static<typeof CreateArtifactJsonBody>;
type PushQueryValue = Static<typeof PushQuery>;

function mediaType(request: FastifyRequest): string {
  return request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** `"openssl >=3.0.0 <4"` → `{ name: "openssl", range: ">=3.0.0 <4" }` (split at the first space). */
function rangesFromQuery(field: 'requires' | 'conflicts', values: string[] | undefined): SoftwareRange[] | undefined {
  return values?.map((value, i) => {
    const trimmed = value.trim();
    const space = trimmed.search(/\s/);
    if (space <= 0) {
      throw new InputError(`${field}[${i}] must be "<product> <semver range>", e.g. "openssl >=3.0.0 <4"`, {
        field: `${field}/${i}`,
      });
    }
    return { name: trimmed.slice(0, space), range: trimmed.slice(space + 1).trim() };
  });
}

/** The SHA-256 the client expects, from `Content-Digest: sha-256=:<b64>:` or `Slipway-Expected-Sha256`. */
function expectedDigest(request: FastifyRequest): string | undefined {
  const hex = request.headers['slipway-expected-sha256'];
  if (typeof hex === 'string') return hex.toLowerCase();
  const header = request.headers['content-digest'];
  if (typeof header !== 'string') return undefined;
  const match = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]+={0,2}):/i.exec(header);
  if (!match?.[1]) return undefined;
  const bytes = Buffer.from(match[1], 'base64');
  if (bytes.length !== 32)
    throw new InputError('Content-Digest sha-256 must hold 32 bytes', { header: 'content-digest' });
  return bytes.toString('hex');
}

function pushInputFromQuery(query: PushQueryValue): ArtifactInput {
  for (const field of ['name', 'artifactVersion', 'license'] as const) {
    if (query[field] === undefined) {
      throw new InputError(`querystring/${field} is required when the body is the artifact's bytes`, {
        field: `querystring/${field}`,
      });
    }
  }
  return {
    name: query.name as string,
    artifactVersion: query.artifactVersion as string,
    license: query.license as string,
    element: query.element,
    supplier: query.supplier,
    description: query.description,
    requires: rangesFromQuery('requires', query.requires),
    conflicts: rangesFromQuery('conflicts', query.conflicts),
  };
}

async function* single(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer;
}

function sendArtifact(reply: FastifyReply, artifact: { id: number; version: number }, status = 200) {
  setEtag(reply, artifact.version);
  return reply.code(status).send(artifact);
}

/** The Definitive Software Library over HTTP. */
export async function libraryRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { artifacts, sboms, signatures, compliance, scheduler } = ctx.library;

  // Artifact bytes are handed over as a stream: multi-GB uploads are never buffered.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  app.addContentTypeParser(
    'application/vnd.cyclonedx+json',
    { parseAs: 'string', bodyLimit: SBOM_BODY_LIMIT },
    app.getDefaultJsonParser('error', 'error'),
  );

  app.post(
    '/api/v1/artifacts',
    {
      config: { access: 'library.write' },
      // The streamed form enforces its own limit (SLIPWAY_ARTIFACT_MAX_BYTES) while it reads.
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        tags: ['library'],
        summary: 'Push an artifact into the software library (quarantined until approved)',
        description:
          'Two forms. **Streamed** (any size up to the configured limit): `Content-Type: application/octet-stream`, the bytes as ' +
          'the body, the metadata in the query string (name, artifactVersion, license required). **Inline** (small files): ' +
          '`application/json` with the metadata and `content` in base64. The server computes the SHA-256 while storing; send ' +
          '`Content-Digest: sha-256=:…:` (or `Slipway-Expected-Sha256`, or `sha256` in JSON) to have a corrupted upload refused ' +
          '(422, nothing kept). The same name, version and content again answers 200 with the existing artifact; the same name ' +
          'and version with other content is 409.',
        querystring: PushQuery,
        headers: Type.Object({ ...IdempotencyHeaders.properties, ...PushHeaders.properties }),
        body: {
          content: {
            'application/json': { schema: CreateArtifactJsonBody },
            'application/octet-stream': { schema: { description: "The artifact's bytes" } },
          },
        },
        response: { 200: ArtifactSchema, 201: ArtifactSchema },
        // A body schema per content type is valid Fastify (and OpenAPI) but outside the type
        // provider's types; the handler reads the body by content type itself.
      } as never,
    },
    async (request, reply) => {
      const actor = actorOfRequest(request);
      const type = mediaType(request);
      let result: Awaited<ReturnType<typeof artifacts.push>>;
      if (type === 'application/octet-stream') {
        const length = request.headers['content-length'];
        result = await artifacts.push(
          actor,
          pushInputFromQuery(request.query as PushQueryValue),
          request.body as AsyncIterable<Uint8Array>,
          {
            expectedSha256: expectedDigest(request),
            declaredLength: typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : undefined,
          },
        );
      } else {
        // No content type means no body was parsed at all: say what to send instead of failing on it.
        if (request.body === undefined || request.body === null) {
          throw new InputError(
            'Send the artifact: its bytes as application/octet-stream (metadata in the query) or JSON with base64 content',
          );
        }
        const body = request.body as CreateArtifactJson;
        if (Object.keys(request.query as object).length > 0) {
          throw new InputError('With a JSON body the metadata goes in the body, not the query string');
        }
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.content)) {
          throw new InputError('content must be base64', { field: 'content' });
        }
        const { content, sha256, ...input } = body;
        result = await artifacts.push(actor, input, single(Buffer.from(content, 'base64')), {
          expectedSha256: sha256 ?? expectedDigest(request),
        });
      }
      reply.header('location', `/api/v1/artifacts/${result.artifact.id}`);
      return sendArtifact(reply, result.artifact, result.created ? 201 : 200);
    },
  );

  app.get(
    '/api/v1/artifacts',
    {
      config: { access: 'library.read' },
      schema: {
        tags: ['library'],
        summary: 'List the artifacts of the software library',
        querystring: ArtifactListQuery,
        response: { 200: Page(ArtifactSchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query;
      const rows = await artifacts.list({
        ...filter,
        sha256: filter.sha256?.toLowerCase(),
        afterId: decodeIdCursor(cursor),
        limit: limit + 1,
      });
      return pageOf(rows, limit, (a) => [a.id]);
    },
  );

  app.get(
    '/api/v1/artifacts/:id',
    {
      config: { access: 'library.read' },
      schema: { tags: ['library'], summary: 'One artifact', params: IdParams, response: { 200: ArtifactSchema } },
    },
    async (request, reply) => sendArtifact(reply, await artifacts.get(request.params.id)),
  );

  app.patch(
    '/api/v1/artifacts/:id',
    {
      config: { access: 'library.write' },
      schema: {
        tags: ['library'],
        summary: "Change an artifact's metadata (licence, element, requires, conflicts only while quarantined)",
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchArtifactBody,
        response: { 200: ArtifactSchema },
      },
    },
    async (request, reply) =>
      sendArtifact(
        reply,
        await artifacts.update(
          actorOfRequest(request),
          request.params.id,
          request.body,
          versionFromIfMatch(request.headers['if-match']),
        ),
      ),
  );

  app.post(
    '/api/v1/artifacts/:id/approve',
    {
      config: { access: 'library.approve' },
      schema: {
        tags: ['library'],
        summary:
          'Approve a quarantined artifact (not by its uploader; licence, SBOM, signature and integrity gates apply)',
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 200: ArtifactSchema },
      },
    },
    async (request, reply) =>
      sendArtifact(
        reply,
        await artifacts.approve(
          actorOfRequest(request),
          request.params.id,
          versionFromIfMatch(request.headers['if-match']),
        ),
      ),
  );

  app.post(
    '/api/v1/artifacts/:id/retire',
    {
      preValidation: optionalBody,
      config: { access: 'library.approve' },
      schema: {
        tags: ['library'],
        summary: 'Retire an artifact: no longer releasable, kept for the record',
        params: IdParams,
        headers: IfMatchHeaders,
        body: RetireBody,
        response: { 200: ArtifactSchema },
      },
    },
    async (request, reply) =>
      sendArtifact(
        reply,
        await artifacts.retire(
          actorOfRequest(request),
          request.params.id,
          request.body.reason ?? null,
          versionFromIfMatch(request.headers['if-match']),
        ),
      ),
  );

  app.post(
    '/api/v1/artifacts/:id/verify',
    {
      config: { access: 'library.write' },
      schema: {
        tags: ['library'],
        summary:
          'Re-hash the stored content and re-check the signature; a changed or missing file marks it compromised',
        params: IdParams,
        response: { 200: VerifyResultSchema },
      },
    },
    async (request) => artifacts.verify(actorOfRequest(request), request.params.id),
  );

  app.put(
    '/api/v1/artifacts/:id/signature',
    {
      config: { access: 'library.write' },
      schema: {
        tags: ['library'],
        summary: 'Attach a minisign signature; it must verify against a trusted key',
        params: IdParams,
        body: SignatureBody,
        response: { 200: ArtifactSchema },
      },
    },
    async (request, reply) =>
      sendArtifact(
        reply,
        await artifacts.attachSignature(actorOfRequest(request), request.params.id, request.body.minisig),
      ),
  );

  app.get(
    '/api/v1/artifacts/:id/content',
    {
      config: { access: 'library.read' },
      schema: {
        tags: ['library'],
        summary: "Download an artifact's content (streamed; Range supported; digest in Repr-Digest and Slipway-Sha256)",
        params: IdParams,
        headers: Type.Object({ range: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: {
          200: {
            description: 'The whole content',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          206: {
            description: 'The requested range',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          416: { $ref: 'ErrorResponse#' },
        },
        // Binary response bodies are valid Fastify (and OpenAPI) but outside the type provider's types.
      } as never,
    },
    async (request: FastifyRequest<{ Params: { id: number } }>, reply) => {
      const read = await artifacts.openContent(actorOfRequest(request), request.params.id, request.headers.range);
      const { artifact } = read;
      const length = artifact.size === 0 ? 0 : read.end - read.start + 1;
      reply.headers({
        'content-type': 'application/octet-stream',
        'content-length': String(length),
        'accept-ranges': 'bytes',
        etag: `"sha256-${artifact.sha256}"`,
        'repr-digest': `sha-256=:${Buffer.from(artifact.sha256, 'hex').toString('base64')}:`,
        'slipway-sha256': artifact.sha256,
        'content-disposition': `attachment; filename="${`${artifact.name}-${artifact.artifactVersion}`.replace(/[^A-Za-z0-9._+-]/g, '_')}"`,
        'cache-control': 'private, no-transform',
      });
      if (read.status === 206) reply.header('content-range', `bytes ${read.start}-${read.end}/${artifact.size}`);
      return reply.code(read.status).send(read.stream);
    },
  );

  app.post(
    '/api/v1/artifacts/:id/sbom',
    {
      config: { access: 'library.write' },
      bodyLimit: SBOM_BODY_LIMIT,
      schema: {
        tags: ['library'],
        summary: 'Attach a CycloneDX JSON SBOM (spec 1.4–1.6) to a quarantined artifact (replaces an earlier one)',
        description: 'A corrupt SBOM is refused with 400 and details.path, the JSON pointer of the first problem.',
        params: IdParams,
        body: Type.Object({}, { additionalProperties: true, description: 'A CycloneDX JSON document' }),
        response: { 201: SbomSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await sboms.attach(actorOfRequest(request), request.params.id, request.body)),
  );

  app.get(
    '/api/v1/artifacts/:id/sbom',
    {
      config: { access: 'library.read' },
      schema: {
        tags: ['library'],
        summary: "An artifact's SBOM: summary and licence counts",
        params: IdParams,
        response: { 200: SbomSchema },
      },
    },
    async (request) => sboms.get(request.params.id),
  );

  app.get(
    '/api/v1/artifacts/:id/sbom/document',
    {
      config: { access: 'library.read' },
      schema: {
        tags: ['library'],
        summary: 'The SBOM as it was attached (CycloneDX JSON)',
        params: IdParams,
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async (request) => sboms.document(request.params.id),
  );

  app.get(
    '/api/v1/artifacts/:id/sbom/components',
    {
      config: { access: 'library.read' },
      schema: {
        tags: ['library'],
        summary: "The SBOM's components with their licences and the policy's verdict",
        params: IdParams,
        querystring: ComponentListQuery,
        response: { 200: Page(SbomComponentSchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, verdict } = request.query;
      const rows = await sboms.components(request.params.id, {
        verdict,
        afterId: decodeIdCursor(cursor),
        limit: limit + 1,
      });
      return pageOf(rows, limit, (c) => [c.id]);
    },
  );

  app.post(
    '/api/v1/artifacts/:id/sbom/components/:componentId/review',
    {
      preValidation: optionalBody,
      config: { access: 'library.approve' },
      schema: {
        tags: ['library'],
        summary: 'Clear a component whose licence the policy does not list (a denied licence cannot be cleared)',
        params: ComponentParams,
        body: ReviewBody,
        response: { 200: SbomComponentSchema },
      },
    },
    async (request) =>
      sboms.reviewComponent(
        actorOfRequest(request),
        request.params.id,
        request.params.componentId,
        request.body.note ?? null,
      ),
  );

  app.get(
    '/api/v1/sboms/diff',
    {
      config: { access: 'library.read' },
      schema: {
        tags: ['library'],
        summary: 'Compare the SBOMs of two artifacts: components added, removed, upgraded, downgraded',
        querystring: SbomDiffQuery,
        response: { 200: SbomDiffSchema },
      },
    },
    async (request) => sboms.diff(request.query.from, request.query.to),
  );

  app.get(
    '/api/v1/library/keys',
    {
      config: { access: 'library.read' },
      schema: {
        tags: ['library'],
        summary: 'Trusted signing keys (minisign)',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(TrustedKeySchema) },
      },
    },
    async (request) => {
      const { limit = 50, cursor } = request.query;
      return pageOf(await signatures.listKeys(decodeIdCursor(cursor), limit + 1), limit, (k) => [k.id]);
    },
  );

  app.get(
    '/api/v1/library/keys/:id',
    {
      config: { access: 'library.read' },
      schema: { tags: ['library'], summary: 'One trusted key', params: IdParams, response: { 200: TrustedKeySchema } },
    },
    async (request, reply) => {
      const key = await signatures.getKey(request.params.id);
      setEtag(reply, key.version);
      return key;
    },
  );

  app.post(
    '/api/v1/library/keys',
    {
      config: { access: 'library.admin' },
      schema: {
        tags: ['library'],
        summary: 'Trust a minisign public key for artifact signatures',
        headers: IdempotencyHeaders,
        body: CreateKeyBody,
        response: { 201: TrustedKeySchema },
      },
    },
    async (request, reply) => {
      const key = await signatures.addKey(actorOfRequest(request), request.body);
      setEtag(reply, key.version);
      reply.header('location', `/api/v1/library/keys/${key.id}`);
      return reply.code(201).send(key);
    },
  );

  app.delete(
    '/api/v1/library/keys/:id',
    {
      config: { access: 'library.admin' },
      schema: {
        tags: ['library'],
        summary: 'Revoke a trusted key: signatures by it no longer verify (the key stays listed for the record)',
        params: IdParams,
        headers: IfMatchHeaders,
        response: { 200: TrustedKeySchema },
      },
    },
    async (request, reply) => {
      const key = await signatures.revokeKey(
        actorOfRequest(request),
        request.params.id,
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, key.version);
      return key;
    },
  );

  app.post(
    '/api/v1/library/verify',
    {
      config: { access: 'library.write' },
      schema: {
        tags: ['library'],
        summary: 'Verify the integrity of every artifact now (the same run the schedule makes)',
        response: { 200: VerifyAllSchema },
      },
    },
    async () => scheduler.runNow(),
  );

  app.get(
    '/api/v1/library/verification',
    {
      config: { access: 'library.read' },
      schema: {
        tags: ['library'],
        summary: 'The scheduled full verification: interval, next run, last result',
        response: { 200: VerificationStatusSchema },
      },
    },
    async () => scheduler.status(),
  );

  app.get(
    '/api/v1/library/compliance',
    {
      config: { access: 'library.read' },
      schema: {
        tags: ['library'],
        summary: 'Unauthorized, unlicensed and tampered software on live CIs (CMDB compared with the library)',
        querystring: ComplianceQuery,
        response: { 200: ComplianceReportSchema },
      },
    },
    async (request) => {
      const { limit = 50, cursor, kind } = request.query;
      return compliance.report({ kind, afterCiId: decodeIdCursor(cursor), limit });
    },
  );

  app.get(
    '/api/v1/library/gate',
    {
      config: { access: 'library.read' },
      schema: {
        tags: ['library'],
        summary: 'May these artifacts be released (as part of a release of this element)? Every problem names its rule',
        querystring: GateQuery,
        response: { 200: GateAnswerSchema },
      },
    },
    async (request) => {
      const ids = request.query.ids.split(',').map(Number);
      const problems = await artifacts.gateProblems(ids, (request.query.element as ReleaseElement | undefined) ?? null);
      return { releasable: problems.length === 0, problems };
    },
  );
}
