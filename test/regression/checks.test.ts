import { describe, expect, it } from 'vitest';
import { jsNeighbourSearch } from '../../src/knn/exact-js.js';
import { normaliseRows } from '../../src/knn/normalise.js';
import type { Matrix } from '../../src/knn/types.js';
import { measureNeighbours, summariseNeighbours } from '../../src/regression/checks/neighbours.js';
import { placements, summarisePairs } from '../../src/regression/checks/pairs.js';
import { measureRetrieval } from '../../src/regression/checks/retrieval.js';
import { correctness } from '../../src/regression/checks/triplets.js';
import { resolveSettings } from '../../src/regression/settings.js';
import type { Suite } from '../../src/regression/suite.js';
import { auc } from '../../src/stats/auc.js';

function matrix(rows: number[][]): Matrix {
  return normaliseRows({ data: Float32Array.from(rows.flat()), rows: rows.length, dim: rows[0]!.length });
}

const settings = { ...resolveSettings('pairs', {}, { name: 's', texts: 't', checks: {} }), resamples: 500 };

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
    //   nDCG@2 = (1 / log2(3)) / (1 / log2(2)) = 0.63093 (Järvelin & Kekäläinen 2002).
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
    const { section } = summariseNeighbours({ settings: { ...settings, tolerance: null }, params: { k: 2, sample: 4 }, items: table, worst: [] });
    expect(section.verdict).toBe('pass');
    expect(section.rows[0]!.note).toMatch(/not gating/);
  });
});
