import { normaliseRows } from '../knn/normalise.js';
import type { Matrix } from '../knn/types.js';
import { auc } from '../stats/auc.js';
import { ksTwoSample } from '../stats/kolmogorov.js';
import { benjaminiHochberg } from '../stats/multiple-testing.js';
import { selectRows } from '../regression/vectors.js';
import { createRng, randomInt, sampleIndices } from '../stats/random.js';
import { ConfigurationError } from '../io/errors.js';

/**
 * Data drift between a reference sample of production inputs (recorded at promotion) and a
 * recent one, both embedded by the production model, with the three methods of Evidently's
 * embedding drift (its defaults are the reference point):
 * - a domain classifier: how well a linear classifier tells the two samples apart (ROC-AUC;
 *   Evidently's `model` method, default threshold 0.55), here with a permutation threshold;
 * - MMD: the maximum mean discrepancy with an RBF kernel (Evidently's `mmd`, default
 *   threshold 0.015), here with a permutation p-value;
 * - the share of drifted components: a per-dimension two-sample test (Evidently's `ratio`
 *   flags drift when over 20% of components drift), here Kolmogorov–Smirnov with
 *   Benjamini–Hochberg across dimensions.
 * Every method is a test at a known level, so the chance of a false drift alarm is bounded.
 */

export interface DriftSettings {
  /** Family-wise level of one drift test (all three methods, Bonferroni): default 0.03. */
  alpha: number;
  /** Label permutations for the classifier and MMD (raised when too few to reach the level). */
  permutations: number;
  /** Share of drifted components above which the components method flags drift: default 0.2, Evidently's. */
  componentShare: number;
  /** Rows per sample used at most (a seeded subsample beyond): bounds the O(n²) MMD. */
  maxRows: number;
  /** Segments with fewer rows on either side are not tested. */
  minSegmentSize: number;
  seed: number;
}

export const DRIFT_DEFAULTS: DriftSettings = { alpha: 0.03, permutations: 199, componentShare: 0.2, maxRows: 1000, minSegmentSize: 30, seed: 1 };

export interface ClassifierFigures {
  auc: number;
  /** The (1 − level) quantile of the AUC over label permutations: the AUC that chance alone reaches. */
  threshold: number;
  pValue: number;
}

export interface MmdFigures {
  /** Unbiased estimate of MMD² (Gretton et al. 2012, eq. 3). */
  mmd2: number;
  /** Kernel bandwidth h of exp(−‖x − y‖² / h): the median squared distance of the pooled sample. */
  bandwidth: number;
  pValue: number;
}

export interface ComponentFigures {
  dimensions: number;
  drifted: number;
  share: number;
}

export interface DriftTest {
  reference: number;
  current: number;
  classifier: ClassifierFigures;
  mmd: MmdFigures;
  components: ComponentFigures;
  /** The level each method was tested at: alpha / (3 × tests in the family). */
  level: number;
  /** Methods that found drift. */
  methods: ('classifier' | 'mmd' | 'components')[];
  drifted: boolean;
}

/** Rows of a matrix as a pooled float64 array: reference rows first, then current. */
function pooled(reference: Matrix, current: Matrix, refRows: Int32Array, curRows: Int32Array): Float64Array {
  const d = reference.dim;
  const out = new Float64Array((refRows.length + curRows.length) * d);
  let r = 0;
  for (const [matrix, rows] of [[reference, refRows], [current, curRows]] as const) {
    for (const row of rows) {
      for (let j = 0; j < d; j++) out[r * d + j] = matrix.data[row * d + j] as number;
      r++;
    }
  }
  return out;
}

/** A seeded shuffle of labels (Fisher–Yates), in place. */
function shuffle(labels: Uint8Array, rng: () => number): void {
  for (let i = labels.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = labels[i] as number;
    labels[i] = labels[j] as number;
    labels[j] = t;
  }
}

/**
 * Cross-fitted ROC-AUC of a linear domain classifier: rows are split into two folds; on each
 * fold the classifier trained on the other (the direction between the two samples' means, a
 * nearest-centroid rule) scores the rows; the AUC of the pooled out-of-fold scores of current
 * rows against reference rows. 0.5 is no drift.
 * @param x pooled rows (n × d), labels 1 for current rows, folds 0 or 1 per row.
 */
export function classifierAuc(x: Float64Array, d: number, labels: Uint8Array, folds: Uint8Array): number {
  const n = labels.length;
  const sums = new Float64Array(4 * d);
  const counts = new Float64Array(4);
  for (let i = 0; i < n; i++) {
    const slot = (folds[i] as number) * 2 + (labels[i] as number);
    counts[slot]!++;
    for (let j = 0; j < d; j++) sums[slot * d + j]! += x[i * d + j] as number;
  }
  const w = new Float64Array(2 * d);
  for (let f = 0; f < 2; f++) {
    // Trained on the other fold: its current mean minus its reference mean.
    const other = 1 - f;
    const c1 = counts[other * 2 + 1] as number;
    const c0 = counts[other * 2] as number;
    for (let j = 0; j < d; j++) {
      const m1 = c1 > 0 ? (sums[(other * 2 + 1) * d + j] as number) / c1 : 0;
      const m0 = c0 > 0 ? (sums[other * 2 * d + j] as number) / c0 : 0;
      w[f * d + j] = m1 - m0;
    }
  }
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = folds[i] as number;
    let score = 0;
    for (let j = 0; j < d; j++) score += (x[i * d + j] as number) * (w[f * d + j] as number);
    (labels[i] === 1 ? positives : negatives).push(score);
  }
  return auc(positives, negatives);
}

/** Median of the squared Euclidean distances over all pairs i < j of rows (the mean of the two middle values for an even count). */
export function medianSquaredDistance(x: Float64Array, d: number, n: number): number {
  const distances = new Float64Array((n * (n - 1)) / 2);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let k = i + 1; k < n; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const diff = (x[i * d + j] as number) - (x[k * d + j] as number);
        s += diff * diff;
      }
      distances[p++] = s;
    }
  }
  distances.sort();
  const mid = distances.length >> 1;
  return distances.length % 2 === 1 ? (distances[mid] as number) : ((distances[mid - 1] as number) + (distances[mid] as number)) / 2;
}

/** The RBF kernel matrix exp(−‖xᵢ − xⱼ‖² / h) of the pooled rows (n × n, symmetric). */
export function rbfKernel(x: Float64Array, d: number, n: number, h: number): Float64Array {
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    k[i * n + i] = 1;
    for (let m = i + 1; m < n; m++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const diff = (x[i * d + j] as number) - (x[m * d + j] as number);
        s += diff * diff;
      }
      const v = h > 0 ? Math.exp(-s / h) : s === 0 ? 1 : 0;
      k[i * n + m] = v;
      k[m * n + i] = v;
    }
  }
  return k;
}

/**
 * Unbiased MMD² (Gretton et al. 2012, eq. 3) of the rows labelled 0 against those labelled 1,
 * from the pooled kernel matrix: the within-sample means leave the diagonal out.
 */
export function mmd2Unbiased(kernel: Float64Array, labels: Uint8Array): number {
  const n = labels.length;
  let sXX = 0;
  let sYY = 0;
  let sXY = 0;
  let nx = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] === 0) nx++;
    const li = labels[i];
    const row = i * n;
    for (let j = i + 1; j < n; j++) {
      const v = kernel[row + j] as number;
      if (li !== labels[j]) sXY += v;
      else if (li === 0) sXX += v;
      else sYY += v;
    }
  }
  const ny = n - nx;
  return (2 * sXX) / (nx * (nx - 1)) + (2 * sYY) / (ny * (ny - 1)) - (2 * sXY) / (nx * ny);
}

/** Share of dimensions whose two-sample KS p-value, adjusted by Benjamini–Hochberg, is below `level`. */
export function driftedComponents(x: Float64Array, d: number, nReference: number, nCurrent: number, level: number): ComponentFigures {
  const a = new Float64Array(nReference);
  const b = new Float64Array(nCurrent);
  const pValues: number[] = [];
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < nReference; i++) a[i] = x[i * d + j] as number;
    for (let i = 0; i < nCurrent; i++) b[i] = x[(nReference + i) * d + j] as number;
    a.sort();
    b.sort();
    pValues.push(ksTwoSample(a, b).pValue);
  }
  const drifted = benjaminiHochberg(pValues).filter((p) => p < level).length;
  return { dimensions: d, drifted, share: d > 0 ? drifted / d : 0 };
}

/** Permutations needed for a permutation p-value, whose smallest value is 1/(B + 1), to reach `level` with room to spare. */
export function permutationsFor(level: number, requested: number): number {
  return Math.max(requested, Math.ceil(2 / level) - 1);
}

/**
 * Tests one reference sample against one current sample (rows of unit-normalised vectors,
 * rows beyond `maxRows` subsampled with the seed). `tests` is the size of the family this
 * test belongs to (overall plus segments): each method tests at alpha / (3 × tests).
 */
export function testDrift(referenceRaw: Matrix, currentRaw: Matrix, settings: DriftSettings, tests = 1): DriftTest {
  if (referenceRaw.dim !== currentRaw.dim) throw new Error(`internal error: reference and current dimensions differ (${referenceRaw.dim}, ${currentRaw.dim})`);
  const reference = normaliseRows(referenceRaw);
  const current = normaliseRows(currentRaw);
  const d = reference.dim;
  const refRows = sampleIndices(reference.rows, settings.maxRows, settings.seed);
  const curRows = sampleIndices(current.rows, settings.maxRows, settings.seed + 1);
  const n = refRows.length + curRows.length;
  const x = pooled(reference, current, refRows, curRows);
  const labels = new Uint8Array(n);
  labels.fill(1, refRows.length);
  const level = settings.alpha / (3 * tests);
  const permutations = permutationsFor(level, settings.permutations);
  const rng = createRng(settings.seed);

  // Folds: a seeded half of the rows, whatever their labels.
  const folds = new Uint8Array(n);
  const order = Uint8Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 0));
  shuffle(order, rng);
  folds.set(order);

  const bandwidth = medianSquaredDistance(x, d, n);
  const kernel = rbfKernel(x, d, n, bandwidth);
  const observedAuc = classifierAuc(x, d, labels, folds);
  const observedMmd = mmd2Unbiased(kernel, labels);
  const permuted = labels.slice();
  const nullAucs = new Float64Array(permutations);
  let aucAtLeast = 0;
  let mmdAtLeast = 0;
  for (let b = 0; b < permutations; b++) {
    shuffle(permuted, rng);
    const a = classifierAuc(x, d, permuted, folds);
    nullAucs[b] = a;
    if (a >= observedAuc) aucAtLeast++;
    if (mmd2Unbiased(kernel, permuted) >= observedMmd) mmdAtLeast++;
  }
  nullAucs.sort();
  const classifier = {
    auc: observedAuc,
    threshold: nullAucs[Math.min(permutations - 1, Math.ceil((1 - level) * (permutations + 1)) - 1)] as number,
    pValue: (1 + aucAtLeast) / (permutations + 1),
  };
  const mmd = { mmd2: observedMmd, bandwidth, pValue: (1 + mmdAtLeast) / (permutations + 1) };
  const components = driftedComponents(x, d, refRows.length, curRows.length, level);
  const methods: DriftTest['methods'] = [];
  if (classifier.pValue <= level) methods.push('classifier');
  if (mmd.pValue <= level) methods.push('mmd');
  if (components.share > settings.componentShare) methods.push('components');
  return { reference: refRows.length, current: curRows.length, classifier, mmd, components, level, methods, drifted: methods.length > 0 };
}

export interface SegmentDrift extends DriftTest {
  segment: string;
}

export interface DriftOutcome {
  overall: DriftTest;
  segments: SegmentDrift[];
  /** Segments left out for having fewer than minSegmentSize rows on a side. */
  skippedSegments: string[];
  drifted: boolean;
}

/**
 * Drift overall and per segment (segments present on both sides with at least
 * `minSegmentSize` rows each). The family (overall plus segments) shares `alpha` (Bonferroni).
 * @param segments of the reference and current rows (null: no segment).
 */
export function detectDrift(
  reference: Matrix,
  current: Matrix,
  segments: { reference: readonly (string | null)[]; current: readonly (string | null)[] },
  settings: DriftSettings = DRIFT_DEFAULTS,
): DriftOutcome {
  const rowsOf = (labels: readonly (string | null)[]) => {
    const map = new Map<string, number[]>();
    labels.forEach((s, i) => {
      if (s === null) return;
      let list = map.get(s);
      if (!list) map.set(s, (list = []));
      list.push(i);
    });
    return map;
  };
  // Fail closed: a sample too small to test could only ever report "no drift".
  for (const [side, matrix] of [['reference', reference], ['recent', current]] as const) {
    if (matrix.rows < settings.minSegmentSize) {
      throw new ConfigurationError(`the ${side} sample has ${matrix.rows} rows; drift is tested on at least ${settings.minSegmentSize} (monitor.drift.minSegmentSize)`);
    }
  }
  const refSegments = rowsOf(segments.reference);
  const curSegments = rowsOf(segments.current);
  const names = [...new Set([...refSegments.keys(), ...curSegments.keys()])].sort();
  const tested = names.filter((s) => (refSegments.get(s)?.length ?? 0) >= settings.minSegmentSize && (curSegments.get(s)?.length ?? 0) >= settings.minSegmentSize);
  const family = 1 + tested.length;
  const overall = testDrift(reference, current, settings, family);
  const segmentResults = tested.map((segment) => ({
    segment,
    ...testDrift(selectRows(reference, refSegments.get(segment)!), selectRows(current, curSegments.get(segment)!), settings, family),
  }));
  return {
    overall,
    segments: segmentResults,
    skippedSegments: names.filter((s) => !tested.includes(s)),
    drifted: overall.drifted || segmentResults.some((s) => s.drifted),
  };
}
