import { describe, expect, it } from 'vitest';
import { erfc, normalCdf, normalQuantile, normalSurvival } from '../../src/stats/normal.js';

// Reference values: scipy.special.erfc(v) and scipy.special.ndtri(p), SciPy 1.17.1, run once.
const ERFC: [number, number][] = [
  [0, 1],
  [0.3, 0.6713732405408726],
  [1, 0.15729920705028516],
  [2.4, 0.0006885138966450789],
  [2.6, 0.000236034416529349],
  [4, 1.541725790028002e-8],
  [6, 2.1519736712498913e-17],
  [10, 2.0884875837625446e-45],
  [-1.5, 1.9661051464753108],
];
const NDTRI: [number, number][] = [
  [1e-10, -6.361340902404056],
  [0.001, -3.090232306167813],
  [0.025, -1.9599639845400545],
  [0.3, -0.5244005127080409],
  [0.5, 0],
  [0.975, 1.959963984540054],
];

describe('standard normal', () => {
  it.each(ERFC)('erfc(%d) matches SciPy to 1e-12 relative', (x, expected) => {
    expect(Math.abs(erfc(x) - expected) / expected).toBeLessThan(1e-12);
  });

  it.each(NDTRI)('normalQuantile(%d) matches SciPy', (p, expected) => {
    expect(normalQuantile(p)).toBeCloseTo(expected, 12);
  });

  it('keeps the tails apart from the cdf and handles the ends', () => {
    expect(normalSurvival(1.959963984540054)).toBeCloseTo(0.025, 14);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(1.5)).toBeNaN();
  });
});
