import { describe, expect, it } from 'vitest';
import { type OpenApiDocument, OpenApiResponseChecker, openApiDocumentProblems } from './openapi.js';

/** A small document in the shape @fastify/swagger produces, to prove the checkers can fail. */
function sampleDoc(): OpenApiDocument {
  const error = { $ref: '#/components/schemas/ErrorResponse' };
  return {
    openapi: '3.1.0',
    info: { title: 'sample', version: '1' },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ErrorResponse: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'] } },
        },
      },
    },
    paths: {
      '/things/{id}': {
        get: {
          parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'integer' } }],
          security: [{ bearerAuth: [] }],
          responses: {
            200: {
              description: 'A thing',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['id', 'createdAt'],
                    properties: { id: { type: 'integer' }, createdAt: { type: 'string', format: 'date-time' } },
                  },
                },
              },
            },
            404: { description: 'Missing', content: { 'application/json': { schema: error } } },
          },
        },
      },
      '/things/special': {
        get: { responses: { 204: { description: 'Nothing' } } },
      },
    },
  };
}

describe('OpenAPI document checks', () => {
  it('accepts a well-formed document', () => {
    expect(openApiDocumentProblems(sampleDoc())).toEqual([]);
  });

  it('reports version, parameters, refs, schemas, security and response keys that are wrong', () => {
    const doc = sampleDoc();
    doc.openapi = '3.0.0';
    const get = doc.paths['/things/{id}']?.get as Record<string, unknown>;
    get.parameters = [{ in: 'path', name: 'id', schema: { type: 'integer' } }];
    get.security = [{ apiKey: [] }];
    const responses = get.responses as Record<string, unknown>;
    responses['2xx'] = { description: 'bad key' };
    responses[404] = { description: 'Missing', content: { 'application/json': { schema: { $ref: '#/nowhere' } } } };
    (doc.components?.schemas as Record<string, unknown>).Broken = { type: 'no-such-type' };
    const problems = openApiDocumentProblems(doc).join('\n');
    expect(problems).toContain('not 3.1.x');
    expect(problems).toContain('path parameter id must be required');
    expect(problems).toContain('"apiKey" is not declared');
    expect(problems).toContain('"2xx" is not a status code');
    expect(problems).toContain('/responses/404/');
    expect(problems).toContain('/components/schemas/Broken');
  });

  it('reports a path template parameter that is not declared', () => {
    const doc = sampleDoc();
    (doc.paths['/things/{id}']?.get as Record<string, unknown>).parameters = [];
    expect(openApiDocumentProblems(doc).join('\n')).toContain('{id} is not declared');
  });
});

describe('OpenAPI response checker', () => {
  const checker = new OpenApiResponseChecker(sampleDoc());
  const json = 'application/json; charset=utf-8';

  it('matches literal paths before templates', () => {
    expect(checker.templateOf('/things/special')).toBe('/things/special');
    expect(checker.templateOf('/things/42?x=1')).toBe('/things/{id}');
    expect(checker.templateOf('/other')).toBeUndefined();
  });

  it('accepts a body that honours the schema', () => {
    const body = JSON.stringify({ id: 1, createdAt: '2026-01-01T00:00:00.000Z' });
    expect(checker.check('GET', '/things/1', 200, body, json)).toEqual([]);
    expect(checker.check('GET', '/things/9', 404, '{"error":{"code":"NOT_FOUND","message":"no"}}', json)).toEqual([]);
    expect(checker.check('GET', '/things/special', 204, '', undefined)).toEqual([]);
  });

  it('reports a missing field, a wrong type or format, an undocumented status, route or body', () => {
    expect(checker.check('GET', '/things/1', 200, '{"id":1}', json).join()).toContain('createdAt');
    expect(checker.check('GET', '/things/1', 200, '{"id":"1","createdAt":"2026-01-01T00:00:00Z"}', json)).not.toEqual(
      [],
    );
    expect(checker.check('GET', '/things/1', 200, '{"id":1,"createdAt":"yesterday"}', json)).not.toEqual([]);
    expect(checker.check('GET', '/things/1', 500, '{}', json).join()).toContain('does not document status 500');
    expect(checker.check('POST', '/things/1', 200, '{}', json).join()).toContain('not documented');
    expect(checker.check('GET', '/nowhere', 200, '{}', json).join()).toContain('no documented path');
    expect(checker.check('GET', '/things/special', 204, 'surprise', json).join()).toContain('documents no body');
    expect(checker.check('GET', '/things/1', 200, 'not json', json).join()).toContain('not JSON');
  });
});
