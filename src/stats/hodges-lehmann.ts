import { normalQuantile } from './normal.js';

/** Largest n₁·n₂ the pairwise differences are materialised for (8 bytes each: 400 MB). */
export const MAX_PAIRS = 50_000_000;

export interface ShiftEstimate {
  /** Median of all differences yⱼ − xᵢ: how much y is shifted from x, in the samples' unit. */
  shift: number;
  /**
   * Distribution-free confidence interval for the shift (Moses/Lehmann): the k-th smallest
   * and k-th largest pairwise differences, with k from the normal approximation of the
   * Mann-Whitney null distribution. null when the samples are too small for any interval
   * at the level asked (k < 1).
   */
  interval: { low: number; high: number; level: number } | null;
}

/**
 * Hodges-Lehmann estimate of the shift of y relative to x (positive: y is larger), with a
 * confidence interval at `level` (default 0.95; 0 < level < 1).
 *
 * The interval uses k = ⌊n₁n₂/2 − z₍₁₊level₎/₂ · √(n₁n₂(n₁+n₂+1)/12)⌋ (no tie correction),
 * and is [D₍ₖ₎, D₍n₁n₂+1−ₖ₎] over the sorted differences D (1-based).
 *
 * Memory: 8·n₁·n₂ bytes.
 * @throws RangeError when a sample is empty, holds a non-finite value, or n₁·n₂ > MAX_PAIRS.
 */
export function hodgesLehmannShift(x: ArrayLike<number>, y: ArrayLike<number>, level = 0.95): ShiftEstimate {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('hodgesLehmannShift: both samples need at least one value');
  if (n1 * n2 > MAX_PAIRS) throw new RangeError(`hodgesLehmannShift: ${n1}×${n2} pairs exceed the limit of ${MAX_PAIRS}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`hodgesLehmannShift: level ${level} is not in (0, 1)`);
  const differences = new Float64Array(n1 * n2);
  let k = 0;
  for (let i = 0; i < n1; i++) {
    const xi = x[i] as number;
    if (!Number.isFinite(xi)) throw new RangeError(`hodgesLehmannShift: x[${i}] is not finite`);
    for (let j = 0; j < n2; j++) differences[k++] = (y[j] as number) - xi;
  }
  for (let j = 0; j < n2; j++) if (!Number.isFinite(y[j])) throw new RangeError(`hodgesLehmannShift: y[${j}] is not finite`);
  differences.sort();
  const count = differences.length;
  const middle = count >> 1;
  const shift = count % 2 === 1 ? (differences[middle] as number) : ((differences[middle - 1] as number) + (differences[middle] as number)) / 2;
  const z = normalQuantile((1 + level) / 2);
  const rank = Math.floor(count / 2 - z * Math.sqrt((count * (n1 + n2 + 1)) / 12));
  const interval = rank >= 1 ? { low: differences[rank - 1] as number, high: differences[count - rank] as number, level } : null;
  return { shift, interval };
}
