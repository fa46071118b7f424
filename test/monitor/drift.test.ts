import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Matrix } from '../../src/knn/types.js';
import { classifierAuc, detectDrift, DRIFT_DEFAULTS, driftedComponents, medianSquaredDistance, mmd2Unbiased, rbfKernel, testDrift } from '../../src/monitor/drift.js';
import { kolmogorovSurvival, ksTwoSample } from '../../src/stats/kolmogorov.js';
import { createRng } from '../../src/stats/random.js';

/**
 * Reference values computed independently with numpy, scipy (pdist, ks_2samp,
 * special.kolmogorov) and scikit-learn (roc_auc_score) by
 *     /usr/bin/python3 test/monitor/reference.py > test/monitor/fixtures/drift-reference.json
 * (numpy 1.24.2, scipy 1.10.1, scikit-learn 1.2.1; the file names its provenance).
 */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/drift-reference.json'), 'utf8')) as {
  provenance: string;
  dimension: number;
  reference: number[][];
  current: number[][];
  folds: number[];
  classifierAuc: number;
  medianSquaredDistance: number;
  mmd2: number;
  ksStatistics: number[];
  ksPValues: number[];
  bhAdjusted: number[];
  kolmogorov: [number, number][];
};

const d = reference.dimension;
const pooled = Float64Array.from([...reference.reference, ...reference.current].flat());
const n = reference.reference.length + reference.current.length;
const labels = Uint8Array.from({ length: n }, (_, i) => (i < reference.reference.length ? 0 : 1));

describe('drift statistics against independently computed values', () => {
  it('the Kolmogorov survival function equals scipy.special.kolmogorov', () => {
    for (const [x, expected] of reference.kolmogorov) expect(kolmogorovSurvival(x)).toBeCloseTo(expected, 12);
  });

  it('per-dimension KS statistics and p-values equal scipy ks_2samp and kolmogorov(√(nm/(n+m))·D)', () => {
    for (let j = 0; j < d; j++) {
      const a = Float64Array.from(reference.reference, (row) => row[j] as number).sort();
      const b = Float64Array.from(reference.current, (row) => row[j] as number).sort();
      const { statistic, pValue } = ksTwoSample(a, b);
      expect(statistic).toBeCloseTo(reference.ksStatistics[j] as number, 12);
      expect(pValue).toBeCloseTo(reference.ksPValues[j] as number, 12);
    }
  });

  it('the drifted components follow the Benjamini-Hochberg adjusted p-values', () => {
    for (const level of [0.05, 0.35, 0.62, 0.8]) {
      const expected = reference.bhAdjusted.filter((p) => p < level).length;
      expect(driftedComponents(pooled, d, reference.reference.length, reference.current.length, level)).toEqual({ dimensions: d, drifted: expected, share: expected / d });
    }
  });

  it('the cross-fitted classifier AUC equals roc_auc_score of the same rule in numpy', () => {
    expect(classifierAuc(pooled, d, labels, Uint8Array.from(reference.folds))).toBeCloseTo(reference.classifierAuc, 12);
  });

  it('the median bandwidth and the unbiased MMD² equal scipy pdist and the numpy estimate', () => {
    const h = medianSquaredDistance(pooled, d, n);
    expect(h).toBeCloseTo(reference.medianSquaredDistance, 10);
    expect(mmd2Unbiased(rbfKernel(pooled, d, n, h), labels)).toBeCloseTo(reference.mmd2, 12);
  });
});

function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function sample(rows: number, dim: number, seed: number, shift = 0): Matrix {
  const rng = createRng(seed);
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = gaussian(rng) + (i % dim === 0 ? shift + 3 : 0);
  return { data, rows, dim };
}

describe('drift tests', () => {
  it('find no drift between two samples of one distribution, and drift after a shift; the same seed gives the same figures', () => {
    const settings = { ...DRIFT_DEFAULTS, permutations: 99 };
    const same = testDrift(sample(150, 8, 1), sample(150, 8, 2), settings);
    expect(same.drifted).toBe(false);
    expect(same.classifier.pValue).toBeGreaterThan(same.level);
    const shifted = testDrift(sample(150, 8, 1), sample(150, 8, 3, 3), settings);
    expect(shifted.drifted).toBe(true);
    expect(shifted.methods).toEqual(expect.arrayContaining(['classifier', 'mmd']));
    expect(shifted.classifier.auc).toBeGreaterThan(shifted.classifier.threshold);
    expect(testDrift(sample(150, 8, 1), sample(150, 8, 3, 3), settings)).toEqual(shifted);
  });

  it('tests each segment with enough rows at the family-wise level, and says which were skipped', () => {
    const ref = sample(200, 6, 4);
    const cur = sample(200, 6, 5);
    // Shift only the current rows of segment b.
    const segCur = Array.from({ length: 200 }, (_, i) => (i < 100 ? 'a' : i < 190 ? 'b' : 'tiny'));
    for (let i = 100; i < 190; i++) cur.data[i * 6 + 1]! += 2;
    const outcome = detectDrift(ref, cur, { reference: Array.from({ length: 200 }, (_, i) => (i < 100 ? 'a' : i < 190 ? 'b' : 'tiny')), current: segCur }, { ...DRIFT_DEFAULTS, permutations: 99 });
    expect(outcome.segments.map((s) => [s.segment, s.drifted])).toEqual([['a', false], ['b', true]]);
    expect(outcome.skippedSegments).toEqual(['tiny']);
    expect(outcome.segments[0]?.level).toBeCloseTo(DRIFT_DEFAULTS.alpha / 9, 12);
    expect(outcome.drifted).toBe(true);
  });
});
