/**
 * Eigenvalues of a real symmetric matrix: Householder reduction to tridiagonal form, then
 * bisection with Sturm sequence counts on the tridiagonal matrix. Eigenvectors are not
 * formed. Cost ≈ (4/3)·d³ flops for the reduction plus O(d²·60) for the bisection; memory
 * is the d×d input (overwritten) and O(d).
 */

/**
 * All eigenvalues of the symmetric d×d matrix `a` (row-major; only the lower triangle is
 * read, and it is overwritten), in ascending order. Absolute accuracy about 1e-15 × the largest
 * absolute eigenvalue.
 */
export function symmetricEigenvalues(a: Float64Array, d: number): Float64Array {
  if (a.length !== d * d) throw new RangeError(`matrix has ${a.length} entries, expected ${d}×${d}`);
  const diagonal = new Float64Array(d);
  const offDiagonal = new Float64Array(Math.max(0, d - 1)); // offDiagonal[i] = T[i][i+1]
  tridiagonalise(a, d, diagonal, offDiagonal);
  return tridiagonalEigenvalues(diagonal, offDiagonal);
}

/**
 * Householder reduction: column k below the subdiagonal is zeroed by H = I − 2vvᵀ. Only the
 * lower triangle (j ≤ i) is read and updated, which halves the work and memory traffic.
 */
export function tridiagonalise(a: Float64Array, d: number, diagonal: Float64Array, offDiagonal: Float64Array): void {
  const v = new Float64Array(d);
  const p = new Float64Array(d);
  for (let k = 0; k < d - 2; k++) {
    // x = a[k+1.., k]; reflect it onto alpha·e₁ with alpha = −sign(x₀)‖x‖ (no cancellation).
    let norm2 = 0;
    for (let i = k + 1; i < d; i++) norm2 += (a[i * d + k] as number) ** 2;
    const x0 = a[(k + 1) * d + k] as number;
    const alpha = x0 > 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    const tail2 = norm2 - x0 * x0;
    if (tail2 === 0) {
      offDiagonal[k] = x0; // already tridiagonal in this column
      continue;
    }
    // v = (x − alpha·e₁) / ‖x − alpha·e₁‖.
    const vNorm = Math.sqrt(tail2 + (x0 - alpha) ** 2);
    v[k + 1] = (x0 - alpha) / vNorm;
    for (let i = k + 2; i < d; i++) v[i] = (a[i * d + k] as number) / vNorm;
    // p = 2Av over the trailing block, from its lower triangle.
    p.fill(0, k + 1);
    for (let i = k + 1; i < d; i++) {
      const row = i * d;
      const vi = v[i] as number;
      let sum = (a[row + i] as number) * vi;
      for (let j = k + 1; j < i; j++) {
        const aij = a[row + j] as number;
        sum += aij * (v[j] as number);
        p[j] = (p[j] as number) + aij * vi;
      }
      p[i] = (p[i] as number) + sum;
    }
    let vp = 0;
    for (let i = k + 1; i < d; i++) {
      p[i] = 2 * (p[i] as number);
      vp += (v[i] as number) * (p[i] as number);
    }
    // q = p − (vᵀp)v; then HAH = A − vqᵀ − qvᵀ on the trailing block.
    for (let i = k + 1; i < d; i++) p[i] = (p[i] as number) - vp * (v[i] as number);
    for (let i = k + 1; i < d; i++) {
      const vi = v[i] as number;
      const qi = p[i] as number;
      const row = i * d;
      for (let j = k + 1; j <= i; j++) a[row + j] = (a[row + j] as number) - vi * (p[j] as number) - qi * (v[j] as number);
    }
    offDiagonal[k] = alpha;
  }
  for (let i = 0; i < d; i++) diagonal[i] = a[i * d + i] as number;
  if (d >= 2) offDiagonal[d - 2] = a[(d - 1) * d + (d - 2)] as number;
}

/** Number of eigenvalues of the tridiagonal matrix strictly below x (Sturm count via LDLᵀ pivots). */
function countBelow(diagonal: Float64Array, offDiagonal: Float64Array, x: number): number {
  let count = 0;
  let pivot = 1;
  for (let i = 0; i < diagonal.length; i++) {
    const e = i > 0 ? (offDiagonal[i - 1] as number) : 0;
    pivot = (diagonal[i] as number) - x - (i > 0 ? (e * e) / pivot : 0);
    if (pivot === 0) pivot = -1e-300; // a zero pivot counts as just below
    if (pivot < 0) count++;
  }
  return count;
}

/**
 * Eigenvalues, ascending, of the symmetric tridiagonal matrix with the given diagonal and
 * off-diagonal (length d − 1), by bisection on Gershgorin bounds with Sturm counts:
 * about 55 halvings per eigenvalue, O(d) each.
 */
export function tridiagonalEigenvalues(diagonal: Float64Array, offDiagonal: Float64Array): Float64Array {
  const d = diagonal.length;
  // Gershgorin bounds contain every eigenvalue.
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < d; i++) {
    const radius = Math.abs(i > 0 ? (offDiagonal[i - 1] as number) : 0) + Math.abs(i < d - 1 ? (offDiagonal[i] as number) : 0);
    lo = Math.min(lo, (diagonal[i] as number) - radius);
    hi = Math.max(hi, (diagonal[i] as number) + radius);
  }
  const tolerance = 2 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  const values = new Float64Array(d);
  for (let index = 0; index < d; index++) {
    // The (index)-th smallest eigenvalue λ satisfies countBelow(λ) ≤ index < countBelow(λ + ε).
    let left = index > 0 ? (values[index - 1] as number) : lo;
    let right = hi;
    while (right - left > tolerance) {
      const mid = 0.5 * (left + right);
      if (mid <= left || mid >= right) break;
      if (countBelow(diagonal, offDiagonal, mid) > index) right = mid;
      else left = mid;
    }
    values[index] = 0.5 * (left + right);
  }
  return values;
}
