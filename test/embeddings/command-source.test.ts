import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CommandSource, splitCommandLine } from '../../src/embeddings/command-source.js';
import type { TextItem } from '../../src/embeddings/types.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { silentLogger } from '../../src/io/log.js';

const script = fileURLToPath(new URL('../fixtures/embeddings/embed-command.mjs', import.meta.url));
// The spec quotes both paths, as a user would for paths with spaces.
const spec = (...flags: string[]) => `"${process.execPath}" '${script}' ${flags.join(' ')}`;
const source = (...flags: string[]) => new CommandSource({ commandLine: spec(...flags), cwd: process.cwd(), env: process.env });
const items: TextItem[] = [
  { id: 'a', text: 'dog' },
  { id: 'b', text: 'puppy "small"' },
  { id: 'c', text: 'żółw\nnewline' },
];
// The fixture's vector for a text: [length, first char code, 1].
const expected = items.flatMap(({ text }) => [text.length, text.charCodeAt(0), 1]);
const options = { log: silentLogger };

async function failure(promise: Promise<unknown>): Promise<ConfigurationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

describe('splitCommandLine', () => {
  it('splits like a shell without running one', () => {
    expect(splitCommandLine(`python3 embed.py --model 'my model' --tag "a \\"b\\"" x\\ y  $HOME`)).toEqual([
      'python3',
      'embed.py',
      '--model',
      'my model',
      '--tag',
      'a "b"',
      'x y',
      '$HOME',
    ]);
    expect(splitCommandLine(`a '' ""`)).toEqual(['a', '', '']);
    expect(() => splitCommandLine(`a 'b`)).toThrow(/unclosed '/);
    expect(() => splitCommandLine(`a "b`)).toThrow(/unclosed "/);
  });
});

describe('command: source', () => {
  it('reads JSONL vectors in any order, matched by id, with progress', async () => {
    const seen: number[] = [];
    const m = await source('--reverse').embed(items, { log: silentLogger, onProgress: (done) => seen.push(done) });
    expect(m.rows).toBe(3);
    expect(m.dim).toBe(3);
    expect([...m.data]).toEqual(expected);
    expect(seen.at(-1)).toBe(3);
  });

  it('reads ids whose multi-byte characters arrive split across chunks, and refuses invalid UTF-8', async () => {
    const named: TextItem[] = [
      { id: 'żółw-ąę', text: 'dog' },
      { id: '犬', text: 'puppy' },
      { id: 'c', text: 'żółw' },
    ];
    const m = await source('--bytewise').embed(named, options);
    expect([...m.data]).toEqual(named.flatMap(({ text }) => [text.length, text.charCodeAt(0), 1]));
    expect((await failure(source('--invalid-utf8').embed(named, options))).message).toMatch(/output is not valid UTF-8/);
  });

  it('reads an .npy stream', async () => {
    const m = await source('--npy').embed(items, options);
    expect([...m.data]).toEqual(expected);
  });

  it('quotes the last stderr lines, neutralised, on a non-zero exit', async () => {
    const error = await failure(source('--fail').embed(items, options));
    expect(error.message).toMatch(/exited with code 3; last lines of its stderr:/);
    expect(error.message).toContain('Traceback (most recent call last):');
    // A workflow command in the program's stderr must not reach the log as one.
    expect(error.message).not.toMatch(/^\s*::error::/m);
    expect(error.message).toContain(':\u200b:error::model weights not found');
  });

  it('rejects malformed output, a missing id and a ragged row', async () => {
    expect((await failure(source('--garbage').embed(items, options))).message).toMatch(/stdout:4: not valid JSON/);
    expect((await failure(source('--drop-last').embed(items, options))).message).toMatch(/no vector for id "c"/);
    expect((await failure(source('--ragged').embed(items, options))).message).toMatch(/id "c" has 2 values, but earlier lines have 3/);
  });

  it('reports a program that does not exist', async () => {
    const missing = new CommandSource({ commandLine: 'no-such-program-for-model-gates --x', cwd: process.cwd(), env: process.env });
    expect((await failure(missing.embed(items, options))).message).toMatch(/program not found: no-such-program-for-model-gates/);
  });

  it('checks the expected dimension', async () => {
    const typed = new CommandSource({ commandLine: spec(), cwd: process.cwd(), env: process.env, dimension: 4 });
    expect((await failure(typed.embed(items, options))).message).toMatch(/dimension 3, expected 4/);
  });

  it('kills the program on abort and on timeout', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('interrupted')), 300);
    await expect(source('--hang').embed(items, { log: silentLogger, signal: controller.signal })).rejects.toThrow('interrupted');
    expect(Date.now() - started).toBeLessThan(3000);

    const timed = new CommandSource({ commandLine: spec('--hang'), cwd: process.cwd(), env: process.env, timeoutMs: 1500 });
    const error = await failure(timed.embed(items, options));
    expect(error.message).toMatch(/stopped after 1500 ms[\s\S]*hanging/);
  });

  it('is cached only when a version is configured', () => {
    expect(source().cacheKey).toBeNull();
    expect(new CommandSource({ commandLine: 'x', cwd: '.', env: {}, version: 'v7' }).cacheKey).toBe('command:v7');
  });
});
