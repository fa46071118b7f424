import { describe, expect, it } from 'vitest';
import { exactUDistribution, mannWhitneyU } from '../../src/stats/mann-whitney.js';

// Reference values: SciPy 1.17.1 (NumPy 2.4.6), run once and recorded here, e.g.
//   scipy.stats.mannwhitneyu(x, y, alternative='two-sided', method='exact')
//   scipy.stats.mannwhitneyu(x, y, alternative='less', method='asymptotic', use_continuity=True)
// The statistic SciPy returns is U of the first sample, as ours.

describe('mannWhitneyU, exact distribution', () => {
  // The worked example of SciPy's mannwhitneyu documentation (ages of male and female
  // authors): U = 17, exact two-sided p = 1/9.
  const males = [19, 22, 16, 29, 24];
  const females = [20, 11, 17, 12];

  it('matches the documented example for every alternative', () => {
    const two = mannWhitneyU(males, females);
    expect(two.method).toBe('exact');
    expect(two.u).toBe(17);
    expect(two.uOther).toBe(3);
    expect(two.pValue).toBeCloseTo(0.1111111111111111, 14);
    expect(mannWhitneyU(males, females, { alternative: 'greater' }).pValue).toBeCloseTo(0.05555555555555555, 14);
    expect(mannWhitneyU(males, females, { alternative: 'less' }).pValue).toBeCloseTo(0.9682539682539683, 14);
  });

  it('matches SciPy at the largest sizes auto computes exactly (20 × 45)', () => {
    const x = [493, 32, 712, 776, 676, 134, 240, 80, 456, 375, 52, 35, 516, 629, 914, 919, 907, 482, 982, 592];
    const y = [
      705, 125, 853, 881, 106, 94, 259, 246, 165, 700, 91, 439, 740, 847, 545, 273, 558, 258, 504, 37, 954, 423, 764, 81, 894, 242, 885, 748, 5, 813,
      625, 275, 519, 888, 583, 61, 778, 671, 852, 9, 489, 373, 647, 924, 666,
    ];
    const result = mannWhitneyU(x, y);
    expect(result.method).toBe('exact');
    expect(result.u).toBe(445);
    expect(result.pValue).toBeCloseTo(0.9494387487617445, 12);
  });

  it('gives p = 1 two-sided when U sits at its mean, and symmetric one-sided tails (12 × 15)', () => {
    const x = [47, 62, 15, 51, 42, 28, 61, 32, 70, 34, 11, 60];
    const y = [10, 13, 94, 31, 83, 8, 1, 69, 79, 72, 27, 33, 85, 29, 43];
    expect(mannWhitneyU(x, y).u).toBe(90);
    expect(mannWhitneyU(x, y).pValue).toBe(1);
    expect(mannWhitneyU(x, y, { alternative: 'greater' }).pValue).toBeCloseTo(0.5095657121030658, 13);
    expect(mannWhitneyU(x, y, { alternative: 'less' }).pValue).toBeCloseTo(0.5095657121030658, 13);
  });

  it('builds a distribution that sums to 1 and counts the C(m+n, m) arrangements', () => {
    // By hand: m = 2, n = 2 has C(4,2) = 6 equally likely orders with U = 0,1,2,2,3,4.
    expect(Array.from(exactUDistribution(2, 2)).map((p) => p * 6)).toEqual([1, 1, 2, 1, 1].map((c) => expect.closeTo(c, 12)));
    const big = exactUDistribution(20, 50);
    expect(big.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // P(U = 0) = 1 / C(70, 20), C(70, 20) = 161884603662657876 (Python's math.comb).
    expect(1 / (big[0] as number) / Number(161884603662657876n)).toBeCloseTo(1, 10);
  });
});

describe('mannWhitneyU, normal approximation with tie correction', () => {
  // Integers drawn from N(10, 2²) and N(11, 2²), rounded: many ties.
  const x = [7, 8, 8, 10, 12, 11, 10, 11, 8, 11, 10, 10, 13, 9, 10, 8, 7, 12, 8, 8, 5, 10, 7, 10, 11, 10, 11, 11, 10, 9];
  const y = [
    11, 11, 14, 16, 15, 9, 12, 5, 10, 10, 13, 12, 10, 7, 10, 9, 7, 11, 9, 10, 12, 11, 11, 11, 11, 9, 11, 9, 10, 12, 9, 8, 10, 12, 10, 8, 15, 13, 10, 14,
  ];

  it('matches SciPy for every alternative, with and without continuity correction', () => {
    const two = mannWhitneyU(x, y);
    expect(two.method).toBe('normal');
    expect(two.u).toBe(425);
    expect(two.tieSum).toBeGreaterThan(0);
    expect(two.pValue).toBeCloseTo(0.03555648389927944, 12);
    expect(mannWhitneyU(x, y, { alternative: 'greater' }).pValue).toBeCloseTo(0.9827427512817727, 12);
    expect(mannWhitneyU(x, y, { alternative: 'less' }).pValue).toBeCloseTo(0.01777824194963972, 12);
    expect(mannWhitneyU(x, y, { continuity: false }).pValue).toBeCloseTo(0.03503218345293519, 12);
  });

  it('matches SciPy on larger samples with a few ties (60 × 70)', () => {
    const x4 = [
      0.353, 0.55, 0.873, 1.432, 1.257, 0.733, 1.792, 1.403, 1.588, 1.19, 1.264, 0.833, 0.894, 0.88, 1.315, 0.557, 0.974, 1.203, 1.954, 0.942, 1.245,
      1.355, 1.008, 0.743, 0.797, 1.772, 1.082, 0.62, 0.845, 0.596, 0.899, 0.901, 0.919, 1.122, 0.93, 0.991, 1.47, 0.973, 0.389, 1.4, 0.524, 0.643,
      0.662, 1.692, 1.15, 1.038, 0.662, 0.97, 1.724, 1.317, 0.978, 1.159, 0.971, 0.76, 0.967, 0.672, 1.25, 0.988, 0.624, 2.776,
    ];
    const y4 = [
      1.062, 1.427, 1.185, 0.999, 1.748, 1.216, 0.823, 2.029, 0.612, 1.193, 2.307, 1.393, 0.835, 1.167, 1.001, 1.059, 1.455, 1.259, 1.637, 1.117, 0.967,
      1.583, 0.705, 1.647, 0.475, 1.39, 0.592, 0.86, 1.236, 1.12, 1.827, 0.836, 1.324, 0.798, 0.634, 0.92, 0.71, 1.34, 0.945, 1.454, 0.851, 0.777,
      1.57, 0.729, 1.373, 0.96, 1.038, 0.586, 1.618, 1.472, 1.338, 0.849, 0.767, 1.68, 0.924, 1.801, 1.091, 0.846, 1.591, 1.129, 0.91, 0.692, 0.959,
      1.02, 0.514, 0.235, 1.453, 1.516, 1.167, 2.047,
    ];
    const result = mannWhitneyU(Float64Array.from(x4), Float64Array.from(y4));
    expect(result.u).toBe(1802);
    expect(result.pValue).toBeCloseTo(0.1647185613467682, 12);
    expect(mannWhitneyU(x4, y4, { alternative: 'less' }).pValue).toBeCloseTo(0.0823592806733841, 12);
  });

  it('returns p = 1 when every value is tied, and rejects empty or non-finite samples', () => {
    expect(mannWhitneyU([3, 3, 3], [3, 3]).pValue).toBe(1);
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
    expect(() => mannWhitneyU([1, Number.NaN], [1])).toThrow(/x\[1\]/);
  });
});

describe('mannWhitneyU, a published example', () => {
  it('matches Hollander & Wolfe (1973, p. 69), permeability constants: W = 35, one-sided p = 0.1272', () => {
    // The example of R's wilcox.test help page: wilcox.test(x, y, alternative = "g") gives
    // W = 35, p-value = 0.1272; SciPy agrees: mannwhitneyu(x, y, alternative='greater',
    // method='exact') → 35.0, 0.1272061272061272.
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const result = mannWhitneyU(x, y, { alternative: 'greater' });
    expect(result.u).toBe(35);
    expect(result.pValue).toBeCloseTo(0.1272061272061272, 13);
  });
});

describe('mannWhitneyU, both one-sided p-values at once', () => {
  it('reports pGreater and pLess equal to the one-sided calls, for both methods', () => {
    const exactX = [19, 22, 16, 29, 24];
    const exactY = [20, 11, 17, 12];
    const exact = mannWhitneyU(exactX, exactY);
    expect(exact.pGreater).toBeCloseTo(0.05555555555555555, 14);
    expect(exact.pLess).toBeCloseTo(0.9682539682539683, 14);
    const x = [7, 8, 8, 10, 12, 11, 10, 11, 8, 11, 10, 10, 13, 9, 10, 8, 7, 12, 8, 8, 5, 10, 7, 10, 11, 10, 11, 11, 10, 9];
    const y = [11, 11, 14, 16, 15, 9, 12, 5, 10, 10, 13, 12, 10, 7, 10, 9, 7, 11, 9, 10, 12, 11, 11, 11, 11, 9, 11, 9, 10, 12, 9, 8, 10, 12, 10, 8, 15, 13, 10, 14];
    const normal = mannWhitneyU(x, y);
    expect(normal.pGreater).toBeCloseTo(0.9827427512817727, 12);
    expect(normal.pLess).toBeCloseTo(0.01777824194963972, 12);
  });
});
