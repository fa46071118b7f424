import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runActionBundle } from '../support/action-runner.js';
import { writeGateResult } from '../support/gate-fixture.js';
import { fakeSha, startGitHubServer } from '../support/github-server/index.js';
import { exampleWorkspace } from '../regression/helpers.js';

// Needs the bundle: npx ncc build src/actions/embedding-regression.ts -o dist/embedding-regression
describe('embedding-regression bundle under Node 24', () => {
  it('fails the bundled example on its regressed French segment and writes a valid result', async () => {
    const workspace = await exampleWorkspace();
    const run = await runActionBundle('embedding-regression', {
      workspace,
      inputs: {
        suite: 'suites/search/suite.yml',
        production: 'file:suites/search/embeddings/production.jsonl',
        candidate: 'file:suites/search/embeddings/candidate.jsonl',
        contract: 'models/search-embedder/contract.yml',
        'results-dir': 'results',
      },
    });
    expect(run.exitCode, run.stdout + run.stderr).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.outputs.summary).toMatch(/^pairs: pass: AUC change \+/m);
    expect(run.outputs.summary).toMatch(/^retrieval: fail: .*regressed segment: fr$/m);
    expect(run.outputs.summary).toMatch(/^triplets: fail: .*regressed segment: fr$/m);
    expect(run.stdout).toContain('::group::Embedding 438 texts with production');
    const result = JSON.parse(await readFile(join(workspace, 'results', 'search-regression.json'), 'utf8'));
    expect(result.kind).toBe('embedding-regression');
    expect(result.subject).toMatchObject({ model: 'search-embedder', candidateVersion: '2.0.0' });
    // The candidate improves overall, yet the fr segment fails.
    expect(result.metrics['pairs.auc.change']).toBeGreaterThan(0);
    expect(result.metrics['retrieval.ndcg.change']).toBeGreaterThan(0);
    const fr = result.checks.find((c: { id: string }) => c.id === 'retrieval').segments.find((s: { segment: string }) => s.segment === 'fr');
    expect(fr).toMatchObject({ gated: true, verdict: 'fail' });
    const pairs = result.checks.find((c: { id: string }) => c.id === 'pairs');
    expect(pairs.worst.length).toBe(5);
    expect(pairs.segments.find((s: { segment: string }) => s.segment === 'fr').change).toBeLessThan(-0.02);
    expect(run.summary).toContain('Embedding regression');
  });

  it('annotates a suite error at its file and line', async () => {
    const workspace = await exampleWorkspace();
    const run = await runActionBundle('embedding-regression', {
      workspace,
      inputs: { suite: 'suites/search/missing.yml', production: 'file:x.npy', candidate: 'file:y.npy' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]).toMatchObject({ level: 'error', file: 'suites/search/missing.yml', message: 'suite file not found' });
  });

  it('compares with the version the GitHub Deployments ledger says is in production', async () => {
    const server = await startGitHubServer();
    try {
      const token = 'ghs_regression_ledger_token';
      server.addToken(token, { login: 'github-actions[bot]', permissions: { deployments: 'write', contents: 'read' } });
      server.state.addRepository('acme/models');
      const workspace = await exampleWorkspace();
      const env = { ...server.env(), GITHUB_REPOSITORY: 'acme/models', GITHUB_SHA: fakeSha('1.4.0') };
      await writeGateResult(workspace, 'gate-1.4.0', { model: 'search-embedder', version: '1.4.0', productionVersion: null, commit: fakeSha('1.4.0'), decision: 'pass' });
      const promoted = await runActionBundle('promote', {
        workspace,
        env,
        inputs: { model: 'search-embedder', version: '1.4.0', 'results-dir': 'gate-1.4.0', 'github-token': token },
      });
      expect(promoted.exitCode, promoted.stdout + promoted.stderr).toBe(0);
      await mkdir(join(workspace, 'embeddings'), { recursive: true });
      await copyFile(join(workspace, 'suites/search/embeddings/production.jsonl'), join(workspace, 'embeddings', 'search-embedder-1.4.0.jsonl'));

      const run = await runActionBundle('embedding-regression', {
        workspace,
        env,
        inputs: {
          suite: 'suites/search/suite.yml',
          production: 'ledger',
          'production-source': 'file:embeddings/{model}-{version}.jsonl',
          candidate: 'file:suites/search/embeddings/candidate.jsonl',
          contract: 'models/search-embedder/contract.yml',
          'results-dir': 'results',
          'github-token': token,
        },
      });
      expect(run.exitCode, run.stdout + run.stderr).toBe(1); // the example's fr segment regresses
      expect(run.stdout).toContain('production: ledger: search-embedder 1.4.0 (#');
      const result = JSON.parse(await readFile(join(workspace, 'results', 'search-regression.json'), 'utf8'));
      expect(result.subject).toMatchObject({ productionVersion: '1.4.0', productionSource: expect.stringMatching(/^ledger:production#\d+ \(file:embeddings\/search-embedder-1\.4\.0\.jsonl\)$/) });
      server.assertNoViolations();
    } finally {
      await server.close();
    }
  });
});
