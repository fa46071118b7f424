import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/node24.js';
import { exampleWorkspace } from './helpers.js';

describe('Ctrl-C on the CLI', () => {
  it('stops cleanly while a source is embedding: exit 1, a clear message, no result written', async () => {
    const workspace = await exampleWorkspace();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'src', 'cli-main.ts'), 'embedding-regression', '--suite', 'suites/search/suite.yml', '--production', 'file:suites/search/embeddings/production.jsonl', '--candidate', 'command:sleep 60', '--results-dir', 'results'],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? workspace, GITHUB_WORKSPACE: workspace }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const started = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('with candidate')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await started;
    // Give the program time to start, then interrupt as a terminal's Ctrl-C would.
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toContain('interrupted (Ctrl-C): stopped cleanly, no result written');
    const files = await readdir(workspace);
    expect(files).not.toContain('results');
  }, 60_000);
});
