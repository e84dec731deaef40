import Ajv from 'ajv';
import fastJsonStringify from 'fast-json-stringify';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { lazyValidator, serializationSchema } from './schema-compilers.js';

const Item = Type.Object({
  id: Type.Integer(),
  email: Type.Union([Type.String(), Type.Null()]),
  via: Type.Union([Type.Literal('token'), Type.Literal('session')]),
  owner: Type.Union([Type.Object({ id: Type.Integer(), name: Type.String() }), Type.Null()]),
  tags: Type.Union([Type.Null(), Type.Array(Type.String())]),
  score: Type.Union([Type.Integer(), Type.Number(), Type.Null()]),
});

const VALUES = [
  { id: 1, email: 'a@example.com', via: 'token', owner: { id: 7, name: 'ops' }, tags: ['a', 'b"c'], score: 3 },
  { id: 2, email: null, via: 'session', owner: null, tags: null, score: null },
  { id: 3, email: 'ünïcode \u2028', via: 'token', owner: { id: 8, name: '' }, tags: [], score: 2.5 },
];

describe('serializationSchema', () => {
  it('writes exactly what JSON.stringify writes for every value the original schema allows', () => {
    const rewritten = fastJsonStringify(serializationSchema(Item) as Parameters<typeof fastJsonStringify>[0]);
    for (const value of VALUES) expect(JSON.parse(rewritten(value))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('removes the anyOf branches that made the serializer validate at run time', () => {
    const text = JSON.stringify(serializationSchema(Item));
    expect(text).not.toContain('anyOf');
    expect(JSON.stringify(Item)).toContain('anyOf'); // the original (used for the OpenAPI document) is untouched
  });

  it('keeps unions it cannot simplify', () => {
    const mixed = Type.Union([Type.Object({ kind: Type.Literal('a') }), Type.Object({ kind: Type.Literal('b') })]);
    expect(serializationSchema(mixed)).toHaveProperty('anyOf');
  });
});

describe('lazyValidator', () => {
  it('compiles on the first call only and exposes the errors of the last call', () => {
    const ajv = new Ajv.default();
    let compiles = 0;
    const validate = lazyValidator(() => {
      compiles++;
      return ajv.compile({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
    });
    expect(compiles).toBe(0);
    expect(validate({ n: 1 })).toBe(true);
    expect(validate.errors).toBeNull();
    expect(validate({ n: 'x' })).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/n');
    expect(compiles).toBe(1);
  });
});
