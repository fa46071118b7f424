import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/io/errors.js';
import { createEmbeddingRegressionCommand } from '../../src/regression/command.js';
import { shardOf, stableHash } from '../../src/regression/shard.js';
import { mergeResults, readMergedResults } from '../../src/regression/merge.js';
import { readResults } from '../../src/results/store.js';
import type { Result } from '../../src/results/types.js';
import { exampleInputs, exampleWorkspace, testEnvironment } from './helpers.js';
import { tempDir } from '../support/temp.js';

/** The command with file ledgers only, as these tests use. */
const embeddingRegressionCommand = createEmbeddingRegressionCommand({});

/** Everything but provenance times: what must be identical between sharded and unsharded runs. */
function comparable(result: Result): string {
  const { provenance, ...rest } = result;
  return JSON.stringify({ ...rest, inputsDigest: provenance.inputsDigest }, null, 2);
}

describe('sharded runs merge into exactly the unsharded result', () => {
  let workspace: string;
  let unsharded: Result;
  let shards: Result[];

  beforeAll(async () => {
    workspace = await exampleWorkspace();
    const environment = testEnvironment(workspace);
    const whole = await embeddingRegressionCommand.run({ ...exampleInputs, resultsDir: 'whole' }, environment);
    unsharded = JSON.parse(await readFile(whole.outputs['result-file']!, 'utf8')) as Result;
    for (let i = 1; i <= 3; i++) await embeddingRegressionCommand.run({ ...exampleInputs, shard: `${i}/3`, resultsDir: 'shards' }, environment);
    shards = await readResults(join(workspace, 'shards'));
  }, 120_000);

  it('writes one partial result per shard, each with its share of the items', () => {
    expect(shards.map((s) => s.shard)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
    const pairsPerShard = shards.map((s) => s.metrics['pairs.count'] as number);
    expect(pairsPerShard.reduce((a, b) => a + b, 0)).toBe(unsharded.metrics['pairs.count']);
    expect(Math.min(...pairsPerShard)).toBeGreaterThan(0);
  });

  it('merges to the same verdict, metrics, intervals, segments and worst items, byte for byte', () => {
    const [merged] = mergeResults(shards);
    expect(merged!.shard).toBeUndefined();
    expect(comparable(merged!)).toBe(comparable(unsharded));
  });

  it('reads and merges a results directory in one call', async () => {
    const [merged] = await readMergedResults(join(workspace, 'shards'));
    expect(comparable(merged!)).toBe(comparable(unsharded));
  });

  it('merges the same whatever order the shard files come in', () => {
    const [merged] = mergeResults([...shards].reverse());
    expect(comparable(merged!)).toBe(comparable(unsharded));
  });

  it('assigns items to shards by a hash of their ids, not by position', () => {
    // The hash is the first 4 bytes of SHA-256 read big-endian: python3 -c "import hashlib;
    // print(int.from_bytes(hashlib.sha256(b'abc').digest()[:4], 'big'))" prints 3128432319.
    expect(stableHash('abc')).toBe(3128432319);
    // Recorded once: the same ids land in the same shards on every machine.
    expect([shardOf('pair', 'en-0-3|en-0-6', 8), shardOf('query', 'q-fr-3-1', 8), shardOf('neighbour', 'fr-2-0', 8)]).toEqual([2, 7, 4]);
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 800; i++) counts[shardOf('pair', `item-${i}`, 8) - 1]++;
    expect(Math.min(...counts)).toBeGreaterThan(60);
  });

  it('rejects an incomplete shard set, naming the missing shard', () => {
    expect(() => mergeResults(shards.slice(0, 2))).toThrow(/missing shard\(s\) 3\/3/);
  });

  it('rejects a duplicate shard and shards that disagree on the count', () => {
    expect(() => mergeResults([...shards, shards[0]!])).toThrow(/appears twice/);
    const odd = { ...shards[2]!, shard: { index: 3, count: 4 } };
    expect(() => mergeResults([shards[0]!, shards[1]!, odd])).toThrow(ConfigurationError);
  });

  it('rejects shards of different runs', () => {
    const other = structuredClone(shards[1]!);
    (other.details as { runKey: string }).runKey = 'sha256:' + '0'.repeat(64);
    expect(() => mergeResults([shards[0]!, other, shards[2]!])).toThrow(/different run/);
  });

  it('rejects shards next to an unsharded result of the same id, and leaves other results alone', () => {
    expect(() => mergeResults([unsharded, ...shards])).toThrow(/both an unsharded result and shard results/);
    const other = { ...unsharded, id: 'another-check' };
    const merged = mergeResults([other, ...shards]);
    expect(merged[0]).toBe(other);
    expect(merged).toHaveLength(2);
  });

  it('never fails the step for a partial verdict, and the merge command writes the merged file', async () => {
    const environment = testEnvironment(workspace);
    const outcome = await embeddingRegressionCommand.run({ ...exampleInputs, shard: '1/3', resultsDir: 'single' }, environment);
    expect(outcome.failure).toBeUndefined();
    await rm(join(workspace, 'single'), { recursive: true });
    const { mergeCommand } = await import('../../src/regression/merge-command.js');
    const merged = await mergeCommand.run({ resultsDir: 'shards', outputDir: undefined }, environment);
    expect(merged.outputs).toEqual({ merged: unsharded.id, verdict: 'fail' });
    const files = await readResults(join(workspace, 'shards'));
    expect(files).toHaveLength(1);
    expect(comparable(files[0]!)).toBe(comparable(unsharded));
  });
});

describe('sharding a suite smaller than the shard count', () => {
  it('leaves some shards empty and still merges to the unsharded result', async () => {
    const workspace = await tempDir('mg-tiny-');
    const vectors: Record<string, number[]> = { a: [1, 0, 0], b: [0.9, 0.1, 0], c: [0, 1, 0], d: [0, 0.9, 0.2], q: [1, 0.1, 0], r: [0, 1, 0.1] };
    const shifted: Record<string, number[]> = { a: [1, 0, 0.1], b: [0.7, 0.3, 0], c: [0.1, 1, 0], d: [0, 0.8, 0.5], q: [1, 0, 0.2], r: [0.2, 1, 0] };
    const jsonl = (v: Record<string, number[]>): string => Object.entries(v).map(([id, embedding]) => JSON.stringify({ id, embedding })).join('\n');
    await writeFile(join(workspace, 'texts.jsonl'), Object.keys(vectors).map((id) => JSON.stringify({ id, text: `text ${id}`, segment: id < 'c' ? 'x' : 'y' })).join('\n'));
    await writeFile(join(workspace, 'pairs.jsonl'), ['{"a":"a","b":"b","label":"related"}', '{"a":"c","b":"d","label":"related"}', '{"a":"a","b":"c","label":"unrelated"}', '{"a":"b","b":"d","label":"unrelated"}'].join('\n'));
    await writeFile(join(workspace, 'qrels.txt'), 'q 0 a 1\nr 0 c 1\n');
    await writeFile(join(workspace, 'suite.yml'), 'name: tiny\ntexts: texts.jsonl\nsettings: { resamples: 200 }\nchecks:\n  pairs: { file: pairs.jsonl }\n  retrieval: { qrels: qrels.txt, k: 2 }\n  neighbours: { sample: 3, k: 2 }\n');
    await writeFile(join(workspace, 'p.jsonl'), jsonl(vectors));
    await writeFile(join(workspace, 'c.jsonl'), jsonl(shifted));
    const environment = testEnvironment(workspace);
    const inputs = { ...exampleInputs, suite: 'suite.yml', production: 'file:p.jsonl', candidate: 'file:c.jsonl', contract: undefined };
    const whole = await embeddingRegressionCommand.run({ ...inputs, resultsDir: 'whole' }, environment);
    const unsharded = JSON.parse(await readFile(whole.outputs['result-file']!, 'utf8')) as Result;
    for (let i = 1; i <= 8; i++) await embeddingRegressionCommand.run({ ...inputs, shard: `${i}/8`, resultsDir: 'shards' }, environment);
    const shards = await readResults(join(workspace, 'shards'));
    expect(shards.some((s) => s.metrics['pairs.count'] === 0)).toBe(true);
    const [merged] = mergeResults(shards);
    expect(comparable(merged!)).toBe(comparable(unsharded));
  });
});
