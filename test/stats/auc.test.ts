import { describe, expect, it } from 'vitest';
import { auc } from '../../src/stats/auc.js';

describe('auc', () => {
  it('matches scipy Mann–Whitney U / (n·m), with ties', () => {
    // scipy.stats.mannwhitneyu(pos, neg).statistic / (7·8), scipy 1.17.1
    // (`python3 test/stats/reference.py`, key auc).
    const pos = [0.9, 0.8, 0.8, 0.7, 0.55, 0.3, 0.8];
    const neg = [0.1, 0.3, 0.8, 0.5, 0.2, 0.55, 0.05, 0.3];
    expect(auc(pos, neg)).toBeCloseTo(0.8571428571428571, 14);
    // Same scores as float32 on both sides: ties survive the rounding.
    expect(auc(Float32Array.from(pos), Float32Array.from(neg))).toBeCloseTo(0.8571428571428571, 14);
  });

  it('matches hand computations', () => {
    expect(auc([2, 3], [1])).toBe(1);
    expect(auc([1], [2, 3])).toBe(0);
    expect(auc([1, 1], [1, 1, 1])).toBe(0.5); // all tied
    // Pairs: (2 vs 1) win, (2 vs 2) tie, (2 vs 3) loss → (1 + 0.5) / 3.
    expect(auc([2], [1, 2, 3])).toBe(0.5);
    expect(auc([-Infinity, Infinity], [0])).toBe(0.5);
  });

  it('handles empty samples and NaN', () => {
    expect(auc([], [1])).toBeNaN();
    expect(auc([1], [])).toBeNaN();
    expect(() => auc([NaN], [1])).toThrow(RangeError);
  });
});
