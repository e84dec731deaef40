import fastJsonStringify from 'fast-json-stringify';
import type { FastifyServerOptions } from 'fastify';
import type { FastifyValidationResult } from 'fastify/types/schema.js';

type JsonSchema = Record<string, unknown>;

const PRIMITIVE_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
/** Keywords that only constrain a value; a serializer needs none of them to write it. */
const COMBINATORS = ['anyOf', 'oneOf', 'allOf', 'not', 'if', '$ref'];

function isPlainObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNullSchema(schema: unknown): boolean {
  return isPlainObject(schema) && schema.type === 'null' && Object.keys(schema).every((k) => k === 'type');
}

function isSimplePrimitive(schema: unknown): schema is JsonSchema {
  return (
    isPlainObject(schema) &&
    typeof schema.type === 'string' &&
    PRIMITIVE_TYPES.has(schema.type) &&
    !COMBINATORS.some((keyword) => keyword in schema)
  );
}

/**
 * A response schema rewritten for serialization only. fast-json-stringify cannot tell the
 * branches of an `anyOf` apart by code, so for every value under one it runs an Ajv validation
 * per branch on every response (~10 % of a simple GET). TypeBox writes a nullable field as
 * `anyOf: [X, {type: 'null'}]` and a literal union as `anyOf: [{const: 'a'}, {const: 'b'}]`:
 * the first becomes `X` with `nullable: true`, the second (all branches plain primitives) a
 * `type` list. Both write the same JSON for every value the original schema allows. The
 * original schema objects are left untouched: the OpenAPI document is generated from them.
 */
export function serializationSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(serializationSchema);
  if (!isPlainObject(schema)) return schema;
  const copy: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    // `const`, `enum`, `default` and `examples` hold data, not schemas.
    copy[key] =
      key === 'const' || key === 'enum' || key === 'default' || key === 'examples' ? value : serializationSchema(value);
  }
  const branches = copy.anyOf;
  if (!Array.isArray(branches) || branches.length < 2 || 'type' in copy) return copy;
  const { anyOf: _anyOf, ...rest } = copy;

  const nonNull = branches.filter((branch) => !isNullSchema(branch));
  const hasNull = nonNull.length < branches.length;
  const [single] = nonNull;
  if (hasNull && nonNull.length === 1 && isPlainObject(single) && !('$ref' in single) && !('nullable' in single)) {
    return { ...rest, ...single, nullable: true };
  }
  if (branches.every(isSimplePrimitive)) {
    const types = [...new Set(branches.map((branch) => (branch as JsonSchema).type as string))];
    return { ...rest, type: types.length === 1 ? types[0] : types };
  }
  return copy;
}

type Serializer = (data: unknown) => string;
type SerializerFactory = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']
>;

/**
 * Fastify's serializer factory, with two changes: schemas are rewritten by `serializationSchema`,
 * and each route's serializer is compiled on its first use instead of at start-up. Compiling
 * every response schema of every route was most of a cold start; most routes are never called
 * by a given process (a CLI-driven server, a replica serving reads).
 */
export const buildSerializer: SerializerFactory = (externalSchemas, options) => {
  const shared: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries((externalSchemas ?? {}) as Record<string, unknown>)) {
    shared[id] = serializationSchema(schema);
  }
  return ({ schema }) => {
    let compiled: Serializer | undefined;
    return (data) => {
      if (!compiled) {
        const rewritten = serializationSchema(schema) as JsonSchema;
        const external = { ...shared };
        // A shared schema serialised directly must not also be passed as an external one.
        if (typeof rewritten.$id === 'string') delete external[rewritten.$id];
        type Options = Parameters<typeof fastJsonStringify>[1];
        compiled = fastJsonStringify(rewritten as unknown as Parameters<typeof fastJsonStringify>[0], {
          ...(options as Options),
          schema: external as NonNullable<Options>['schema'],
        }) as Serializer;
      }
      return compiled(data);
    };
  };
};

type Validator = FastifyValidationResult;

/** A validator compiled on its first call; Fastify reads `.errors` off the function it was given. */
export function lazyValidator(compile: () => Validator): Validator {
  let compiled: Validator | undefined;
  const validate: Validator = (data) => {
    compiled ??= compile();
    const result = compiled(data);
    validate.errors = compiled.errors;
    return result;
  };
  return validate;
}
