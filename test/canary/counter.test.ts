import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaryAnalysisCommand } from '../../src/canary/command.js';
import { judgeMetric } from '../../src/canary/judge.js';
import type { Environment } from '../../src/command.js';
import type { CanaryMetricConfig } from '../../src/config/types.js';
import { parseInputs } from '../../src/inputs/spec.js';
import { MemoryLogger } from '../../src/io/log.js';
import { tempDir } from '../support/temp.js';

/** `total` split over `steps` steps as evenly as whole numbers allow. */
function spread(total: number, steps: number): number[] {
  return Array.from({ length: steps }, (_, i) => Math.floor(((i + 1) * total) / steps) - Math.floor((i * total) / steps));
}

const ERRORS: CanaryMetricConfig = { name: 'errors', direction: 'increase', absoluteTolerance: 0.01, total: { name: 'requests' } };

describe('canary counter metrics: errors out of requests, judged with a two-proportion test', () => {
  it('sums the counts over the window and uses the score test (p as scipy computes it)', () => {
    const samples = { baseline: spread(30, 15), canary: spread(52, 15), baselineTotal: spread(1000, 15), canaryTotal: spread(1000, 15) };
    const judged = judgeMetric(ERRORS, samples, 0.05, 0.95);
    // scipy: z = (0.052 − 0.030) / sqrt(p(1−p)(2/1000)), p = 0.041; norm.sf(z) = 0.006552851522822346
    expect(judged.pHigher).toBeCloseTo(0.006552851522822346, 10);
    expect(judged.method).toBe('score');
    expect(judged).toMatchObject({ classification: 'high', failed: true, baselineMedian: 0.03, canaryMedian: 0.052, baselineCount: 1000, canaryCount: 1000 });
    expect(judged.shift).toBeCloseTo(0.022, 12);
    expect(judged.interval?.low).toBeCloseTo(0.0045816586805556905, 10);
  });

  it('tolerates a credible difference within absoluteTolerance, and is no-data without trials', () => {
    const samples = { baseline: spread(30, 15), canary: spread(52, 15), baselineTotal: spread(1000, 15), canaryTotal: spread(1000, 15) };
    expect(judgeMetric({ ...ERRORS, absoluteTolerance: 0.03 }, samples, 0.05, 0.95)).toMatchObject({ classification: 'pass', failed: false });
    const none = judgeMetric(ERRORS, { ...samples, canaryTotal: spread(0, 15) }, 0.05, 0.95);
    expect(none).toMatchObject({ classification: 'no-data', failed: true });
    expect(none.reason).toContain('canary has no trials');
    const short = judgeMetric(ERRORS, { ...samples, canaryTotal: [1000] }, 0.05, 0.95);
    expect(short.reason).toContain('canary has 1 step(s)');
  });

  it('reads the trials series from a metrics file, and asks the prometheus source for a total query', async () => {
    const workspace = await tempDir('mg-canary-counter-');
    const rows = ['timestamp,metric,group,value'];
    spread(30, 15).forEach((v, i) => rows.push(`${1795000000 + 60 * i},errors,baseline,${v}`));
    spread(52, 15).forEach((v, i) => rows.push(`${1795000000 + 60 * i},errors,canary,${v}`));
    for (const group of ['baseline', 'canary']) spread(1000, 15).forEach((v, i) => rows.push(`${1795000000 + 60 * i},requests,${group},${v}`));
    await writeFile(join(workspace, 'metrics.csv'), `${rows.join('\n')}\n`);
    await writeFile(join(workspace, 'config.yml'), ['canary:', '  metrics:', '    - name: errors', '      direction: increase', '      absoluteTolerance: 0.01', '      critical: true', '      total: { name: requests }', ''].join('\n'));
    const log = new MemoryLogger();
    const environment: Environment = { log, context: { commit: null, ref: null, repository: null, runUrl: null, baseCommit: null, pullRequest: null, workspace }, env: {}, setSecret: () => {}, runner: 'cli' };
    const raw: Record<string, string> = { source: 'file', 'metrics-file': 'metrics.csv', config: 'config.yml', model: 'm', version: 'v2' };
    const outcome = await canaryAnalysisCommand.run(parseInputs(canaryAnalysisCommand.inputs, (n) => raw[n], 'cli'), environment);
    expect(outcome.outputs.verdict).toBe('fail');
    expect(log.lines.join('\n')).not.toContain('that no canary metric reads');
    const prometheus: Record<string, string> = { ...raw, source: 'prometheus', 'prometheus-url': 'http://127.0.0.1:9', window: '15m' };
    await expect(canaryAnalysisCommand.run(parseInputs(canaryAnalysisCommand.inputs, (n) => prometheus[n], 'cli'), environment)).rejects.toThrow(/counts events out of 'requests', which has no query/);
  });
});
