import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { InputError } from '../platform/errors.js';
import { setEtag, versionFromIfMatch } from '../platform/http/etag.js';
import { decodeIdCursor, pageOf } from '../platform/http/pagination.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IfMatchHeaders, Page, PageQuery, Timestamp } from '../platform/http/schemas.js';
import { ReleasePolicySchema } from './policy-document.js';

const Problem = Type.Object({
  path: Type.String({ description: 'JSON pointer into the document' }),
  line: Type.Union([Type.Integer(), Type.Null()]),
  column: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.String(),
});

const PolicyVersionSchema = Type.Object({
  version: Type.Integer(),
  yaml: Type.String({ description: 'The document exactly as applied' }),
  policy: ReleasePolicySchema,
  comment: Type.String(),
  createdBy: Type.String(),
  createdAt: Timestamp,
});

const PolicyVersionSummary = Type.Object({
  version: Type.Integer(),
  comment: Type.String(),
  createdBy: Type.String(),
  createdAt: Timestamp,
});

/** The YAML body: sent as application/yaml (or text/yaml); a comment may come in the query. */
const ApplyQuery = Type.Object(
  { comment: Type.Optional(Type.String({ maxLength: 500, description: 'Why this version (shown in the history)' })) },
  { additionalProperties: false },
);

const YAML_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml'];
const MAX_POLICY_BYTES = 256 * 1024;

/** Release policy as code: read, check, apply, history. */
export async function policyRoutes(app: FastifyInstance, ctx: AppContext) {
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string', bodyLimit: MAX_POLICY_BYTES }, (_request, body, done) =>
    done(null, body),
  );
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const { policy } = ctx;

  const yamlBody = (body: unknown): string => {
    if (typeof body !== 'string') throw new InputError('Send the policy as YAML (Content-Type: application/yaml)');
    return body;
  };

  typed.get(
    '/api/v1/policy',
    {
      config: { access: 'policy.read' },
      schema: { tags: ['policy'], summary: 'The current release policy', response: { 200: PolicyVersionSchema } },
    },
    async (_request, reply) => {
      const current = await policy.current({ fresh: true });
      setEtag(reply, current.version);
      return current;
    },
  );

  typed.put(
    '/api/v1/policy',
    {
      config: { access: 'policy.write' },
      schema: {
        tags: ['policy'],
        summary: 'Apply a new version of the policy (YAML body; validated; If-Match guards against lost edits)',
        headers: IfMatchHeaders,
        querystring: ApplyQuery,
        consumes: YAML_TYPES,
        response: { 200: PolicyVersionSchema },
      },
    },
    async (request, reply) => {
      const applied = await policy.apply(
        actorOfRequest(request),
        yamlBody(request.body),
        request.query.comment ?? '',
        versionFromIfMatch(request.headers['if-match']),
      );
      setEtag(reply, applied.version);
      return applied;
    },
  );

  typed.post(
    '/api/v1/policy/check',
    {
      config: { access: 'policy.read' },
      schema: {
        tags: ['policy'],
        summary: 'Validate a policy document without applying it',
        consumes: YAML_TYPES,
        response: { 200: Type.Object({ valid: Type.Boolean(), problems: Type.Array(Problem) }) },
      },
    },
    async (request) => policy.check(yamlBody(request.body)),
  );

  typed.get(
    '/api/v1/policy/versions',
    {
      config: { access: 'policy.read' },
      schema: {
        tags: ['policy'],
        summary: 'Every applied version, newest first',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(PolicyVersionSummary) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = await policy.history(decodeIdCursor(request.query.cursor), limit + 1);
      return pageOf(rows, limit, (r) => [r.version]);
    },
  );

  typed.get(
    '/api/v1/policy/versions/:version',
    {
      config: { access: 'policy.read' },
      schema: {
        tags: ['policy'],
        summary: 'One applied version',
        params: Type.Object({ version: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        response: { 200: PolicyVersionSchema },
      },
    },
    async (request, reply) => {
      const found = await policy.get(request.params.version);
      setEtag(reply, found.version);
      return found;
    },
  );
}
