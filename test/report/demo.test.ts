import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

// The demo's steps (scripts/demo.mjs) through the CLI, on a copy of examples/, with the run
// context pinned so that the report is the same on every machine.
const COMMIT = '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';

const REGRESSION = [
  'embedding-regression',
  '--suite', 'suites/search/suite.yml',
  '--production', 'file:suites/search/embeddings/production.jsonl',
  '--candidate', 'file:suites/search/embeddings/candidate.jsonl',
  '--contract', 'models/search-embedder/contract.yml',
];

async function demoReport(shards = 0): Promise<string> {
  const workspace = await tempDir('mg-demo-');
  await cp(join(repoRoot, 'examples'), workspace, { recursive: true });
  vi.stubEnv('GITHUB_WORKSPACE', workspace);
  vi.stubEnv('GITHUB_SHA', COMMIT);
  vi.stubEnv('GITHUB_REPOSITORY', 'acme/search');
  vi.stubEnv('GITHUB_SERVER_URL', 'https://github.com');
  vi.stubEnv('GITHUB_RUN_ID', '4242');
  vi.stubEnv('GITHUB_STEP_SUMMARY', '');
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const error = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const steps = [
      ['contract', '--contract', 'models/search-embedder/contract.yml', '--production', 'production/search-embedder/contract.yml', '--results-dir', 'results'],
      // Unsharded as in the demo, or as matrix shards whose partial results the report merges.
      ...(shards === 0 ? [[...REGRESSION, '--results-dir', 'results']] : Array.from({ length: shards }, (_, i) => [...REGRESSION, '--results-dir', 'results', '--shard', `${i + 1}/${shards}`])),
      ['report', '--results-dir', 'results', '--mode', 'none', '--output', 'report.md'],
    ];
    // The regression fails on purpose (its French segment regresses), except a partial shard
    // that has no verdict of its own; the report exits 0 whatever the verdict.
    const report = steps.at(-1);
    for (const step of steps) {
      const code = await main(step);
      if (step === report || step[0] === 'contract') expect(code, step.join(' ')).toBe(0);
    }
  } finally {
    write.mockRestore();
    error.mockRestore();
  }
  return readFile(join(workspace, 'report.md'), 'utf8');
}

describe("the demo's report", () => {
  it('matches the reviewed snapshot', async () => {
    await expect(await demoReport()).toMatchFileSnapshot('__snapshots__/demo-report.md');
  });

  it('is the same when the regression ran as three matrix shards', async () => {
    expect(await demoReport(3)).toBe(await readFile(join(import.meta.dirname, '__snapshots__', 'demo-report.md'), 'utf8'));
  });
});

describe('a report with every kind of section', () => {
  it('matches the reviewed snapshot', async () => {
    const { renderComment } = await import('../../src/report/render.js');
    const { context, contractResult, pairsCheck, result } = await import('./fixtures.js');
    const regression = result({ verdict: 'fail', summary: 'Related pairs in German regress beyond the tolerance.', checks: [pairsCheck()] });
    const { markdown } = renderComment([contractResult(), regression], context({ artifact: { name: 'model-gates-report', url: 'https://github.com/acme/search/actions/runs/1234/artifacts/77' } }));
    await expect(markdown).toMatchFileSnapshot('__snapshots__/full-report.md');
  });
});
