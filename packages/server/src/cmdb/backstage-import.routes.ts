import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../platform/context.js';
import { AppError, InputError } from '../platform/errors.js';
import { actorOfRequest } from '../platform/http/request-actor.js';
import { IdempotencyHeaders } from '../platform/http/schemas.js';
import type { CatalogFile } from './backstage-catalog.js';
import { SOURCE_PATTERN } from './import.service.js';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];
/** A catalog is text a person wrote; 32 MiB holds tens of thousands of entities. */
const BODY_LIMIT = 32 * 1024 * 1024;
const MAX_FILES = 10_000;

const Query = Type.Object(
  {
    source: Type.Optional(
      Type.String({
        pattern: SOURCE_PATTERN.source,
        default: 'backstage',
        description:
          'The import source CIs and relationships are recorded under (prune removes only its relationships)',
      }),
    ),
    atomic: Type.Optional(
      Type.Boolean({ default: false, description: 'All or nothing: any error rejects the whole catalog' }),
    ),
    prune: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Remove relationships of this source that the catalog no longer declares',
      }),
    ),
  },
  { additionalProperties: false },
);

const FilesBody = Type.Object(
  {
    files: Type.Array(
      Type.Object(
        {
          path: Type.String({
            minLength: 1,
            maxLength: 1000,
            description: 'Shown in errors, e.g. services/petstore/catalog-info.yaml',
          }),
          content: Type.String({ description: "The file's YAML text (one or more documents)" }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_FILES },
    ),
  },
  { additionalProperties: false },
);

const CatalogProblemSchema = Type.Object({
  file: Type.Union([Type.String(), Type.Null()], { description: 'The file path (null for a YAML body)' }),
  document: Type.Integer({ description: '1-based document number within the file' }),
  line: Type.Integer({ description: '1-based line within the file' }),
  entity: Type.Union([Type.String(), Type.Null()], { description: 'kind:namespace/name' }),
  code: Type.String(),
  message: Type.String(),
});

const Counts = Type.Record(Type.String(), Type.Integer());

const ResultSchema = Type.Object({
  entities: Type.Object({
    read: Type.Integer(),
    mapped: Type.Integer({ description: 'Entities that became CI lines' }),
    byKind: Counts,
    skipped: Type.Record(Type.String(), Type.Integer(), {
      description: 'Kinds that do not become CIs (User, Location, Template…)',
    }),
  }),
  cis: Type.Object({ created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer() }),
  relationships: Type.Object({ created: Type.Integer(), unchanged: Type.Integer(), pruned: Type.Integer() }),
  errors: Type.Array(CatalogProblemSchema, { description: 'The first 1000 errors; good entities were imported' }),
  errorCount: Type.Integer(),
  durationMs: Type.Integer(),
});

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Backstage software catalog import (catalog-info.yaml). */
export async function backstageImportRoutes(app: FastifyInstance, ctx: AppContext) {
  // Scoped to this plugin: only this route accepts YAML bodies.
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/api/v1/import/backstage',
    {
      config: { access: 'cmdb.write' },
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['cmdb'],
        summary: 'Import a Backstage software catalog (catalog-info.yaml) as CIs and relationships',
        description:
          'Send one catalog file as `Content-Type: application/yaml` (one or more `---`-separated documents, or a list of ' +
          'entities as the catalog API returns them), or several as `application/json` `{ "files": [{ "path", "content" }] }` ' +
          'so that errors name the file. Component → application (software for type library), API → application `api:<name>`, ' +
          'System → service, Domain → service `domain:<name>`, Resource → database/messaging/storage/server/virtual_machine by ' +
          'spec.type (else application `resource:<name>`), spec.owner → owner. dependsOn/consumesApis → depends_on, providesApis → ' +
          'the API depends_on the component, system/domain/subcomponentOf/subdomainOf → part_of. See docs/cmdb.md.',
        querystring: Query,
        headers: IdempotencyHeaders,
        body: {
          content: {
            'application/json': { schema: FilesBody },
            'application/yaml': { schema: Type.String({ description: 'catalog-info.yaml text' }) },
            'application/x-yaml': { schema: Type.String() },
            'text/yaml': { schema: Type.String() },
          },
        },
        response: { 200: ResultSchema },
      },
    },
    async (request) => {
      const query = request.query as { source?: string; atomic?: boolean; prune?: boolean };
      const type = mediaType(request.headers['content-type']);
      let files: CatalogFile[];
      if (YAML_TYPES.includes(type)) {
        if (typeof request.body !== 'string' || request.body.trim() === '') {
          throw new InputError('The body is empty: send the catalog-info.yaml text', { field: 'body' });
        }
        files = [{ path: null, content: request.body }];
      } else if (type === 'application/json') {
        files = (request.body as { files: CatalogFile[] }).files;
      } else {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'Send the catalog as Content-Type: application/yaml, or application/json { "files": [{ "path", "content" }] }',
        );
      }
      return ctx.cmdb.backstage.run(actorOfRequest(request), files, {
        source: query.source ?? 'backstage',
        atomic: query.atomic,
        prune: query.prune,
      });
    },
  );
}
