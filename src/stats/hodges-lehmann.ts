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
  const count = differences.length;
  const middle = count >> 1;
  const shift = count % 2 === 1 ? selectKth(differences, middle) : (selectKth(differences, middle - 1) + selectKth(differences, middle)) / 2;
  const z = normalQuantile((1 + level) / 2);
  const rank = Math.floor(count / 2 - z * Math.sqrt((count * (n1 + n2 + 1)) / 12));
  const interval = rank >= 1 ? { low: selectKth(differences, rank - 1), high: selectKth(differences, count - rank), level } : null;
  return { shift, interval };
}

/**
 * The k-th smallest value (0-based) of `values`, which is reordered in place (Hoare's
 * selection with a median-of-three pivot): expected O(n) time, no allocation.
 * @throws RangeError when k is outside [0, n).
 */
export function selectKth(values: Float64Array, k: number): number {
  if (!(k >= 0 && k < values.length)) throw new RangeError(`selectKth: k = ${k} is outside [0, ${values.length})`);
  let left = 0;
  let right = values.length - 1;
  while (left < right) {
    const mid = (left + right) >> 1;
    const a = values[left] as number;
    const b = values[mid] as number;
    const c = values[right] as number;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return values[k] as number;
  }
  return values[k] as number;
}
