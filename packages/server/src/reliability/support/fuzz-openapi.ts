import fc from 'fast-check';
import type { OpenApiDocument } from '../../test-support/openapi.js';

/**
 * The hostile-input fuzzer's view of the OpenAPI document the server serves: every operation with
 * its parameters and JSON request body, and fast-check arbitraries that build requests from those
 * schemas and then break them (wrong types, missing and extra fields, huge strings, odd Unicode,
 * path traversal, SQL and script fragments, bad JSON, bad content types).
 */

type Schema = Record<string, unknown>;

export interface FuzzParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface FuzzOperation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  template: string;
  parameters: FuzzParameter[];
  /** The JSON request body schema, when the operation takes one. */
  body: Schema | undefined;
  /** Every media type the operation documents for its body. */
  mediaTypes: string[];
}

export interface FuzzRequest {
  method: FuzzOperation['method'];
  template: string;
  url: string;
  headers: Record<string, string>;
  payload: string | Buffer | undefined;
  /** What was broken, for the report. */
  mutation: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function isObject(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Follows local `$ref`s (`#/components/schemas/X`). */
function deref(doc: OpenApiDocument, schema: unknown): Schema {
  let node = schema;
  for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && hops < 10; hops++) {
    const path = node.$ref.replace(/^#\//, '').split('/');
    let target: unknown = doc;
    for (const segment of path)
      target = isObject(target) ? target[segment.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    node = target;
  }
  return isObject(node) ? node : {};
}

/** Every documented operation, its parameters resolved. */
export function operationsOf(doc: OpenApiDocument): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const parameters: FuzzParameter[] = [];
      for (const raw of Array.isArray(op.parameters) ? op.parameters : []) {
        const p = deref(doc, raw);
        if (p.in !== 'path' && p.in !== 'query' && p.in !== 'header') continue;
        parameters.push({
          name: String(p.name),
          in: p.in,
          required: p.required === true,
          schema: deref(doc, p.schema),
        });
      }
      const content = isObject(op.requestBody) && isObject(op.requestBody.content) ? op.requestBody.content : {};
      const json = content['application/json'];
      operations.push({
        method: method.toUpperCase() as FuzzOperation['method'],
        template,
        parameters,
        body: isObject(json) ? deref(doc, json.schema) : undefined,
        mediaTypes: Object.keys(content),
      });
    }
  }
  return operations;
}

/** Strings an attacker tries first. */
export const HOSTILE_STRINGS = [
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '....//....//etc/passwd',
  '..\\..\\windows\\win.ini',
  '/dev/zero',
  "' OR '1'='1",
  '1; DROP TABLE users; --',
  "'); DELETE FROM audit_log; --",
  '1 UNION SELECT password_hash FROM users',
  '%',
  '_',
  '\\',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as literal text
  '{{7*7}}${7*7}<%= 7*7 %>',
  '__proto__',
  'constructor',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Egnp.exe',
  '\u200B\u200C\u200D\uFEFF',
  'ǅǈǋ İı ß ﬁ',
  '🦀💥👩‍👩‍👧‍👦',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗͕͒',
  '\r\nSet-Cookie: x=1',
  '=cmd|/C calc!A0',
  '-1',
  '0',
  '1e309',
  'NaN',
  'null',
  'true',
  '',
  ' ',
];

/** URL-encodes a value; a lone surrogate (not encodable) becomes its invalid UTF-8 bytes. */
function encodePathValue(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value.replace(/[\uD800-\uDFFF]/g, '%ED%A0%80').replace(/[^%A-Za-z0-9]/g, (c) => encodeURIComponent(c));
  }
}

/** Path segment values: hostile text (URL-encoded as a client must) and numbers out of range. */
const HOSTILE_PATH_VALUES = [
  ...HOSTILE_STRINGS.map(encodePathValue),
  '%ED%A0%80',
  '%C0%AE%C0%AE%2F',
  '%FF%FE',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  '-1',
  '0',
  '99999999999999999999',
  '2147483648',
  '1.5',
  '0x10',
  '1e3',
  encodeURIComponent('１２'),
  'a'.repeat(3000),
];

const hugeString = fc.constantFrom(10_000, 100_000, 600_000).map((n) => 'A'.repeat(n));

/** A value of any JSON type: what a wrongly typed field is replaced with. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 2 ** 31, 1e308),
  fc.string(),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type.map(String);
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties) return ['object'];
  return [];
}

/**
 * A value that honours the schema as far as a generator easily can (patterns via
 * `fc.stringMatching`, enums, bounds, required properties): the starting point that mutations break.
 */
export function valueFor(doc: OpenApiDocument, raw: unknown, depth = 0): fc.Arbitrary<unknown> {
  const schema = deref(doc, raw);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    return fc.oneof(...alternatives.map((alt) => valueFor(doc, alt, depth + 1)));
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return valueFor(doc, schema.allOf[0], depth + 1);
  const type = typesOf(schema)[0];
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 100_000;
      return fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) });
    }
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1e6;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1e6;
      return fc.double({ min, max, noNaN: true });
    }
    case 'string': {
      const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const maxLength = typeof schema.maxLength === 'number' ? Math.min(schema.maxLength, 40) : 40;
      if (schema.format === 'date-time') {
        return fc
          .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true })
          .map((d) => d.toISOString());
      }
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'uri') return fc.webUrl();
      if (typeof schema.pattern === 'string') {
        try {
          const pattern = new RegExp(schema.pattern);
          return fc
            .stringMatching(pattern)
            .filter((s) => s.length >= minLength && s.length <= ((schema.maxLength as number) ?? 1e9));
        } catch {
          return fc.string({ minLength, maxLength: Math.max(minLength, maxLength) });
        }
      }
      return fc.string({ minLength, maxLength: Math.max(minLength, maxLength) });
    }
    case 'array': {
      if (depth > 4) return fc.constant([]);
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxLength = Math.max(minLength, Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, 3));
      return fc.array(valueFor(doc, schema.items ?? {}, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, sub] of Object.entries(properties)) shape[key] = valueFor(doc, sub, depth + 1);
      if (Object.keys(shape).length === 0) {
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 });
      }
      return fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
    }
    default:
      return anyJson;
  }
}

type BodyMutation = { kind: string; apply: (body: Record<string, unknown>, schema: Schema) => unknown };

/** Ways to break a JSON body; each names itself for the report. */
function bodyMutations(schema: Schema): fc.Arbitrary<BodyMutation> {
  const properties = isObject(schema.properties) ? Object.keys(schema.properties) : [];
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const field = properties.length > 0 ? fc.constantFrom(...properties) : fc.constant('name');
  return fc.oneof(
    fc.constant<BodyMutation>({ kind: 'as-generated', apply: (b) => b }),
    fc.tuple(field, anyJson).map(
      ([key, value]): BodyMutation => ({
        kind: `wrong-type:${key}`,
        apply: (b) => ({ ...b, [key]: value }),
      }),
    ),
    (required.length > 0 ? fc.constantFrom(...required) : field).map(
      (key): BodyMutation => ({
        kind: `missing:${key}`,
        apply: (b) => {
          const copy = { ...b };
          delete copy[key];
          return copy;
        },
      }),
    ),
    fc
      .tuple(
        fc.constantFrom('__proto__', 'constructor', 'id', 'version', 'createdBy', 'role', 'passwordHash', 'zzExtra'),
        anyJson,
      )
      .map(
        ([key, value]): BodyMutation => ({
          kind: `extra:${key}`,
          // Built by JSON.parse so that "__proto__" becomes an own key, as it would arrive on the wire.
          apply: (b) => Object.assign(JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value ?? null)}}`), b),
        }),
      ),
    fc.tuple(field, hugeString).map(
      ([key, value]): BodyMutation => ({
        kind: `huge-string:${key}`,
        apply: (b) => ({ ...b, [key]: value }),
      }),
    ),
    fc.tuple(field, fc.constantFrom(...HOSTILE_STRINGS)).map(
      ([key, value]): BodyMutation => ({
        kind: `hostile-string:${key}`,
        apply: (b) => ({ ...b, [key]: value }),
      }),
    ),
    fc.tuple(field, fc.string({ unit: 'binary', maxLength: 60 })).map(
      ([key, value]): BodyMutation => ({
        kind: `unicode:${key}`,
        apply: (b) => ({ ...b, [key]: value }),
      }),
    ),
    fc.tuple(field, fc.integer({ min: 50, max: 3000 })).map(
      ([key, depth]): BodyMutation => ({
        kind: `deep-nesting:${key}`,
        apply: (b) => {
          let nested: unknown = 1;
          for (let i = 0; i < depth; i++) nested = [nested];
          return { ...b, [key]: nested };
        },
      }),
    ),
    anyJson.map((value): BodyMutation => ({ kind: 'not-an-object', apply: () => value })),
  );
}

/** NDJSON lines that are not valid records. */
const BAD_JSON_LINES = [
  '{',
  '{"kind":"ci"}',
  '{"kind":"nope","name":1}',
  '[]',
  'null',
  '{"kind":"ci","class":"server","name":"x","attributes":{"__proto__":{"a":1}}}',
];

/** Raw payloads that are not JSON at all, or not what the content type says. */
const BAD_JSON = [
  '{',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '[1,2',
  'undefined',
  'NaN',
  '\u0000',
  '{"a":"\\ud800"}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  '\xEF\xBB\xBF{}',
  '{"a":1}{"b":2}',
  '1e999999',
];

/** Streams and files for routes that take other media types (NDJSON import, YAML, artifact bytes). */
const RAW_BODY: fc.Arbitrary<{ payload: string | Buffer; kind: string }> = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...HOSTILE_STRINGS).map((name) => JSON.stringify({ kind: 'ci', class: 'server', name })),
        fc
          .tuple(fc.constantFrom(...HOSTILE_STRINGS), fc.constantFrom('depends_on', 'runs_on', '../x', ''))
          .map(([source, type]) => JSON.stringify({ kind: 'relationship', source, type, target: 'server/a' })),
        fc.constantFrom(...BAD_JSON_LINES),
        fc.string({ unit: 'binary', maxLength: 80 }),
      ),
      { minLength: 1, maxLength: 20 },
    )
    .map((lines) => ({ payload: lines.join('\n'), kind: 'ndjson-lines' })),
  fc.uint8Array({ maxLength: 4096 }).map((bytes) => ({ payload: Buffer.from(bytes), kind: 'random-bytes' })),
  fc
    .constantFrom(
      'a: [1, 2',
      '!!python/object:os.system ["id"]',
      '&a [*a, *a]',
      '--- !<tag:yaml.org,2002:js/function> "x"',
    )
    .map((payload) => ({ payload, kind: 'hostile-yaml' })),
);

const BAD_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/jsonx',
  'image/png',
  '',
];

export interface FuzzContext {
  /** Path parameter values that name real objects (so writes reach the service, not just 404). */
  pathValues: (template: string, param: string) => string[];
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? '1');
}

/**
 * A raw body in one of the operation's own non-JSON media types (or NDJSON, which the import
 * route streams without declaring a body schema), else in a media type it does not take.
 */
function rawBodyFor(op: FuzzOperation): fc.Arbitrary<{ payload: string | Buffer; contentType: string; kind: string }> {
  const types = op.mediaTypes.filter((t) => t !== 'application/json');
  const contentType = fc.constantFrom(
    ...(types.length > 0 ? types : ['application/x-ndjson', 'application/octet-stream']),
  );
  return fc
    .tuple(RAW_BODY, contentType)
    .map(([body, type]) => ({ ...body, contentType: type, kind: `${body.kind}:${type}` }));
}

/** An arbitrary of hostile requests against one operation. */
export function requestsFor(doc: OpenApiDocument, op: FuzzOperation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const pathArb = fc.record(
    Object.fromEntries(
      pathParams.map((p) => {
        const real = ctx.pathValues(op.template, p.name);
        return [
          p.name,
          fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...(real.length > 0 ? real : ['1'])) },
            { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_PATH_VALUES) },
          ),
        ];
      }),
    ),
  ) as fc.Arbitrary<Record<string, string>>;
  const queryArb = fc
    .tuple(
      fc.array(
        fc.constantFrom(...(queryParams.length > 0 ? queryParams : [{ name: 'q', schema: {} } as FuzzParameter])),
        { maxLength: 3 },
      ),
      fc.boolean(),
      fc.boolean(),
    )
    .chain(([params, hostile, extra]) =>
      fc
        .tuple(
          ...params.map((p) =>
            (hostile ? fc.constantFrom(...HOSTILE_STRINGS) : valueFor(doc, p.schema)).map(
              (v) => [p.name, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string],
            ),
          ),
        )
        .map((pairs) => {
          const search = new URLSearchParams();
          for (const [k, v] of pairs) search.append(k, v);
          if (extra) search.append('zzUnknown', '1');
          const text = search.toString();
          return text ? `?${text}` : '';
        }),
    );
  const headerArb = fc.oneof(
    { weight: 6, arbitrary: fc.constant<Record<string, string>>({}) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Record<string, string>>(
        { 'if-match': '"1"' },
        { 'if-match': 'W/"x"' },
        { 'if-match': '*' },
        { 'if-match': "'; drop table cis; --" },
        { 'idempotency-key': 'fuzz-key' },
        { 'idempotency-key': 'a'.repeat(500) },
        { 'x-request-id': '../../etc/passwd' },
        { 'slipway-context': 'change:1' },
        { 'slipway-context': 'nonsense' },
        { accept: 'application/xml' },
        { 'accept-encoding': 'gzip;q=0,identity;q=0' },
      ),
    },
  );
  const bodyArb: fc.Arbitrary<{ payload: string | Buffer | undefined; contentType: string | undefined; kind: string }> =
    op.body !== undefined
      ? fc.oneof(
          {
            weight: 6,
            arbitrary: fc.tuple(valueFor(doc, op.body), bodyMutations(op.body)).map(([value, mutation]) => {
              const base = isObject(value) ? value : {};
              let payload: string;
              try {
                payload = JSON.stringify(mutation.apply(base, op.body as Schema)) ?? 'null';
              } catch {
                payload = '{}';
              }
              return { payload, contentType: 'application/json', kind: mutation.kind };
            }),
          },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom(...BAD_JSON)
              .map((payload) => ({ payload, contentType: 'application/json', kind: 'bad-json' })),
          },
          {
            weight: 1,
            arbitrary: fc
              .tuple(valueFor(doc, op.body), fc.constantFrom(...BAD_CONTENT_TYPES))
              .map(([value, contentType]) => ({
                payload: JSON.stringify(value) ?? '{}',
                contentType: contentType || undefined,
                kind: `content-type:${contentType || 'none'}`,
              })),
          },
          { weight: 1, arbitrary: fc.constant({ payload: undefined, contentType: undefined, kind: 'no-body' }) },
          { weight: 1, arbitrary: rawBodyFor(op) },
        )
      : fc.oneof(
          { weight: 5, arbitrary: fc.constant({ payload: undefined, contentType: undefined, kind: 'no-body' }) },
          {
            weight: 1,
            arbitrary: fc
              .tuple(
                fc.constantFrom(...BAD_JSON, '{"unexpected":true}'),
                fc.constantFrom('application/json', 'text/plain'),
              )
              .map(([payload, contentType]) => ({ payload, contentType, kind: `unexpected-body:${contentType}` })),
          },
          { weight: 1, arbitrary: rawBodyFor(op) },
        );
  return fc.tuple(pathArb, queryArb, headerArb, bodyArb).map(([pathValues, query, headers, body]) => ({
    method: op.method,
    template: op.template,
    url: `${fill(op.template, pathValues)}${query}`,
    headers: { ...headers, ...(body.contentType !== undefined && { 'content-type': body.contentType }) },
    payload: body.payload,
    mutation: body.kind,
  }));
}
