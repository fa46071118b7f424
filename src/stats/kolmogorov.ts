/**
 * The two-sample Kolmogorov–Smirnov test with the asymptotic Kolmogorov distribution.
 */

/**
 * Survival function of the Kolmogorov distribution, P(K > x), where K is the limit of
 * √n·sup|Fₙ − F| (scipy's `kstwobign.sf`, `scipy.special.kolmogorov`). Two series, each used
 * where it converges fast: for x < 1, 1 − (√(2π)/x)·Σ exp(−(2k−1)²π²/(8x²)); otherwise
 * 2·Σ (−1)^(k−1) exp(−2k²x²). Accurate to about 1e-15; 1 for x ≤ 0.
 */
export function kolmogorovSurvival(x: number): number {
  if (!(x > 0)) return 1;
  if (x < 1) {
    let sum = 0;
    for (let k = 1; k <= 20; k++) sum += Math.exp(-((2 * k - 1) ** 2) * Math.PI ** 2 / (8 * x * x));
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / x) * sum));
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/**
 * The two-sample KS statistic D = sup|F₁ − F₂| of two sorted samples (ties handled: both
 * empirical functions step past equal values together).
 */
export function ksStatistic(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): number {
  const n = sortedA.length;
  const m = sortedB.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(sortedA[i] as number, sortedB[j] as number);
    while (i < n && (sortedA[i] as number) === x) i++;
    while (j < m && (sortedB[j] as number) === x) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  return d;
}

/**
 * Two-sided two-sample KS test with Smirnov's limiting p-value P(K > √(nm/(n+m))·D)
 * (`scipy.special.kolmogorov(sqrt(n*m/(n+m)) * D)`). It is slightly conservative at small
 * samples (scipy's `ks_2samp(method='asymp')` uses the finite-n `kstwo` instead) and
 * accurate from a few hundred rows a side, the sample sizes drift tests run at.
 * @param sortedA, sortedB ascending samples, both non-empty.
 */
export function ksTwoSample(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): { statistic: number; pValue: number } {
  const n = sortedA.length;
  const m = sortedB.length;
  const statistic = ksStatistic(sortedA, sortedB);
  return { statistic, pValue: kolmogorovSurvival(Math.sqrt((n * m) / (n + m)) * statistic) };
}
