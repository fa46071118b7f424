import { describe, expect, it } from 'vitest';
import { topKJs } from '../../src/knn/exact-js.js';

const m = (rows: number[][]) => ({ data: Float32Array.from(rows.flat()), rows: rows.length, dim: rows[0]?.length ?? 0 });

describe('topKJs', () => {
  // Scores worked out by hand: q·c for q=(1,0): c0=0.5, c1=2, c2=-1, c3=2 (tie with c1).
  const corpus = m([[0.5, 1], [2, 0], [-1, 3], [2, 5]]);

  it('ranks by inner product, ties broken by lower index', () => {
    const r = topKJs({ queries: m([[1, 0]]), corpus, k: 3, similarity: 'dot' });
    expect([...r.indices]).toEqual([1, 3, 0]);
    expect([...r.scores]).toEqual([2, 2, 0.5]);
  });

  it('normalises once for cosine', () => {
    // cos((1,0), c) = c.x / |c|: c0 0.447, c1 1, c2 -0.316, c3 0.371.
    const r = topKJs({ queries: m([[3, 0]]), corpus, k: 4, similarity: 'cosine' });
    expect([...r.indices]).toEqual([1, 0, 3, 2]);
    expect(r.scores[1]).toBeCloseTo(0.5 / Math.sqrt(1.25), 6);
  });

  it('skips the self row and clamps k', () => {
    const r = topKJs({ queries: m([[2, 0]]), corpus, k: 10, similarity: 'dot', selfIndices: Int32Array.of(1) });
    expect(r.k).toBe(3);
    expect([...r.indices]).toEqual([3, 0, 2]);
  });
});
