import { describe, expect, it } from 'vitest';
import type { EmbeddingSource } from '../../src/embeddings/types.js';
import { MemoryLogger } from '../../src/io/log.js';
import { jsNeighbourSearch } from '../../src/knn/exact-js.js';
import { sharedFloat32 } from '../../src/knn/normalise.js';
import type { Matrix } from '../../src/knn/types.js';
import { healthFigures, summariseHealth } from '../../src/regression/checks/health.js';
import { runRegression } from '../../src/regression/engine.js';
import { minOverlapOf, resolveSettings } from '../../src/regression/settings.js';
import type { Suite } from '../../src/regression/suite.js';
import { createRng } from '../../src/stats/random.js';

function matrix(rows: number[][]): Matrix {
  return { data: Float32Array.from(rows.flat()), rows: rows.length, dim: rows[0]!.length };
}

function random(rows: number, dim: number, seed: number, rank = dim): Matrix {
  const rng = createRng(seed);
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < rank; j++) data[r * dim + j] = rng() - 0.5;
  return { data, rows, dim };
}

const sources = { production: 'file:production.npy', candidate: 'file:candidate.npy' };

describe('health figures', () => {
  it('counts NaN/Inf, zero and duplicate vectors and summarises the norms', () => {
    // Norms by hand: (3,4) → 5, (0,0) → 0, (3,4) → 5; the NaN row has none.
    const f = healthFigures(matrix([[3, 4], [0, 0], [3, 4], [Number.NaN, 1]]), 1, ['a', 'b', 'c', 'd']);
    expect(f).toMatchObject({ rows: 4, dimension: 2, nonFinite: 1, zeroRows: 1, duplicateRows: 1, normMin: 0, normMax: 5, nonFiniteIds: ['d'], zeroIds: ['b'] });
    expect(f.normMean).toBeCloseTo(10 / 3, 12);
    expect(f.anisotropy).toBeNull();
  });

  it('fails a candidate whose dimension differs from the contract, or with NaN or zero vectors', () => {
    const production = healthFigures(random(50, 4, 1), 1, []);
    const candidate = healthFigures(matrix([[1, 0, 0], [0, 0, 0], [Number.POSITIVE_INFINITY, 0, 1]]), 1, ['x', 'y', 'z']);
    const out = summariseHealth({ production, candidate, contractDimension: 4, rankDropRatio: 0.5, sources });
    expect(out.section.verdict).toBe('fail');
    expect(out.findings.map((f) => f.rule)).toEqual(['health.dimension', 'health.non-finite', 'health.zero-vectors']);
    expect(out.metrics['health.candidate.dimension']).toBe(3);
    expect(out.findings.map((f) => f.message)).toEqual([
      'candidate vectors (file:candidate.npy) have dimension 3, the contract says 4',
      'candidate vectors (file:candidate.npy) contain 1 NaN or infinite value(s), at ids "z"',
      '1 candidate vector(s) (file:candidate.npy) are all zeros: ids "y"',
    ]);
  });

  it('says when the two models differ in dimension and no contract states one', () => {
    const production = healthFigures(random(50, 4, 1), 1, []);
    const candidate = healthFigures(random(50, 3, 2), 1, []);
    const out = summariseHealth({ production, candidate, contractDimension: null, rankDropRatio: 0.5, sources });
    expect(out.section.verdict).toBe('pass');
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]).toMatchObject({ rule: 'health.dimension', severity: 'notice' });
    expect(out.findings[0]?.message).toContain('production vectors (file:production.npy) have dimension 4 and candidate vectors (file:candidate.npy) 3');
    const same = summariseHealth({ production, candidate: production, contractDimension: null, rankDropRatio: 0.5, sources });
    expect(same.findings).toEqual([]);
  });

  it('names up to five ids of zero vectors and counts the rest', () => {
    const rows = Array.from({ length: 8 }, () => [0, 0]);
    const candidate = healthFigures(matrix(rows), 1, rows.map((_, i) => `id-${i}`));
    const out = summariseHealth({ production: candidate, candidate, contractDimension: null, rankDropRatio: 0.5, sources });
    expect(out.findings.find((f) => f.rule === 'health.zero-vectors')?.message).toBe('8 candidate vector(s) (file:candidate.npy) are all zeros: ids "id-0", "id-1", "id-2", "id-3", "id-4" and 3 more');
  });

  it('is marginal on dimensional collapse: effective rank below half of production’s', () => {
    const production = healthFigures(random(300, 16, 2), 1, []);
    const candidate = healthFigures(random(300, 16, 3, 2), 1, []);
    expect(production.effectiveRank!).toBeGreaterThan(12);
    expect(candidate.effectiveRank!).toBeLessThan(2.5);
    const out = summariseHealth({ production, candidate, contractDimension: 16, rankDropRatio: 0.5, sources });
    expect(out.section.verdict).toBe('marginal');
    expect(out.findings.map((f) => f.rule)).toEqual(['health.rank-collapse']);
  });
});

describe('the engine', () => {
  const suite: Suite = {
    file: 'suite.yml',
    definition: { name: 'tiny', texts: 't', checks: { pairs: { file: 'p' } } },
    texts: ['a', 'b', 'c'].map((id) => ({ id, text: id, segment: null })),
    pairs: [
      { id: 'a|b', a: 0, b: 1, label: 'related', segment: null },
      { id: 'a|c', a: 0, b: 2, label: 'unrelated', segment: null },
    ],
  };
  const source = (m: Matrix): EmbeddingSource => ({ description: 'memory', cacheKey: null, embed: async () => m });
  const run = (production: Matrix, candidate: Matrix) =>
    runRegression({ suite, production: source(production), candidate: source(candidate), contractDimension: 2, config: {}, search: jsNeighbourSearch(), log: new MemoryLogger() });

  it('with unusable vectors reports health as failing and the other checks as errors, without computing them', async () => {
    const { assembled } = await run(matrix([[1, 0], [0.9, 0.1], [0, 1]]), matrix([[1, 0], [Number.NaN, 0.1], [0, 1]]));
    expect(assembled.verdict).toBe('error');
    expect(assembled.checks.map((c) => [c.id, c.verdict])).toEqual([['pairs', 'error'], ['health', 'fail']]);
    expect(assembled.checks[0]!.summary).toMatch(/NaN/);
  });

  it('holds each space once: normalises vectors in shared memory in place, after measuring their health from the raw values, and leaves others as they are', async () => {
    const production = { data: sharedFloat32(6), rows: 3, dim: 2 };
    production.data.set([3, 4, 0, 2, 5, 0]);
    const candidate = { data: Float32Array.from([6, 8, 0, 1, 1, 0]), rows: 3, dim: 2 };
    const { details } = await run(production, candidate);
    expect([...production.data]).toEqual([0.6, 0.8, 0, 1, 1, 0].map(Math.fround));
    expect([...candidate.data]).toEqual([6, 8, 0, 1, 1, 0]);
    // Norms 5, 2, 5 and 10, 1, 1: measured before the vectors were normalised.
    expect(details.health.production.normMean).toBeCloseTo(4, 6);
    expect(details.health.candidate.normMean).toBeCloseTo(4, 6);
  });
});

describe('settings', () => {
  it('take built-in defaults, then the config, the suite, the check, then the seed input', () => {
    const config = { confidence: 0.9, seed: 5, resamples: 400, tolerance: { pairs: 0.05 } };
    const suite = { name: 's', texts: 't', settings: { seed: 6, resamples: 500 }, checks: { pairs: { file: 'p', resamples: 300 } } };
    expect(resolveSettings('pairs', config, suite)).toEqual({ tolerance: 0.05, confidence: 0.9, resamples: 300, seed: 6, minSegmentSize: 30, worstItems: 5 });
    expect(resolveSettings('pairs', config, suite, 9).seed).toBe(9);
    expect(resolveSettings('triplets', {}, { name: 's', texts: 't', checks: {} })).toEqual({ tolerance: 0.02, confidence: 0.95, resamples: 2000, seed: 1, minSegmentSize: 30, worstItems: 5 });
    expect(minOverlapOf(resolveSettings('neighbours', { minOverlap: 0.4 }, { name: 's', texts: 't', checks: { neighbours: { minOverlap: 0.6 } } }))).toBe(0.6);
    expect(minOverlapOf(resolveSettings('neighbours', {}, { name: 's', texts: 't', checks: {} }))).toBeNull();
  });
});
