import { describe, expect, it } from 'vitest';
import { createRng, createUint32Rng, randomInt, sampleIndices, xoshiro128StarStar } from '../../src/stats/random.js';

// Reference streams from an independent Python implementation of the published xoshiro128**
// and SplitMix32 algorithms with arbitrary-precision integers masked to 32 bits:
// `python3 test/stats/reference.py` (keys xoshiro_1234, seeded_*), numpy 2.4.6 / scipy 1.17.1.
describe('xoshiro128**', () => {
  it('matches the reference algorithm from state (1, 2, 3, 4)', () => {
    // First output by hand: rotl(2·5, 7)·9 = 1280·9 = 11520.
    const next = xoshiro128StarStar(1, 2, 3, 4);
    expect(Array.from({ length: 6 }, next)).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('seeds through SplitMix32', () => {
    expect(Array.from({ length: 4 }, createUint32Rng(0))).toEqual([3809008728, 1133695204, 53579671, 2891528803]);
    expect(Array.from({ length: 4 }, createUint32Rng(42))).toEqual([2837322924, 544945897, 479756282, 3500138142]);
    expect(Array.from({ length: 4 }, createUint32Rng(4294967295))).toEqual([835879718, 1921286648, 2356205009, 1885780724]);
  });

  it('rejects an all-zero state and bad seeds', () => {
    expect(() => xoshiro128StarStar(0, 0, 0, 0)).toThrow(RangeError);
    for (const seed of [-1, 1.5, 2 ** 32, NaN]) expect(() => createRng(seed)).toThrow(RangeError);
  });
});

describe('createRng / randomInt', () => {
  it('gives doubles in [0, 1) equal to the 32-bit stream / 2^32', () => {
    const u = createRng(42);
    expect(u()).toBe(2837322924 / 2 ** 32);
    let min = 1;
    let max = 0;
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = u();
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // Mean of 1e5 uniforms: sd 1/sqrt(12e5) ≈ 0.0009; 5 sd band.
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.0046);
  });

  it('draws every integer in [0, n) about equally often', () => {
    const rng = createRng(7);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[randomInt(rng, 10)]! += 1;
    // Chi-square with 9 df: the 0.999 quantile is 27.88.
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(27.88);
    expect(() => randomInt(rng, 0)).toThrow(RangeError);
  });

  it('samples distinct sorted indices without replacement', () => {
    const s = sampleIndices(100, 10, 3);
    expect(s.length).toBe(10);
    expect(new Set(s).size).toBe(10);
    expect([...s]).toEqual([...s].sort((a, b) => a - b));
    expect([...sampleIndices(100, 10, 3)]).toEqual([...s]);
    expect([...sampleIndices(4, 10, 3)]).toEqual([0, 1, 2, 3]);
  });
});
