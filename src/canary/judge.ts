import type { CanaryDirection, CanaryMetricConfig } from '../config/types.js';
import { hodgesLehmannShift } from '../stats/hodges-lehmann.js';
import { mannWhitneyU } from '../stats/mann-whitney.js';
import { median, removeOutliers } from '../stats/tukey-fences.js';

/** How a metric's canary compares with its baseline. */
export type Classification = 'pass' | 'high' | 'low' | 'no-data';
export type CanaryVerdict = 'pass' | 'marginal' | 'fail';

/** The samples of one metric: one value per step (Prometheus) or per row (metrics file). */
export interface MetricSamples {
  baseline: ArrayLike<number>;
  canary: ArrayLike<number>;
}

export interface JudgeOptions {
  /** Confidence of the whole analysis, in (0.5, 1); default 0.95. */
  confidence?: number;
  /** Score thresholds, 0–100; defaults 95 and 75. */
  passScore?: number;
  marginalScore?: number;
}

/** Everything the judge found about one metric. Numbers are in the metric's own unit unless said. */
export interface MetricJudgement {
  name: string;
  direction: CanaryDirection;
  critical: boolean;
  weight: number;
  classification: Classification;
  /** True when the metric moved in its bad direction (or has no data): it does not count towards the score. */
  failed: boolean;
  baselineCount: number;
  canaryCount: number;
  /** Non-finite values (NaN, ±Inf) dropped, both groups together. */
  dropped: number;
  /** Values dropped by the outlier fences, both groups together. */
  outliersRemoved: number;
  baselineMedian: number | null;
  canaryMedian: number | null;
  /** Hodges-Lehmann shift of canary from baseline; null without data. */
  shift: number | null;
  /** The shift as a fraction of |baseline median|; null when that median is 0 or there is no data. */
  relativeShift: number | null;
  /** Confidence interval of the shift at the analysis confidence. */
  interval: { low: number; high: number; level: number } | null;
  /** Largest shift that is tolerated: max(relativeTolerance·|baseline median|, absoluteTolerance). */
  allowedShift: number | null;
  /** One-sided Mann-Whitney p-values: canary larger / canary smaller than baseline. */
  pHigher: number | null;
  pLower: number | null;
  /** Significance level each side was tested at (after the Bonferroni split). */
  alpha: number;
  method: 'exact' | 'normal' | null;
  /** One line for people: why the metric is classified as it is. */
  reason: string;
}

export interface CanaryJudgement {
  verdict: CanaryVerdict;
  /** Weighted share of passing metrics, 0–100. */
  score: number;
  /** One sentence: why the verdict. */
  reason: string;
  metrics: MetricJudgement[];
  confidence: number;
  passScore: number;
  marginalScore: number;
}

const DEFAULTS = { relativeTolerance: 0.05, absoluteTolerance: 0, weight: 1, minSamples: 10, outlierFactor: 3 } as const;

function finiteValues(values: ArrayLike<number>): { values: Float64Array; dropped: number } {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out[n++] = v;
  }
  return { values: out.subarray(0, n), dropped: values.length - n };
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toPrecision(2);
}

/**
 * Judges one metric. Each side is tested one-sided at `alpha` for a metric with a
 * direction, at alpha/2 for `either`, so a canary no different from the baseline fails
 * with probability at most alpha. A side is classified high/low only when the test is
 * significant *and* the Hodges-Lehmann shift exceeds the tolerance: a credible and
 * practically large change.
 *
 * @param alpha significance level of the metric, in (0, 1).
 */
export function judgeMetric(metric: CanaryMetricConfig, samples: MetricSamples, alpha: number, confidence: number): MetricJudgement {
  const tolerance = metric.relativeTolerance ?? DEFAULTS.relativeTolerance;
  const absoluteTolerance = metric.absoluteTolerance ?? DEFAULTS.absoluteTolerance;
  const minSamples = metric.minSamples ?? DEFAULTS.minSamples;
  const sideAlpha = metric.direction === 'either' ? alpha / 2 : alpha;
  let { values: baseline, dropped } = finiteValues(samples.baseline);
  const canaryFinite = finiteValues(samples.canary);
  let canary = canaryFinite.values;
  dropped += canaryFinite.dropped;
  let outliersRemoved = 0;
  if (metric.outliers === 'remove') {
    const factor = metric.outlierFactor ?? DEFAULTS.outlierFactor;
    const b = removeOutliers(baseline, factor);
    const c = removeOutliers(canary, factor);
    baseline = b.kept;
    canary = c.kept;
    outliersRemoved = b.removed + c.removed;
  }
  const common = {
    name: metric.name,
    direction: metric.direction,
    critical: metric.critical ?? false,
    weight: metric.weight ?? DEFAULTS.weight,
    baselineCount: baseline.length,
    canaryCount: canary.length,
    dropped,
    outliersRemoved,
    alpha: sideAlpha,
  };
  if (baseline.length < minSamples || canary.length < minSamples) {
    const short = [baseline.length < minSamples ? `baseline has ${baseline.length}` : '', canary.length < minSamples ? `canary has ${canary.length}` : '']
      .filter(Boolean)
      .join(', ');
    return {
      ...common,
      classification: 'no-data',
      failed: true,
      baselineMedian: baseline.length > 0 ? median(baseline) : null,
      canaryMedian: canary.length > 0 ? median(canary) : null,
      shift: null,
      relativeShift: null,
      interval: null,
      allowedShift: null,
      pHigher: null,
      pLower: null,
      method: null,
      reason: `no data: ${short} sample(s), at least ${minSamples} needed`,
    };
  }
  const baselineMedian = median(baseline);
  const canaryMedian = median(canary);
  const test = mannWhitneyU(canary, baseline);
  const higher = { pValue: test.pGreater };
  const lower = { pValue: test.pLess };
  const { shift, interval } = hodgesLehmannShift(baseline, canary, confidence);
  const allowedShift = Math.max(tolerance * Math.abs(baselineMedian), absoluteTolerance);
  const relativeShift = baselineMedian !== 0 ? shift / Math.abs(baselineMedian) : null;
  let classification: Classification = 'pass';
  if (higher.pValue < sideAlpha && shift > allowedShift) classification = 'high';
  else if (lower.pValue < sideAlpha && -shift > allowedShift) classification = 'low';
  const bad = (classification === 'high' && metric.direction !== 'decrease') || (classification === 'low' && metric.direction !== 'increase');
  const moved = relativeShift !== null ? `${relativeShift >= 0 ? '+' : ''}${(relativeShift * 100).toFixed(1)}%` : `${shift >= 0 ? '+' : ''}${formatNumber(shift)}`;
  const p = classification === 'low' || (classification === 'pass' && shift < 0) ? lower.pValue : higher.pValue;
  let reason: string;
  if (classification === 'pass') {
    reason =
      p < sideAlpha
        ? `within tolerance: shift ${moved} is significant (p = ${formatP(p)}) but not beyond ±${formatNumber(allowedShift)}`
        : `no credible change: shift ${moved}, p = ${formatP(p)} ≥ ${formatP(sideAlpha)}`;
  } else {
    reason = `canary ${classification === 'high' ? 'higher' : 'lower'}: shift ${moved} beyond ±${formatNumber(allowedShift)}, p = ${formatP(p)} < ${formatP(sideAlpha)}${bad ? '' : ' (an improvement)'}`;
  }
  return {
    ...common,
    classification,
    failed: bad,
    baselineMedian,
    canaryMedian,
    shift,
    relativeShift,
    interval,
    allowedShift,
    pHigher: higher.pValue,
    pLower: lower.pValue,
    method: test.method,
    reason,
  };
}

/**
 * Judges a canary against its baseline over every configured metric.
 *
 * - Each metric gets alpha = (1 − confidence)/m for m metrics (Bonferroni), so on a canary
 *   no different from the baseline the chance that any metric fails is at most 1 − confidence.
 * - Score: 100 · Σ weight of passing metrics / Σ weight of all (no-data does not pass).
 * - Verdict: fail when half the metrics or more have no data, or when a critical metric
 *   fails or has no data; otherwise pass at score ≥ passScore, marginal at ≥ marginalScore,
 *   fail below.
 *
 * @param samples by metric name; a metric without an entry has no data.
 * @throws RangeError on an empty metric list or options out of range (the config schema
 *   prevents both).
 */
export function judgeCanary(metrics: readonly CanaryMetricConfig[], samples: ReadonlyMap<string, MetricSamples>, options: JudgeOptions = {}): CanaryJudgement {
  const confidence = options.confidence ?? 0.95;
  const passScore = options.passScore ?? 95;
  const marginalScore = options.marginalScore ?? 75;
  if (metrics.length === 0) throw new RangeError('judgeCanary: no metrics to judge');
  if (!(confidence > 0.5 && confidence < 1)) throw new RangeError(`judgeCanary: confidence ${confidence} is not in (0.5, 1)`);
  const alpha = (1 - confidence) / metrics.length;
  const empty: MetricSamples = { baseline: [], canary: [] };
  const judged = metrics.map((metric) => judgeMetric(metric, samples.get(metric.name) ?? empty, alpha, confidence));
  const totalWeight = judged.reduce((sum, m) => sum + m.weight, 0);
  const passingWeight = judged.reduce((sum, m) => sum + (m.failed ? 0 : m.weight), 0);
  const score = Math.round((1000 * passingWeight) / totalWeight) / 10;
  const noData = judged.filter((m) => m.classification === 'no-data');
  const criticalFailures = judged.filter((m) => m.critical && m.failed);
  let verdict: CanaryVerdict;
  let reason: string;
  if (noData.length * 2 >= judged.length) {
    verdict = 'fail';
    reason = `no data for ${noData.length} of ${judged.length} metrics (${noData.map((m) => m.name).join(', ')})`;
  } else if (criticalFailures.length > 0) {
    verdict = 'fail';
    reason = `critical metric${criticalFailures.length > 1 ? 's' : ''} ${criticalFailures.map((m) => `${m.name} (${m.classification})`).join(', ')} failed`;
  } else {
    verdict = score >= passScore ? 'pass' : score >= marginalScore ? 'marginal' : 'fail';
    const failing = judged.filter((m) => m.failed);
    const passing = judged.length - failing.length;
    reason = `${passing} of ${judged.length} metrics pass (pass at score ≥ ${passScore}, marginal at ≥ ${marginalScore})${failing.length > 0 ? `; failing: ${failing.map((m) => `${m.name} (${m.classification})`).join(', ')}` : ''}`;
  }
  return { verdict, score, reason, metrics: judged, confidence, passScore, marginalScore };
}
