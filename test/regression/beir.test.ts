import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readJsonlVectors } from '../../src/embeddings/jsonl.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { jsNeighbourSearch } from '../../src/knn/exact-js.js';
import { normaliseRows } from '../../src/knn/normalise.js';
import type { Matrix } from '../../src/knn/types.js';
import { measureRetrieval } from '../../src/regression/checks/retrieval.js';
import { loadSuite, type Suite } from '../../src/regression/suite.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

const example = join(repoRoot, 'examples', 'suites', 'beir-mini');

/** The example's vectors for a model, rows in suite text order, unit length. */
async function vectors(suite: Suite, model: 'production' | 'candidate'): Promise<Matrix> {
  const table = await readJsonlVectors(join(example, 'embeddings', `${model}.jsonl`), `${model}.jsonl`);
  const row = new Map((table.ids ?? []).map((id, i) => [id, i]));
  const data = new Float32Array(suite.texts.length * table.matrix.dim);
  suite.texts.forEach((text, i) => {
    const r = row.get(text.id)!;
    data.set(table.matrix.data.subarray(r * table.matrix.dim, (r + 1) * table.matrix.dim), i * table.matrix.dim);
  });
  return normaliseRows({ data, rows: suite.texts.length, dim: table.matrix.dim });
}

// nDCG@10 per query (qrels order) and their mean, computed independently with numpy by
// test/fixtures/beir-ndcg-reference.py (trec_eval's ndcg_cut as pytrec_eval and BEIR use it:
// gain = graded relevance, discount log2(rank + 1)) from the example's files.
const REFERENCE = {
  production: {
    mean: 0.953747080274,
    queries: [0.909281794927, 0.974841254041, 0.984411035525, 0.8812641009, 0.959703111408, 0.931754219442, 0.94344125354, 0.959703111408, 0.875226160878, 0.984411035525, 0.993307923616, 0.959721868439, 0.972051108034, 0.969076281639, 0.968599999498, 1, 0.972051108034, 0.92860207807],
  },
  candidate: {
    mean: 0.835074123264,
    queries: [0.731782337661, 0.964716826153, 0.688034340533, 0.960002078572, 0.869461188476, 0.812278993551, 0.847085885256, 0.865675136426, 0.763358723731, 0.974841254041, 0.676989511931, 0.626480636358, 0.940485184177, 0.60288449661, 0.883106917243, 0.887382773849, 0.964716826153, 0.972051108034],
  },
};

describe('BEIR / MTEB retrieval datasets', () => {
  it('reads the example folder as published: ids, title and text joined, graded qrels', async () => {
    const suite = await loadSuite(join(example, 'suite.yml'));
    const corpus = (await readFile(join(example, 'dataset', 'corpus.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { _id: string; title: string; text: string });
    expect(suite.texts).toHaveLength(corpus.length + 18);
    const first = suite.texts.find((t) => t.id === 'doc:1')!;
    expect(first.text).toBe(`${corpus[0]!.title} ${corpus[0]!.text}`);
    const untitled = corpus.find((d) => d.title === '')!;
    expect(suite.texts.find((t) => t.id === `doc:${untitled._id}`)!.text).toBe(untitled.text);
    // Query ids overlap document ids in the files; the suite keeps them apart.
    expect(suite.texts.find((t) => t.id === 'query:1')!.text).toMatch(/^What is known about/);
    const retrieval = suite.retrieval!;
    expect(retrieval.queries.map((q) => suite.texts[q]!.id)).toEqual(Array.from({ length: 18 }, (_, i) => `query:${i + 1}`));
    expect(retrieval.corpus).toHaveLength(corpus.length);
    // Query 1 judges documents 1–6: 2, 2, 1, 1, 1, 0; the 0 is not relevant.
    expect([...retrieval.relevant[0]!].map(([doc, grade]) => [suite.texts[doc]!.id, grade])).toEqual([['doc:1', 2], ['doc:2', 2], ['doc:3', 1], ['doc:4', 1], ['doc:5', 1]]);
  });

  it('computes nDCG@10 on graded qrels as the independent reference does', async () => {
    const suite = await loadSuite(join(example, 'suite.yml'));
    const space = { production: await vectors(suite, 'production'), candidate: await vectors(suite, 'candidate') };
    const table = await measureRetrieval(suite, space, undefined, 10, { search: jsNeighbourSearch() });
    for (const model of ['production', 'candidate'] as const) {
      const values = table.values[`ndcg_${model}`]!.map((v) => v ?? Number.NaN);
      REFERENCE[model].queries.forEach((v, i) => expect(values[i]).toBeCloseTo(v, 6));
      expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(REFERENCE[model].mean, 6);
    }
  });

  it('runs as a suite with no conversion on the command line', async () => {
    const results = await tempDir('mg-beir-');
    const run = promisify(execFile);
    const args = ['--import', 'tsx', join(repoRoot, 'src', 'cli-main.ts'), 'embedding-regression', '--suite', 'suites/beir-mini/suite.yml', '--production', 'file:suites/beir-mini/embeddings/production.jsonl', '--candidate', 'file:suites/beir-mini/embeddings/candidate.jsonl', '--results-dir', results];
    // The candidate is noisier by construction: the run fails on retrieval (exit code 1).
    const outcome = await run(process.execPath, args, { cwd: join(repoRoot, 'examples') }).then(() => 0, (error: { code?: number }) => error.code);
    expect(outcome).toBe(1);
    const result = JSON.parse(await readFile(join(results, 'beir-mini.json'), 'utf8')) as { verdict: string; summary: string };
    expect(result.verdict).toBe('fail');
    expect(JSON.stringify(result)).toMatch(/nDCG@10/);
  });

  it('names every bad line of the dataset files', async () => {
    const dir = await tempDir('mg-beir-bad-');
    await mkdir(join(dir, 'data', 'qrels'), { recursive: true });
    await writeFile(join(dir, 'suite.yml'), 'name: t\nchecks:\n  retrieval: { beir: data, split: dev }\n');
    await writeFile(join(dir, 'data', 'corpus.jsonl'), '{"_id":"1","title":"T","text":"one"}\n{"id":"2","text":"two"}\n{"_id":"3","title":"no text"}\n{"_id":"1","text":"again"}\n');
    await writeFile(join(dir, 'data', 'queries.jsonl'), '{"_id":"1","text":"q one"}\n{"_id":"2"}\n');
    await writeFile(join(dir, 'data', 'qrels', 'dev.tsv'), 'query-id\tcorpus-id\tscore\n1\t1\t1\n1\t9\t1\n7\t1\t1\n1\t2\thigh\n');
    const problems = async (): Promise<string[]> => {
      try {
        await loadSuite(join(dir, 'suite.yml'));
        return [];
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        return error.problems.map((p) => `${p.location?.file.replace(`${dir}/`, '')}:${p.location?.line ?? ''}: ${p.message}`);
      }
    };
    expect(await problems()).toEqual([
      "data/corpus.jsonl:3: document '3' has no 'text' field",
      "data/corpus.jsonl:4: duplicate text id 'doc:1'",
      "data/queries.jsonl:2: missing field 'text'",
    ]);
    await writeFile(join(dir, 'data', 'corpus.jsonl'), '{"_id":"1","title":"T","text":"one"}\n{"_id":"2","text":"two"}\n');
    await writeFile(join(dir, 'data', 'queries.jsonl'), '{"_id":"1","text":"q one"}\n');
    await writeFile(join(dir, 'suite.yml'), 'name: t\nchecks:\n  retrieval: { beir: data, split: test }\n');
    expect(await problems()).toEqual(["data:: no split 'test' (qrels/test.tsv); the dataset has dev"]);
    await writeFile(join(dir, 'suite.yml'), 'name: t\nchecks:\n  retrieval: { beir: data, split: dev }\n');
    expect(await problems()).toEqual([
      "data/qrels/dev.tsv:3: document '9' is not in corpus.jsonl",
      "data/qrels/dev.tsv:4: query '7' is not in queries.jsonl",
      "data/qrels/dev.tsv:5: relevance 'high' must be a non-negative number (0 = not relevant)",
    ]);
  });
});
