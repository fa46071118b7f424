import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval, bootstrapMeans, bootstrapPValue, pairedTTestPValue } from '../../src/stats/bootstrap.js';
import { createRng, createUint32Rng } from '../../src/stats/random.js';

/** n normal(mu, sigma) values by Box–Muller from a seeded stream. */
function normalSample(n: number, mu: number, sigma: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - rng(); // (0, 1]
    out[i] = mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  }
  return out;
}

const bytes = (interval: { estimate: number; low: number; high: number }) =>
  Buffer.from(Float64Array.of(interval.estimate, interval.low, interval.high).buffer).toString('hex');

describe('bootstrapMeanInterval', () => {
  const data = normalSample(300, -0.02, 0.1, 11);
  const options = { level: 0.95, resamples: 2000, seed: 1234 };

  it('is reproducible byte for byte for the same data and seed', () => {
    const a = bootstrapMeanInterval(data, options);
    const b = bootstrapMeanInterval(Float64Array.from(data), { ...options });
    expect(bytes(a)).toBe(bytes(b));
    expect(bytes(bootstrapMeanInterval(data, { ...options, seed: 1235 }))).not.toBe(bytes(a));
  });

  it('brackets the sample mean with about the normal-theory width', () => {
    const r = bootstrapMeanInterval(data, options);
    let sum = 0;
    for (const x of data) sum += x;
    expect(r.estimate).toBe(sum / data.length);
    expect(r.low).toBeLessThan(r.estimate);
    expect(r.high).toBeGreaterThan(r.estimate);
    expect(r.level).toBe(0.95);
    // Normal theory: width ≈ 2·1.96·σ/√n = 0.02263 for σ = 0.1, n = 300; allow ±15%.
    expect(r.high - r.low).toBeGreaterThan(0.85 * 0.02263);
    expect(r.high - r.low).toBeLessThan(1.15 * 0.02263);
  });

  it('covers the true mean about 95% of the time (400 seeded trials, n = 40)', () => {
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const sample = normalSample(40, 0.3, 1, 1000 + t);
      const r = bootstrapMeanInterval(sample, { level: 0.95, resamples: 1000, seed: t });
      if (r.low <= 0.3 && 0.3 <= r.high) covered++;
    }
    // The percentile interval runs slightly narrow at n = 40 (≈ 94%); the binomial sd over
    // 400 trials is 1.1 points, so [0.90, 0.99] is a band of more than 3 sd either side.
    expect(covered / trials).toBeGreaterThan(0.9);
    expect(covered / trials).toBeLessThan(0.99);
  });

  it('handles empty, single, constant and non-finite input', () => {
    const empty = bootstrapMeanInterval(new Float64Array(0), options);
    expect([empty.estimate, empty.low, empty.high]).toEqual([NaN, NaN, NaN]);
    expect(bootstrapMeanInterval(Float64Array.of(0.25), options)).toEqual({ estimate: 0.25, low: 0.25, high: 0.25, level: 0.95 });
    expect(bootstrapMeanInterval(Float64Array.of(-1, -1, -1), options)).toMatchObject({ low: -1, high: -1 });
    expect(() => bootstrapMeanInterval(Float64Array.of(1, NaN), options)).toThrow(RangeError);
    expect(() => bootstrapMeanInterval(data, { ...options, level: 1 })).toThrow(RangeError);
    expect(() => bootstrapMeanInterval(data, { ...options, resamples: 0 })).toThrow(RangeError);
  });

  it('draws resample means that are sorted and lie within the data range', () => {
    const means = bootstrapMeans(Float64Array.of(1, 2, 3, 10), { resamples: 500, seed: 5 });
    expect(means.length).toBe(500);
    for (let i = 1; i < means.length; i++) expect(means[i]!).toBeGreaterThanOrEqual(means[i - 1]!);
    expect(means[0]!).toBeGreaterThanOrEqual(1);
    expect(means[499]!).toBeLessThanOrEqual(10);
  });
});

describe('bootstrapPValue', () => {
  const resamples = 4000;

  it('is dual to the interval: at the interval bound p ≈ (1 − level) / 2', () => {
    const data = normalSample(200, -0.03, 0.1, 21);
    const r = bootstrapMeanInterval(data, { level: 0.9, resamples, seed: 8 });
    const p = bootstrapPValue(data, { nullMean: r.high, alternative: 'less', resamples, seed: 8 });
    expect(Math.abs(p - 0.05)).toBeLessThan(2 / resamples);
    const q = bootstrapPValue(data, { nullMean: r.low, alternative: 'greater', resamples, seed: 8 });
    expect(Math.abs(q - 0.05)).toBeLessThan(2 / resamples);
  });

  it('agrees with the t-test on roughly normal data', () => {
    const data = normalSample(400, -0.025, 0.1, 31);
    for (const nullMean of [-0.01, -0.02, -0.03]) {
      const boot = bootstrapPValue(data, { nullMean, alternative: 'less', resamples, seed: 2 });
      const t = pairedTTestPValue(data, nullMean, 'less');
      expect(Math.abs(boot - t)).toBeLessThan(0.03);
    }
  });

  it('rejects a true null at about the nominal rate (200 seeded trials, n = 60)', () => {
    // Data with mean exactly at the null (−0.05): P(p ≤ 0.05) should be ≈ 0.05. The binomial
    // sd over 200 trials is 1.5 points; the band [0.01, 0.11] is about 3 sd either side.
    let rejections = 0;
    for (let t = 0; t < 200; t++) {
      const sample = normalSample(60, -0.05, 0.2, 5000 + t);
      if (bootstrapPValue(sample, { nullMean: -0.05, alternative: 'less', resamples: 1000, seed: t }) <= 0.05) rejections++;
    }
    expect(rejections / 200).toBeGreaterThan(0.01);
    expect(rejections / 200).toBeLessThan(0.11);
  });

  it('is bounded by 1/(B+1) and 1 and handles edges', () => {
    const data = Float64Array.of(-0.3, -0.2, -0.25);
    expect(bootstrapPValue(data, { nullMean: 0, alternative: 'less', resamples: 99, seed: 1 })).toBe(0.01);
    expect(bootstrapPValue(data, { nullMean: 0, alternative: 'greater', resamples: 99, seed: 1 })).toBe(1);
    expect(bootstrapPValue(new Float64Array(0), { nullMean: 0, alternative: 'less', resamples: 99, seed: 1 })).toBeNaN();
  });
});

describe('pairedTTestPValue', () => {
  // Reference: scipy.stats.ttest_1samp(d, -0.02, alternative=…).pvalue, scipy 1.17.1
  // (`python3 test/stats/reference.py`, key ttest).
  const d = [-0.12, 0.03, -0.08, -0.2, 0.01, -0.05, -0.15, 0.02, -0.09, -0.11];
  it.each([
    ['less', 0.026226615508791316],
    ['greater', 0.9737733844912086],
    ['two-sided', 0.05245323101758263],
  ] as const)('%s matches scipy', (alternative, expected) => {
    expect(pairedTTestPValue(d, -0.02, alternative)).toBeCloseTo(expected, 12);
  });

  it('handles n < 2 and zero variance', () => {
    expect(pairedTTestPValue([0.1], 0, 'less')).toBeNaN();
    expect(pairedTTestPValue([-0.1, -0.1], -0.05, 'less')).toBe(0);
    expect(pairedTTestPValue([-0.1, -0.1], -0.05, 'greater')).toBe(1);
    expect(pairedTTestPValue([-0.1, -0.1], -0.1, 'less')).toBe(1);
    expect(pairedTTestPValue([-0.1, -0.1], -0.05, 'two-sided')).toBe(0);
  });
});

describe('bootstrapMeans stream', () => {
  it('draws index ⌊u·n/2^32⌋ from the documented generator stream, in order', () => {
    const values = Float64Array.of(0.5, -1, 2, 7, 3.25);
    const next = createUint32Rng(99);
    const expected: number[] = [];
    for (let b = 0; b < 50; b++) {
      let sum = 0;
      for (let i = 0; i < values.length; i++) sum += values[Math.floor((next() * values.length) / 2 ** 32)]!;
      expected.push(sum / values.length);
    }
    expected.sort((x, y) => x - y);
    expect([...bootstrapMeans(values, { resamples: 50, seed: 99 })]).toEqual(expected);
  });
});
