import { describe, expect, it } from 'vitest';
import { jsNeighbourSearch } from '../../src/knn/exact-js.js';
import { normaliseRows } from '../../src/knn/normalise.js';
import type { Matrix } from '../../src/knn/types.js';
import { measureNeighbours, summariseNeighbours } from '../../src/regression/checks/neighbours.js';
import { placements, pseudoValues, summarisePairs } from '../../src/regression/checks/pairs.js';
import { measureRetrieval } from '../../src/regression/checks/retrieval.js';
import { correctness, summariseTriplets } from '../../src/regression/checks/triplets.js';
import { resolveSettings } from '../../src/regression/settings.js';
import type { Suite } from '../../src/regression/suite.js';
import { auc } from '../../src/stats/auc.js';

function matrix(rows: number[][]): Matrix {
  return normaliseRows({ data: Float32Array.from(rows.flat()), rows: rows.length, dim: rows[0]!.length });
}

const settings = { ...resolveSettings('pairs', {}, { name: 's', texts: 't', checks: {} }), resamples: 500 };
const { tolerance: _tolerance, ...statSettings } = settings;

describe('pairs: placement values and AUC', () => {
  // Related scores 0.9, 0.6, 0.4; unrelated 0.5, 0.4, 0.1. By hand (Mann–Whitney, ties ½):
  // 0.9 beats 3, 0.6 beats 3, 0.4 beats 0.1 and ties 0.4: 1.5 → AUC = 7.5 / 9 = 0.8333…
  // Placements (DeLong et al. 1988): related 3/3, 3/3, 1.5/3; unrelated (related above it):
  // 0.5 → 2/3, 0.4 → 2.5/3, 0.1 → 3/3.
  const scores = Float64Array.from([0.9, 0.6, 0.4, 0.5, 0.4, 0.1]);
  const related = Float64Array.from([1, 1, 1, 0, 0, 0]);

  it('computes each pair’s placement', () => {
    const p = placements(scores, related);
    const expected = [1, 1, 0.5, 2 / 3, 2.5 / 3, 1];
    expected.forEach((value, i) => expect(p[i]).toBeCloseTo(value, 12));
  });

  it('has the AUC as the mean placement of each class and of all pairs', () => {
    const p = placements(scores, related);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean([...p.slice(0, 3)])).toBeCloseTo(7.5 / 9, 12);
    expect(mean([...p.slice(3)])).toBeCloseTo(7.5 / 9, 12);
    expect(mean([...p])).toBeCloseTo(auc([0.9, 0.6, 0.4], [0.5, 0.4, 0.1]), 12);
  });

  it('turns placements into DeLong pseudo-values whose mean is the AUC and whose spread gives DeLong’s variance', () => {
    // Placements V = 1, 1, ½ (related; mean R = 5/6) and 2/3, 5/6, 1 (unrelated; mean U = 5/6);
    // θ = 5/6, N = 6, m = n = 3: ψ = θ + 2(V − R) for related, θ + 2(V − U) for unrelated
    // = 7/6, 7/6, 1/6, 1/2, 5/6, 7/6. Plug-in variance of their mean, Σ(ψ − θ)²/N², equals
    // DeLong's Σ(V10 − R)²/m² + Σ(V01 − U)²/n² = (1/36 + 1/36 + 1/9)/9 + (1/36 + 0 + 1/36)/9 = 2/81.
    const v = placements(scores, related);
    const { values, estimate } = pseudoValues(v, related, [0, 1, 2, 3, 4, 5]);
    expect(estimate).toBeCloseTo(5 / 6, 12);
    [7 / 6, 7 / 6, 1 / 6, 1 / 2, 5 / 6, 7 / 6].forEach((x, i) => expect(values[i]).toBeCloseTo(x, 12));
    const plugIn = values.reduce((sum, x) => sum + (x - estimate) ** 2, 0) / 36;
    expect(plugIn).toBeCloseTo(2 / 81, 12);
  });

  it('reports shares above the floor and below the ceiling, and the AUC change', () => {
    const record = {
      settings: { ...settings, worstItems: 2 },
      params: { relatedFloor: 0.5, unrelatedCeiling: 0.3 },
      items: {
        index: [0, 1, 2, 3, 4, 5],
        id: ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'],
        segment: [null, null, null, null, null, null],
        // Candidate: related 0.9, 0.7, 0.2; unrelated 0.5, 0.25, 0.1.
        values: { related: [1, 1, 1, 0, 0, 0], production: [...scores], candidate: [0.9, 0.7, 0.2, 0.5, 0.25, 0.1] },
      },
      worst: [],
    };
    const { section, metrics } = summarisePairs(record);
    // Production: related ≥ 0.5: 0.9, 0.6 → 2/3; unrelated ≤ 0.3: 0.1 → 1/3.
    // Candidate: related ≥ 0.5: 0.9, 0.7 → 2/3; unrelated ≤ 0.3: 0.25, 0.1 → 2/3.
    expect(metrics['pairs.related_above_floor.production']).toBeCloseTo(2 / 3, 12);
    expect(metrics['pairs.unrelated_below_ceiling.production']).toBeCloseTo(1 / 3, 12);
    expect(metrics['pairs.unrelated_below_ceiling.candidate']).toBeCloseTo(2 / 3, 12);
    // Candidate AUC by hand: 0.9 beats 3, 0.7 beats 3, 0.2 beats 0.1 → 7/9.
    expect(metrics['pairs.auc.candidate']).toBeCloseTo(7 / 9, 12);
    expect(metrics['pairs.auc.change']).toBeCloseTo(7 / 9 - 7.5 / 9, 12);
    expect(section.rows[0]!.interval!.level).toBe(0.95);
  });
});

describe('triplets', () => {
  it('counts a triplet correct when the positive is closer, a tie as one half', () => {
    expect([correctness(0.2), correctness(0), correctness(-0.1)]).toEqual([1, 0.5, 0]);
  });

  it('reports margin accuracy per model and the paired change', () => {
    // Margins production 0.2, −0.1, 0, 0.3 → correct 1, 0, ½, 1: accuracy 0.625.
    // Candidate 0.1, 0.2, −0.2, 0.3 → 1, 1, 0, 1: 0.75. Change +0.125; mean margins 0.1 and 0.1.
    const { section, metrics } = summariseTriplets({
      settings: { ...settings, worstItems: 1 },
      params: {},
      items: { index: [0, 1, 2, 3], id: ['t0', 't1', 't2', 't3'], segment: [null, null, null, null], values: { production: [0.2, -0.1, 0, 0.3], candidate: [0.1, 0.2, -0.2, 0.3] } },
      worst: [
        { id: 't2', production: 0, candidate: -0.2, change: -0.2 },
        { id: 't0', production: 0.2, candidate: 0.1, change: -0.1 },
      ],
    });
    expect(metrics['triplets.accuracy.production']).toBe(0.625);
    expect(metrics['triplets.accuracy.candidate']).toBe(0.75);
    expect(metrics['triplets.accuracy.change']).toBe(0.125);
    expect(metrics['triplets.margin.production']).toBeCloseTo(0.1, 12);
    expect(section.worst!.map((w) => w.id)).toEqual(['t2']);
  });
});

function tinySuite(ids: string[], extra: Partial<Suite>): Suite {
  return {
    file: 'suite.yml',
    definition: { name: 'tiny', texts: 'texts.jsonl', checks: {} },
    texts: ids.map((id) => ({ id, text: `text ${id}`, segment: null })),
    ...extra,
  };
}

describe('retrieval: per-query metrics from the ranked corpus', () => {
  it('matches recall@k, MRR@k and nDCG@k computed by hand', async () => {
    // Query q; documents d1 (1,0), d2 (0.8,0.6), d3 (0,1); only d2 is relevant (grade 1).
    // Production q = (1,0): ranking d1, d2, d3 → recall@2 = 1, RR = 1/2,
    //   nDCG@2 = (1 / log2(3)) / (1 / log2(2)) = 0.63093 (Järvelin & Kekäläinen 2002; gain = grade 1).
    // Candidate q = (0.8,0.6): d2 first → recall 1, RR 1, nDCG 1.
    const suite = tinySuite(['q', 'd1', 'd2', 'd3'], { retrieval: { queries: [0], corpus: [1, 2, 3], relevant: [new Map([[2, 1]])], skippedQueries: 0 } });
    const production = matrix([[1, 0], [1, 0], [0.8, 0.6], [0, 1]]);
    const candidate = matrix([[0.8, 0.6], [1, 0], [0.8, 0.6], [0, 1]]);
    const table = await measureRetrieval(suite, { production, candidate }, undefined, 2, { search: jsNeighbourSearch() });
    expect(table.values.recall_production).toEqual([1]);
    expect(table.values.mrr_production).toEqual([0.5]);
    expect(table.values.ndcg_production![0]).toBeCloseTo(1 / Math.log2(3), 12);
    expect(table.values.ndcg_candidate).toEqual([1]);
    expect(table.values.mrr_candidate).toEqual([1]);
  });
});

describe('neighbours: overlap@k and rank correlation', () => {
  it('matches values computed by hand', async () => {
    // Production: a (1,0), b (0.9,0.1), c (0,1), d (0.1,0.9). Top-2 of a: b (0.994), d (0.110).
    // Candidate: a (1,0), b (0,1), c (0.9,0.1), d (0.5,0.5). Top-2 of a: c (0.994), d (0.707).
    // overlap@2 = |{b,d} ∩ {c,d}| / 2 = 0.5. Over production's list [b, d] the candidate's
    // similarities are [0, 0.707]: the order is reversed, Spearman ρ = −1.
    const suite = tinySuite(['a', 'b', 'c', 'd'], { neighbourCorpus: [0, 1, 2, 3] });
    const production = matrix([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]]);
    const candidate = matrix([[1, 0], [0, 1], [0.9, 0.1], [0.5, 0.5]]);
    const table = await measureNeighbours(suite, { production, candidate }, undefined, { k: 2, sample: 4 }, 1, { search: jsNeighbourSearch() });
    expect(table.id[0]).toBe('a');
    expect(table.values.overlap![0]).toBe(0.5);
    expect(table.values.correlation![0]).toBeCloseTo(-1, 12);
    const { section } = summariseNeighbours({ settings: { ...statSettings, minOverlap: null }, params: { k: 2, sample: 4 }, items: table, worst: [] });
    expect(section.verdict).toBe('pass');
    expect(section.rows[0]!.note).toMatch(/not gating/);
  });

  it('gates on minOverlap when it is set: credibly below fails, credibly above passes', () => {
    const table = (value: number) => ({
      index: Array.from({ length: 40 }, (_, i) => i),
      id: Array.from({ length: 40 }, (_, i) => `n${i}`),
      segment: new Array(40).fill(null),
      values: { overlap: Array.from({ length: 40 }, (_, i) => value + (i % 2 === 0 ? 0.1 : -0.1)), correlation: new Array(40).fill(0.5) },
    });
    const run = (value: number) => summariseNeighbours({ settings: { ...statSettings, minOverlap: 0.6 }, params: { k: 10, sample: 40 }, items: table(value), worst: [] });
    expect(run(0.3).section.verdict).toBe('fail');
    expect(run(0.9).section.verdict).toBe('pass');
    expect(run(0.6).section.verdict).toBe('marginal');
    const low = run(0.3);
    // The interval is reported on the overlap's own scale, around its mean 0.3.
    expect(low.metrics['neighbours.overlap.mean']).toBeCloseTo(0.3, 12);
    expect(low.metrics['neighbours.overlap.low']! < 0.3 && low.metrics['neighbours.overlap.high']! > 0.3).toBe(true);
  });
});
