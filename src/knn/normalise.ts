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

/** A zeroed Float32Array over a SharedArrayBuffer: the neighbour search's threads read it without a copy. */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

/**
 * Normalises the rows for the neighbour search: in place when they already are in shared
 * memory, else into a new shared array (the caller then drops the original).
 */
export function normaliseShared(matrix: Matrix): Matrix {
  return normaliseRows(matrix, matrix.data.buffer instanceof SharedArrayBuffer ? matrix.data : sharedFloat32(matrix.data.length));
}
