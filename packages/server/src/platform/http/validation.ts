import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { InputError } from '../errors.js';

/** True when a parsed JSON value (plain objects, arrays, strings) holds U+0000 in a key or string. */
function containsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return true;
    } else if (Array.isArray(item)) {
      // One by one: spreading a huge array into push() would overflow the argument limit.
      for (const member of item) pending.push(member);
    } else if (item !== null && typeof item === 'object') {
      // Only plain data (querystrings are null-prototype objects one level down): a streamed
      // body (NDJSON import) is a stream, checked by its own route.
      const proto = Object.getPrototypeOf(item);
      if (proto !== Object.prototype && proto !== null && Object.getPrototypeOf(proto) !== null) continue;
      for (const [key, member] of Object.entries(item)) {
        if (key.includes('\u0000')) return true;
        pending.push(member);
      }
    }
  }
  return false;
}

/**
 * Two validators: bodies are checked strictly (no type coercion; unknown fields rejected by
 * `additionalProperties: false`, never silently dropped), while querystrings, params and headers
 * arrive as text and are coerced to the declared types.
 */
export function registerValidation(app: FastifyInstance): void {
  const common = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false } as const;
  const bodyAjv = new Ajv({ ...common, coerceTypes: false });
  const textAjv = new Ajv({ ...common, coerceTypes: 'array' });
  addFormats.default(bodyAjv);
  addFormats.default(textAjv);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? bodyAjv.compile(schema) : textAjv.compile(schema),
  );

  // JSON is the body type of the API (a route that takes another, like the NDJSON import,
  // registers its own parser). Fastify would also parse text/plain, which a cross-site HTML
  // form can send without a CORS preflight: without a parser it is refused with 415.
  app.removeContentTypeParser('text/plain');

  // PostgreSQL cannot store U+0000 in text and no Slipway value needs it: refuse it as invalid
  // input on every route and both databases, instead of failing in SQL with a 500.
  app.addHook('preValidation', async (request) => {
    const parts = { querystring: request.query, params: request.params, body: request.body };
    for (const [part, value] of Object.entries(parts)) {
      if (containsNul(value)) {
        throw new InputError(`The ${part} contains a NUL character (U+0000), which Slipway does not accept`, {
          part,
        });
      }
    }
  });
}
