import { studentTCdf } from './distributions.js';
import { seedState } from './random.js';
import { mean, meanVariance, quantile } from './summary.js';

/**
 * Confidence intervals and one-sided tests for the mean of per-item paired differences
 * (candidate − production, e.g. per-pair cosine change or per-query nDCG change).
 *
 * How a regression gate uses them, with `tolerance` > 0 the largest acceptable drop:
 * - interval: fail when `high < −tolerance`, pass when `low > −tolerance`, else marginal;
 * - segments: `bootstrapPValue(d, { nullMean: −tolerance, alternative: 'less', … })` per
 *   segment, adjusted with `holm`; a segment fails when its adjusted p-value is below
 *   α = (1 − level) / 2. With a single segment this is the interval rule above (the
 *   one-sided test at α is dual to the upper end of the two-sided interval at `level`),
 *   up to one resample's worth of discreteness.
 */

const TWO_POW_32 = 4294967296;

/** A two-sided confidence interval around a point estimate (units of the input values). */
export interface Interval {
  estimate: number;
  low: number;
  high: number;
  /** Confidence level in (0, 1), e.g. 0.95. */
  level: number;
}

export interface ResampleOptions {
  /** Number of bootstrap resamples, a positive integer (2,000 or more for 95% intervals). */
  resamples: number;
  /** Seed of the resampling stream, an integer in [0, 2^32). */
  seed: number;
}

function checkValues(values: Float64Array): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`bootstrap values must be finite; value ${i} is ${values[i]}`);
  }
}

function checkResamples(resamples: number): void {
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
}

/**
 * The bootstrap distribution of the mean, sorted ascending: `resamples` means, each of n
 * values drawn with replacement. Resample b, draw i takes index ⌊u·n / 2^32⌋ where u is
 * output number b·n + i of `createUint32Rng(seed)`; draws are summed left to right. So the
 * output is identical bit for bit for the same values, resamples and seed. One allocation
 * (the output); time O(resamples · n), about 5 ns per draw.
 * Empty input: an array of NaN. Non-finite values are a RangeError.
 */
export function bootstrapMeans(values: Float64Array, options: ResampleOptions): Float64Array {
  checkValues(values);
  checkResamples(options.resamples);
  const n = values.length;
  const means = new Float64Array(options.resamples);
  if (n === 0) return means.fill(NaN);
  // xoshiro128** (the same stream as createUint32Rng(seed)), inlined: this loop is the hot path.
  const state = seedState(options.seed);
  let s0 = state[0] as number;
  let s1 = state[1] as number;
  let s2 = state[2] as number;
  let s3 = state[3] as number;
  const scale = n / TWO_POW_32;
  for (let b = 0; b < means.length; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = Math.imul(s1, 5);
      const draw = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      sum += values[Math.floor(draw * scale)] as number;
    }
    means[b] = sum / n;
  }
  return means.sort();
}

/**
 * Percentile bootstrap confidence interval for the mean (Efron & Tibshirani 1993, ch. 13):
 * the (1 − level)/2 and (1 + level)/2 quantiles (type 7) of the bootstrap distribution of the
 * mean from `bootstrapMeans`. `estimate` is the sample mean. Reproducible byte for byte for
 * the same values and options.
 *
 * Edge cases: empty input gives NaN for estimate, low and high; n = 1 or all values equal
 * give a zero-width interval at the value (no evidence of spread: enforce a minimum size
 * before gating). The percentile interval is slightly narrow for very small n (below ~20);
 * its coverage is checked by simulation in the tests.
 * @param options.level confidence level in (0, 1).
 */
export function bootstrapMeanInterval(
  values: Float64Array,
  options: { level: number; resamples: number; seed: number },
): Interval {
  const { level } = options;
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const means = bootstrapMeans(values, options);
  return {
    estimate: mean(values),
    low: quantile(means, (1 - level) / 2),
    high: quantile(means, (1 + level) / 2),
    level,
  };
}

export type Alternative = 'less' | 'greater';

/**
 * One-sided bootstrap p-value for the mean, from the same resamples as
 * `bootstrapMeanInterval` with the same seed. For `alternative: 'less'` (H1: mean < nullMean,
 * e.g. "the drop is larger than the tolerance" with nullMean = −tolerance):
 *
 *   p = (1 + #{bootstrap means ≥ nullMean}) / (resamples + 1)
 *
 * and for 'greater' the count of means ≤ nullMean. This inverts the percentile interval: p is
 * the smallest α at which the one-sided upper (lower) percentile bound at level 1 − α
 * excludes nullMean. The +1 keeps p > 0, so its resolution is 1 / (resamples + 1): with m
 * segments corrected by Holm at level α, use resamples ≥ 20·m/α.
 * Empty input: NaN. n = 1 or constant values: 1/(resamples+1) when the value is strictly on
 * the alternative side, else 1.
 */
export function bootstrapPValue(
  values: Float64Array,
  options: { nullMean: number; alternative: Alternative; resamples: number; seed: number },
): number {
  if (!Number.isFinite(options.nullMean)) throw new RangeError(`nullMean must be finite, got ${options.nullMean}`);
  if (values.length === 0) return NaN;
  const means = bootstrapMeans(values, options);
  let against = 0;
  for (let b = 0; b < means.length; b++) {
    const m = means[b] as number;
    if (options.alternative === 'less' ? m >= options.nullMean : m <= options.nullMean) against++;
  }
  return (1 + against) / (means.length + 1);
}

/**
 * One-sided or two-sided p-value of the one-sample (paired) Student t test of
 * H0: mean = nullMean on paired differences, t = (x̄ − nullMean) / (s / √n), n − 1 degrees
 * of freedom (Student 1908). 'less' is P(T ≤ t), 'greater' P(T ≥ t), 'two-sided'
 * 2·min of the two (capped at 1). No resampling, so no resolution limit; valid when the
 * mean is close to normal (central limit theorem for moderate n).
 *
 * Edge cases: n < 2 gives NaN. Zero variance: the data sit exactly at one point, so the
 * p-value is 0 when that point is strictly on the alternative side, 1 when it is on the
 * other side or equals nullMean (for 'two-sided': 0 unless equal, then 1).
 * Non-finite values are a RangeError.
 */
export function pairedTTestPValue(
  values: ArrayLike<number>,
  nullMean: number,
  alternative: Alternative | 'two-sided',
): number {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`t-test values must be finite; value ${i} is ${values[i]}`);
  }
  const { n, mean: m, variance } = meanVariance(values);
  if (n < 2) return NaN;
  const diff = m - nullMean;
  if (variance === 0) {
    if (diff === 0) return 1;
    if (alternative === 'two-sided') return 0;
    return (alternative === 'less') === diff < 0 ? 0 : 1;
  }
  const t = diff / Math.sqrt(variance / n);
  const lower = studentTCdf(t, n - 1);
  const upper = studentTCdf(-t, n - 1);
  if (alternative === 'less') return lower;
  if (alternative === 'greater') return upper;
  return Math.min(1, 2 * Math.min(lower, upper));
}
