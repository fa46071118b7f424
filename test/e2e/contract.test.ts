import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runActionBundle } from '../support/action-runner.js';
import { repoRoot } from '../support/node24.js';

async function exampleWorkspace(): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'mg-ws-'));
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

  it('rejects a non-boolean or unknown enum input with the valid values', async () => {
    const run = await runActionBundle('contract', { inputs: { contract: '' } });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toContain("input 'contract' is required");
  });
});
