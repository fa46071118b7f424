import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddingRegressionCommand } from '../../src/regression/command.js';
import type { Result } from '../../src/results/types.js';
import { jsonlText, npyBytes, parquetBytes, safetensorsBytes, type Rows } from '../support/vector-files.js';
import { exampleInputs, exampleWorkspace, testEnvironment } from './helpers.js';

/**
 * Vector problems in the candidate's file, in every format the files source reads: each
 * finding names the file, and the ids of the rows at fault.
 */
const command = createEmbeddingRegressionCommand({});

/** Writes the candidate's vectors in one format; returns the `file:` source. */
const formats: Record<string, (workspace: string, ids: string[], rows: Rows) => Promise<string>> = {
  npy: async (workspace, ids, rows) => {
    await writeFile(join(workspace, 'cand.npy'), npyBytes(rows));
    await writeFile(join(workspace, 'cand.ids.txt'), `${ids.join('\n')}\n`);
    return 'file:cand.npy';
  },
  safetensors: async (workspace, ids, rows) => {
    await writeFile(join(workspace, 'cand.safetensors'), safetensorsBytes(rows, { ids }));
    return 'file:cand.safetensors';
  },
  jsonl: async (workspace, ids, rows) => {
    await writeFile(join(workspace, 'cand.jsonl'), jsonlText(ids, rows));
    return 'file:cand.jsonl';
  },
  parquet: async (workspace, ids, rows) => {
    await writeFile(join(workspace, 'cand.parquet'), parquetBytes(ids, rows));
    return 'file:cand.parquet';
  },
};

let ids: string[];
let rows: Rows;

beforeAll(async () => {
  const text = await readFile(join(await exampleWorkspace(), 'suites/search/embeddings/candidate.jsonl'), 'utf8');
  const records = text.trim().split('\n').map((line) => JSON.parse(line) as { id: string; embedding: number[] });
  ids = records.map((r) => r.id);
  rows = records.map((r) => r.embedding);
});

async function run(format: string, vectors: Rows): Promise<{ result: Result; source: string }> {
  const workspace = await exampleWorkspace();
  const source = await formats[format]!(workspace, ids, vectors);
  const outcome = await command.run({ ...exampleInputs, candidate: source }, testEnvironment(workspace));
  const result = JSON.parse(await readFile(outcome.outputs['result-file']!, 'utf8')) as Result;
  return { result, source };
}

describe('vector problems name the file and the rows', () => {
  it.each(Object.keys(formats))('%s: an all-zero vector', async (format) => {
    const zeroAt = 7;
    const { result, source } = await run(format, rows.map((row, i) => (i === zeroAt ? row.map(() => 0) : row)));
    const finding = result.findings.find((f) => f.rule === 'health.zero-vectors');
    expect(finding?.message).toBe(`1 candidate vector(s) (${source}) are all zeros: ids ${JSON.stringify(ids[zeroAt])}`);
    expect(result.verdict).toBe('fail');
  });

  it.each(Object.keys(formats))('%s: a dimension other than the contract’s', async (format) => {
    const { result, source } = await run(format, rows.map((row) => row.slice(1)));
    const finding = result.findings.find((f) => f.rule === 'health.dimension');
    expect(finding?.severity).toBe('error');
    expect(finding?.message).toBe(`candidate vectors (${source}) have dimension ${rows[0]!.length - 1}, the contract says ${rows[0]!.length}`);
  });
});
