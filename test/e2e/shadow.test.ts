import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResult } from '../../src/results/store.js';
import { runActionBundle } from '../support/action-runner.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

// The shadow bundle (dist/shadow/index.js) under Node 24, with INPUT_* variables as the runner
// sets them, on the bundled mirrored-traffic logs.

async function workspace(): Promise<string> {
  const dir = await tempDir('mg-e2e-shadow-');
  await cp(join(repoRoot, 'examples'), dir, { recursive: true });
  return dir;
}

const INPUTS = {
  mode: 'logs',
  model: 'search-embedder',
  version: '2.0.0',
  'production-version': '1.4.0',
  logs: 'shadow/mirrored.jsonl',
  reference: 'shadow/reference.jsonl',
  'reference-production': 'file:shadow/reference-production.jsonl',
  'reference-candidate': 'file:shadow/reference-candidate.jsonl',
  contract: 'models/search-embedder/contract.yml',
};

describe('dist/shadow under Node 24', () => {
  it('judges the example logs, writes the result, the outputs and the job summary, and fails the step', async () => {
    const dir = await workspace();
    const run = await runActionBundle('shadow', { inputs: INPUTS, workspace: dir });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.outputs.compared).toBe('177');
    const result = await readResult(run.outputs['result-file'] as string);
    expect(result.kind).toBe('shadow');
    expect(run.summary).toContain('xychart-beta');
    expect(run.annotations.some((a) => a.level === 'error' && a.message.includes('Shadow logs fail'))).toBe(true);
  });

  it('annotates a bad log line with its file and line', async () => {
    const dir = await workspace();
    await writeFile(join(dir, 'bad.jsonl'), '{"id": "a", "version": "1.4.0", "status": 200, "embedding": [1, 0]}\n{"version": "2.0.0"}\n');
    const run = await runActionBundle('shadow', { inputs: { ...INPUTS, logs: 'bad.jsonl' }, workspace: dir });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toContainEqual(expect.objectContaining({ level: 'error', file: 'bad.jsonl', line: 2 }));
  });
});
