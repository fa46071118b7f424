/**
 * Adjusted p-values for m simultaneous tests, returned in the input order. Reject test i at
 * level α when adjusted[i] ≤ α. Empty input gives an empty array; a p-value that is NaN or
 * outside [0, 1] is a RangeError (decide beforehand which tests take part).
 */

function checkPValues(pValues: readonly number[]): void {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-value ${i} must be in [0, 1], got ${p}`);
  });
}

/** Indices of the p-values in ascending order (stable, so equal p-values keep input order). */
function ascendingOrder(pValues: readonly number[]): number[] {
  return pValues.map((_, i) => i).sort((i, j) => (pValues[i] as number) - (pValues[j] as number) || i - j);
}

/**
 * Holm's step-down adjustment (Holm 1979): controls the family-wise error rate (the chance
 * of any false alarm) under any dependence between the tests. With p₍₁₎ ≤ … ≤ p₍ₘ₎,
 * adjusted p₍ᵢ₎ = min(1, max_{j ≤ i} (m − j + 1)·p₍ⱼ₎), monotone in the sorted order.
 * Same as R's `p.adjust(method = "holm")` and statsmodels' `multipletests(method='holm')`.
 */
export function holm(pValues: readonly number[]): number[] {
  checkPValues(pValues);
  const m = pValues.length;
  const adjusted = new Array<number>(m);
  let running = 0;
  ascendingOrder(pValues).forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * (pValues[index] as number)));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * Benjamini–Hochberg step-up adjustment (Benjamini & Hochberg 1995): controls the false
 * discovery rate (the expected share of false alarms among rejections) for independent or
 * positively dependent tests. adjusted p₍ᵢ₎ = min(1, min_{j ≥ i} m·p₍ⱼ₎ / j).
 * Same as R's `p.adjust(method = "BH")`.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  checkPValues(pValues);
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank] as number;
    running = Math.min(running, (m * (pValues[index] as number)) / (rank + 1));
    adjusted[index] = running;
  }
  return adjusted;
}
