import { describe, expect, it } from 'vitest';
import { compareDifferences, intervalVerdict, judge } from '../../src/regression/compare.js';
import { resolveSettings } from '../../src/regression/settings.js';
import { createRng } from '../../src/stats/random.js';

const settings = { ...resolveSettings('retrieval', {}, { name: 's', texts: 't', checks: {} }), resamples: 1000 };

function noisy(n: number, shift: number, sd: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => shift + sd * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

describe('the interval rule', () => {
  it('fails only when the whole interval lies beyond the tolerance, passes when it excludes such a drop', () => {
    expect(intervalVerdict({ low: -0.05, high: -0.03, level: 0.95 }, 0.02)).toBe('fail');
    expect(intervalVerdict({ low: -0.02, high: 0.01, level: 0.95 }, 0.02)).toBe('pass');
    expect(intervalVerdict({ low: -0.03, high: 0.01, level: 0.95 }, 0.02)).toBe('marginal');
    expect(intervalVerdict({ low: -0.06, high: -0.01, level: 0.95 }, 0.02)).toBe('marginal');
    expect(intervalVerdict({ low: 0.01, high: 0.05, level: 0.95 }, 0.02)).toBe('pass');
  });

  it('gives the p-value (1 + #{means ≥ −tolerance}) / (B + 1): 1/(B+1) when every resample is beyond', () => {
    const j = judge(Float64Array.from([-0.05, -0.05, -0.05]), 0.02, settings, 1);
    expect(j.pValue).toBe(1 / 1001);
    expect(j.verdict).toBe('fail');
    expect(j.interval.low).toBeCloseTo(-0.05, 15);
    expect(j.interval.high).toBeCloseTo(-0.05, 15);
  });

  it('is reproducible byte for byte with the same seed and changes with another', () => {
    const diffs = Float64Array.from(noisy(300, 0, 0.1, 5));
    const a = JSON.stringify(compareDifferences(diffs, new Array(300).fill(null), 0.02, settings, 'x'));
    const b = JSON.stringify(compareDifferences(diffs, new Array(300).fill(null), 0.02, settings, 'x'));
    const c = JSON.stringify(compareDifferences(diffs, new Array(300).fill(null), 0.02, { ...settings, seed: 2 }, 'x'));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe('segments', () => {
  // a: 60 items regressed by 0.1 (fails); b: 60 unchanged (passes); c: 10 items regressed
  // (below minSegmentSize 30: reported, never gating).
  const values = [...noisy(60, -0.1, 0.05, 1), ...noisy(60, 0, 0.05, 2), ...noisy(10, -0.2, 0.05, 3)];
  const segments = [...new Array(60).fill('a'), ...new Array(60).fill('b'), ...new Array(10).fill('c')];
  const outcome = compareDifferences(Float64Array.from(values), segments, 0.02, settings, 'segments');

  it('fails the check on a regressed segment even when the overall change is within tolerance', () => {
    const byName = Object.fromEntries(outcome.segments.map((s) => [s.segment, s]));
    expect(byName.a!.verdict).toBe('fail');
    expect(byName.b!.verdict).toBe('pass');
    expect(outcome.verdict).toBe('fail');
  });

  it('reports small segments without letting them gate', () => {
    const c = outcome.segments.find((s) => s.segment === 'c')!;
    expect(c.gated).toBe(false);
    expect(c.adjustedPValue).toBeNull();
    expect(c.size).toBe(10);
  });

  it('adjusts the gated segments’ p-values with Holm’s step-down method', () => {
    // Holm (1979) for m = 2: the smaller p is multiplied by 2, the larger by 1, then made
    // monotone: adj(1) = min(1, 2·p(1)), adj(2) = max(adj(1), p(2)).
    const [a, b] = outcome.segments.filter((s) => s.gated);
    const [low, high] = [a!, b!].sort((x, y) => x.pValue - y.pValue);
    expect(low!.adjustedPValue).toBeCloseTo(Math.min(1, 2 * low!.pValue), 15);
    expect(high!.adjustedPValue).toBeCloseTo(Math.max(low!.adjustedPValue!, Math.min(1, high!.pValue)), 15);
  });

  it('keeps a segment marginal when its interval is beyond tolerance but the corrected test is not significant', () => {
    // Six gated segments of 40 items, values m ± 0.04 (standard error 0.04/√40 = 0.0063).
    // s1 has m = −0.0346, 2.3 standard errors past −0.02: one-sided p ≈ 0.011 < 0.025, so
    // alone it would fail; Holm multiplies the smallest of six p-values by 6 (≈ 0.064).
    const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const data: number[] = [];
    const segs: string[] = [];
    names.forEach((name, i) => {
      for (let j = 0; j < 40; j++) data.push((i === 0 ? -0.0346 : 0) + (j % 2 === 0 ? 0.04 : -0.04));
      segs.push(...new Array(40).fill(name));
    });
    const result = compareDifferences(Float64Array.from(data), segs, 0.02, settings, 'multiple');
    const s1 = result.segments[0]!;
    expect(s1.interval.high).toBeLessThan(-0.02);
    expect(s1.pValue).toBeLessThan(0.025);
    expect(s1.adjustedPValue!).toBeGreaterThanOrEqual(0.025);
    expect(s1.verdict).toBe('marginal');
  });
});

describe('too few resamples for the number of segments', () => {
  it('is at best marginal and says how many resamples are needed', () => {
    // 10 gated segments, B = 199: the smallest Holm-adjusted p-value is 10/200 = 0.05 ≥ 0.025.
    const segs = Array.from({ length: 400 }, (_, i) => `s${i % 10}`);
    const diffs = Float64Array.from(segs, () => 0.01);
    const outcome = compareDifferences(diffs, segs, 0.02, { ...settings, resamples: 199 }, 'few');
    expect(outcome.overall.verdict).toBe('pass');
    expect(outcome.verdict).toBe('marginal');
    expect(outcome.resamplesNeeded).toBe(800);
  });
});
