import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/io/errors.js';
import { loadSuite } from '../../src/regression/suite.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

// An STS-style pair dataset as a Hugging Face Parquet export, and both models' vectors of its
// sentences: the same numbers as test/fixtures/sts-spearman-reference.py.
const GOLD = [5.0, 4.2, 3.8, 3.8, 2.5, 1.0, 0.0, 4.6, 2.5, 0.4];
const PRODUCTION = [
  [[1, 0, 0], [0.9, 0.1, 0]], [[0, 1, 0], [0.2, 0.9, 0.1]], [[0, 0, 1], [0.3, 0.1, 0.8]],
  [[1, 1, 0], [1, 0.4, 0.3]], [[1, 0, 1], [0.1, 0.9, 0.6]], [[0, 1, 1], [1, 0.1, 0]],
  [[1, 0, 0], [0, 0.2, 1]], [[0.5, 0.5, 0], [0.6, 0.4, 0.1]], [[0, 0, 1], [0.7, 0.2, 0.4]],
  [[0, 1, 0], [1, 0, 0.2]],
];
const CANDIDATE = [
  [[1, 0, 0], [0.7, 0.5, 0]], [[0, 1, 0], [0.5, 0.8, 0.1]], [[0, 0, 1], [0.1, 0.1, 0.9]],
  [[1, 1, 0], [0.2, 1, 0.8]], [[1, 0, 1], [0.6, 0.3, 0.7]], [[0, 1, 1], [0.2, 0.9, 0.1]],
  [[1, 0, 0], [0.1, 0.9, 0.3]], [[0.5, 0.5, 0], [0.2, 0.2, 0.9]], [[0, 0, 1], [0.3, 0.3, 0.6]],
  [[0, 1, 0], [0.4, 0.2, 0.1]],
];
// scipy.stats.spearmanr(cosines, GOLD).statistic, printed by test/fixtures/sts-spearman-reference.py.
const SPEARMAN = { production: 0.990830321206772, candidate: 0.298786042326361 };

/** Writes the dataset (columns named as in the Hub's sentence-transformers/stsb, renamed by the suite) and the vectors. */
async function stsFolder(suite: string): Promise<string> {
  const dir = await tempDir('mg-sts-');
  const parquet = parquetWriteBuffer({
    columnData: [
      { name: 'first', data: GOLD.map((_, i) => `sentence ${i} one`), type: 'STRING' },
      { name: 'second', data: GOLD.map((_, i) => `sentence ${i} two`), type: 'STRING' },
      { name: 'similarity', data: GOLD, type: 'DOUBLE' },
    ],
  });
  await writeFile(join(dir, 'sts.parquet'), new Uint8Array(parquet));
  await writeFile(join(dir, 'suite.yml'), suite);
  for (const [model, pairs] of [['production', PRODUCTION], ['candidate', CANDIDATE]] as const) {
    const lines = pairs.flatMap(([a, b], i) => [JSON.stringify({ id: `pair:${i + 1}:1`, embedding: a }), JSON.stringify({ id: `pair:${i + 1}:2`, embedding: b })]);
    await writeFile(join(dir, `${model}.jsonl`), lines.join('\n') + '\n');
  }
  return dir;
}

const SUITE = 'name: sts\nchecks:\n  pairs:\n    file: sts.parquet\n    columns: { sentence1: first, sentence2: second, score: similarity }\n    relatedAt: 3\n';

describe('STS-style pair datasets', () => {
  it('reads a Parquet export with renamed columns, its sentences as texts and its scores as labels at the stated threshold', async () => {
    const suite = await loadSuite(join(await stsFolder(SUITE), 'suite.yml'));
    expect(suite.texts.slice(0, 2)).toEqual([{ id: 'pair:1:1', text: 'sentence 0 one', segment: null }, { id: 'pair:1:2', text: 'sentence 0 two', segment: null }]);
    expect(suite.pairs!.map((p) => p.score)).toEqual(GOLD);
    expect(suite.pairs!.map((p) => p.label)).toEqual(GOLD.map((g) => (g >= 3 ? 'related' : 'unrelated')));
  });

  it('reports the Spearman correlation of cosines with the gold scores as scipy computes it', async () => {
    const dir = await stsFolder(SUITE);
    const run = promisify(execFile);
    // Run from the repository (where tsx resolves), with the folder's files by absolute path.
    const args = ['--import', 'tsx', join(repoRoot, 'src', 'cli-main.ts'), 'embedding-regression', '--suite', join(dir, 'suite.yml'), '--production', `file:${join(dir, 'production.jsonl')}`, '--candidate', `file:${join(dir, 'candidate.jsonl')}`, '--results-dir', join(dir, 'results')];
    // The candidate ranks the pairs worse: the run fails (exit code 1) and writes its result.
    const outcome = await run(process.execPath, args, { cwd: repoRoot }).then(() => 0, (error: { code?: number }) => error.code);
    expect(outcome).toBe(1);
    const result = JSON.parse(await readFile(join(dir, 'results', 'sts.json'), 'utf8')) as { metrics: Record<string, number | null> };
    expect(result.metrics['pairs.gold_spearman.production']).toBeCloseTo(SPEARMAN.production, 6);
    expect(result.metrics['pairs.gold_spearman.candidate']).toBeCloseTo(SPEARMAN.candidate, 6);
  });

  it('asks for a threshold when pairs have scores and no labels', async () => {
    const dir = await stsFolder(SUITE.replace('    relatedAt: 3\n', ''));
    const error = await loadSuite(join(dir, 'suite.yml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems;
    expect(problems.slice(0, 2).map((p) => p.location?.line)).toEqual([1, 2]);
    expect(problems[0]!.message).toMatch(/set checks\.pairs\.relatedAt/);
    expect(problems.length).toBe(10);
  });
});

describe('Hugging Face Parquet texts', () => {
  it('reads a text dataset with its own column names: 64-bit ids as text, a label as the segment', async () => {
    const dir = await tempDir('mg-hf-');
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'idx', data: [7n, 8n, 9n], type: 'INT64' },
        { name: 'sentence', data: ['a fine day', 'rain again', 'snow'], type: 'STRING' },
        { name: 'label', data: [1, 0, 1], type: 'INT32' },
      ],
    });
    await writeFile(join(dir, 'train.parquet'), new Uint8Array(parquet));
    await writeFile(join(dir, 'suite.yml'), 'name: hf\ntexts:\n  - file: train.parquet\n    columns: { id: idx, text: sentence, segment: label }\nchecks:\n  neighbours: { k: 1 }\n');
    const suite = await loadSuite(join(dir, 'suite.yml'));
    expect(suite.texts).toEqual([
      { id: '7', text: 'a fine day', segment: '1' },
      { id: '8', text: 'rain again', segment: '0' },
      { id: '9', text: 'snow', segment: '1' },
    ]);
    await writeFile(join(dir, 'suite.yml'), 'name: hf\ntexts:\n  - file: train.parquet\n    columns: { text: sentence }\nchecks: {}\n');
    const error = await loadSuite(join(dir, 'suite.yml')).catch((e: unknown) => e);
    expect((error as ConfigurationError).problems.map((p) => `${p.location?.line}: ${p.message}`)).toEqual([1, 2, 3].map((row) => `${row}: missing field 'id' (or _id)`));
  });
});
