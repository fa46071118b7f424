import { logGamma } from './distributions.js';
import { normalQuantile, normalSurvival } from './normal.js';

/** Events out of trials for one group, e.g. errors out of requests. */
export interface Counts {
  events: number;
  total: number;
}

/** Which test produced a two-proportion p-value. */
export type ProportionMethod = 'score' | 'fisher-exact';

export interface TwoProportionTest {
  /** One-sided p-value of H1: the second group's rate is higher than the first's. */
  pGreater: number;
  /** One-sided p-value of H1: the second group's rate is lower. */
  pLess: number;
  method: ProportionMethod;
}

function checkCounts(counts: Counts, what: string): void {
  const { events, total } = counts;
  if (!Number.isInteger(events) || !Number.isInteger(total) || events < 0 || total < 0 || events > total) {
    throw new RangeError(`${what}: ${events} events of ${total} is not a count (integers, 0 ≤ events ≤ total)`);
  }
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * One-sided p-values of Fisher's exact test on the 2×2 table (Fisher 1935): with the
 * margins fixed, the second group's events X follow the hypergeometric law, and
 * pGreater = P(X ≥ observed), pLess = P(X ≤ observed). Same as scipy's
 * `fisher_exact([[b.events, b.total − b.events], [a.events, a.total − a.events]], alternative)`
 * with the groups in the table's rows. O(min(events, total)) terms.
 */
export function fisherExact(first: Counts, second: Counts): { pGreater: number; pLess: number } {
  checkCounts(first, 'fisherExact first');
  checkCounts(second, 'fisherExact second');
  const n = first.total + second.total;
  const k = first.events + second.events;
  const draws = second.total;
  const low = Math.max(0, draws - (n - k));
  const high = Math.min(k, draws);
  const logDenominator = logChoose(n, draws);
  const probability = (x: number): number => Math.exp(logChoose(k, x) + logChoose(n - k, draws - x) - logDenominator);
  let greater = 0;
  let less = 0;
  for (let x = low; x <= high; x++) {
    const p = probability(x);
    if (x >= second.events) greater += p;
    if (x <= second.events) less += p;
  }
  return { pGreater: Math.min(1, greater), pLess: Math.min(1, less) };
}

/**
 * Compares the rates of two groups (events / total), e.g. the error rates of production
 * and candidate. The pooled score test (the z test of two proportions; equal to Pearson's
 * chi-squared test without continuity correction) is used when every expected cell count
 * is at least 5; otherwise Fisher's exact test, whose level holds for any counts.
 * A group without trials, or no events (or only events) in both, gives p = 1 both ways:
 * no evidence of a difference.
 */
export function twoProportionTest(first: Counts, second: Counts): TwoProportionTest {
  checkCounts(first, 'twoProportionTest first');
  checkCounts(second, 'twoProportionTest second');
  const n = first.total + second.total;
  const k = first.events + second.events;
  if (first.total === 0 || second.total === 0 || k === 0 || k === n) return { pGreater: 1, pLess: 1, method: 'score' };
  const pooled = k / n;
  const smallest = Math.min(first.total, second.total) * Math.min(pooled, 1 - pooled);
  if (smallest < 5) return { ...fisherExact(first, second), method: 'fisher-exact' };
  const z = (second.events / second.total - first.events / first.total) / Math.sqrt(pooled * (1 - pooled) * (1 / first.total + 1 / second.total));
  return { pGreater: normalSurvival(z), pLess: normalSurvival(-z), method: 'score' };
}

/**
 * Wilson's score interval for one proportion (Wilson 1927) at two-sided `level`: good
 * coverage even for rates near 0 or 1, where the Wald interval collapses. statsmodels'
 * `proportion_confint(events, total, alpha, method='wilson')`. No trials: [0, 1].
 */
export function wilsonInterval(counts: Counts, level: number): { low: number; high: number } {
  checkCounts(counts, 'wilsonInterval');
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const { events, total } = counts;
  if (total === 0) return { low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - level) / 2);
  const z2 = z * z;
  const centre = (events + z2 / 2) / (total + z2);
  const half = (z / (total + z2)) * Math.sqrt((events * (total - events)) / total + z2 / 4);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval for the difference of two proportions, second − first
 * (Newcombe 1998, method 10), from the two Wilson intervals at `level`. Stays inside
 * [−1, 1] and behaves at rates of 0, unlike the Wald interval.
 */
export function newcombeInterval(first: Counts, second: Counts, level: number): { estimate: number; low: number; high: number } {
  const p1 = first.total > 0 ? first.events / first.total : 0;
  const p2 = second.total > 0 ? second.events / second.total : 0;
  const a = wilsonInterval(first, level);
  const b = wilsonInterval(second, level);
  const estimate = p2 - p1;
  return {
    estimate,
    low: estimate - Math.sqrt((p2 - b.low) ** 2 + (a.high - p1) ** 2),
    high: estimate + Math.sqrt((b.high - p2) ** 2 + (p1 - a.low) ** 2),
  };
}
