import { averageRanks } from './summary.js';

/**
 * Per-query retrieval metrics and rank correlations.
 *
 * Relevance judgements (qrels) map a document id to a graded relevance: > 0 is relevant,
 * 0 or below is judged non-relevant (as in trec_eval, where only positive levels count).
 * `ranked` lists document ids best first; a repeated id counts once, at its first position.
 * The per-query metrics return NaN for a query with no relevant document: such a query
 * carries no information about ranking quality, so the caller leaves it out of averages
 * (trec_eval likewise evaluates only topics with relevant documents).
 * k must be a positive integer (RangeError otherwise); a list shorter than k is evaluated
 * as it is (missing ranks contribute nothing).
 */

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
}

function countRelevant(relevance: ReadonlyMap<string, number>): number {
  let count = 0;
  for (const rel of relevance.values()) if (rel > 0) count++;
  return count;
}

/** Visits the distinct ids among the first k of `ranked` with their 1-based rank. */
function forEachTopK(ranked: readonly string[], k: number, visit: (id: string, rank: number) => boolean | void): void {
  const seen = new Set<string>();
  let rank = 0;
  for (let i = 0; i < ranked.length && rank < k; i++) {
    const id = ranked[i] as string;
    if (seen.has(id)) continue;
    seen.add(id);
    rank++;
    if (visit(id, rank) === true) return;
  }
}

/**
 * recall@k: the share of the query's relevant documents found in the top k, in [0, 1].
 * NaN when the query has no relevant document.
 */
export function recallAtK(ranked: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  checkK(k);
  const total = countRelevant(relevant);
  if (total === 0) return NaN;
  let found = 0;
  forEachTopK(ranked, k, (id) => {
    if ((relevant.get(id) ?? 0) > 0) found++;
  });
  return found / total;
}

/**
 * Reciprocal rank at k: 1 / (rank of the first relevant document) if it is within the top
 * k, else 0 (trec_eval's `recip_rank` cut at k). Average over queries for MRR@k.
 * NaN when the query has no relevant document.
 */
export function mrrAtK(ranked: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  checkK(k);
  if (countRelevant(relevant) === 0) return NaN;
  let reciprocal = 0;
  forEachTopK(ranked, k, (id, rank) => {
    if ((relevant.get(id) ?? 0) > 0) {
      reciprocal = 1 / rank;
      return true;
    }
    return false;
  });
  return reciprocal;
}

/**
 * nDCG@k with graded relevance (Järvelin & Kekäläinen 2002), in [0, 1]:
 * DCG@k = Σ_{r=1..k} gain(doc at r) / log₂(r + 1), divided by the DCG@k of the ideal
 * ordering of all judged relevant documents.
 *
 * Gain is the relevance value itself (linear), not 2^rel − 1: this is trec_eval's
 * `ndcg_cut` ("gain values are the relevance values in the qrels file", discount
 * log2(rank + 1)), which BEIR (Thakur et al., NeurIPS 2021) reports through pytrec_eval, so
 * our numbers are comparable with published BEIR/MTEB retrieval scores. For binary
 * judgements both conventions agree. Non-positive relevance contributes no gain.
 * NaN when the query has no relevant document.
 */
export function ndcgAtK(ranked: readonly string[], relevance: ReadonlyMap<string, number>, k: number): number {
  checkK(k);
  const gains: number[] = [];
  for (const rel of relevance.values()) if (rel > 0) gains.push(rel);
  if (gains.length === 0) return NaN;
  gains.sort((a, b) => b - a);
  let ideal = 0;
  for (let i = 0; i < Math.min(k, gains.length); i++) ideal += (gains[i] as number) / Math.log2(i + 2);
  let dcg = 0;
  forEachTopK(ranked, k, (id, rank) => {
    const rel = relevance.get(id) ?? 0;
    if (rel > 0) dcg += rel / Math.log2(rank + 1);
  });
  return dcg / ideal;
}

/**
 * overlap@k of two neighbour lists (e.g. corpus indices of one item's top-k neighbours in
 * the production and in the candidate space): |A ∩ B| / k over the first k entries of each,
 * in [0, 1]. When either list is shorter than k, k is reduced to the shorter length (a
 * corpus with fewer than k other items); both empty gives NaN. Entries are assumed distinct
 * within a list (a neighbour list has no repeats); repeats are counted once.
 */
export function overlapAtK(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  checkK(k);
  const effective = Math.min(k, a.length, b.length);
  if (effective === 0) return NaN;
  const inA = new Set<number>();
  for (let i = 0; i < effective; i++) inA.add(a[i] as number);
  let shared = 0;
  for (let i = 0; i < effective; i++) {
    const x = b[i] as number;
    if (inA.delete(x)) shared++;
  }
  return shared / effective;
}

function checkPaired(xs: ArrayLike<number>, ys: ArrayLike<number>): void {
  if (xs.length !== ys.length) throw new RangeError(`paired samples differ in length: ${xs.length} vs ${ys.length}`);
}

/** Pearson correlation of two equal-length samples; NaN when n < 2 or either is constant. */
export function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  checkPaired(xs, ys);
  const n = xs.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] as number;
    my += ys[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * Spearman's rank correlation ρ: the Pearson correlation of the average ranks (ties share
 * the mean rank), in [−1, 1]; matches `scipy.stats.spearmanr`. O(n log n).
 * NaN when n < 2 or either sample is constant (all tied). NaN inputs are a RangeError.
 */
export function spearman(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  checkPaired(xs, ys);
  if (xs.length < 2) return NaN;
  return pearson(averageRanks(xs), averageRanks(ys));
}

/**
 * Kendall's τ-b (Kendall 1945), which corrects for ties in either sample:
 * τ_b = (C − D) / √((P − Tx)(P − Ty)) with C/D concordant/discordant pairs, P = n(n−1)/2
 * pairs, Tx/Ty pairs tied in x/y. In [−1, 1]; matches `scipy.stats.kendalltau` (variant 'b').
 * O(n²) over all pairs: meant for top-k similarity lists (k up to a few hundred).
 * NaN when n < 2 or either sample is constant. NaN inputs are a RangeError.
 */
export function kendallTauB(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  checkPaired(xs, ys);
  const n = xs.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(xs[i]) || Number.isNaN(ys[i])) throw new RangeError(`kendallTauB: NaN at index ${i}`);
  }
  if (n < 2) return NaN;
  let score = 0; // C − D
  let untiedX = 0; // pairs not tied in x: P − Tx
  let untiedY = 0;
  for (let i = 0; i < n; i++) {
    const xi = xs[i] as number;
    const yi = ys[i] as number;
    for (let j = i + 1; j < n; j++) {
      const xj = xs[j] as number;
      const yj = ys[j] as number;
      const sx = xi > xj ? 1 : xi < xj ? -1 : 0;
      const sy = yi > yj ? 1 : yi < yj ? -1 : 0;
      score += sx * sy;
      if (sx !== 0) untiedX++;
      if (sy !== 0) untiedY++;
    }
  }
  if (untiedX === 0 || untiedY === 0) return NaN;
  return score / Math.sqrt(untiedX * untiedY);
}
