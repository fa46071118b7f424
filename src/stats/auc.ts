/**
 * Area under the ROC curve for separating positives from negatives by score:
 * P(pos > neg) + ½·P(pos = neg) over all positive–negative pairs, i.e. the Mann–Whitney
 * U statistic of the positives divided by n·m. 1 is perfect separation, 0.5 chance.
 *
 * Both samples are sorted (O((n + m) log(n + m))) and merged, counting for each
 * positive the negatives strictly below it and those equal to it; that is the rank-sum
 * formula with ties given average ranks.
 * Edge cases: either sample empty gives NaN; all scores equal gives 0.5. NaN scores are a
 * RangeError. Infinities are ordered normally.
 */
export function auc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  const pos = sortedCopy(positives, 'positives');
  const neg = sortedCopy(negatives, 'negatives');
  if (pos.length === 0 || neg.length === 0) return NaN;
  let below = 0; // negatives strictly below the current positive
  let equalEnd = 0; // negatives ≤ the current positive
  let wins = 0; // 2 × (pairs won + ½ pairs tied), kept as an integer count
  for (let i = 0; i < pos.length; i++) {
    const p = pos[i] as number;
    while (below < neg.length && (neg[below] as number) < p) below++;
    if (equalEnd < below) equalEnd = below;
    while (equalEnd < neg.length && (neg[equalEnd] as number) === p) equalEnd++;
    wins += 2 * below + (equalEnd - below);
  }
  return wins / (2 * pos.length * neg.length);
}

function sortedCopy(xs: ArrayLike<number>, name: string): Float64Array {
  const out = Float64Array.from(xs);
  for (let i = 0; i < out.length; i++) {
    if (Number.isNaN(out[i])) throw new RangeError(`auc: ${name} score ${i} is NaN`);
  }
  return out.sort();
}
