import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { TestApp } from './test-app.js';

/** The parts of an OpenAPI 3.1 document these helpers read; everything else stays `unknown`. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; [key: string]: unknown };
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  [key: string]: unknown;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PATH_ITEM_KEYS = new Set<string>(['summary', 'description', 'servers', 'parameters', ...HTTP_METHODS]);
const PARAMETER_LOCATIONS = new Set(['query', 'header', 'path', 'cookie']);
const RESPONSE_KEY = /^([1-5](\d\d|XX)|default)$/;
const COMPONENT_NAME = /^[a-zA-Z0-9._-]+$/;
/** The key under which the document is registered in ajv, so `$ref`s into it resolve. */
const DOC_ID = 'slipway-openapi.json';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** RFC 6901 escaping of one JSON-pointer segment. */
function pointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function createAjv(): Ajv2020 {
  // strict: false because OpenAPI 3.1 schemas may carry the dialect's extra keywords
  // (example, xml, discriminator…) that plain JSON Schema 2020-12 does not define.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  return ajv;
}

/** Fetches the served OpenAPI document, as a client would (no token needed). */
export async function fetchOpenApi(t: TestApp): Promise<OpenApiDocument> {
  const res = await t.request({ method: 'GET', url: '/api/v1/openapi.json', token: null });
  if (res.statusCode !== 200) throw new Error(`GET /api/v1/openapi.json answered ${res.statusCode}`);
  return res.json() as OpenApiDocument;
}

/**
 * Checks a document against the structural rules of OpenAPI 3.1 that matter to clients and
 * generators (version, info, path items, operations, parameters, request bodies, responses,
 * security requirements, component names), checks every schema in it against JSON Schema
 * 2020-12 (the 3.1 dialect), and resolves every `$ref`. Returns the problems found; an empty
 * list means the document is valid.
 */
export function openApiDocumentProblems(doc: OpenApiDocument): string[] {
  const problems: string[] = [];
  if (typeof doc.openapi !== 'string' || !/^3\.1\.\d+$/.test(doc.openapi)) {
    problems.push(`openapi is "${String(doc.openapi)}", not 3.1.x`);
  }
  if (!isObject(doc.info) || typeof doc.info.title !== 'string' || typeof doc.info.version !== 'string') {
    problems.push('info.title and info.version must be strings');
  }
  if (!isObject(doc.paths)) {
    problems.push('paths must be an object');
    return problems;
  }
  const schemes = isObject(doc.components?.securitySchemes) ? doc.components.securitySchemes : {};
  for (const name of Object.keys(doc.components?.schemas ?? {})) {
    if (!COMPONENT_NAME.test(name)) problems.push(`components.schemas name "${name}" is not allowed`);
  }

  // Each schema is checked against the JSON Schema 2020-12 meta-schema (cheap: no code is
  // generated per schema), and every `$ref` in the document must point at something in it.
  const ajv = createAjv();
  const compileAt = (pointer: string) => {
    const schema = resolvePointer(doc, pointer);
    if (schema === undefined) {
      problems.push(`schema at ${pointer} is missing`);
      return;
    }
    if (typeof schema === 'boolean') return;
    if (!(ajv.validateSchema(schema as Record<string, unknown>) as boolean)) {
      problems.push(`schema at ${pointer} is not valid JSON Schema 2020-12: ${ajv.errorsText(ajv.errors)}`);
    }
  };
  for (const { at, ref } of refsIn(doc)) {
    if (!ref.startsWith('#/') || resolvePointer(doc, ref.slice(1)) === undefined) {
      problems.push(`$ref "${ref}" at ${at} does not resolve within the document`);
    }
  }
  for (const name of Object.keys(doc.components?.schemas ?? {})) {
    compileAt(`/components/schemas/${pointerSegment(name)}`);
  }

  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    const where = `paths["${path}"]`;
    if (!path.startsWith('/')) problems.push(`${where}: a path must start with "/"`);
    if (!isObject(item)) {
      problems.push(`${where}: not an object`);
      continue;
    }
    for (const key of Object.keys(item)) {
      if (!PATH_ITEM_KEYS.has(key) && !key.startsWith('x-')) problems.push(`${where}: unknown key "${key}"`);
    }
    const templateParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const op = `${method.toUpperCase()} ${path}`;
      const base = `/paths/${pointerSegment(path)}/${method}`;
      if (!isObject(operation)) {
        problems.push(`${op}: not an object`);
        continue;
      }
      if (typeof operation.operationId === 'string') {
        if (operationIds.has(operation.operationId)) problems.push(`${op}: duplicate operationId`);
        operationIds.add(operation.operationId);
      }
      const parameters = Array.isArray(operation.parameters) ? operation.parameters : [];
      const pathParams = new Set<string>();
      parameters.forEach((parameter, index) => {
        if (!isObject(parameter)) {
          problems.push(`${op}: parameter ${index} is not an object`);
          return;
        }
        if (typeof parameter.name !== 'string' || !PARAMETER_LOCATIONS.has(String(parameter.in))) {
          problems.push(`${op}: parameter ${index} needs a name and a valid "in"`);
        }
        if (parameter.in === 'path') {
          pathParams.add(String(parameter.name));
          if (parameter.required !== true) problems.push(`${op}: path parameter ${parameter.name} must be required`);
        }
        if ((parameter.schema === undefined) === (parameter.content === undefined)) {
          problems.push(`${op}: parameter ${String(parameter.name)} needs exactly one of schema and content`);
        }
        if (parameter.schema !== undefined) compileAt(`${base}/parameters/${index}/schema`);
      });
      for (const name of templateParams) {
        if (name !== undefined && !pathParams.has(name))
          problems.push(`${op}: path parameter {${name}} is not declared`);
      }
      for (const name of pathParams) {
        if (!templateParams.includes(name)) problems.push(`${op}: declares path parameter ${name} not in the path`);
      }
      if (operation.requestBody !== undefined) {
        const body = operation.requestBody;
        if (!isObject(body) || !isObject(body.content)) problems.push(`${op}: requestBody needs content`);
        else {
          for (const [mediaType, media] of Object.entries(body.content)) {
            if (isObject(media) && media.schema !== undefined) {
              compileAt(`${base}/requestBody/content/${pointerSegment(mediaType)}/schema`);
            }
          }
        }
      }
      if (!isObject(operation.responses) || Object.keys(operation.responses).length === 0) {
        problems.push(`${op}: needs at least one response`);
      } else {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (!RESPONSE_KEY.test(status)) problems.push(`${op}: response key "${status}" is not a status code`);
          if (!isObject(response)) {
            problems.push(`${op}: response ${status} is not an object`);
            continue;
          }
          if (typeof response.description !== 'string') problems.push(`${op}: response ${status} needs a description`);
          if (isObject(response.content)) {
            for (const [mediaType, media] of Object.entries(response.content)) {
              if (isObject(media) && media.schema !== undefined) {
                compileAt(`${base}/responses/${status}/content/${pointerSegment(mediaType)}/schema`);
              }
            }
          }
        }
      }
      if (operation.security !== undefined) {
        if (!Array.isArray(operation.security)) problems.push(`${op}: security must be an array`);
        else {
          for (const requirement of operation.security) {
            for (const scheme of Object.keys(isObject(requirement) ? requirement : {})) {
              if (!(scheme in schemes)) problems.push(`${op}: security scheme "${scheme}" is not declared`);
            }
          }
        }
      }
    }
  }
  return problems;
}

/** The value at an RFC 6901 JSON pointer (`/paths/~1users/get`), or undefined. */
function resolvePointer(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Every `$ref` string in the document, with the pointer of the object holding it. */
function refsIn(root: unknown): { at: string; ref: string }[] {
  const found: { at: string; ref: string }[] = [];
  const pending: { node: unknown; at: string }[] = [{ node: root, at: '' }];
  while (pending.length > 0) {
    const { node, at } = pending.pop() as { node: unknown; at: string };
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) pending.push({ node: item, at: `${at}/${i}` });
    } else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') found.push({ at, ref: value });
        else pending.push({ node: value, at: `${at}/${pointerSegment(key)}` });
      }
    }
  }
  return found;
}

/** `/api/v1/users/{id}` → a regex matching `/api/v1/users/42`. */
function templateRegex(template: string): RegExp {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`);
}

/**
 * Validates response bodies against the response schemas of the operation that served them,
 * as the OpenAPI document declares them. Used by the contract suite on every response.
 */
export class OpenApiResponseChecker {
  readonly #ajv = createAjv();
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #routes: { template: string; regex: RegExp }[];

  constructor(readonly doc: OpenApiDocument) {
    this.#ajv.addSchema(doc, DOC_ID);
    // Literal segments win over templates (`/users/me` before `/users/{id}`), as in the router.
    this.#routes = Object.keys(doc.paths)
      .map((template) => ({ template, regex: templateRegex(template) }))
      .sort((a, b) => a.template.split('{').length - b.template.split('{').length);
  }

  /** The path template of the documented route that serves `url`, or undefined. */
  templateOf(url: string): string | undefined {
    const path = url.split('?')[0] ?? url;
    return this.#routes.find((route) => route.regex.test(path))?.template;
  }

  /**
   * Problems with one response: the route or status not documented, or the body not matching
   * the documented JSON schema. An empty list means the response honours the document.
   */
  check(method: string, url: string, status: number, body: string, contentType: string | undefined): string[] {
    const template = this.templateOf(url);
    if (!template) return [`${method} ${url}: no documented path matches`];
    const lower = method.toLowerCase();
    const operation = this.doc.paths[template]?.[lower];
    if (!isObject(operation) || !isObject(operation.responses)) return [`${method} ${template} is not documented`];
    const responses = operation.responses;
    const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find((key) => key in responses);
    if (!statusKey) return [`${method} ${template} does not document status ${status}`];
    const response = responses[statusKey];
    const content = isObject(response) && isObject(response.content) ? response.content : undefined;
    if (!content) {
      return body.length === 0 ? [] : [`${method} ${template} ${status}: documents no body but got "${body}"`];
    }
    if (!contentType?.startsWith('application/json')) {
      return [`${method} ${template} ${status}: expected application/json, got ${contentType ?? 'nothing'}`];
    }
    if (!isObject(content['application/json'])) {
      return [`${method} ${template} ${status}: application/json is not documented`];
    }
    const pointer = `/paths/${pointerSegment(template)}/${lower}/responses/${statusKey}/content/application~1json/schema`;
    let validate = this.#validators.get(pointer);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
      this.#validators.set(pointer, validate);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [`${method} ${template} ${status}: body is not JSON`];
    }
    if (validate(parsed)) return [];
    return (validate.errors ?? []).map(
      (e) => `${method} ${template} ${status}: ${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`,
    );
  }
}
