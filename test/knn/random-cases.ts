import { topKJs } from '../../src/knn/exact-js.js';
import { createRng } from '../../src/stats/random.js';
import type { Matrix, NeighbourSearch, Similarity, TopKRequest } from '../../src/knn/types.js';

export function randomMatrix(rows: number, dim: number, next: () => number): Matrix {
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = next() * 2 - 1;
  return { data, rows, dim };
}

export interface Case {
  name: string;
  request: TopKRequest;
}

/**
 * Requests of many shapes: dims not a multiple of 4, corpus rows not a multiple of the tile,
 * k = 1, k above the corpus size, self-exclusion, exact ties (duplicate rows, coarse
 * values), near ties decided by rounding, zero vectors, both similarities.
 */
export function cases(): Case[] {
  const next = createRng(42);
  const out: Case[] = [];
  const shapes: [number, number, number, number][] = [
    // queries, corpus rows, dim, k
    [1, 1, 1, 1],
    [5, 7, 3, 2],
    [7, 50, 13, 1],
    [10, 33, 16, 5],
    [31, 203, 37, 10],
    [64, 150, 64, 200],
    [4, 1000, 5, 10],
  ];
  for (const [nq, nc, dim, k] of shapes) {
    for (const similarity of ['cosine', 'dot'] as Similarity[]) {
      out.push({ name: `${nq}x${nc} d=${dim} k=${k} ${similarity}`, request: { queries: randomMatrix(nq, dim, next), corpus: randomMatrix(nc, dim, next), k, similarity } });
    }
  }
  // Corpus against itself, with duplicate rows, zero rows and coarse values (many exact ties).
  const dim = 9;
  const corpus = randomMatrix(120, dim, next);
  for (let i = 0; i < corpus.data.length; i++) corpus.data[i] = Math.round((corpus.data[i] as number) * 2) / 2;
  corpus.data.copyWithin(10 * dim, 3 * dim, 4 * dim);
  corpus.data.copyWithin(77 * dim, 3 * dim, 4 * dim);
  corpus.data.fill(0, 20 * dim, 22 * dim);
  const selfIndices = Int32Array.from({ length: corpus.rows }, (_, i) => (i === 5 ? -1 : i));
  for (const similarity of ['cosine', 'dot'] as Similarity[]) {
    for (const k of [1, 4, 130]) out.push({ name: `self ties k=${k} ${similarity}`, request: { queries: corpus, corpus, k, similarity, selfIndices } });
  }
  // Near ties: rows that are permutations of one vector score the same against a constant
  // query in exact arithmetic, so float rounding alone orders them. The kernel's float32
  // sums order them differently from the reference's float64 sums: only the margin and the
  // exact rescoring keep the result equal to topKJs.
  const permDim = 50;
  const base = randomMatrix(1, permDim, next).data;
  const permuted = new Float32Array(200 * permDim);
  for (let r = 0; r < 200; r++) {
    const row = Float32Array.from(base);
    for (let j = permDim - 1; j > 0; j--) {
      const swap = Math.floor(next() * (j + 1));
      [row[j], row[swap]] = [row[swap] as number, row[j] as number];
    }
    permuted.set(row, r * permDim);
  }
  const constant = { data: new Float32Array(permDim).fill(1), rows: 1, dim: permDim };
  for (const similarity of ['cosine', 'dot'] as Similarity[]) {
    for (const k of [1, 5, 40]) {
      out.push({ name: `near ties k=${k} ${similarity}`, request: { queries: constant, corpus: { data: permuted, rows: 200, dim: permDim }, k, similarity } });
    }
  }
  return out;
}

/** Runs every case on the engine; returns the names of those whose result differs from topKJs in any bit. */
export async function mismatches(engine: NeighbourSearch, list: Case[] = cases()): Promise<string[]> {
  const bad: string[] = [];
  for (const { name, request } of list) {
    const expected = topKJs(request);
    const actual = await engine.topK(request);
    const same =
      actual.k === expected.k &&
      actual.indices.length === expected.indices.length &&
      actual.indices.every((v, i) => v === expected.indices[i]) &&
      actual.scores.every((v, i) => Object.is(v, expected.scores[i]));
    if (!same) bad.push(name);
  }
  return bad;
}
