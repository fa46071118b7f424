import { execFile } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fakeSha, startGitHubServer } from '../support/github-server/index.js';
import { runActionBundle } from '../support/action-runner.js';
import { repoRoot } from '../support/node24.js';
import { EmbeddingServer } from '../support/openai-server.js';
import { tempDir } from '../support/temp.js';

const CANDIDATE = 'models/search-embedder/contract.yml';
const PRODUCTION = 'production/search-embedder/contract.yml';
const PRODUCTION_DIGEST = 'sha256:4f1c2a9be0d6a1c3e5f7091b2d4c6e8fa0b2c4d6e8f0a1b3c5d7e9f1a3b5c7d9';
const CANDIDATE_DIGEST = 'sha256:9a8b7c6d5e4f30211f2e3d4c5b6a79880f1e2d3c4b5a69788796a5b4c3d2e1f0';

/** The example candidate as a minor release in production's space that narrows text.maxLength. */
async function breakingMinorBump(workspace: string): Promise<string> {
  const file = join(workspace, CANDIDATE);
  const text = (await readFile(file, 'utf8'))
    .replace('version: 2.0.0', 'version: 1.5.0')
    .replace('space: search-v2', 'space: search-v1')
    .replace(CANDIDATE_DIGEST, PRODUCTION_DIGEST)
    .replace('maxLength: 2048', 'maxLength: 1024');
  await writeFile(file, text);
  return text;
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

async function exampleWorkspace(): Promise<string> {
  const workspace = await tempDir('mg-ws-');
  await cp(join(repoRoot, 'examples'), workspace, { recursive: true });
  return workspace;
}

describe('contract bundle under Node 24', () => {
  it('passes the bundled example and writes a valid result', async () => {
    const workspace = await exampleWorkspace();
    const run = await runActionBundle('contract', {
      workspace,
      inputs: { contract: 'models/search-embedder/contract.yml', production: 'production/search-embedder/contract.yml', 'results-dir': 'results' },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    const result = JSON.parse(await readFile(join(workspace, 'results', 'contract.json'), 'utf8'));
    expect(result.schema).toBe('model-gates/result@1');
    expect(run.summary).toContain('search-embedder');
    expect(run.outputs['required-bump']).toBe('major');
    expect(run.outputs['reindex-required']).toBe('true');
    expect(run.annotations).toContainEqual(expect.objectContaining({ level: 'warning', file: CANDIDATE, message: expect.stringContaining('re-index required') }));
  });

  it('fails a breaking change with only a minor bump: exit 1, an annotation at the field, required-bump=major', async () => {
    const workspace = await exampleWorkspace();
    const text = await breakingMinorBump(workspace);
    const run = await runActionBundle('contract', { workspace, inputs: { contract: CANDIDATE, production: PRODUCTION, 'results-dir': 'results' } });
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.outputs['required-bump']).toBe('major');
    expect(run.outputs['reindex-required']).toBe('false');
    const errors = run.annotations.filter((a) => a.level === 'error');
    expect(errors).toContainEqual(expect.objectContaining({ file: CANDIDATE, line: lineOf(text, 'maxLength: 1024'), message: expect.stringContaining('needs a major version bump') }));
    const result = JSON.parse(await readFile(join(workspace, 'results', 'contract.json'), 'utf8'));
    expect(result.details.changes).toContainEqual(expect.objectContaining({ kind: 'breaking', path: 'io.input.properties.text.maxLength' }));
  });

  it('reads production at the pull request base commit with git:base', async () => {
    const workspace = await exampleWorkspace();
    const git = (...args: string[]) =>
      promisify(execFile)('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: workspace });
    await git('init', '-q');
    await writeFile(join(workspace, CANDIDATE), await readFile(join(workspace, PRODUCTION), 'utf8'));
    await git('add', '.');
    await git('commit', '-q', '-m', 'production');
    const base = (await git('rev-parse', 'HEAD')).stdout.trim();
    // The pull request's head: the example candidate, turned into a breaking minor release.
    await cp(join(repoRoot, 'examples', CANDIDATE), join(workspace, CANDIDATE));
    const text = await breakingMinorBump(workspace);
    const run = await runActionBundle('contract', {
      workspace,
      inputs: { contract: CANDIDATE, 'results-dir': 'results' },
      event: { pull_request: { number: 7, base: { sha: base }, head: { sha: 'a'.repeat(40) } } },
    });
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.outputs['required-bump']).toBe('major');
    expect(run.annotations).toContainEqual(expect.objectContaining({ level: 'error', file: CANDIDATE, line: lineOf(text, 'maxLength: 1024') }));
    const result = JSON.parse(await readFile(join(workspace, 'results', 'contract.json'), 'utf8'));
    expect(result.subject.productionSource).toBe(`git:${base}`);
  });

  it('reads production through the contents API when the base commit is not in a shallow clone', async () => {
    const workspace = await exampleWorkspace();
    const github = await startGitHubServer();
    try {
      const base = fakeSha('base');
      github.addToken('ghs_contract', { login: 'github-actions[bot]', permissions: { contents: 'read' } });
      github.state.addRepository('acme/models');
      github.state.setFile('acme/models', base, CANDIDATE, await readFile(join(workspace, PRODUCTION), 'utf8'));
      const run = await runActionBundle('contract', {
        workspace,
        inputs: { contract: CANDIDATE, 'results-dir': 'results', 'github-token': 'ghs_contract' },
        env: { ...github.env(), GITHUB_REPOSITORY: 'acme/models' },
        event: { pull_request: { number: 7, base: { sha: base }, head: { sha: fakeSha('head') } } },
      });
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.outputs['required-bump']).toBe('major');
      expect(run.stdout).toContain('::add-mask::ghs_contract');
      expect(github.count('repos/get-content', 200)).toBe(1);
      const result = JSON.parse(await readFile(join(workspace, 'results', 'contract.json'), 'utf8'));
      expect(result.subject.productionVersion).toBe('1.4.0');
      github.assertNoViolations();
    } finally {
      await github.close();
    }
  });

  it('names a missing production file in an annotation and exits 1', async () => {
    const workspace = await exampleWorkspace();
    const run = await runActionBundle('contract', { workspace, inputs: { contract: CANDIDATE, production: 'production/nope.yml' } });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toContainEqual(expect.objectContaining({ level: 'error', file: 'production/nope.yml', message: expect.stringContaining("production contract 'production/nope.yml' not found") }));
  });

  it('runs contract tests against the configured endpoint, masks the key, and fails a slow one on its budget', async () => {
    const workspace = await exampleWorkspace();
    const server = await new EmbeddingServer({ dimension: 64, apiKey: 'sk-e2e-key-42', delayMs: 100 }).start();
    try {
      await writeFile(
        join(workspace, 'model-gates.yml'),
        `version: 1\ncontract:\n  endpoint:\n    url: ${server.url}\n    model: search-embedder\n    apiKeyEnv: EMBED_KEY\n    requests: 3\n`,
      );
      const run = await runActionBundle('contract', {
        workspace,
        inputs: { contract: CANDIDATE, production: PRODUCTION, 'results-dir': 'results' },
        env: { EMBED_KEY: 'sk-e2e-key-42' },
      });
      expect(run.exitCode, run.stdout).toBe(1);
      expect(run.stdout).toContain('::add-mask::sk-e2e-key-42');
      expect(run.stdout.replace('::add-mask::sk-e2e-key-42', '')).not.toContain('sk-e2e-key-42');
      expect(server.requests).toHaveLength(4);
      expect(server.requests.every((r) => r.authorization === 'Bearer sk-e2e-key-42')).toBe(true);
      expect(run.annotations).toContainEqual(expect.objectContaining({ level: 'error', file: CANDIDATE, message: expect.stringContaining('exceeds the budget limits.p95LatencyMs = 80 ms') }));
      const result = JSON.parse(await readFile(join(workspace, 'results', 'contract.json'), 'utf8'));
      expect(result.metrics['endpoint.p95LatencyMs']).toBeGreaterThanOrEqual(100);
    } finally {
      await server.stop();
    }
  });

  it('reports every schema violation as an annotation at its line and exits 1', async () => {
    const workspace = await exampleWorkspace();
    const file = join(workspace, 'models', 'search-embedder', 'contract.yml');
    const text = (await readFile(file, 'utf8')).replace('dimension: 64', 'dimension: -3').replace('metric: cosine', 'metric: manhattan');
    await writeFile(file, text);
    const run = await runActionBundle('contract', {
      workspace,
      inputs: { contract: 'models/search-embedder/contract.yml', production: 'none', 'results-dir': 'results' },
    });
    expect(run.exitCode).toBe(1);
    const lines = text.split('\n');
    const errors = run.annotations.filter((a) => a.level === 'error' && a.file === 'models/search-embedder/contract.yml');
    expect(errors.map((a) => a.line).sort()).toEqual(
      [lines.findIndex((l) => l.includes('dimension: -3')) + 1, lines.findIndex((l) => l.includes('metric: manhattan')) + 1].sort(),
    );
  });

  it('rejects a missing required input with an annotation saying so', async () => {
    const run = await runActionBundle('contract', { inputs: { contract: '' } });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toContain("input 'contract' is required");
  });
});
