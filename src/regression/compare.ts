import type { Interval, SegmentRow, Verdict } from '../results/types.js';
import { bootstrapMeans } from '../stats/bootstrap.js';
import { holm } from '../stats/multiple-testing.js';
import { quantile } from '../stats/summary.js';
import type { CheckSettings } from './settings.js';
import { stableHash } from './shard.js';

/** The judgement of one mean change: its estimate, interval, one-sided p-value and verdict. */
export interface Judgement {
  size: number;
  estimate: number;
  interval: Interval;
  /** One-sided p-value of "the mean change is below −tolerance" (a regression beyond tolerance). */
  pValue: number;
  verdict: Verdict;
}

export interface SegmentJudgement extends Judgement {
  segment: string;
  /** False when the segment has fewer items than minSegmentSize: reported, never gating. */
  gated: boolean;
  /** Holm-adjusted p-value over the gated segments; null for ungated ones. */
  adjustedPValue: number | null;
}

export interface ComparisonOutcome {
  overall: Judgement;
  segments: SegmentJudgement[];
  /** fail when the overall change or any gated segment fails; otherwise the overall verdict. */
  verdict: Verdict;
  /**
   * Set when the resamples are too few for any gated segment to fail after Holm's
   * correction: the least number that would allow it. The verdict is then at best marginal.
   */
  resamplesNeeded?: number;
}

/**
 * The interval rule, for a metric where higher is better and `tolerance` is the largest
 * acceptable drop: fail when the whole interval lies below −tolerance (a drop that is both
 * credible and large), pass when the interval excludes a drop larger than the tolerance,
 * marginal otherwise. The bound itself counts as acceptable.
 */
export function intervalVerdict(interval: Interval, tolerance: number): Verdict {
  if (interval.high < -tolerance) return 'fail';
  if (interval.low >= -tolerance) return 'pass';
  return 'marginal';
}

/** The seed of one interval: derived from the run's seed, the check and the segment, so every interval has its own reproducible stream. */
export function intervalSeed(seed: number, check: string, segment: string | null): number {
  return stableHash(`${seed}\u0000${check}\u0000${segment ?? '\u0001overall'}`);
}

/**
 * One set of bootstrap means gives both the percentile interval (as `bootstrapMeanInterval`
 * computes it) and the one-sided p-value of H1: mean < −tolerance (as `bootstrapPValue`
 * computes it, (1 + #{means ≥ −tolerance}) / (B + 1)), so the two always agree and the
 * resampling runs once. An empty set judges nothing: pass, with a zero-width interval at 0.
 */
export function judge(diffs: Float64Array, tolerance: number, settings: Pick<CheckSettings, 'confidence' | 'resamples'>, seed: number): Judgement {
  const level = settings.confidence;
  if (diffs.length === 0) return { size: 0, estimate: 0, interval: { low: 0, high: 0, level }, pValue: 1, verdict: 'pass' };
  const means = bootstrapMeans(diffs, { resamples: settings.resamples, seed });
  let sum = 0;
  for (const d of diffs) sum += d;
  let against = 0;
  for (const m of means) if (m >= -tolerance) against++;
  const interval: Interval = { low: quantile(means, (1 - level) / 2), high: quantile(means, (1 + level) / 2), level };
  const pValue = (1 + against) / (means.length + 1);
  return { size: diffs.length, estimate: sum / diffs.length, interval, pValue, verdict: intervalVerdict(interval, tolerance) };
}

/**
 * Judges per-item paired differences (candidate − production, higher is better) overall
 * and per segment. Segments are sorted by name; items without a segment count only
 * overall. Segment p-values are adjusted with Holm's step-down method over the gated
 * segments (family-wise error control: one false alarm in any segment would block a
 * release). A gated segment fails when its adjusted p-value is below the one-sided level
 * (1 − confidence) / 2, the same level at which the overall interval rule fails.
 *
 * @param diffs per-item differences, in the suite's canonical item order (the bootstrap depends on order).
 * @param segments per-item segment label or null, same length as diffs.
 * @param check names the check; with the seed it determines every bootstrap stream.
 * @param segmentDiffs the per-item differences of one segment, given its item indices;
 *   by default the segment's entries of `diffs` (checks whose per-item values depend on
 *   the set they are judged in, like the AUC's pseudo-values, compute them per segment).
 */
export function compareDifferences(
  diffs: Float64Array,
  segments: readonly (string | null)[],
  tolerance: number,
  settings: CheckSettings,
  check: string,
  segmentDiffs: (indices: readonly number[]) => Float64Array = (indices) => Float64Array.from(indices, (i) => diffs[i] as number),
): ComparisonOutcome {
  const overall = judge(diffs, tolerance, settings, intervalSeed(settings.seed, check, null));
  const members = new Map<string, number[]>();
  segments.forEach((segment, i) => {
    if (segment === null) return;
    let list = members.get(segment);
    if (!list) members.set(segment, (list = []));
    list.push(i);
  });
  const names = [...members.keys()].sort();
  const judged = names.map((segment) => {
    const indices = members.get(segment) as number[];
    const values = segmentDiffs(indices);
    const judgement = judge(values, tolerance, settings, intervalSeed(settings.seed, check, segment));
    return { ...judgement, segment, gated: indices.length >= settings.minSegmentSize, adjustedPValue: null as number | null };
  });
  const gated = judged.filter((s) => s.gated);
  const adjusted = holm(gated.map((s) => s.pValue));
  const alpha = (1 - settings.confidence) / 2;
  gated.forEach((s, i) => {
    s.adjustedPValue = adjusted[i] as number;
    // The adjusted p-value decides fail; the segment's own interval decides pass vs marginal.
    if (s.adjustedPValue < alpha) s.verdict = 'fail';
    else if (s.verdict === 'fail') s.verdict = 'marginal';
  });
  const failed = overall.verdict === 'fail' || gated.some((s) => s.verdict === 'fail');
  // The smallest bootstrap p-value is 1/(B+1); Holm multiplies the smallest by m. When even
  // that cannot reach alpha, no segment could ever fail: say so rather than pass silently.
  if (gated.length > 0 && gated.length / (settings.resamples + 1) >= alpha) {
    const resamplesNeeded = Math.ceil((2 * gated.length) / alpha);
    return { overall, segments: judged, verdict: failed ? 'fail' : overall.verdict === 'pass' ? 'marginal' : overall.verdict, resamplesNeeded };
  }
  return { overall, segments: judged, verdict: failed ? 'fail' : overall.verdict };
}

const RANK: Record<Verdict, number> = { pass: 0, marginal: 1, fail: 2, error: 3 };

/** The worst of several verdicts (error > fail > marginal > pass). */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((w, v) => (RANK[v] > RANK[w] ? v : w), 'pass');
}

/** Mean of a list; null when empty. */
export function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

/** Segment rows of the result for a comparison, with per-segment means of both models. */
export function segmentRows(
  outcome: ComparisonOutcome,
  metric: string,
  segments: readonly (string | null)[],
  production: ArrayLike<number> | null,
  candidate: ArrayLike<number>,
): SegmentRow[] {
  return outcome.segments.map((s) => {
    const idx: number[] = [];
    segments.forEach((seg, i) => {
      if (seg === s.segment) idx.push(i);
    });
    const prod = production ? mean(idx.map((i) => production[i] as number)) : null;
    const cand = mean(idx.map((i) => candidate[i] as number));
    return {
      segment: s.segment,
      size: s.size,
      metric,
      production: prod,
      candidate: cand,
      change: s.estimate,
      interval: s.interval,
      pValue: s.pValue,
      adjustedPValue: s.adjustedPValue,
      gated: s.gated,
      verdict: s.verdict,
    };
  });
}
