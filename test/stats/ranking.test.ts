import { describe, expect, it } from 'vitest';
import { kendallTauB, mrrAtK, ndcgAtK, overlapAtK, pearson, recallAtK, spearman } from '../../src/stats/ranking.js';

// One query worked by hand. Judged: d2 = 2, d4 = 1, d9 = 3 (never retrieved), d7 = 0 (judged
// non-relevant). Ranking: d1 d2 d3 d4 d5.
const ranked = ['d1', 'd2', 'd3', 'd4', 'd5'];
const qrels = new Map([
  ['d2', 2],
  ['d4', 1],
  ['d9', 3],
  ['d7', 0],
]);

describe('recallAtK / mrrAtK', () => {
  it('match hand computations', () => {
    expect(recallAtK(ranked, qrels, 3)).toBeCloseTo(1 / 3, 15); // d2 of {d2, d4, d9}
    expect(recallAtK(ranked, qrels, 5)).toBeCloseTo(2 / 3, 15);
    expect(recallAtK(ranked, qrels, 50)).toBeCloseTo(2 / 3, 15); // list shorter than k
    expect(mrrAtK(ranked, qrels, 1)).toBe(0);
    expect(mrrAtK(ranked, qrels, 3)).toBe(0.5); // first relevant at rank 2
  });

  it('count a repeated id once and return NaN without relevant documents', () => {
    expect(recallAtK(['d2', 'd2', 'd4'], qrels, 2)).toBeCloseTo(2 / 3, 15);
    expect(recallAtK(ranked, new Map([['d1', 0]]), 3)).toBeNaN();
    expect(mrrAtK(ranked, new Map(), 3)).toBeNaN();
    expect(() => recallAtK(ranked, qrels, 0)).toThrow(RangeError);
  });
});

describe('ndcgAtK (linear gain, trec_eval ndcg_cut)', () => {
  it('matches a hand computation', () => {
    // DCG@5 = 2/log2(3) + 1/log2(5) = 1.6925360652163082;
    // IDCG@5 = 3/log2(2) + 2/log2(3) + 1/log2(4) = 4.7618595071429155; ratio 0.35543595158098623.
    expect(ndcgAtK(ranked, qrels, 5)).toBeCloseTo(0.35543595158098623, 14);
    // @2: (2/log2(3)) / (3 + 2/log2(3)) = 0.2960819109658652.
    expect(ndcgAtK(ranked, qrels, 2)).toBeCloseTo(0.2960819109658652, 14);
    expect(ndcgAtK(ranked, qrels, 1)).toBe(0);
  });

  it('is 1 for the ideal ranking and NaN without relevant documents', () => {
    expect(ndcgAtK(['d9', 'd2', 'd4', 'x'], qrels, 3)).toBeCloseTo(1, 15);
    expect(ndcgAtK(ranked, new Map([['d3', -1]]), 3)).toBeNaN();
  });
});

describe('overlapAtK', () => {
  it('matches hand computations', () => {
    expect(overlapAtK([1, 2, 3, 4], [4, 3, 9, 8], 4)).toBe(0.5);
    expect(overlapAtK(Int32Array.of(1, 2, 3, 4), Int32Array.of(4, 3, 9, 8), 2)).toBe(0);
    expect(overlapAtK([1, 2], [2, 1, 7], 5)).toBe(1); // k reduced to 2
    expect(overlapAtK([], [], 3)).toBeNaN();
  });
});

describe('spearman / kendallTauB', () => {
  // scipy.stats.spearmanr(a, b).statistic and scipy.stats.kendalltau(a, b, variant='b').statistic,
  // scipy 1.17.1 (`python3 test/stats/reference.py`, keys spearman, kendall, kendall_ties_x).
  const a = [0.91, 0.85, 0.85, 0.7, 0.66, 0.5, 0.42, 0.42, 0.3, 0.1];
  const b = [0.88, 0.9, 0.8, 0.71, 0.5, 0.6, 0.4, 0.45, 0.45, 0.05];

  it('match scipy with ties', () => {
    expect(spearman(a, b)).toBeCloseTo(0.9388423105261694, 14);
    expect(kendallTauB(a, b)).toBeCloseTo(0.8276408817690653, 14);
    expect(kendallTauB([1, 1, 2, 2, 3], [5, 3, 4, 1, 2])).toBeCloseTo(-0.44721359549995787, 14);
  });

  it('are ±1 for monotone relations and NaN for constant or short input', () => {
    expect(spearman([1, 2, 3], [10, 20, 1000])).toBe(1);
    expect(kendallTauB([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(kendallTauB([1, 2], [5, 5])).toBeNaN();
    expect(kendallTauB([1], [2])).toBeNaN();
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(() => spearman([1, 2], [1])).toThrow(RangeError);
  });
});
