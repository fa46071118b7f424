import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Environment } from '../../src/command.js';
import { MemoryLogger } from '../../src/io/log.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

/** A copy of examples/ in a temporary folder: the workspace of a run. */
export async function exampleWorkspace(): Promise<string> {
  const workspace = await tempDir('mg-regression-');
  await cp(join(repoRoot, 'examples'), workspace, { recursive: true });
  return workspace;
}

export function testEnvironment(workspace: string, log = new MemoryLogger()): Environment {
  return {
    log,
    context: { commit: null, ref: null, repository: null, runUrl: null, baseCommit: null, pullRequest: null, workspace },
    env: {},
    setSecret: () => {},
    runner: 'actions',
  };
}

export const exampleInputs = {
  suite: 'suites/search/suite.yml',
  production: 'file:suites/search/embeddings/production.jsonl',
  candidate: 'file:suites/search/embeddings/candidate.jsonl',
  contract: 'models/search-embedder/contract.yml',
  shard: undefined as string | undefined,
  resultsDir: 'results',
  checkId: undefined as string | undefined,
  config: undefined as string | undefined,
  seed: undefined as number | undefined,
  productionSource: undefined as string | undefined,
  ledger: undefined as string | undefined,
  environment: 'production',
  githubToken: undefined as string | undefined,
  actionsCache: true,
};
