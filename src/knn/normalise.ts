import type { Matrix } from './types.js';

/**
 * Returns the matrix with every row scaled to unit L2 norm. A zero row stays zero (its
 * cosine with anything is then 0, never NaN). `out` (default: a new array) receives the
 * rows, e.g. an array over a SharedArrayBuffer for the worker threads, or `matrix.data`
 * itself to normalise in place.
 */
export function normaliseRows(matrix: Matrix, out: Float32Array = new Float32Array(matrix.data.length)): Matrix {
  const { rows, dim } = matrix;
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let sum = 0;
    for (let j = 0; j < dim; j++) {
      const v = matrix.data[base + j] as number;
      sum += v * v;
    }
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let j = 0; j < dim; j++) out[base + j] = (matrix.data[base + j] as number) * scale;
  }
  return { data: out, rows, dim };
}
