import { describe, expect, it } from 'vitest';
import { median, quantileSorted, removeOutliers } from '../../src/stats/tukey-fences.js';

describe('quantiles and Tukey fences', () => {
  it('interpolates like NumPy (type 7)', () => {
    // np.percentile([1, 2, 3, 4, 100, 5, 6, 7], [25, 75]) → [2.75, 6.25]
    const sorted = Float64Array.from([1, 2, 3, 4, 100, 5, 6, 7]).sort();
    expect(quantileSorted(sorted, 0.25)).toBe(2.75);
    expect(quantileSorted(sorted, 0.75)).toBe(6.25);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => quantileSorted([], 0.5)).toThrow(RangeError);
  });

  it('drops values beyond k·IQR from the quartiles and keeps the order of the rest', () => {
    // Q1 = 2.75, Q3 = 6.25, IQR = 3.5; k = 3: fences −7.75 and 16.75 → 100 goes.
    const { kept, removed } = removeOutliers([1, 2, 3, 4, 100, 5, 6, 7], 3);
    expect(Array.from(kept)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(removed).toBe(1);
    expect(removeOutliers([1, 50, 2], 1.5).removed).toBe(0);
  });
});
