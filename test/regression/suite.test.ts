import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/io/errors.js';
import { loadSuite } from '../../src/regression/suite.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

const TEXTS = ['{"id":"a","text":"dog","segment":"en"}', '{"id":"b","text":"puppy","segment":"en"}', '{"id":"c","text":"chat","segment":"fr"}', '{"id":"d","text":"chaton","segment":"fr"}'].join('\n');

async function suiteDir(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('mg-suite-');
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function problems(files: Record<string, string>): Promise<string[]> {
  const dir = await suiteDir(files);
  try {
    await loadSuite(join(dir, 'suite.yml'));
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems.map((p) => `${p.location?.file.replace(`${dir}/`, '')}:${p.location?.line ?? ''}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('loadSuite', () => {
  it('loads the bundled example: texts, pairs (CSV) and TREC qrels', async () => {
    const suite = await loadSuite(join(repoRoot, 'examples', 'suites', 'search', 'suite.yml'));
    expect(suite.texts.length).toBeGreaterThan(300);
    expect(suite.pairs!.some((p) => p.segment === 'fr' && p.label === 'unrelated')).toBe(true);
    expect(suite.retrieval!.queries).toHaveLength(96);
    expect(suite.neighbourCorpus).toHaveLength(suite.texts.length);
  });

  it('reads CSV with quoted fields, derives pair segments and TREC qrels grades', async () => {
    const dir = await suiteDir({
      'suite.yml': 'name: t\ntexts: [texts.jsonl, more.csv]\nchecks:\n  pairs: { file: pairs.csv }\n  retrieval: { qrels: qrels.txt }\n',
      'texts.jsonl': TEXTS,
      'more.csv': 'id,text,segment\nq,"where is the ""dog"", or a puppy?\nsecond line",en\n',
      'pairs.csv': 'a,b,label\na,b,related\nc,d,related\na,c,unrelated\n',
      'qrels.txt': '# query 0 doc grade\nq 0 a 2\nq 0 b 1\nq 0 c 0\n',
    });
    const suite = await loadSuite(join(dir, 'suite.yml'));
    expect(suite.texts[4]).toEqual({ id: 'q', text: 'where is the "dog", or a puppy?\nsecond line', segment: 'en' });
    expect(suite.pairs!.map((p) => p.segment)).toEqual(['en', 'fr', null]);
    expect(suite.retrieval!.queries).toEqual([4]);
    expect([...suite.retrieval!.relevant[0]!]).toEqual([[0, 2], [1, 1]]);
    expect(suite.retrieval!.corpus).toEqual([0, 1, 2, 3]);
  });

  it('names file and line for duplicate ids, unknown ids, bad labels and malformed qrels, all at once', async () => {
    const found = await problems({
      'suite.yml': 'name: t\ntexts: texts.jsonl\nchecks:\n  pairs: { file: pairs.jsonl }\n  retrieval: { qrels: qrels.txt }\n',
      'texts.jsonl': TEXTS,
      'pairs.jsonl': '{"a":"a","b":"b","label":"related"}\n{"a":"a","b":"zebra","label":"related"}\n',
      'qrels.txt': 'q1 0 a\n',
    });
    expect(found).toEqual([
      "pairs.jsonl:2: pair text 'zebra' is not a text id of the suite",
      "qrels.txt:1: expected 4 fields 'query-id 0 doc-id relevance', found 3",
    ]);
    expect(
      await problems({
        'suite.yml': 'name: t\ntexts: texts.jsonl\nchecks:\n  pairs: { file: pairs.tsv }\n',
        'texts.jsonl': TEXTS,
        'pairs.tsv': 'a\tb\tlabel\na\tb\trelated\nc\td\tsimilar\n',
      }),
    ).toEqual(["pairs.tsv:3: label 'similar' must be related or unrelated (or 1 or 0)"]);
    const duplicate = await problems({ 'suite.yml': 'name: t\ntexts: texts.jsonl\nchecks: {}\n', 'texts.jsonl': `${TEXTS}\n{"id":"b","text":"again"}\n` });
    expect(duplicate).toHaveLength(1);
    expect(duplicate[0]).toMatch(/^texts\.jsonl:5: duplicate text id 'b' \(first at .*texts\.jsonl:2\)$/);
  });

  it('reports duplicate pairs, judged documents outside the corpus and bad JSON with their lines', async () => {
    const found = await problems({
      'suite.yml': 'name: t\ntexts: texts.jsonl\nchecks:\n  pairs: { file: pairs.jsonl }\n  triplets: { file: triplets.jsonl }\n  retrieval: { qrels: qrels.jsonl, corpus: corpus.jsonl }\n',
      'texts.jsonl': TEXTS,
      'pairs.jsonl': '{"a":"a","b":"b","label":"related"}\n\n{"a":"a","b":"b","label":"unrelated"}\n',
      'triplets.jsonl': '{"anchor":"a","positive":"b",\n',
      'qrels.jsonl': '{"query":"a","doc":"b","relevance":1}\n{"query":"a","doc":"c","relevance":1}\n',
      'corpus.jsonl': '{"id":"b"}\n',
    });
    expect(found[0]).toBe("pairs.jsonl:3: duplicate pair 'a|b' (first at line 1)");
    expect(found[1]).toMatch(/^triplets\.jsonl:1: not valid JSON/);
    expect(found[2]).toBe("qrels.jsonl:2: document 'c' is judged but is not in the retrieval corpus");
  });

  it('locates schema violations in the suite file', async () => {
    const found = await problems({ 'suite.yml': 'name: t\ntexts: texts.jsonl\nchecks:\n  pairs: { file: p.csv, tolerence: 0.1 }\n', 'texts.jsonl': TEXTS });
    expect(found).toEqual(["suite.yml:4: 'checks.pairs' has unknown property 'tolerence'"]);
  });
});
