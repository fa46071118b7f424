import { describe, expect, it } from 'vitest';
import { diffSchemas, type Change, type Polarity } from '../../src/contract/schema-diff.js';

function kinds(production: unknown, candidate: unknown, polarity: Polarity): [string, string][] {
  return diffSchemas(production, candidate, polarity, ['io', polarity]).map((c: Change) => [c.kind, c.path.join('.')]);
}

describe('diffSchemas', () => {
  it('finds nothing between equal schemas, whatever the key order', () => {
    expect(kinds({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { required: ['a'], properties: { a: { type: 'string' } }, type: 'object' }, 'input')).toEqual([]);
    expect(kinds(true, {}, 'input')).toEqual([]);
  });

  it('classifies bounds by direction and side: narrowing an input breaks, narrowing an output adds', () => {
    const narrower = [{ type: 'string', maxLength: 100, minLength: 1 }, { type: 'string', maxLength: 50, minLength: 2 }] as const;
    expect(kinds(narrower[0], narrower[1], 'input')).toEqual([
      ['breaking', 'io.input.minLength'],
      ['breaking', 'io.input.maxLength'],
    ]);
    expect(kinds(narrower[0], narrower[1], 'output')).toEqual([
      ['additive', 'io.output.minLength'],
      ['additive', 'io.output.maxLength'],
    ]);
    expect(kinds(narrower[1], narrower[0], 'input')).toEqual([
      ['additive', 'io.input.minLength'],
      ['additive', 'io.input.maxLength'],
    ]);
    expect(kinds(narrower[1], narrower[0], 'output')).toEqual([
      ['breaking', 'io.output.minLength'],
      ['breaking', 'io.output.maxLength'],
    ]);
    // An absent bound is unbounded: adding a maximum narrows, removing it widens.
    expect(kinds({ type: 'number' }, { type: 'number', maximum: 1 }, 'input')).toEqual([['breaking', 'io.input.maximum']]);
    expect(kinds({ type: 'number', maximum: 1 }, { type: 'number' }, 'input')).toEqual([['additive', 'io.input.maximum']]);
    expect(kinds({ type: 'array', minItems: 1 }, { type: 'array', minItems: 0 }, 'input')).toEqual([['additive', 'io.input.minItems']]);
  });

  it('compares types as sets, with integer inside number', () => {
    expect(kinds({ type: 'number' }, { type: 'integer' }, 'input')).toEqual([['breaking', 'io.input.type']]);
    expect(kinds({ type: 'integer' }, { type: 'number' }, 'input')).toEqual([['additive', 'io.input.type']]);
    expect(kinds({ type: 'string' }, { type: ['string', 'null'] }, 'input')).toEqual([['additive', 'io.input.type']]);
    expect(kinds({ type: 'string' }, { type: ['string', 'null'] }, 'output')).toEqual([['breaking', 'io.output.type']]);
    // Retyped: neither covers the other; breaking on either side.
    const retyped = diffSchemas({ type: 'string' }, { type: 'boolean' }, 'output', ['io', 'output']);
    expect(retyped).toEqual([expect.objectContaining({ kind: 'breaking', message: expect.stringContaining('retyped') })]);
    expect(kinds({ type: 'string' }, { type: 'boolean' }, 'input')).toEqual([['breaking', 'io.input.type']]);
  });

  it('compares enum and const as sets of allowed values', () => {
    expect(kinds({ enum: ['a', 'b'] }, { enum: ['a'] }, 'input')).toEqual([['breaking', 'io.input.enum']]);
    expect(kinds({ enum: ['a'] }, { enum: ['b', 'a'] }, 'input')).toEqual([['additive', 'io.input.enum']]);
    expect(kinds({ enum: ['a'] }, { enum: ['b', 'a'] }, 'output')).toEqual([['breaking', 'io.output.enum']]);
    expect(kinds({ enum: ['a', 'b'] }, { enum: ['b', 'c'] }, 'output')).toEqual([['breaking', 'io.output.enum']]);
    expect(kinds({ const: 'a' }, { enum: ['a', 'b'] }, 'input')).toEqual([['additive', 'io.input.enum']]);
    expect(kinds({ type: 'string' }, { type: 'string', enum: ['x'] }, 'input')).toEqual([['breaking', 'io.input.enum']]);
    expect(kinds({ enum: [1, 2] }, { enum: [2, 1] }, 'input')).toEqual([]);
  });

  it('handles properties and required on both sides', () => {
    const base = { type: 'object', required: ['text'], properties: { text: { type: 'string' }, lang: { type: 'string' } } };
    const removed = { type: 'object', required: ['text'], properties: { text: { type: 'string' } } };
    expect(kinds(base, removed, 'input')).toEqual([['breaking', 'io.input.properties.lang']]);
    expect(kinds(base, removed, 'output')).toEqual([['breaking', 'io.output.properties.lang']]);
    expect(diffSchemas(base, removed, 'output', ['io', 'output'])[0]?.removed).toBe(true);

    const optional = { ...base, properties: { ...base.properties, extra: { type: 'integer' } } };
    expect(kinds(base, optional, 'input')).toEqual([['additive', 'io.input.properties.extra']]);
    expect(kinds(base, optional, 'output')).toEqual([['additive', 'io.output.properties.extra']]);

    const newRequired = { ...optional, required: ['text', 'extra'] };
    expect(kinds(base, newRequired, 'input')).toEqual([['breaking', 'io.input.properties.extra']]);
    expect(kinds(base, newRequired, 'output')).toEqual([['additive', 'io.output.properties.extra']]);

    // An existing field becoming required narrows an input; no longer required widens it.
    const langRequired = { ...base, required: ['text', 'lang'] };
    expect(kinds(base, langRequired, 'input')).toEqual([['breaking', 'io.input.required']]);
    expect(kinds(langRequired, base, 'input')).toEqual([['additive', 'io.input.required']]);
    expect(kinds(langRequired, base, 'output')).toEqual([['breaking', 'io.output.required']]);
  });

  it('recurses into nested properties and items', () => {
    const nested = (max: number) => ({ type: 'object', properties: { tags: { type: 'array', items: { type: 'string', maxLength: max } } } });
    expect(kinds(nested(10), nested(5), 'input')).toEqual([['breaking', 'io.input.properties.tags.items.maxLength']]);
    expect(kinds({ type: 'array', items: { type: 'number' } }, { type: 'array', items: { type: 'string' } }, 'output')).toEqual([['breaking', 'io.output.items.type']]);
    expect(kinds({ type: 'array' }, { type: 'array', items: { type: 'number' } }, 'input')).toEqual([['breaking', 'io.input.items']]);
    // Tuples cannot be compared: possibly breaking.
    expect(kinds({ type: 'array', items: [{ type: 'number' }] }, { type: 'array', items: [{ type: 'integer' }] }, 'output')).toEqual([['breaking', 'io.output.items']]);
  });

  it('treats additionalProperties: absent is true; false narrows; a schema is compared', () => {
    expect(kinds({ type: 'object' }, { type: 'object', additionalProperties: false }, 'input')).toEqual([['breaking', 'io.input.additionalProperties']]);
    expect(kinds({ type: 'object', additionalProperties: false }, { type: 'object' }, 'input')).toEqual([['additive', 'io.input.additionalProperties']]);
    expect(kinds({ type: 'object', additionalProperties: false }, { type: 'object' }, 'output')).toEqual([['breaking', 'io.output.additionalProperties']]);
    expect(kinds({ additionalProperties: { type: 'string' } }, { additionalProperties: { type: 'number' } }, 'input')).toEqual([['breaking', 'io.input.additionalProperties.type']]);
    expect(kinds({ additionalProperties: true }, { additionalProperties: { type: 'string' } }, 'input')).toEqual([['breaking', 'io.input.additionalProperties']]);
    expect(kinds({ additionalProperties: false }, { additionalProperties: { type: 'string' } }, 'input')).toEqual([['additive', 'io.input.additionalProperties']]);
  });

  it('pattern and format: adding narrows, removing widens, changing cannot be compared', () => {
    expect(kinds({ type: 'string' }, { type: 'string', pattern: '^a' }, 'input')).toEqual([['breaking', 'io.input.pattern']]);
    expect(kinds({ type: 'string', pattern: '^a' }, { type: 'string' }, 'input')).toEqual([['additive', 'io.input.pattern']]);
    expect(kinds({ type: 'string', pattern: '^a' }, { type: 'string', pattern: '^b' }, 'input')).toEqual([['breaking', 'io.input.pattern']]);
    expect(kinds({ type: 'string', format: 'uri' }, { type: 'string', format: 'email' }, 'output')).toEqual([['breaking', 'io.output.format']]);
  });

  it('annotations are metadata', () => {
    expect(kinds({ type: 'string', description: 'a' }, { type: 'string', description: 'b', title: 'T', examples: ['x'] }, 'input')).toEqual([
      ['metadata', 'io.input.description'],
      ['metadata', 'io.input.title'],
      ['metadata', 'io.input.examples'],
    ]);
  });

  it('fails closed on keywords it cannot compare, and never ignores them', () => {
    for (const [before, after] of [
      [{ anyOf: [{ type: 'string' }] }, { anyOf: [{ type: 'string' }, { type: 'null' }] }],
      [{ $ref: '#/definitions/a' }, { $ref: '#/definitions/b' }],
      [{ type: 'object' }, { type: 'object', patternProperties: { '^x': { type: 'string' } } }],
      [{ not: { type: 'null' } }, {}],
    ]) {
      const changes = diffSchemas(before, after, 'input', ['io', 'input']);
      expect(changes.length, JSON.stringify([before, after])).toBeGreaterThan(0);
      expect(changes.every((c) => c.kind === 'breaking')).toBe(true);
      expect(changes.some((c) => c.message.includes('possibly breaking'))).toBe(true);
    }
    // Equal unknown keywords are no change at all.
    expect(kinds({ anyOf: [{ type: 'string' }] }, { anyOf: [{ type: 'string' }] }, 'input')).toEqual([]);
  });

  it('uniqueItems true narrows', () => {
    expect(kinds({ type: 'array' }, { type: 'array', uniqueItems: true }, 'input')).toEqual([['breaking', 'io.input.uniqueItems']]);
    expect(kinds({ type: 'array', uniqueItems: true }, { type: 'array' }, 'input')).toEqual([['additive', 'io.input.uniqueItems']]);
  });
});
