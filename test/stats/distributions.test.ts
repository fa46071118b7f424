import { describe, expect, it } from 'vitest';
import { logGamma, regularizedIncompleteBeta, studentTCdf } from '../../src/stats/distributions.js';

// Reference values: `python3 test/stats/reference.py` (scipy 1.17.1):
// scipy.special.gammaln, scipy.special.betainc(a, b, x), scipy.stats.t.cdf(t, df).
function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.max(Math.abs(expected), 1e-300));
}

describe('logGamma', () => {
  it.each([
    [0.1, 2.252712651734206],
    [0.5, 0.5723649429247],
    [2.5, 0.2846828704729192],
    [10, 12.801827480081469],
    [171.3, 708.1149470389971],
    [1e5, 1051287.7089736569],
  ])('ln Γ(%s)', (x, expected) => expectRelative(logGamma(x), expected, 1e-13));

  it('is 0 at 1 and 2 and rejects x ≤ 0', () => {
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-14);
    expect(Math.abs(logGamma(2))).toBeLessThan(1e-14);
    expect(() => logGamma(0)).toThrow(RangeError);
  });
});

describe('regularizedIncompleteBeta', () => {
  it.each([
    [0.3, 2, 3, 0.34829999999999994],
    [0.9, 0.5, 0.5, 0.7951672353008665],
    [0.01, 50, 0.5, 7.998227417904836e-102],
    [0.999, 500, 0.5, 0.31731044730971725],
    [0.5, 1e4, 1e4, 0.4999999999999989],
    [0.2, 0.1, 10, 0.9952541941596683],
  ])('I_%s(%s, %s)', (x, a, b, expected) => expectRelative(regularizedIncompleteBeta(x, a, b), expected, 1e-10));

  it('is 0 and 1 at the ends', () => {
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    // By hand: I_x(1, 1) = x.
    expect(regularizedIncompleteBeta(0.37, 1, 1)).toBeCloseTo(0.37, 14);
  });
});

describe('studentTCdf', () => {
  it.each([
    [0.0, 5, 0.5],
    [1.5, 1, 0.8128329581890011],
    [-2.3, 4, 0.04146951855619118],
    [2.0, 10, 0.9633059826146299],
    [-4.5, 30, 4.759679696056222e-5],
    [3.0, 2.5, 0.9637119522254841],
    [-1.96, 1e5, 0.02499928159715084],
    [8.0, 200, 0.9999999999999506],
    [-12.0, 9, 3.8499431114928265e-7],
  ])('P(T ≤ %s), df %s', (t, df, expected) => expectRelative(studentTCdf(t, df), expected, 1e-10));

  it('is exact for df = 1 (Cauchy): 1/2 + atan(t)/π', () => {
    expect(studentTCdf(0.7, 1)).toBeCloseTo(0.5 + Math.atan(0.7) / Math.PI, 13);
  });

  it('handles infinities and NaN', () => {
    expect(studentTCdf(Infinity, 3)).toBe(1);
    expect(studentTCdf(-Infinity, 3)).toBe(0);
    expect(studentTCdf(NaN, 3)).toBeNaN();
    expect(() => studentTCdf(1, 0)).toThrow(RangeError);
  });
});
