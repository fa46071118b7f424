import { describe, expect, it } from 'vitest';
import { judgeCanary, judgeMetric } from '../../src/canary/judge.js';
import type { CanaryMetricConfig } from '../../src/config/types.js';

/** Deterministic pseudo-random normal values (LCG + Box-Muller). */
function normals(seed: number, n: number, mean: number, sd: number): Float64Array {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  return Float64Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

const latency: CanaryMetricConfig = { name: 'latency-p95', direction: 'increase', relativeTolerance: 0.1, critical: true };
const quality: CanaryMetricConfig = { name: 'ctr', direction: 'decrease', relativeTolerance: 0.05 };
const errors: CanaryMetricConfig = { name: 'error-rate', direction: 'increase', absoluteTolerance: 0.002 };

describe('judgeMetric', () => {
  it('classifies a large, credible increase as high and fails an increase-is-bad metric', () => {
    const m = judgeMetric(latency, { baseline: normals(1, 40, 100, 5), canary: normals(2, 40, 130, 5) }, 0.05, 0.95);
    expect(m.classification).toBe('high');
    expect(m.failed).toBe(true);
    expect(m.relativeShift).toBeGreaterThan(0.25);
    expect(m.relativeShift).toBeLessThan(0.35);
    expect(m.pHigher).toBeLessThan(1e-10);
    expect(m.interval?.low).toBeGreaterThan(0);
  });

  it('does not fail a credible but tolerated shift, and calls an improvement low without failing', () => {
    const small = judgeMetric(latency, { baseline: normals(3, 200, 100, 2), canary: normals(4, 200, 103, 2) }, 0.05, 0.95);
    expect(small.pHigher).toBeLessThan(0.001);
    expect(small.classification).toBe('pass');
    expect(small.reason).toContain('within tolerance');
    const better = judgeMetric(latency, { baseline: normals(5, 40, 100, 5), canary: normals(6, 40, 70, 5) }, 0.05, 0.95);
    expect(better.classification).toBe('low');
    expect(better.failed).toBe(false);
  });

  it('fails a decrease-is-bad metric that drops, and an either metric in both directions', () => {
    expect(judgeMetric(quality, { baseline: normals(7, 30, 0.3, 0.01), canary: normals(8, 30, 0.25, 0.01) }, 0.05, 0.95).failed).toBe(true);
    const either: CanaryMetricConfig = { name: 'similarity', direction: 'either', relativeTolerance: 0.05 };
    expect(judgeMetric(either, { baseline: normals(9, 30, 1, 0.02), canary: normals(10, 30, 1.2, 0.02) }, 0.05, 0.95).failed).toBe(true);
    expect(judgeMetric(either, { baseline: normals(11, 30, 1, 0.02), canary: normals(12, 30, 0.8, 0.02) }, 0.05, 0.95).failed).toBe(true);
  });

  it('uses the absolute tolerance when the baseline median is 0', () => {
    const zeros = new Float64Array(30);
    const few = Float64Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 0.001 : 0));
    const m = judgeMetric(errors, { baseline: zeros, canary: few }, 0.05, 0.95);
    expect(m.relativeShift).toBeNull();
    expect(m.allowedShift).toBe(0.002);
    expect(m.classification).toBe('pass');
  });

  it('is no-data below the minimum samples, after dropping NaN, and names the group', () => {
    const m = judgeMetric({ ...latency, minSamples: 5 }, { baseline: [1, 2, 3, 4, 5, 6], canary: [1, Number.NaN, 2, Number.NaN, 3, 4] }, 0.05, 0.95);
    expect(m.classification).toBe('no-data');
    expect(m.dropped).toBe(2);
    expect(m.reason).toBe('no data: canary has 4 sample(s), at least 5 needed');
  });

  it('removes outliers when asked, and only then', () => {
    const baseline = normals(13, 40, 100, 3);
    const canary = Float64Array.from(normals(14, 40, 100, 3));
    for (let i = 0; i < 6; i++) canary[i] = 10_000; // a few wild scrapes
    const kept = judgeMetric({ ...latency, relativeTolerance: 0 }, { baseline, canary }, 0.05, 0.95);
    const removed = judgeMetric({ ...latency, relativeTolerance: 0, outliers: 'remove', outlierFactor: 3 }, { baseline, canary }, 0.05, 0.95);
    expect(kept.outliersRemoved).toBe(0);
    expect(removed.outliersRemoved).toBe(6);
    expect(removed.canaryCount).toBe(34);
    expect(removed.failed).toBe(false);
  });
});

describe('judgeCanary', () => {
  const same = (seed: number) => ({ baseline: normals(seed, 30, 10, 1), canary: normals(seed + 100, 30, 10, 1) });

  it('passes with score 100 when nothing changed', () => {
    const j = judgeCanary([latency, quality, errors], new Map([['latency-p95', same(1)], ['ctr', same(2)], ['error-rate', same(3)]]));
    expect(j.verdict).toBe('pass');
    expect(j.score).toBe(100);
    for (const m of j.metrics) expect(m.alpha).toBeCloseTo(0.05 / 3, 15);
  });

  it('fails on a failing critical metric whatever the score', () => {
    const worse = { baseline: normals(4, 30, 10, 1), canary: normals(5, 30, 14, 1) };
    const metrics = [latency, quality, errors, { ...quality, name: 'q2' }, { ...quality, name: 'q3' }, { ...quality, name: 'q4' }];
    const samples = new Map([['latency-p95', worse], ...['ctr', 'error-rate', 'q2', 'q3', 'q4'].map((n, i) => [n, same(10 + i)] as const)]);
    const j = judgeCanary(metrics, samples, { marginalScore: 50, passScore: 80 });
    expect(j.score).toBe(83.3);
    expect(j.verdict).toBe('fail');
    expect(j.reason).toBe('critical metric latency-p95 (high) failed');
  });

  it('weighs the score and maps it to marginal and fail with the thresholds', () => {
    const worse = { baseline: normals(6, 30, 10, 1), canary: normals(7, 30, 14, 1) };
    const metrics: CanaryMetricConfig[] = [
      { name: 'a', direction: 'increase', weight: 3 },
      { name: 'b', direction: 'increase', weight: 1 },
    ];
    const j = judgeCanary(metrics, new Map([['a', same(20)], ['b', worse]]), { passScore: 90, marginalScore: 70 });
    expect(j.score).toBe(75);
    expect(j.verdict).toBe('marginal');
    expect(judgeCanary(metrics, new Map([['a', worse], ['b', same(21)]]), { passScore: 90, marginalScore: 70 }).verdict).toBe('fail');
  });

  it('fails when half the metrics or more have no data', () => {
    const j = judgeCanary([latency, quality], new Map([['ctr', same(30)]]));
    expect(j.verdict).toBe('fail');
    expect(j.reason).toBe('no data for 1 of 2 metrics (latency-p95)');
    const empty = judgeCanary([quality, errors, { ...quality, name: 'q5' }], new Map());
    expect(empty.reason).toBe('no data for 3 of 3 metrics (ctr, error-rate, q5)');
    expect(empty.score).toBe(0);
  });
});
