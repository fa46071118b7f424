import { normalSurvival } from './normal.js';

/** Which difference the p-value looks for: x stochastically greater or less than y, or either. */
export type Alternative = 'two-sided' | 'greater' | 'less';

export interface MannWhitneyOptions {
  alternative?: Alternative;
  /**
   * `auto` (default) uses the exact null distribution when there are no ties and the
   * smaller sample has at most {@link EXACT_MAX_SMALLER} values and the larger at most
   * {@link EXACT_MAX_LARGER}; the normal approximation otherwise.
   */
  method?: 'auto' | 'exact' | 'normal';
  /** Continuity correction of the normal approximation (default true). */
  continuity?: boolean;
}

export interface MannWhitneyResult {
  /** U of the first sample: pairs (xᵢ, yⱼ) with xᵢ > yⱼ, ties counted ½. 0 ≤ u ≤ n₁n₂. */
  u: number;
  /** U of the second sample: n₁n₂ − u. */
  uOther: number;
  n1: number;
  n2: number;
  /** p-value for the chosen alternative, in [0, 1]. */
  pValue: number;
  /** One-sided p-values of the same method: x greater than y, x less than y. */
  pGreater: number;
  pLess: number;
  method: 'exact' | 'normal';
  /** Standardised statistic of the normal approximation (with the corrections applied); null when exact. */
  z: number | null;
  /** Σ(t³ − t) over groups of tied values in the pooled sample; 0 without ties. */
  tieSum: number;
}

/** Largest smaller sample for which `auto` computes the exact distribution. */
export const EXACT_MAX_SMALLER = 20;
/** Largest larger sample for which `auto` computes the exact distribution. */
export const EXACT_MAX_LARGER = 50;

interface Ranked {
  /** Sum of the mid-ranks (1-based) of the first sample in the pooled sample. */
  rankSum: number;
  tieSum: number;
}

function rankFirstSample(x: ArrayLike<number>, y: ArrayLike<number>): Ranked {
  const n1 = x.length;
  const n = n1 + y.length;
  const values = new Float64Array(n);
  for (let i = 0; i < n1; i++) values[i] = x[i] as number;
  for (let j = 0; j < y.length; j++) values[n1 + j] = y[j] as number;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (values[a] as number) - (values[b] as number));
  let rankSum = 0;
  let tieSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end] as number] === values[order[start] as number]) end++;
    const t = end - start;
    const midRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) if ((order[k] as number) < n1) rankSum += midRank;
    if (t > 1) tieSum += t * t * t - t;
    start = end;
  }
  return { rankSum, tieSum };
}

/**
 * Exact null distribution of U for samples of sizes m and n without ties: entry u is
 * P(U = u), u = 0 … mn. Built by the recurrence on the largest pooled value (it belongs
 * to the first sample with probability i/(i+j) and then beats all j values of the second):
 * Pᵢ,ⱼ(u) = i/(i+j)·Pᵢ₋₁,ⱼ(u − j) + j/(i+j)·Pᵢ,ⱼ₋₁(u). Probabilities, not counts, so
 * nothing overflows. Time O(m·n·mn), memory O(n·mn).
 */
export function exactUDistribution(m: number, n: number): Float64Array {
  // previous[j] holds P_{i-1,j}; current[j] holds P_{i,j}.
  let previous: Float64Array[] = [];
  for (let j = 0; j <= n; j++) previous.push(Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const current: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const dist = new Float64Array(i * j + 1);
      const fromFirst = previous[j] as Float64Array; // P_{i-1,j}, length (i-1)j+1
      const fromSecond = current[j - 1] as Float64Array; // P_{i,j-1}, length i(j-1)+1
      const a = i / (i + j);
      const b = j / (i + j);
      for (let u = 0; u < fromFirst.length; u++) dist[u + j] = a * (fromFirst[u] as number);
      for (let u = 0; u < fromSecond.length; u++) dist[u] = (dist[u] as number) + b * (fromSecond[u] as number);
      current.push(dist);
    }
    previous = current;
  }
  return previous[n] as Float64Array;
}

/**
 * Two-sample Mann-Whitney U test (Wilcoxon rank-sum) of x against y.
 *
 * `greater` asks whether x tends to be larger than y. U counts pairs with xᵢ > yⱼ (ties ½),
 * so it matches `scipy.stats.mannwhitneyu(x, y)`'s statistic.
 *
 * - exact: the null distribution of U (no tie correction, so `auto` only picks it without
 *   ties); two-sided p = 2·min(P(U ≥ u), P(U ≤ u)), capped at 1.
 * - normal: mean n₁n₂/2, variance n₁n₂/12 · ((n+1) − Σ(t³−t)/(n(n−1))) (tie correction),
 *   continuity correction ½ towards the mean. With every value tied the variance is 0 and
 *   the p-value is 1.
 *
 * Non-finite values are a RangeError: drop NaN before calling.
 * @throws RangeError when a sample is empty or holds a non-finite value.
 */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>, options: MannWhitneyOptions = {}): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU: both samples need at least one value');
  for (let i = 0; i < n1; i++) if (!Number.isFinite(x[i])) throw new RangeError(`mannWhitneyU: x[${i}] is not finite`);
  for (let j = 0; j < n2; j++) if (!Number.isFinite(y[j])) throw new RangeError(`mannWhitneyU: y[${j}] is not finite`);
  const alternative = options.alternative ?? 'two-sided';
  const { rankSum, tieSum } = rankFirstSample(x, y);
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const uOther = n1 * n2 - u;
  const method =
    options.method === 'exact' || options.method === 'normal'
      ? options.method
      : tieSum === 0 && Math.min(n1, n2) <= EXACT_MAX_SMALLER && Math.max(n1, n2) <= EXACT_MAX_LARGER
        ? 'exact'
        : 'normal';
  const base = { u, uOther, n1, n2, method, tieSum } as const;

  if (method === 'exact') {
    const dist = exactUDistribution(n1, n2);
    // U is an integer without ties; with ties (forced exact) round towards the tail.
    const upper = tailFrom(dist, Math.ceil(u)); // P(U ≥ u)
    const lower = tailTo(dist, Math.floor(u)); // P(U ≤ u)
    const pValue = alternative === 'greater' ? upper : alternative === 'less' ? lower : Math.min(1, 2 * Math.min(upper, lower));
    return { ...base, pValue, pGreater: upper, pLess: lower, z: null };
  }

  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieSum / (n * (n - 1)));
  if (!(variance > 0)) return { ...base, pValue: 1, pGreater: 1, pLess: 1, z: 0 };
  const sd = Math.sqrt(variance);
  const correction = options.continuity === false ? 0 : 0.5;
  const zGreater = (u - mean - correction) / sd;
  const zLess = (uOther - mean - correction) / sd;
  const pGreater = Math.min(1, normalSurvival(zGreater));
  const pLess = Math.min(1, normalSurvival(zLess));
  // Two-sided: the larger U against the upper tail, doubled.
  const z = alternative === 'greater' ? zGreater : alternative === 'less' ? zLess : Math.max(zGreater, zLess);
  const pValue = alternative === 'greater' ? pGreater : alternative === 'less' ? pLess : Math.min(1, 2 * normalSurvival(z));
  return { ...base, pValue, pGreater, pLess, z };
}

function tailFrom(dist: Float64Array, from: number): number {
  let sum = 0;
  for (let u = Math.max(0, from); u < dist.length; u++) sum += dist[u] as number;
  return Math.min(1, sum);
}

function tailTo(dist: Float64Array, to: number): number {
  let sum = 0;
  for (let u = 0; u <= Math.min(to, dist.length - 1); u++) sum += dist[u] as number;
  return Math.min(1, sum);
}
