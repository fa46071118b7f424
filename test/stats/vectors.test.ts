import { describe, expect, it } from 'vitest';
import type { Matrix } from '../../src/knn/types.js';
import { symmetricEigenvalues } from '../../src/stats/eigen.js';
import {
  countDuplicateRows,
  countNonFinite,
  countZeroRows,
  duplicateRowGroups,
  effectiveRank,
  meanPairwiseCosine,
  nonFiniteRows,
  rowNorms,
  zeroRows,
} from '../../src/stats/vectors.js';

const m = (rows: number[][]): Matrix => ({ data: Float32Array.from(rows.flat()), rows: rows.length, dim: rows[0]?.length ?? 0 });

// Matrices and reference values from `python3 test/stats/reference.py` (numpy 2.4.6):
// entries on a 1/8 grid, so float32 holds them exactly. m1 is 12×5, m2 is 6×9.
const m1 = m([
  [0.0, 0.25, -0.25, -0.875, -0.5], [-1.0, 0.0, 1.375, -0.5, -0.625], [0.5, 0.375, 0.125, -0.875, -0.0],
  [0.75, -1.375, -0.5, -1.875, -1.25], [-1.875, -0.25, -1.25, 0.25, 0.125], [-0.125, -2.5, -0.5, -0.0, 0.125],
  [-1.5, -0.5, -1.0, -0.75, 1.0], [-0.75, -0.0, 0.875, -0.625, -0.125], [0.125, 0.125, -1.25, 0.125, 1.375],
  [-1.5, 0.875, 0.125, -0.625, 2.0], [0.75, -1.25, 0.125, 0.625, -0.25], [0.625, -0.125, 0.625, 1.5, -0.625],
]);
const m2 = m([
  [0.25, -0.5, 0.125, 1.0, -0.625, -0.25, 0.875, 1.125, -1.375],
  [-0.75, 0.625, -2.0, -2.125, -0.125, 1.25, 0.75, -0.375, -0.375],
  [-0.25, 1.5, -0.375, -2.0, 0.375, -0.125, -0.25, -1.125, -0.0],
  [-0.5, 1.125, 0.625, -2.125, 0.625, -0.375, 1.0, -0.0, 0.625],
  [-1.25, 0.375, -1.75, -2.875, -0.25, -0.875, 0.125, 2.25, -0.875],
  [-0.625, 0.25, 0.5, -1.5, -0.25, 0.75, 0.5, -1.0, -0.125],
]);

describe('rowNorms', () => {
  it('matches np.linalg.norm(m1, axis=1)', () => {
    const expected = [
      1.0680004681646913, 1.8791620472966135, 1.0825317547305484, 2.7894892005526746, 2.2844583603121333,
      2.555631037532609, 2.25, 1.3169567191065923, 1.8708286933869707, 2.724311839712921, 1.6105123408406408,
      1.8540496217739157,
    ];
    const norms = rowNorms(m1);
    expected.forEach((x, i) => expect(norms[i]).toBeCloseTo(x, 13));
  });
});

describe('meanPairwiseCosine', () => {
  it('matches the brute-force mean over all pairs (numpy)', () => {
    // numpy: U = rows / norms; (sum(U @ U.T) − trace) / (n(n − 1)).
    expect(meanPairwiseCosine(m1)).toBeCloseTo(-0.011890383014113317, 13);
    expect(meanPairwiseCosine(m2)).toBeCloseTo(0.23582249129360716, 13);
  });

  it('is 1 for parallel vectors, skips zero and non-finite rows, NaN below two rows', () => {
    expect(meanPairwiseCosine(m([[1, 0], [3, 0], [0, 0], [NaN, 1]]))).toBeCloseTo(1, 15);
    // By hand: cos between (1,0) and (0,1) is 0, (1,0)·(−1,0) is −1, (0,1)·(−1,0) is 0 → −1/3.
    expect(meanPairwiseCosine(m([[1, 0], [0, 2], [-1, 0]]))).toBeCloseTo(-1 / 3, 15);
    expect(meanPairwiseCosine(m([[1, 0]]))).toBeNaN();
    expect(meanPairwiseCosine({ data: new Float32Array(0), rows: 0, dim: 4 })).toBeNaN();
  });

  it('uses a seeded row sample when asked', () => {
    const a = meanPairwiseCosine(m1, { sample: 6, seed: 3 });
    expect(a).toBe(meanPairwiseCosine(m1, { sample: 6, seed: 3 }));
    expect(a).not.toBe(meanPairwiseCosine(m1));
  });
});

describe('effectiveRank', () => {
  it('matches numpy SVD on both Gram sides', () => {
    // numpy: s = svd(X − mean, compute_uv=False); p = s / s.sum(); exp(−Σ p log p).
    expect(effectiveRank(m1)).toBeCloseTo(4.7759542164321145, 10); // 12×5: dim×dim Gram
    expect(effectiveRank(m1, { center: false })).toBeCloseTo(4.777583322571425, 10);
    expect(effectiveRank(m2)).toBeCloseTo(4.423008388172474, 10); // 6×9: n×n Gram
    expect(effectiveRank(m2, { center: false })).toBeCloseTo(4.931593744005218, 10);
  });

  it('matches numpy on a 60×24 matrix, and its transpose gives the same uncentred value', () => {
    // X[i][j] = sin(0.37 (i + 1)(j + 1) + 0.5 j) in float32 (key erank.m3 / m3_raw).
    const x = (i: number, j: number) => Math.sin(0.37 * (i + 1) * (j + 1) + 0.5 * j);
    const wide = m(Array.from({ length: 60 }, (_, i) => Array.from({ length: 24 }, (_, j) => x(i, j))));
    const tall = m(Array.from({ length: 24 }, (_, j) => Array.from({ length: 60 }, (_, i) => x(i, j))));
    expect(effectiveRank(wide)).toBeCloseTo(18.34160972374184, 9);
    expect(effectiveRank(wide, { center: false })).toBeCloseTo(19.106786345060254, 9);
    // Xᵀ has the same singular values as X: the n×n Gram side must agree with the dim×dim side.
    expect(effectiveRank(tall, { center: false })).toBeCloseTo(19.106786345060254, 9);
  });

  it('uses a seeded row sample', () => {
    const x = (i: number, j: number) => Math.sin(0.37 * (i + 1) * (j + 1) + 0.5 * j);
    const wide = m(Array.from({ length: 60 }, (_, i) => Array.from({ length: 24 }, (_, j) => x(i, j))));
    const a = effectiveRank(wide, { sample: 20, seed: 4 });
    expect(a).toBe(effectiveRank(wide, { sample: 20, seed: 4 }));
    expect(a).toBeLessThanOrEqual(19); // at most n − 1 after centring
    expect(() => effectiveRank(wide, { sample: 0 })).toThrow(RangeError);
  });

  it('matches hand values: identity has full rank, parallel rows rank 1', () => {
    expect(effectiveRank(m([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), { center: false })).toBeCloseTo(3, 12);
    expect(effectiveRank(m([[1, 2], [2, 4], [-3, -6]]), { center: false })).toBeCloseTo(1, 6);
    expect(effectiveRank(m([[1, 2]]), { center: false })).toBeCloseTo(1, 12);
    expect(effectiveRank(m([[1, 2], [1, 2]]))).toBeNaN(); // nothing left after centring
  });
});

describe('symmetricEigenvalues', () => {
  it('matches numpy.linalg.eigvalsh', () => {
    const sym = [
      [0.0, -1.5, -1.5, 0.75, 1.0, 0.25, -1.5], [-1.5, -0.0, -1.25, -1.25, -0.5, -3.0, 0.0],
      [-1.5, -1.25, -1.5, 0.5, -0.5, -1.75, 3.0], [0.75, -1.25, 0.5, -0.5, -2.25, 0.5, -1.25],
      [1.0, -0.5, -0.5, -2.25, 2.5, -0.25, 0.0], [0.25, -3.0, -1.75, 0.5, -0.25, -1.0, 0.0],
      [-1.5, 0.0, 3.0, -1.25, 0.0, 0.0, 3.0],
    ];
    const expected = [
      -5.571502555046634, -2.889681027701284, -1.3318556410948006, -0.46273065310910483, 3.0831971748701825,
      3.9461437856181845, 5.72642891646345,
    ];
    const values = symmetricEigenvalues(Float64Array.from(sym.flat()), 7);
    expected.forEach((x, i) => expect(values[i]).toBeCloseTo(x, 12));
  });

  it('handles 1×1 and diagonal matrices', () => {
    expect([...symmetricEigenvalues(Float64Array.of(4), 1)]).toEqual([4]);
    const values = symmetricEigenvalues(Float64Array.of(3, 0, 0, 0, -1, 0, 0, 0, 2), 3);
    [-1, 2, 3].forEach((x, i) => expect(values[i]).toBeCloseTo(x, 14));
  });
});

describe('row checks', () => {
  const rows = m([
    [1, 2],
    [0, 0],
    [NaN, 1],
    [1, 2],
    [-0, 0],
    [Infinity, -Infinity],
    [1, 2],
    [2, 1],
  ]);

  it('count non-finite values and rows', () => {
    expect(countNonFinite(rows)).toBe(3);
    expect(nonFiniteRows(rows)).toEqual([2, 5]);
  });

  it('count zero rows, −0 included', () => {
    expect(zeroRows(rows)).toEqual([1, 4]);
    expect(countZeroRows(rows)).toBe(2);
  });

  it('find exact duplicates, +0 equal to −0, never NaN rows', () => {
    expect(duplicateRowGroups(rows)).toEqual([[0, 3, 6], [1, 4]]);
    expect(countDuplicateRows(rows)).toBe(3);
    expect(countDuplicateRows(m([[1, 2], [2, 1]]))).toBe(0);
    expect(countDuplicateRows({ data: new Float32Array(0), rows: 0, dim: 3 })).toBe(0);
  });

  it('find the same groups as comparing every pair of rows, on many small duplicated rows', () => {
    // 600 rows of 3 values from {-1, 0, 1, 2}: 64 distinct rows, so most rows repeat.
    let state = 12345;
    const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 16) % 4;
    const data = Float32Array.from({ length: 600 * 3 }, () => next() - 1);
    const matrix = { data, rows: 600, dim: 3 };
    const reference: number[][] = [];
    const grouped = new Set<number>();
    for (let a = 0; a < 600; a++) {
      if (grouped.has(a)) continue;
      const group = [a];
      for (let b = a + 1; b < 600; b++) if ([0, 1, 2].every((j) => data[a * 3 + j] === data[b * 3 + j])) group.push(b);
      group.forEach((r) => grouped.add(r));
      if (group.length > 1) reference.push(group);
    }
    expect(reference.length).toBe(64);
    expect(duplicateRowGroups(matrix)).toEqual(reference);
  });
});
