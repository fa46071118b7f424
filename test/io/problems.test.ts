import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonlVectors } from '../../src/embeddings/jsonl.js';
import { readParquetVectors } from '../../src/embeddings/parquet.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { MAX_PROBLEMS_PER_FILE, ProblemCollector } from '../../src/io/problems.js';
import { loadSuite } from '../../src/regression/suite.js';
import { tempDir } from '../support/temp.js';
import { parquetBytes } from '../support/vector-files.js';

const TEXTS = ['{"id":"a","text":"dog"}', '{"id":"b","text":"puppy"}', '{"id":"c","text":"chat"}', '{"id":"d","text":"chaton"}'].join('\n') + '\n';

/** Writes `files` to a new folder, runs `read` on it and returns each problem as `file:line: message`. */
async function problemsOf(files: Record<string, string>, read: (dir: string) => Promise<unknown>): Promise<string[]> {
  const dir = await tempDir('mg-problems-');
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  try {
    await read(dir);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return error.problems.map((p) => `${p.location ? `${p.location.file.replace(`${dir}/`, '')}:${p.location.line ?? ''}` : ''}: ${p.message}`);
  }
  return [];
}

const suite = (checks: string, texts = 'texts.jsonl') => `name: t\ntexts: ${texts}\nchecks:\n${checks}`;
const loadIn = (dir: string) => loadSuite(join(dir, 'suite.yml'));

// Each data reader, with a file holding several bad lines among good ones: every bad line is
// named with its file and line, in file order.
const CASES: { reader: string; files: Record<string, string>; read: (dir: string) => Promise<unknown>; lines: string[] }[] = [
  {
    reader: 'texts (JSONL)',
    files: { 'suite.yml': suite('  {}\n'), 'texts.jsonl': `${TEXTS}{"text":"no id"}\nnot json\n{"id":"e","text":"fine"}\n{"id":"a","text":"again"}\n` },
    read: loadIn,
    lines: ['texts.jsonl:5', 'texts.jsonl:6', 'texts.jsonl:8'],
  },
  {
    reader: 'texts (CSV)',
    files: { 'suite.yml': suite('  {}\n', 'texts.csv'), 'texts.csv': 'id,text\na,dog\nb\nc,cat,extra\nd,"fine"\n,empty id\n' },
    read: loadIn,
    lines: ['texts.csv:3', 'texts.csv:4', 'texts.csv:6'],
  },
  {
    reader: 'pairs (TSV)',
    files: { 'suite.yml': suite('  pairs: { file: pairs.tsv }\n'), 'texts.jsonl': TEXTS, 'pairs.tsv': 'a\tb\tlabel\na\tb\trelated\na\tzebra\trelated\nc\td\tsimilar\nc\td\tunrelated\na\tb\n' },
    read: loadIn,
    lines: ['pairs.tsv:3', 'pairs.tsv:4', 'pairs.tsv:6'],
  },
  {
    reader: 'triplets (JSONL)',
    files: { 'suite.yml': suite('  triplets: { file: t.jsonl }\n'), 'texts.jsonl': TEXTS, 't.jsonl': '{"anchor":"a","positive":"b","negative":"c"}\n{"anchor":"a","positive":"b"}\n{"anchor":"a","positive":"b","negative":"x"}\n[1]\n' },
    read: loadIn,
    lines: ['t.jsonl:2', 't.jsonl:3', 't.jsonl:4'],
  },
  {
    reader: 'qrels (TREC)',
    files: { 'suite.yml': suite('  retrieval: { qrels: q.txt }\n'), 'texts.jsonl': TEXTS, 'q.txt': 'a 0 b 1\na 0 c\n# comment\na 0 zebra 1\nb 0 c high\na 0 b 2\n' },
    read: loadIn,
    lines: ['q.txt:2', 'q.txt:4', 'q.txt:5', 'q.txt:6'],
  },
  {
    reader: 'embeddings (JSONL)',
    files: { 'v.jsonl': '{"id":"a","embedding":[1,2]}\n{"id":"b","embedding":[1]}\n{"id":"c"}\n{"id":"d","embedding":[3,4]}\n{"id":"a","embedding":[5,6]}\n' },
    read: (dir) => readJsonlVectors(join(dir, 'v.jsonl'), join(dir, 'v.jsonl')),
    lines: ['v.jsonl:2', 'v.jsonl:3', 'v.jsonl:5'],
  },
];

describe('every bad line of a data file is reported', () => {
  for (const { reader, files, read, lines } of CASES) {
    it(`names all bad lines of ${reader}`, async () => {
      const found = await problemsOf(files, read);
      expect(found.map((p) => p.slice(0, p.indexOf(': ')))).toEqual(lines);
    });
  }

  it('names all bad rows of Parquet embeddings, by row', async () => {
    const dir = await tempDir('mg-problems-');
    await writeFile(join(dir, 'v.parquet'), parquetBytes(['a', 'b', null, 'd', 'e'], [[1, 2], [1], [3, 4], null, [5, 6]]));
    const error = await readParquetVectors(join(dir, 'v.parquet'), 'v.parquet').catch((e: unknown) => e);
    expect((error as ConfigurationError).problems.map((p) => /^Parquet vectors: row \d+/.exec(p.message)?.[0])).toEqual(['Parquet vectors: row 1', 'Parquet vectors: row 2', 'Parquet vectors: row 3']);
  });

  it('reports problems of several data files of one suite together', async () => {
    const found = await problemsOf(
      { 'suite.yml': suite('  pairs: { file: p.jsonl }\n  triplets: { file: t.jsonl }\n'), 'texts.jsonl': TEXTS, 'p.jsonl': '{"a":"a"}\n{"a":"a"}\n', 't.jsonl': 'x\ny\n' },
      loadIn,
    );
    expect(found.map((p) => p.slice(0, p.indexOf(': ')))).toEqual(['p.jsonl:1', 'p.jsonl:2', 't.jsonl:1', 't.jsonl:2']);
  });

  for (const bad of [MAX_PROBLEMS_PER_FILE - 1, MAX_PROBLEMS_PER_FILE, MAX_PROBLEMS_PER_FILE + 1, MAX_PROBLEMS_PER_FILE + 7]) {
    it(`shows at most ${MAX_PROBLEMS_PER_FILE} problems per file, then how many more (${bad} bad lines)`, async () => {
      // A good pair, then a pair naming an unknown text, `bad` times: bad lines are 2, 4, 6, …
      const lines = Array.from({ length: bad }, (_, i) => ['{"a":"a","b":"b","label":"related","id":"p' + i + '"}', `{"a":"a","b":"nope${i}","label":"related"}`]).flat();
      const found = await problemsOf({ 'suite.yml': suite('  pairs: { file: p.jsonl }\n'), 'texts.jsonl': TEXTS, 'p.jsonl': lines.join('\n') + '\n' }, loadIn);
      const shown = Math.min(bad, MAX_PROBLEMS_PER_FILE);
      expect(found.slice(0, shown)).toEqual(Array.from({ length: shown }, (_, i) => `p.jsonl:${2 * i + 2}: pair text 'nope${i}' is not a text id of the suite`));
      const more = bad - shown;
      expect(found.slice(shown)).toEqual(more === 0 ? [] : [`p.jsonl:: and ${more} more problem${more === 1 ? '' : 's'} in this file`]);
    });
  }

  it('caps each file on its own and rethrows what is not a user mistake', () => {
    const problems = new ProblemCollector(2);
    for (const file of ['x', 'y']) for (let line = 1; line <= 3; line++) problems.add({ message: 'bad', location: { file, line } });
    expect(problems.list().map((p) => `${p.location?.file}:${p.location?.line ?? ''}: ${p.message}`)).toEqual([
      'x:1: bad', 'x:2: bad', 'y:1: bad', 'y:2: bad', 'x:: and 1 more problem in this file', 'y:: and 1 more problem in this file',
    ]);
    expect(() => problems.attempt(() => {
      throw new TypeError('a bug');
    })).toThrow(TypeError);
  });
});
