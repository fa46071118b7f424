import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { promoteInputs } from '../../src/promote/command.js';
import { canaryAnalysisCommand } from '../../src/canary/command.js';
import type { Environment } from '../../src/command.js';
import { parseInputs } from '../../src/inputs/spec.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { MemoryLogger } from '../../src/io/log.js';
import { readResult } from '../../src/results/store.js';
import { repoRoot } from '../support/node24.js';
import { tempDir } from '../support/temp.js';

async function exampleWorkspace(): Promise<string> {
  const workspace = await tempDir('mg-canary-cmd-');
  await cp(join(repoRoot, 'examples'), workspace, { recursive: true });
  return workspace;
}

async function run(workspace: string, raw: Record<string, string>) {
  const inputs = parseInputs(canaryAnalysisCommand.inputs, (name) => raw[name], 'cli');
  const log = new MemoryLogger();
  const environment: Environment = {
    log,
    context: { commit: null, ref: null, repository: null, runUrl: null, baseCommit: null, pullRequest: null, workspace },
    env: {},
    setSecret: () => {},
    runner: 'cli',
  };
  return { outcome: await canaryAnalysisCommand.run(inputs, environment), log };
}

const FILE_INPUTS = {
  source: 'file',
  'metrics-file': 'canary/metrics.csv',
  config: 'canary/model-gates.canary.yml',
  model: 'search-embedder',
  version: '1.4.0',
};

/** Multiplies every canary sample of one metric in a metrics CSV. */
function scaleCanary(csv: string, metric: string, factor: number): string {
  return csv.replace(new RegExp(`^(\\d+),${metric},canary,([\\d.]+)$`, 'gm'), (_, ts: string, value: string) => `${ts},${metric},canary,${(Number(value) * factor).toFixed(5)}`);
}

describe('canary-analysis on the example metrics file', () => {
  it('passes the example and writes a result that report and gate can read', async () => {
    const workspace = await exampleWorkspace();
    const { outcome } = await run(workspace, FILE_INPUTS);
    expect(outcome.outputs.verdict).toBe('pass');
    expect(outcome.outputs['result-file']).toBe(join(workspace, 'model-gates-results', 'canary-analysis.json'));
    const result = await readResult(outcome.outputs['result-file'] as string);
    expect(result.subject).toEqual({ model: 'search-embedder', candidateVersion: '1.4.0', productionSource: 'canary baseline (baseline)' });
    expect(result.checks[0]?.rows).toHaveLength(5);
    expect(result.details?.source).toBe('metrics file canary/metrics.csv');
    expect(outcome.summary).toContain('`latency-p95` (critical)');
  });

  it('fails when the canary is 20% slower, and is marginal when only a light metric drops', async () => {
    const workspace = await exampleWorkspace();
    const csv = await readFile(join(workspace, 'canary', 'metrics.csv'), 'utf8');
    await writeFile(join(workspace, 'canary', 'slow.csv'), scaleCanary(csv, 'latency-p95', 1.2));
    const slow = await run(workspace, { ...FILE_INPUTS, 'metrics-file': 'canary/slow.csv' });
    expect(slow.outcome.outputs.verdict).toBe('fail');
    expect(slow.outcome.failure).toBe('canary analysis failed: critical metric latency-p95 (high) failed');

    // mean-similarity has weight 1 of 6 in the example: losing it scores 83.3, marginal.
    await writeFile(join(workspace, 'canary', 'drift.csv'), scaleCanary(csv, 'mean-similarity', 0.9));
    const drift = await run(workspace, { ...FILE_INPUTS, 'metrics-file': 'canary/drift.csv' });
    expect(drift.outcome.outputs).toMatchObject({ verdict: 'marginal', score: '83.3' });
    expect(drift.outcome.failure).toBeUndefined();
  });

  it('reports configuration mistakes at their line in the config file', async () => {
    const workspace = await exampleWorkspace();
    const config = (await readFile(join(workspace, 'canary', 'model-gates.canary.yml'), 'utf8'))
      .replace('- name: error-rate', '- name: latency-p95')
      .replace('avg(search_click_through_rate{version="{{group}}"})', 'avg(search_click_through_rate)');
    await writeFile(join(workspace, 'bad.yml'), config);
    const lines = config.split('\n');
    const error = await run(workspace, { model: 'm', version: '1', config: 'bad.yml', 'prometheus-url': 'http://127.0.0.1:9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems.map((p) => [p.message, p.location?.line]);
    expect(problems).toEqual([
      ["canary metric 'latency-p95' is defined twice", lines.findLastIndex((l) => l.includes('- name: latency-p95')) + 1],
      [
        "the query of canary metric 'online-ctr' has no {{group}} placeholder, so baseline and canary would read the same series",
        lines.findIndex((l) => l.includes('avg(search_click_through_rate)')) + 1,
      ],
    ]);
  });

  it('says what is missing: the canary section, the metrics file, distinct groups, a reachable Prometheus', async () => {
    const empty = await tempDir('mg-canary-empty-');
    await expect(run(empty, { model: 'm', version: '1' })).rejects.toThrow(/no canary section in the config \(no config file found/);
    const workspace = await exampleWorkspace();
    await expect(run(workspace, { ...FILE_INPUTS, 'metrics-file': '' })).rejects.toThrow("input 'metrics-file' is required with source: file");
    await expect(run(workspace, { ...FILE_INPUTS, canary: 'baseline' })).rejects.toThrow("inputs 'baseline' and 'canary' are both 'baseline'");
    await expect(run(workspace, { ...FILE_INPUTS, source: 'prometheus', 'prometheus-url': 'http://127.0.0.1:9', window: '5m' })).rejects.toThrow(
      /environment variable PROMETHEUS_TOKEN, named in canary.prometheus, is not set/,
    );
  });
});

describe('the example canary workflow', () => {
  it('gates in the protected job, runs analysis between the canary stage and advance-or-rollback, with valid inputs', async () => {
    const workflow = parse(await readFile(join(repoRoot, 'examples', 'workflows', 'canary.yml'), 'utf8')) as {
      jobs: Record<string, { environment?: string; steps: { uses?: string; id?: string; if?: string; with?: Record<string, string> }[] }>;
    };
    const steps = workflow.jobs.canary?.steps ?? [];
    expect(workflow.jobs.canary?.environment).toBe('production');
    const gate = steps.findIndex((s) => s.uses === './actions/gate');
    const analysis = steps.findIndex((s) => s.uses === './actions/canary-analysis');
    expect(analysis).toBeGreaterThan(0);
    for (const key of Object.keys(steps[analysis]?.with ?? {})) expect(Object.keys(canaryAnalysisCommand.inputs)).toContain(key);
    const promote = steps.map((s, i) => ({ ...s, i })).filter((s) => s.uses === './actions/promote');
    expect(promote.map((s) => [s.with?.operation, s.with?.stage, s.if])).toEqual([
      ['promote', 'canary-10', undefined],
      ['advance', undefined, "steps.analysis.outputs.verdict == 'pass'"],
      ['rollback', undefined, "steps.analysis.outputs.verdict != 'pass'"],
    ]);
    expect(gate).toBeGreaterThanOrEqual(0);
    expect(gate).toBeLessThan(promote[0]!.i);
    expect(promote[0]?.i).toBeLessThan(analysis);
    expect(promote[1]?.i).toBeGreaterThan(analysis);
    // Every literal value must parse with promote's own strict input parser.
    for (const s of promote) {
      const literal = (name: string) => (s.with?.[name]?.includes('${{') ? 'x' : s.with?.[name]);
      for (const key of Object.keys(s.with ?? {})) expect(Object.keys(promoteInputs)).toContain(key);
      expect(() => parseInputs(promoteInputs, literal)).not.toThrow();
    }
  });
});
