import { describe, expect, it } from 'vitest';
import { createSource } from '../../src/embeddings/sources.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { MemoryLogger, silentLogger } from '../../src/io/log.js';
import { jsNeighbourSearch } from '../../src/knn/exact-js.js';
import { runRegression } from '../../src/regression/engine.js';
import type { Suite } from '../../src/regression/suite.js';
import { embeddingServers, type EmbeddingServer } from '../support/openai-server.js';
import { tempDir } from '../support/temp.js';

const suite: Suite = {
  file: 'suite.yml',
  definition: { name: 'tiny', texts: 't', checks: { pairs: { file: 'p' } } },
  texts: ['a', 'b', 'c'].map((id) => ({ id, text: `text ${id}`, segment: null })),
  pairs: [
    { id: 'a|b', a: 0, b: 1, label: 'related', segment: null },
    { id: 'a|c', a: 0, b: 2, label: 'unrelated', segment: null },
  ],
};

const production = embeddingServers({ dimension: 8 });

async function run(candidateSpec: string, server: EmbeddingServer, workspace: string): Promise<unknown> {
  const open = (spec: string, role: 'production' | 'candidate') =>
    createSource(spec, { role, workspace, config: { defaults: { retries: 0 } }, env: { PATH: process.env.PATH ?? '' }, setSecret: () => {}, log: silentLogger });
  return runRegression({
    suite,
    production: await open(`openai:${server.url}`, 'production'),
    candidate: await open(candidateSpec, 'candidate'),
    contractDimension: null,
    config: {},
    search: jsNeighbourSearch(),
    log: new MemoryLogger(),
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('both sources are checked before either embeds', () => {
  it.each([
    ['a missing candidate file', 'file:vectors/candidate-v2.npy', /candidate-v2\.npy/],
    ['an unreachable candidate endpoint', 'openai:http://127.0.0.1:9/v1', /request failed .*gave up after 1 attempts/],
    ['a candidate program that does not exist', 'command:embed-candidate-v2 --model m', /program not found on PATH: embed-candidate-v2/],
  ])('%s fails before production embeds anything', async (_, spec, message) => {
    const server = await production();
    const error = await run(spec, server, await tempDir('mg-check-'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it('a good pair is checked with one text each, then embedded', async () => {
    const server = await production();
    const candidate = await production();
    expect(await run(`openai:${candidate.url}`, server, await tempDir('mg-check-'))).toBeUndefined();
    expect(candidate.requests.map((r) => r.inputs.length)).toEqual([1, 3]);
    expect(server.requests.map((r) => r.inputs.length)).toEqual([1, 3]);
  });
});
