import { describe, expect, it } from 'vitest';
import { chartLegend, segmentChart } from '../../src/regression/charts.js';
import { formatNumber, overallVerdict, regressedSegments, renderComment, renderFull } from '../../src/report/render.js';
import { context, contractResult, pairsCheck, result } from './fixtures.js';

describe('report rendering', () => {
  const regression = result({ verdict: 'fail', summary: 'German pairs regress.', checks: [pairsCheck()] });
  const body = renderComment([contractResult(), regression], context()).markdown;

  it('starts with the marker, then the overall verdict with model, versions and commit', () => {
    const [marker, headline] = body.split('\n');
    expect(marker).toBe('<!-- model-gates:report:default -->');
    expect(headline).toBe(
      '### ❌ Fail — do not promote: `search-embedder` `1.2.0` → `1.3.0` at [`c0ffee1`](https://github.com/acme/search/commit/c0ffee1234567890c0ffee1234567890c0ffee12)',
    );
  });

  it('renders one table per check with production, candidate, change, interval and verdict', () => {
    expect(body).toContain('| Metric | Production | Candidate | Change | 95% CI | Verdict |');
    expect(body).toContain('| pair AUC | 0.902 | 0.897 | -0.005 | [-0.012, +0.002] | ✅ pass |');
    expect(body).toContain('| mean cosine \\(related\\) | 0.710 | 0.690 | -0.020 | — | — |');
  });

  it('lists regressing segments, including one too small to gate, and not the improving one', () => {
    const names = regressedSegments(pairsCheck()).map((s) => s.segment);
    expect(names).toEqual(['de', 'legal']);
    expect(body).toContain('| de | 120 | pair AUC | 0.880 | 0.842 | -0.038 | [-0.061, -0.015] | 0.004 | ❌ fail |');
    expect(body).toContain('| legal | 12 | pair AUC | 0.800 | 0.750 | -0.050 | [-0.090, -0.011] | 0.040 | ✅ pass (too small to gate) |');
  });

  it('lists regressing segments even when everything passes', () => {
    const check = pairsCheck({ verdict: 'pass' });
    const passing = renderComment([result({ checks: [check] })], context()).markdown;
    expect(passing).toMatch(/^### ✅ Pass — ready to promote/m);
    expect(passing).toContain('**Segments that regress in Pair similarity** (2)');
  });

  it('shows the most regressed items with ids, texts and segments inside <details>', () => {
    expect(body).toContain('<details><summary>Most regressed items in Pair similarity (2 of 2)</summary>');
    expect(body).toContain('| `pair-0042` | de | related | Hund ↔ Welpe | 0.820 | 0.410 | -0.410 |');
  });

  it('links contract findings to the file line at the commit', () => {
    expect(body).toContain(
      '| error | [models/search\\-embedder/contract\\.yml:12](https://github.com/acme/search/blob/c0ffee1234567890c0ffee1234567890c0ffee12/models/search-embedder/contract.yml#L12) | `space.dimension` |',
    );
    expect(body).toContain('| warning | — | `lineage` | lineage\\.evaluation is empty |');
  });

  it('never links a path that is absolute or climbs out of the repository', () => {
    const hostile = contractResult({
      findings: [
        { severity: 'error', message: 'a', location: { file: '../../etc/passwd', line: 1 } },
        { severity: 'error', message: 'b', location: { file: '/home/runner/work/x.yml', line: 2 } },
      ],
    });
    const text = renderComment([hostile], context()).markdown;
    expect(text).toContain('`../../etc/passwd:1`');
    expect(text).toContain('`/home/runner/work/x.yml:2`');
    expect(text).not.toContain('/blob/');
  });

  it('draws the per-segment change as a Mermaid bar chart from zero, with the tolerance from the result', () => {
    const withTolerance = result({ verdict: 'fail', checks: [pairsCheck()], details: { checks: { pairs: { settings: { tolerance: 0.02 } } } } });
    const markdown = renderComment([withTolerance], context()).markdown;
    expect(markdown).toContain(`${chartLegend(pairsCheck(), 0.02)}\n\n${segmentChart(pairsCheck(), 20, 0.02)}`);
    // Without a tolerance in the result, no tolerance line.
    expect(body).toContain(`${chartLegend(pairsCheck())}\n\n${segmentChart(pairsCheck(), 20)}`);
  });

  it('ends with a footer: run link, tool version, report header and inputs digest', () => {
    const footer = body.trimEnd().split('\n').at(-1);
    expect(footer).toMatch(/^<sub>model-gates 0\\\.1\\\.0 · report `default` · \[workflow run\]\(https:\/\/github\.com\/acme\/search\/actions\/runs\/1234\) · inputs `sha256:[0-9a-f]{12}`<\/sub>$/);
  });

  it('takes the worst verdict overall: error over fail over marginal over pass', () => {
    expect(overallVerdict([])).toBe('pass');
    expect(overallVerdict(['pass', 'marginal'])).toBe('marginal');
    expect(overallVerdict(['marginal', 'fail', 'pass'])).toBe('fail');
    expect(overallVerdict(['fail', 'error'])).toBe('error');
  });

  it('formats numbers for cells', () => {
    expect([formatNumber(null), formatNumber(3), formatNumber(0.12345), formatNumber(-0.0004, true), formatNumber(0.0004, true), formatNumber(0.02, true), formatNumber(1234.56)]).toEqual([
      '—',
      '3',
      '0.123',
      '0.000',
      '0.000',
      '+0.020',
      '1234.6',
    ]);
  });

  it('keeps every item in the full report', () => {
    const many = pairsCheck({ worst: Array.from({ length: 300 }, (_, i) => ({ id: `pair-${i}`, texts: ['a', 'b'], change: -i / 1000 })) });
    const full = renderFull([result({ checks: [many] })], context());
    expect(full).toContain('`pair-299`');
    expect(renderComment([result({ checks: [many] })], context()).markdown).toContain('_290 more items in the full report._');
  });
});
