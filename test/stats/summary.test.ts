import { describe, expect, it } from 'vitest';
import { averageRanks, mean, meanVariance, quantile } from '../../src/stats/summary.js';

// Reference values: `python3 test/stats/reference.py` (numpy 2.4.6, scipy 1.17.1):
// np.mean, np.var(ddof=1), np.quantile(method='linear'), scipy.stats.rankdata.
const xs = [2.5, -1.0, 4.0, 4.0, 0.5, 10.0, 3.25];

describe('mean and meanVariance', () => {
  it('match numpy', () => {
    expect(mean(xs)).toBeCloseTo(3.3214285714285716, 14);
    const mv = meanVariance(Float64Array.from(xs));
    expect(mv.n).toBe(7);
    expect(mv.mean).toBeCloseTo(3.3214285714285716, 14);
    expect(mv.variance).toBeCloseTo(12.139880952380954, 13);
  });

  it('stays exact with a large offset (Welford)', () => {
    // Values 4, 7, 13, 16 (+1e9): variance by hand = (36+9+9+36)/3 = 30.
    const mv = meanVariance([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
    expect(mv.variance).toBeCloseTo(30, 6);
  });

  it('handles empty, single and constant input', () => {
    expect(mean([])).toBeNaN();
    expect(meanVariance([])).toEqual({ n: 0, mean: NaN, variance: NaN });
    expect(meanVariance([5])).toEqual({ n: 1, mean: 5, variance: NaN });
    expect(meanVariance([2, 2, 2]).variance).toBe(0);
  });
});

describe('quantile (type 7)', () => {
  const sorted = [...xs].sort((a, b) => a - b);
  it.each([
    [0, -1.0],
    [0.1, -0.09999999999999987],
    [0.25, 1.5],
    [0.5, 3.25],
    [0.9, 6.400000000000002],
    [0.975, 9.099999999999998],
    [1, 10.0],
  ])('p=%s matches numpy', (p, expected) => {
    expect(quantile(sorted, p)).toBeCloseTo(expected, 12);
  });

  it('handles edges', () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(quantile([7], 0.3)).toBe(7);
    expect(() => quantile(sorted, 1.1)).toThrow(RangeError);
    expect(() => quantile(sorted, NaN)).toThrow(RangeError);
  });
});

describe('averageRanks', () => {
  it('matches scipy.stats.rankdata (average ties)', () => {
    expect([...averageRanks([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])]).toEqual([4.5, 1.5, 6, 1.5, 8, 11, 3, 10, 8, 4.5, 8]);
  });
  it('gives all ties the middle rank and rejects NaN', () => {
    expect([...averageRanks([2, 2, 2])]).toEqual([2, 2, 2]);
    expect(averageRanks([]).length).toBe(0);
    expect(() => averageRanks([1, NaN])).toThrow(RangeError);
  });
});
