import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { InputError } from '../errors.js';
import { lazyValidator } from './schema-compilers.js';

/** A UTF-16 surrogate without its partner: text that cannot be stored as UTF-8 and read back the same. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What is wrong with the text of a parsed JSON value (plain objects, arrays, strings), looking at
 * keys and strings: a U+0000, or a lone surrogate (`"\ud800"` is valid JSON but not Unicode text;
 * both databases would store it as U+FFFD, so the value — and any audit entry hashed over it —
 * would not read back as written).
 */
function textProblem(value: unknown): 'nul' | 'surrogate' | undefined {
  const check = (text: string) =>
    text.includes('\u0000') ? 'nul' : LONE_SURROGATE.test(text) ? 'surrogate' : undefined;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      const problem = check(item);
      if (problem) return problem;
    } else if (Array.isArray(item)) {
      // One by one: spreading a huge array into push() would overflow the argument limit.
      for (const member of item) pending.push(member);
    } else if (item !== null && typeof item === 'object') {
      // Only plain data (querystrings are null-prototype objects one level down): a streamed
      // body (NDJSON import) is a stream, checked by its own route.
      const proto = Object.getPrototypeOf(item);
      if (proto !== Object.prototype && proto !== null && Object.getPrototypeOf(proto) !== null) continue;
      for (const [key, member] of Object.entries(item)) {
        const problem = check(key);
        if (problem) return problem;
        pending.push(member);
      }
    }
  }
  return undefined;
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
  // Compiled on first use (see schema-compilers.ts): most routes are never called by a process.
  app.setValidatorCompiler(({ schema, httpPart }) =>
    lazyValidator(() => (httpPart === 'body' ? bodyAjv.compile(schema) : textAjv.compile(schema))),
  );

  // JSON is the body type of the API (a route that takes another, like the NDJSON import,
  // registers its own parser). Fastify would also parse text/plain, which a cross-site HTML
  // form can send without a CORS preflight: without a parser it is refused with 415.
  app.removeContentTypeParser('text/plain');

  // PostgreSQL cannot store U+0000 in text and no Slipway value needs it: refuse it as invalid
  // input on every route and both databases, instead of failing in SQL with a 500. Lone
  // surrogates likewise: stored, they would silently turn into U+FFFD.
  app.addHook('preValidation', (request, _reply, done) => {
    const parts = { querystring: request.query, params: request.params, body: request.body };
    for (const [part, value] of Object.entries(parts)) {
      const problem = textProblem(value);
      if (problem === 'nul') {
        done(new InputError(`The ${part} contains a NUL character (U+0000), which Slipway does not accept`, { part }));
        return;
      }
      if (problem === 'surrogate') {
        done(new InputError(`The ${part} contains a lone UTF-16 surrogate, which is not Unicode text`, { part }));
        return;
      }
    }
    done();
  });
}
