import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetricsFile } from '../../src/canary/metrics-file.js';
import { readIdsSidecar } from '../../src/embeddings/file-source.js';
import { readJsonlVectors } from '../../src/embeddings/jsonl.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { decodeUtf8, readLines, splitLines, validUtf8Prefix } from '../../src/io/text.js';
import { readYamlFile } from '../../src/io/yaml.js';
import { readTable } from '../../src/regression/tables.js';
import { readResult } from '../../src/results/store.js';
import { result } from '../report/fixtures.js';
import { tempDir } from '../support/temp.js';

const BOM = '\ufeff';
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Every reader of a text format, with a small valid file and what it must read from it. */
interface Reader {
  name: string;
  file: string;
  /** A valid file; `{sep}` marks a place inside a string value where U+2028/U+2029 may sit. */
  text: string;
  read(path: string): Promise<unknown>;
  /** What the reader returned, reduced to something comparable. */
  expected: (sep: string) => unknown;
  /** Whether the format has strings that can hold U+2028/U+2029 (JSON and JSONL do). */
  json: boolean;
}

const readers: Reader[] = [
  {
    name: 'JSONL vectors',
    file: 'vectors.jsonl',
    text: '{"id":"a{sep}1","embedding":[1,0]}\n{"id":"b","embedding":[0,1]}\n',
    read: async (path) => (await readJsonlVectors(path, 'vectors.jsonl')).ids,
    expected: (sep) => [`a${sep}1`, 'b'],
    json: true,
  },
  {
    name: 'JSONL texts',
    file: 'texts.jsonl',
    text: '{"id":"t1","text":"dog{sep}puppy"}\r\n{"id":"t2","text":"cat"}\n',
    read: async (path) => (await readTable(path)).map((row) => row.fields.text),
    expected: (sep) => [`dog${sep}puppy`, 'cat'],
    json: true,
  },
  {
    name: 'CSV table',
    file: 'pairs.csv',
    text: 'a,b,label\nt1,t2,1\n',
    read: async (path) => (await readTable(path)).map((row) => row.fields),
    expected: () => [{ a: 't1', b: 't2', label: '1' }],
    json: false,
  },
  {
    name: 'TSV table',
    file: 'pairs.tsv',
    text: 'a\tb\tlabel\nt1\tt2\t1\n',
    read: async (path) => (await readTable(path)).map((row) => row.fields),
    expected: () => [{ a: 't1', b: 't2', label: '1' }],
    json: false,
  },
  {
    name: 'CSV metrics',
    file: 'metrics.csv',
    text: 'metric,group,value\nlatency,baseline,1.5\n',
    read: async (path) => [...(await readMetricsFile(path, 'metrics.csv')).get('latency')!.get('baseline')!],
    expected: () => [1.5],
    json: false,
  },
  {
    name: 'JSON metrics',
    file: 'metrics.json',
    text: '{"metrics":{"latency{sep}":{"baseline":[1.5]}}}',
    read: async (path) => [...(await readMetricsFile(path, 'metrics.json')).keys()],
    expected: (sep) => [`latency${sep}`],
    json: true,
  },
  {
    name: 'YAML',
    file: 'suite.yml',
    text: 'name: "search{sep}"\nchecks: {}\n',
    read: async (path) => (await readYamlFile(path)).data,
    expected: (sep) => ({ name: `search${sep}`, checks: {} }),
    json: true,
  },
  {
    name: 'JSON result',
    file: 'result.json',
    text: JSON.stringify({ ...result({}), summary: 'fine{sep}' }),
    read: async (path) => (await readResult(path)).summary,
    expected: (sep) => `fine${sep}`,
    json: true,
  },
  {
    name: 'ids sidecar (txt)',
    file: 'v.ids.txt',
    text: 'a\nb\n',
    read: async (path) => (await readIdsSidecar(path.replace(/\.ids\.txt$/, '.npy'), 'v.npy'))?.ids,
    expected: () => ['a', 'b'],
    json: false,
  },
  {
    name: 'ids sidecar (json)',
    file: 'w.ids.json',
    text: '["a{sep}","b"]',
    read: async (path) => (await readIdsSidecar(path.replace(/\.ids\.json$/, '.npy'), 'w.npy'))?.ids,
    expected: (sep) => [`a${sep}`, 'b'],
    json: true,
  },
];

async function written(name: string, content: string | Buffer): Promise<string> {
  const dir = await tempDir('mg-text-');
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('text files: one reader for every format', () => {
  it.each(readers)('$name: reads a file that starts with a byte-order mark', async (reader) => {
    const text = reader.text.replaceAll('{sep}', '');
    const plain = await reader.read(await written(reader.file, text));
    expect(plain).toEqual(reader.expected(''));
    expect(await reader.read(await written(reader.file, BOM + text))).toEqual(plain);
  });

  it.each(readers.filter((r) => r.json))('$name: U+2028 and U+2029 inside a string are characters, not line ends', async (reader) => {
    for (const sep of ['\u2028', '\u2029']) {
      expect(await reader.read(await written(reader.file, reader.text.replaceAll('{sep}', sep)))).toEqual(reader.expected(sep));
    }
  });

  it.each(readers)('$name: bytes that are not UTF-8 are refused with the file, the line and the byte', async (reader) => {
    const text = reader.text.replaceAll('{sep}', '');
    // A Latin-1 "é" (0xe9) on the last line that has text.
    const lines = splitLines(text);
    const lastLine = lines.length;
    const bytes = Buffer.concat([utf8(lines.slice(0, -1).map((l) => `${l}\n`).join('')), Buffer.from([0xe9]), utf8(`${lines.at(-1)}\n`)]);
    const offset = bytes.indexOf(0xe9);
    const path = await written(reader.file, bytes);
    const error = await reader.read(path).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    const problem = (error as ConfigurationError).problems[0]!;
    expect(problem.message).toContain(`not valid UTF-8 at byte ${offset} (0xe9)`);
    expect(problem.location?.line).toBe(lastLine);
    expect(problem.location?.file).toMatch(new RegExp(`${reader.file.replace('.', '\\.')}$`));
  });
});

describe('text primitives', () => {
  it('finds the first byte that is not UTF-8, including overlong forms, surrogates and cut sequences', () => {
    const cases: [number[], number][] = [
      [[0x61, 0x62], 2],
      [[0xc3, 0xa9], 2], // é
      [[0xe2, 0x80, 0xa8], 3], // U+2028
      [[0xf0, 0x9f, 0x98, 0x80], 4], // 😀
      [[0x61, 0xc0, 0xaf], 1], // overlong "/"
      [[0xe0, 0x80, 0xaf], 0], // overlong
      [[0xed, 0xa0, 0x80], 0], // a UTF-16 surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // beyond U+10FFFF
      [[0x61, 0xe2, 0x82], 1], // cut at the end
      [[0x80], 0], // a continuation byte alone
    ];
    for (const [bytes, valid] of cases) expect(validUtf8Prefix(Uint8Array.from(bytes)), JSON.stringify(bytes)).toBe(valid);
  });

  it('drops one byte-order mark, only at the start', () => {
    expect(decodeUtf8(utf8(`${BOM}a${BOM}`), 'f')).toBe(`a${BOM}`);
  });

  it('splits lines at \\n only, dropping a \\r before it', () => {
    expect(splitLines('a\r\nb\u2028c\rd\n\ne\n')).toEqual(['a', 'b\u2028c\rd', '', 'e']);
  });

  it('streams lines across chunk boundaries, numbering them', async () => {
    const long = 'x'.repeat(200_000);
    const path = await written('big.txt', `${BOM}one\r\n${long}\u2028${long}\nthree`);
    const lines: { text: string; line: number }[] = [];
    for await (const line of readLines(path)) lines.push(line);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3]);
    expect(lines[0]?.text).toBe('one');
    expect(lines[1]?.text).toBe(`${long}\u2028${long}`);
    expect(lines[2]?.text).toBe('three');
  });

  it('names the byte offset in the whole file for a bad byte in a streamed line', async () => {
    const path = await written('bad.jsonl', Buffer.concat([utf8('{"a":1}\n{"b":"'), Buffer.from([0xff]), utf8('"}\n')]));
    const consume = async () => {
      for await (const _line of readLines(path, 'bad.jsonl')) void _line;
    };
    await expect(consume()).rejects.toThrow('bad.jsonl:2: not valid UTF-8 at byte 14 (0xff)');
  });
});
