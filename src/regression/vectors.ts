import { sharedFloat32 } from '../knn/normalise.js';
import type { Matrix } from '../knn/types.js';

/** Both models' vectors for the suite's texts, rows in suite order, each row scaled to unit length. */
export interface Spaces {
  production: Matrix;
  candidate: Matrix;
}

/** Inner product of rows a and b of a matrix (the cosine when rows are unit length), in float64. */
export function dotRows(matrix: Matrix, a: number, b: number): number {
  const { data, dim } = matrix;
  const x = a * dim;
  const y = b * dim;
  let sum = 0;
  for (let j = 0; j < dim; j++) sum += (data[x + j] as number) * (data[y + j] as number);
  return sum;
}

/** A new matrix holding the given rows, in that order, in shared memory (the neighbour search reads it without a copy). */
export function selectRows(matrix: Matrix, rows: readonly number[]): Matrix {
  const { dim } = matrix;
  const data = sharedFloat32(rows.length * dim);
  rows.forEach((row, i) => data.set(matrix.data.subarray(row * dim, (row + 1) * dim), i * dim));
  return { data, rows: rows.length, dim };
}
