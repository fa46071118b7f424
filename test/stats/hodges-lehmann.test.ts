import { describe, expect, it } from 'vitest';
import { hodgesLehmannShift, selectKth } from '../../src/stats/hodges-lehmann.js';
import { mannWhitneyU } from '../../src/stats/mann-whitney.js';

describe('hodgesLehmannShift', () => {
  it('is the median of the pairwise differences: a worked example by hand', () => {
    // x = [1, 2, 3], y = [2, 4]: differences y − x = 1, 0, −1, 3, 2, 1 → sorted −1 0 1 1 2 3 → median 1.
    expect(hodgesLehmannShift([1, 2, 3], [2, 4]).shift).toBe(1);
  });

  it('matches R and NumPy on the Hollander & Wolfe permeability example', () => {
    // R: wilcox.test(x, y, conf.int = TRUE) reports a "difference in location" (x − y) of 0.305;
    // NumPy: np.median(np.subtract.outer(y, x)) → -0.30500000000000005.
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    expect(hodgesLehmannShift(x, y).shift).toBeCloseTo(-0.305, 12);
  });

  it('puts the interval at the k-th order statistics of the differences', () => {
    // NumPy/SciPy, run once: d = sort(subtract.outer(y, x)); n = d.size = 81;
    // k = floor(n/2 − norm.ppf(0.975)·sqrt(n·(9+9+1)/12)) = 18 → d[17] = −1.183, d[63] = 0.37; median −0.56.
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const estimate = hodgesLehmannShift(x, y, 0.95);
    expect(estimate.shift).toBeCloseTo(-0.56, 12);
    expect(estimate.interval?.low).toBeCloseTo(-1.183, 12);
    expect(estimate.interval?.high).toBeCloseTo(0.37, 12);
    expect(hodgesLehmannShift([1], [2]).interval).toBeNull();
  });

  it('covers the true shift about as often as its level says (seeded simulation)', () => {
    let state = 12345;
    const uniform = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return (state + 0.5) / 2 ** 32;
    };
    const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const x = Float64Array.from({ length: 25 }, normal);
      const y = Float64Array.from({ length: 30 }, () => normal() + 0.7);
      const { interval } = hodgesLehmannShift(x, y, 0.9);
      if (interval && interval.low <= 0.7 && 0.7 <= interval.high) covered++;
    }
    // Binomial(400, 0.9): sd 6; allow ±4 sd.
    expect(covered / trials).toBeGreaterThan(0.84);
    expect(covered / trials).toBeLessThan(0.96);
  });

  it('agrees in sign with the rank test', () => {
    const x = [5, 6, 7, 8, 9];
    const y = [9, 10, 11, 12, 13];
    expect(hodgesLehmannShift(x, y).shift).toBe(4);
    expect(mannWhitneyU(x, y, { alternative: 'less' }).pValue).toBeLessThan(0.01);
  });
});

describe('selectKth', () => {
  it('finds every order statistic of a sample with ties, as sorting does', () => {
    const values = [5, 3, 9, 3, 3, 1, 8, 2, 7, 7, 0, 4];
    const sorted = [...values].sort((a, b) => a - b);
    for (let k = 0; k < values.length; k++) expect(selectKth(Float64Array.from(values), k)).toBe(sorted[k]);
    expect(() => selectKth(new Float64Array(3), 3)).toThrow(RangeError);
  });
});
