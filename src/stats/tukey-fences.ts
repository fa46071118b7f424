/**
 * Quantile of sorted values by linear interpolation between order statistics (Hyndman &
 * Fan type 7, the default of R and NumPy): position h = (n − 1)·p, 0-based.
 * @param sorted ascending, non-empty, finite.
 * @param p in [0, 1].
 * @throws RangeError on an empty array or p outside [0, 1].
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantileSorted: empty sample');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantileSorted: p ${p} is not in [0, 1]`);
  const h = (n - 1) * p;
  const low = Math.floor(h);
  const high = Math.min(n - 1, low + 1);
  const a = sorted[low] as number;
  return a + (h - low) * ((sorted[high] as number) - a);
}

/** Median of a non-empty sample (type 7: the mean of the middle two for an even size). */
export function median(values: ArrayLike<number>): number {
  return quantileSorted(Float64Array.from(values).sort(), 0.5);
}

/**
 * Tukey's fences: values outside [Q1 − k·IQR, Q3 + k·IQR] are outliers (quartiles of type 7).
 * Returns the values kept, in their original order, and how many were removed. Samples
 * of fewer than 4 values are returned unchanged (their quartiles say nothing).
 * @param factor k ≥ 0; 1.5 is Tukey's "outlier", 3 his "far out".
 */
export function removeOutliers(values: ArrayLike<number>, factor: number): { kept: Float64Array; removed: number } {
  const all = Float64Array.from(values);
  if (all.length < 4) return { kept: all, removed: 0 };
  const sorted = Float64Array.from(all).sort();
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const spread = q3 - q1;
  const low = q1 - factor * spread;
  const high = q3 + factor * spread;
  const kept = all.filter((v) => v >= low && v <= high);
  return { kept, removed: all.length - kept.length };
}
