import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without type declarations
import { OPERATIONS, extract, toJsonSchema } from '../../scripts/extract-openapi.mjs';
import subset from '../support/github-server/openapi-subset.json' with { type: 'json' };

type Counters = { typed: number; untyped: number };
const rewrite = (schema: unknown) => toJsonSchema(schema, { typed: 0, untyped: 0 } as Counters) as unknown;

describe('scripts/extract-openapi.mjs', () => {
  it('turns nullable with a type into a type array, adding null to an enum', () => {
    expect(rewrite({ type: 'string', nullable: true, enum: ['a', 'b'] })).toEqual({ type: ['string', 'null'], enum: ['a', 'b', null] });
  });

  it('turns nullable without a type into anyOf with null', () => {
    expect(rewrite({ allOf: [{ $ref: '#/components/schemas/x' }], nullable: true, description: 'dropped' })).toEqual({
      anyOf: [{ allOf: [{ $ref: '#/components/schemas/x' }] }, { type: 'null' }],
    });
  });

  it('drops annotations but never a property that has their name', () => {
    expect(
      rewrite({ type: 'object', description: 'd', example: {}, properties: { description: { type: 'string', nullable: true }, title: { type: 'string' } } }),
    ).toEqual({ type: 'object', properties: { description: { type: ['string', 'null'] }, title: { type: 'string' } } });
  });

  it('keeps an operation and, transitively, what it references', () => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const entry of OPERATIONS as string[]) {
      const [method, path] = entry.split(' ') as [string, string];
      paths[path] ??= {};
      paths[path][method.toLowerCase()] = {
        operationId: entry,
        parameters: [],
        responses: { 200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/a' } } } } },
      };
    }
    const description = {
      openapi: '3.0.3',
      info: { version: '1' },
      paths,
      components: {
        schemas: {
          a: { type: 'object', properties: { b: { $ref: '#/components/schemas/b' } } },
          b: { type: 'string', nullable: true },
          unused: { type: 'string' },
          'basic-error': { type: 'object' },
        },
      },
    };
    const { subset: cut, counters } = extract(description, 'test') as { subset: { components: { schemas: Record<string, unknown> } }; counters: Counters };
    expect(Object.keys(cut.components.schemas)).toEqual(['a', 'b', 'basic-error']);
    expect(cut.components.schemas.b).toEqual({ type: ['string', 'null'] });
    expect(counters).toEqual({ typed: 1, untyped: 0 });
  });

  it('refuses an operation missing from the description', () => {
    expect(() => extract({ openapi: '3.0.3', info: { version: '1' }, paths: {}, components: {} }, 'test')).toThrow(/operations not in the description:\n {2}GET \/user/);
  });
});

describe('the committed subset', () => {
  it('holds exactly the listed operations and no OpenAPI-only nullable', () => {
    const found = Object.entries(subset.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(found.sort()).toEqual([...(OPERATIONS as string[])].sort());
    expect(JSON.stringify(subset)).not.toMatch(/"nullable"\s*:/);
  });
});
