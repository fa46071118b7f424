import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/io/errors.js';
import { parseYaml, readYamlFile } from '../../src/io/yaml.js';
import { tempDir } from '../support/temp.js';

const TEXT = [
  '# a comment', // 1
  'name: demo', // 2
  'io:', // 3
  '  input:', // 4
  '    type: object', // 5
  '    properties:', // 6
  '      text: { type: string, maxLength: 10 }', // 7
  'examples:', // 8
  '  - name: first', // 9
  '    input: { text: hi }', // 10
  '  - name: second', // 11
  '    input:', // 12
  '      text: |', // 13
  '        two', // 14
  '        lines', // 15
  "'7': seven", // 16
].join('\n');

describe('parseYaml and locate', () => {
  const doc = parseYaml(TEXT, 'c.yml');

  it('parses data', () => {
    expect(doc.data).toMatchObject({ name: 'demo', examples: [{ name: 'first' }, { input: { text: 'two\nlines\n' } }] });
  });

  it('locates keys, flow values, sequence items and block scalars by line and column', () => {
    expect(doc.locate(['name'])).toEqual({ file: 'c.yml', line: 2, column: 7 });
    expect(doc.locate(['io', 'input'])).toEqual({ file: 'c.yml', line: 4, column: 3 });
    expect(doc.locate(['io', 'input', 'properties', 'text', 'maxLength'])).toMatchObject({ line: 7, column: 40 });
    expect(doc.locate(['examples', 1])).toMatchObject({ line: 11 });
    expect(doc.locate(['examples', 0, 'input', 'text'])).toMatchObject({ line: 10 });
    expect(doc.locate(['examples', 1, 'input', 'text'])).toMatchObject({ line: 13 });
    expect(doc.locate([7])).toMatchObject({ line: 16 });
  });

  it('locates a missing path at its deepest existing ancestor', () => {
    expect(doc.locate(['io', 'input', 'properties', 'language'])).toMatchObject({ line: 6 });
    expect(doc.locate(['examples', 5, 'input'])).toMatchObject({ line: 8 });
    expect(doc.locate(['io', 'output', 'type'])).toMatchObject({ line: 3 });
    expect(doc.locate([])).toMatchObject({ line: 2 });
  });

  it('gives line 1 for an empty document', () => {
    expect(parseYaml('', 'e.yml').locate(['x'])).toEqual({ file: 'e.yml', line: 1 });
  });

  it('reports every syntax error with its line, duplicate keys included', () => {
    let error: unknown;
    try {
      parseYaml('a: 1\na: 2\nb: [1, 2\nc: d\n', 'bad.yml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems;
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems.every((p) => p.location?.file === 'bad.yml' && typeof p.location.line === 'number')).toBe(true);
    expect(problems[0]).toMatchObject({ location: { line: 2 }, message: expect.stringContaining('unique') });
  });

  it('refuses alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
    expect(() => parseYaml(bomb, 'bomb.yml')).toThrow(ConfigurationError);
  });
});

describe('readYamlFile', () => {
  it('names a missing file and a directory', async () => {
    const dir = await tempDir('mg-yaml-');
    await expect(readYamlFile(join(dir, 'nope.yml'), 'config file')).rejects.toThrow(/config file not found/);
    await mkdir(join(dir, 'sub.yml'));
    await expect(readYamlFile(join(dir, 'sub.yml'))).rejects.toThrow(/is a directory/);
  });
});
