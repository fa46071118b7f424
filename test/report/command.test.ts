import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Environment } from '../../src/command.js';
import { parseInputs } from '../../src/inputs/spec.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { MemoryLogger } from '../../src/io/log.js';
import { createReportCommand, type ReportServices } from '../../src/report/command.js';
import type { Result } from '../../src/results/types.js';
import { contractResult, pairsCheck, result } from './fixtures.js';
import { tempDir } from '../support/temp.js';

async function workspaceWith(results: readonly Result[]): Promise<string> {
  const workspace = await tempDir('mg-report-cmd-');
  await mkdir(join(workspace, 'results'));
  for (const r of results) await writeFile(join(workspace, 'results', `${r.id}.json`), JSON.stringify(r));
  return workspace;
}

function environment(workspace: string, log = new MemoryLogger()): Environment {
  return {
    log,
    context: { commit: 'c0ffee1234567890c0ffee1234567890c0ffee12', ref: null, repository: 'acme/search', runUrl: 'https://github.com/acme/search/actions/runs/5', baseCommit: null, pullRequest: null, workspace },
    env: { RUNNER_TEMP: workspace },
    setSecret: () => {},
    runner: 'actions',
  };
}

const noGitHub: ReportServices = {
  publisher: () => {
    throw new Error('no GitHub calls expected');
  },
};

async function run(services: ReportServices, raw: Record<string, string>, env: Environment) {
  const command = createReportCommand(services);
  return command.run(parseInputs(command.inputs, (name) => raw[name]), env);
}

describe('report command', () => {
  it('uploads the full report and the merged results, and links the artifact from the comment', async () => {
    const workspace = await workspaceWith([contractResult(), result({ verdict: 'fail', checks: [pairsCheck()] })]);
    const uploads: { name: string; files: string[]; root: string; report: string }[] = [];
    const services: ReportServices = {
      ...noGitHub,
      uploadArtifact: async (name, files, root) => {
        uploads.push({ name, files: files.map((f) => relative(root, f)).sort(), root, report: await readFile(join(root, 'report.md'), 'utf8') });
        return { id: 77 };
      },
    };
    const outcome = await run(services, { 'results-dir': 'results', mode: 'none', output: 'out/report.md', 'artifact-name': 'model-gates-report' }, environment(workspace));
    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.name).toBe('model-gates-report');
    expect(uploads[0]?.files).toEqual(['report.md', 'results/contract.json', 'results/embedding-regression.json']);
    expect(uploads[0]?.report).toContain('`pair-0042`');
    const written = await readFile(join(workspace, 'out', 'report.md'), 'utf8');
    expect(written).toContain('full report: [model\\-gates\\-report](https://github.com/acme/search/actions/runs/5/artifacts/77)');
    expect(outcome.outputs).toEqual({ verdict: 'fail', 'comment-id': '', 'comment-url': '', 'report-file': join(workspace, 'out', 'report.md'), truncated: 'false' });
    expect(outcome.summary).toBeUndefined();
    expect(outcome.failure).toBeUndefined();
  });

  it('never logs a workflow command from a result', async () => {
    const workspace = await workspaceWith([result({ summary: 'fine\n::error::pwned\n  ::add-mask::x' })]);
    const log = new MemoryLogger();
    await run(noGitHub, { 'results-dir': 'results', mode: 'summary' }, environment(workspace, log));
    const lines = log.lines.flatMap((l) => l.message.split('\n'));
    expect(lines.some((l) => l.includes('pwned'))).toBe(true);
    expect(lines.filter((l) => l.trimStart().startsWith('::'))).toEqual([]);
  });

  it('explains the inputs it cannot use', async () => {
    const workspace = await workspaceWith([contractResult()]);
    const env = environment(workspace);
    await expect(run(noGitHub, { 'results-dir': 'results', header: 'x -->' }, env)).rejects.toThrow("input 'header'");
    await expect(run(noGitHub, { 'results-dir': 'results', mode: 'comment' }, env)).rejects.toThrow("mode 'comment' needs a pull request");
    await expect(run(noGitHub, { 'results-dir': 'results', 'artifact-name': 'x' }, env)).rejects.toThrow('needs the Actions runner');
    await expect(run(noGitHub, { 'results-dir': 'missing' }, env)).rejects.toBeInstanceOf(ConfigurationError);
    const empty = await tempDir('mg-empty-');
    await mkdir(join(empty, 'results'));
    await expect(run(noGitHub, { 'results-dir': 'results' }, environment(empty))).rejects.toThrow('no result files found');
  });
});
