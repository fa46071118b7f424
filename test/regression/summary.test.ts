import { describe, expect, it } from 'vitest';
import { checkLines, renderRegressionSummary } from '../../src/regression/summary.js';
import { chartLegend, segmentChart } from '../../src/regression/charts.js';
import { renderComment } from '../../src/report/render.js';
import { context } from '../report/fixtures.js';
import type { Result } from '../../src/results/types.js';

const hostile = '@team <img src=x> | [link](https://example.com)';

const result: Result = {
  schema: 'model-gates/result@1',
  id: 'search',
  kind: 'embedding-regression',
  subject: { model: 'm', candidateVersion: '2' },
  verdict: 'fail',
  summary: 'The candidate regresses (pairs).',
  metrics: {},
  checks: [
    {
      id: 'pairs',
      title: 'Pairs (10)',
      verdict: 'fail',
      summary: `AUC change -0.050; regressed segment: ${hostile}`,
      rows: [{ metric: 'AUC related vs unrelated', production: 0.9, candidate: 0.85, change: -0.05, interval: { low: -0.07, high: -0.03, level: 0.95 }, verdict: 'fail' }],
      segments: [{ segment: hostile, size: 40, change: -0.05, interval: { low: -0.07, high: -0.03, level: 0.95 }, adjustedPValue: 0.001, gated: true, verdict: 'fail' }],
    },
  ],
  findings: [],
  provenance: { tool: 'model-gates', version: '0', inputsDigest: `sha256:${'0'.repeat(64)}`, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:00Z' },
};

describe('the job summary', () => {
  it('escapes segment names and summaries from the suite: no mention, HTML, link or broken table', () => {
    const text = renderRegressionSummary(result);
    // Mentions and links only inside code spans, where they neither ping nor link.
    expect(text).toContain('`@team`');
    expect(text).not.toContain('<img');
    expect(text.replace(/`[^`]*`/g, '')).not.toMatch(/@team|\]\(https:\/\//);
    const segmentRow = text.split('\n').find((line) => line.startsWith('|') && line.includes('img'))!;
    // Seven cell boundaries: the escaped pipe inside the name does not split the cell.
    expect(segmentRow.split(/(?<!\\)\|/).length).toBe(8);
    expect(text).toContain('| AUC related vs unrelated | 0.9000 | 0.8500 | -0.0500 | [-0.0700, -0.0300] | fail |');
  });

  it('has the same chart of changes by segment as the report comment', () => {
    const twoSegments: Result = {
      ...result,
      details: { checks: { pairs: { settings: { tolerance: 0.02 } } } },
      checks: [{ ...result.checks[0]!, segments: [...result.checks[0]!.segments!, { segment: 'en', size: 40, change: 0.03, gated: true, verdict: 'pass' }] }],
    };
    const chart = segmentChart(twoSegments.checks[0]!, 20, 0.02)!;
    expect(chart).toContain('line [-0.02, -0.02]');
    expect(renderRegressionSummary(twoSegments)).toContain(`${chartLegend(twoSegments.checks[0]!, 0.02)}\n\n${chart}`);
    expect(renderComment([twoSegments], context()).markdown).toContain(chart);
  });

  it('gives one plain line per check for the summary output', () => {
    expect(checkLines(result)).toBe(`pairs: fail: AUC change -0.050; regressed segment: ${hostile}`);
  });
});
