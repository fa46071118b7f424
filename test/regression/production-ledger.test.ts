import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedger } from '../../src/ledger/file.js';
import { promote } from '../../src/ledger/operations.js';
import type { LedgerEntry, LedgerRecord } from '../../src/ledger/types.js';
import { createEmbeddingRegressionCommand } from '../../src/regression/command.js';
import { fillSourceTemplate } from '../../src/regression/production.js';
import type { Result } from '../../src/results/types.js';
import { fullDeployment } from '../support/ledger-record.js';
import { EmbeddingServer } from '../support/openai-server.js';
import { exampleInputs, exampleWorkspace, testEnvironment } from './helpers.js';

/** The command with file ledgers only, as these tests use. */
const embeddingRegressionCommand = createEmbeddingRegressionCommand({});

const MODEL = 'search-embedder';

function deployment(version: string, digest: string | null): LedgerRecord {
  return fullDeployment(MODEL, version, { artifact: { uri: `s3://models/${MODEL}/${version}`, digest } });
}

function entry(record: LedgerRecord): LedgerEntry {
  return { ...record, id: 7, status: 'success', statusDescription: '' };
}

async function resultOf(outputs: Record<string, string>): Promise<Result> {
  return JSON.parse(await readFile(outputs['result-file'] as string, 'utf8')) as Result;
}

describe('production-source templates', () => {
  it('fills every placeholder from the ledger record', () => {
    const record = entry(deployment('1.4.0', 'sha256:ab12'));
    expect(fillSourceTemplate('file:embeddings/{model}-{version}.npy', record)).toBe('file:embeddings/search-embedder-1.4.0.npy');
    expect(fillSourceTemplate('command:python3 embed.py --model {uri} --digest {digest}', record)).toBe(
      'command:python3 embed.py --model s3://models/search-embedder/1.4.0 --digest sha256:ab12',
    );
    expect(fillSourceTemplate('openai:https://embeddings.internal/v1', record)).toBe('openai:https://embeddings.internal/v1');
  });

  it('names an unknown placeholder and a value the record lacks', () => {
    const record = entry(deployment('1.4.0', null));
    expect(() => fillSourceTemplate('file:{tag}.npy', record)).toThrow('unknown placeholder {tag}; use {model}, {version}, {digest}, {uri}');
    expect(() => fillSourceTemplate('file:{digest}.npy', record)).toThrow('{digest} is empty in the ledger record #7 (search-embedder 1.4.0)');
  });

  it('refuses ledger values that could add arguments to a command', () => {
    // Anyone who can create a deployment writes the ledger: its values are data, never syntax.
    const record = entry(deployment('1.4.0 --output /etc/passwd', null));
    expect(() => fillSourceTemplate('command:embed --version {version}', record)).toThrow(
      '{version} of ledger record #7 holds characters a source may not take from the ledger (spaces, quotes, shell characters): "1.4.0 --output /etc/passwd"',
    );
    expect(() => fillSourceTemplate('command:embed {version}', entry(deployment('$(id)', null)))).toThrow('shell characters');
  });
});

describe('embedding-regression with production: ledger', () => {
  let workspace: string;
  let ledger: FileLedger;
  const server = new EmbeddingServer({ dimension: 64 });
  beforeAll(async () => {
    workspace = await exampleWorkspace();
    ledger = new FileLedger(join(workspace, 'ledger.jsonl'));
    await server.start();
  });
  afterAll(() => server.stop());

  const ledgerInputs = { ...exampleInputs, production: 'ledger', ledger: 'file:ledger.jsonl' };

  it('refuses ledger without production-source, and when nothing is deployed', async () => {
    const environment = testEnvironment(workspace);
    await expect(embeddingRegressionCommand.run(ledgerInputs, environment)).rejects.toThrow('production: ledger needs the production-source input');
    await expect(embeddingRegressionCommand.run({ ...ledgerInputs, productionSource: 'file:x.jsonl' }, environment)).rejects.toThrow(
      `production: ledger found no successful full deployment of ${MODEL} to production in file:${join(workspace, 'ledger.jsonl')}`,
    );
  });

  it('embeds the deployed version with the filled-in source and labels the result with it', async () => {
    await promote(ledger, deployment('1.4.0', null), null);
    await mkdir(join(workspace, 'embeddings'), { recursive: true });
    await copyFile(join(workspace, exampleInputs.production.slice('file:'.length)), join(workspace, 'embeddings', `${MODEL}-1.4.0.jsonl`));
    const environment = testEnvironment(workspace);
    const viaLedger = await resultOf(
      (await embeddingRegressionCommand.run({ ...ledgerInputs, productionSource: 'file:embeddings/{model}-{version}.jsonl', resultsDir: 'ledger' }, environment)).outputs,
    );
    const direct = await resultOf((await embeddingRegressionCommand.run({ ...exampleInputs, resultsDir: 'direct' }, environment)).outputs);
    expect(viaLedger.subject).toEqual({
      model: MODEL,
      candidateVersion: '2.0.0',
      productionVersion: '1.4.0',
      productionSource: `ledger:production#1 (file:embeddings/${MODEL}-1.4.0.jsonl)`,
    });
    expect(direct.subject.productionVersion).toBeNull();
    // The same vectors, reached through the ledger: the same verdicts and figures.
    expect(viaLedger.metrics).toEqual(direct.metrics);
    expect(viaLedger.verdict).toBe(direct.verdict);
  }, 60_000);

  it("keys the embedding cache by the deployed version: a new deployment behind the same endpoint is embedded afresh", async () => {
    const run = (dir: string) =>
      embeddingRegressionCommand.run({ ...ledgerInputs, productionSource: `openai:${server.url}/v1`, resultsDir: dir }, testEnvironment(workspace));
    await run('openai-1');
    const first = server.requests.length;
    expect(first).toBeGreaterThan(0);
    await run('openai-2');
    expect(server.requests.length).toBe(first); // 1.4.0 again: every text from the cache
    await promote(ledger, deployment('1.5.0', 'sha256:0f0f'), '1.4.0');
    const result = await resultOf((await run('openai-3')).outputs);
    expect(server.requests.length).toBeGreaterThan(first); // 1.5.0: not 1.4.0's vectors
    expect(result.subject).toMatchObject({ productionVersion: '1.5.0', productionSource: expect.stringMatching(/^ledger:production#2 \(/) });
  }, 60_000);
});
