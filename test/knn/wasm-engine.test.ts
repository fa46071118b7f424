import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createNeighbourSearch } from '../../src/knn/index.js';
import { topKJs } from '../../src/knn/exact-js.js';
import type { NeighbourSearch, TopKResult } from '../../src/knn/types.js';
import { blockOffset } from '../../src/knn/candidates.js';
import { supportsVariant, wasmNeighbourSearch } from '../../src/knn/wasm-engine.js';
import { repoRoot } from '../support/node24.js';
import { createRng } from '../../src/stats/random.js';
import { cases, mismatches, randomMatrix } from './random-cases.js';

async function withEngine<T>(engine: NeighbourSearch, use: (engine: NeighbourSearch) => Promise<T>): Promise<T> {
  try {
    return await use(engine);
  } finally {
    await engine.close();
  }
}

// vitest runs on the project's Node (20+), which has plain SIMD; the relaxed-SIMD kernel is
// exercised under Node 24 by bundle.test.ts.
describe('wasm engine, plain SIMD', () => {
  it.each([1, 2, 3])('equals topKJs bit for bit on every case with %i thread(s)', async (threads) => {
    await withEngine(wasmNeighbourSearch({ variant: 'simd', threads }), async (engine) => {
      expect(await mismatches(engine)).toEqual([]);
    });
  });

  it('equals topKJs when the corpus streams through many small blocks and query chunks', async () => {
    for (const threads of [1, 2]) {
      await withEngine(wasmNeighbourSearch({ variant: 'simd', threads, blockRows: 4, queryChunk: 3 }), async (engine) => {
        expect(await mismatches(engine)).toEqual([]);
      });
    }
  });

  it('equals topKJs with blocks of growing sizes (the first blocks are smaller) claimed by 2 threads', async () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => blockOffset(i, 18))).toEqual([0, 6, 12, 18, 24, 36, 48, 66]);
    await withEngine(wasmNeighbourSearch({ variant: 'simd', threads: 2, blockRows: 18 }), async (engine) => {
      expect(await mismatches(engine)).toEqual([]);
    });
  });

  it('returns identical results with 1 and 4 threads on a larger request (queries split and corpus split)', async () => {
    const next = createRng(7);
    const corpus = randomMatrix(1500, 50, next);
    for (const queries of [randomMatrix(200, 50, next), randomMatrix(5, 50, next)]) {
      const request = { queries, corpus, k: 10, similarity: 'cosine' as const };
      // The neighbours and scores (not the count of pairs that passed, which depends on the split).
      const ranked = ({ k, indices, scores }: TopKResult) => ({ k, indices, scores });
      const one = ranked(await withEngine(wasmNeighbourSearch({ variant: 'simd', threads: 1 }), (e) => e.topK(request)));
      const four = ranked(await withEngine(wasmNeighbourSearch({ variant: 'simd', threads: 4 }), (e) => e.topK(request)));
      expect(four).toEqual(one);
      expect(one).toEqual(topKJs(request));
    }
  });

  it('agrees with a float64 brute force written out here (ids, and scores within 1e-6 relative)', async () => {
    const next = createRng(11);
    const queries = randomMatrix(9, 23, next);
    const corpus = randomMatrix(301, 23, next);
    const k = 7;
    const result = await withEngine(wasmNeighbourSearch({ variant: 'simd', threads: 2 }), (e) => e.topK({ queries, corpus, k, similarity: 'cosine' }));
    const norm = (m: typeof queries, r: number) => Math.hypot(...m.data.subarray(r * m.dim, (r + 1) * m.dim));
    for (let q = 0; q < queries.rows; q++) {
      const all = Array.from({ length: corpus.rows }, (_, c) => {
        let dot = 0;
        for (let j = 0; j < 23; j++) dot += (queries.data[q * 23 + j] as number) * (corpus.data[c * 23 + j] as number);
        return { c, score: dot / norm(queries, q) / norm(corpus, c) };
      }).sort((a, b) => b.score - a.score);
      for (let i = 0; i < k; i++) {
        const want = all[i] as { c: number; score: number };
        expect(result.indices[q * k + i]).toBe(want.c);
        expect(Math.abs((result.scores[q * k + i] as number) - want.score)).toBeLessThan(1e-6 * Math.abs(want.score) + 1e-7);
      }
    }
  });

  it('counts the pairs its threshold test let through: at least every kept pair, far fewer than all', async () => {
    const next = createRng(5);
    const request = { queries: randomMatrix(50, 64, next), corpus: randomMatrix(4000, 64, next), k: 10, similarity: 'cosine' as const };
    for (const threads of [1, 2]) {
      const { passed } = await withEngine(wasmNeighbourSearch({ variant: 'simd', threads }), (e) => e.topK(request));
      expect(passed).toBeGreaterThanOrEqual(50 * 10);
      expect(passed).toBeLessThan((50 * 4000) / 2);
    }
  });

  it('detects a result that differs from topKJs (the comparison can fail)', async () => {
    const wrong: NeighbourSearch = {
      name: 'off-by-one-ulp',
      topK: async (request) => {
        const result = topKJs(request);
        result.scores[0] = Math.fround((result.scores[0] as number) * (1 + 2 ** -23));
        return result;
      },
      close: async () => {},
    };
    expect(await mismatches(wrong, cases().slice(3, 4))).toEqual([cases()[3]?.name]);
  });

  it.each([1, 2, 3])('rejects non-finite values with the row that has them, in the same words whichever thread finds it (%i threads)', async (threads) => {
    const corpus = randomMatrix(10, 8, createRng(3));
    corpus.data[5 * 8 + 2] = NaN;
    await withEngine(wasmNeighbourSearch({ variant: 'simd', threads }), async (engine) => {
      await expect(engine.topK({ queries: corpus, corpus, k: 2, similarity: 'dot' })).rejects.toThrow(/^corpus row 5 has a non-finite value/);
    });
  });

  it('rejects mismatched dimensions', async () => {
    const next = createRng(4);
    await withEngine(wasmNeighbourSearch({ variant: 'simd', threads: 1 }), async (engine) => {
      await expect(engine.topK({ queries: randomMatrix(2, 3, next), corpus: randomMatrix(4, 5, next), k: 1, similarity: 'dot' })).rejects.toThrow(/dimension mismatch/);
    });
  });
});

describe('createNeighbourSearch', () => {
  it('picks the fastest kernel the runtime validates', async () => {
    const expected = supportsVariant('relaxed-int8') ? 'wasm-relaxed-int8 ×2' : 'wasm-simd ×2';
    expect(supportsVariant('relaxed-simd')).toBe(supportsVariant('relaxed-int8'));
    expect(supportsVariant('simd')).toBe(true);
    await withEngine(await createNeighbourSearch({ threads: 2 }), async (engine) => {
      expect(engine.name).toBe(expected);
    });
  });
});

describe('generated kernel module', () => {
  it('matches src/knn/wasm/kernel.wat and src/knn/worker.ts (rebuilt and compared)', () => {
    const check = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: repoRoot, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
