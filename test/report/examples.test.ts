import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../support/node24.js';

interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }>;
}

async function workflow(name: string): Promise<Workflow> {
  return parse(await readFile(join(repoRoot, 'examples', 'workflows', name), 'utf8')) as Workflow;
}

describe('the fork-safe pair of example workflows', () => {
  it('runs the checks on pull_request with a read-only token and uploads the results', async () => {
    const checks = await workflow('pr-checks.yml');
    expect(Object.keys(checks.on)).toEqual(['pull_request']);
    expect(checks.permissions).toEqual({ contents: 'read' });
    const steps = Object.values(checks.jobs).flatMap((job) => job.steps);
    expect(steps.some((s) => s.uses?.includes('/actions/report@'))).toBe(false);
    for (const job of Object.values(checks.jobs)) expect(job.steps.at(-1)?.with?.name).toMatch(/^model-gates-results/);
  });

  it('posts from workflow_run with pull-requests: write, without checking out the pull request', async () => {
    const report = await workflow('pr-report.yml');
    expect(Object.keys(report.on)).toEqual(['workflow_run']);
    expect(report.permissions).toEqual({ actions: 'read', 'pull-requests': 'write' });
    const steps = Object.values(report.jobs).flatMap((job) => job.steps);
    expect(steps.some((s) => s.uses?.startsWith('actions/checkout'))).toBe(false);
    expect(steps.find((s) => s.uses?.includes('/actions/report@'))?.with?.['run-id']).toBe('${{ github.event.workflow_run.id }}');
  });
});

describe('the actions the workflows call', () => {
  // The current major of each (their Node 24 releases); Dependabot's github-actions updates move them on.
  const CURRENT: Record<string, string> = { 'actions/checkout': 'v7', 'actions/setup-node': 'v7', 'actions/upload-artifact': 'v7', 'actions/download-artifact': 'v8', 'actions/create-github-app-token': 'v2' };

  it('are at one current major version everywhere, and ours at @v1 or local', async () => {
    const { readdir } = await import('node:fs/promises');
    const files = [
      ...(await readdir(join(repoRoot, 'examples', 'workflows'))).map((f) => join(repoRoot, 'examples', 'workflows', f)),
      ...(await readdir(join(repoRoot, '.github', 'workflows'))).map((f) => join(repoRoot, '.github', 'workflows', f)),
      join(repoRoot, 'README.md'),
    ];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const [, action, ref] of text.matchAll(/uses: ([\w.-]+\/[\w./-]+)@([\w.-]+)/g)) {
        if (action!.startsWith('OWNER/model-gates/')) expect(ref === 'v1' || /^[0-9a-f]{40}$/.test(ref!), `${file}: ${action}@${ref}`).toBe(true);
        else expect(ref, `${file}: ${action}`).toBe(CURRENT[action!]);
      }
    }
  });
});
