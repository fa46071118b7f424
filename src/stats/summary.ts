/** Basic summaries of samples. Inputs are plain numbers; NaN propagates unless stated. */

/**
 * Arithmetic mean (same units as the input). Empty input: NaN.
 * Summed left to right in double precision, so the result is reproducible bit for bit.
 */
export function mean(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i] as number;
  return sum / n;
}

/** Count, mean and sample variance of a sample. */
export interface MeanVariance {
  n: number;
  mean: number;
  /** Sample variance with the n − 1 denominator (units squared). NaN when n < 2. */
  variance: number;
}

/**
 * One-pass mean and sample variance (Welford 1962), numerically stable for data with a
 * large offset. Empty input: mean NaN; n < 2: variance NaN; constant input: variance 0.
 */
export function meanVariance(xs: ArrayLike<number>): MeanVariance {
  const n = xs.length;
  let m = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    const delta = x - m;
    m += delta / (i + 1);
    m2 += delta * (x - m);
  }
  return { n, mean: n === 0 ? NaN : m, variance: n < 2 ? NaN : m2 / (n - 1) };
}

/**
 * The p-quantile of an ascending sample by linear interpolation between order statistics:
 * Hyndman & Fan (1996) type 7, numpy's default `method='linear'`, R's default `type=7`.
 * With h = (n − 1)·p: x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 * The input must already be sorted ascending (not checked, for speed).
 * Empty input: NaN; n = 1: the single value. p outside [0, 1] is a RangeError.
 */
export function quantile(sortedXs: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile p must be in [0, 1], got ${p}`);
  const n = sortedXs.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sortedXs[lo] as number;
  if (lo >= n - 1) return a;
  const b = sortedXs[lo + 1] as number;
  const frac = h - lo;
  return frac === 0 ? a : a + frac * (b - a);
}

/**
 * Average ranks (1-based), ties sharing the mean of the ranks they span: scipy's
 * `rankdata(method='average')`. O(n log n). NaN is a RangeError (it has no rank).
 */
export function averageRanks(xs: ArrayLike<number>): Float64Array {
  const n = xs.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(xs[i])) throw new RangeError(`cannot rank NaN (at index ${i})`);
    order[i] = i;
  }
  order.sort((i, j) => (xs[i] as number) - (xs[j] as number) || i - j);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    const value = xs[order[start] as number] as number;
    let end = start + 1;
    while (end < n && xs[order[end] as number] === value) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let i = start; i < end; i++) ranks[order[i] as number] = rank;
    start = end;
  }
  return ranks;
}
