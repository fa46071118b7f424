import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, holm } from '../../src/stats/multiple-testing.js';

const p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04];

describe('holm', () => {
  it('matches a hand computation', () => {
    // Sorted: 0.005·6 = 0.03, 0.01·5 = 0.05, 0.03·4 = 0.12, 0.04·3 = 0.12, 0.04·2 = 0.08 → 0.12
    // (running max), 0.2·1 = 0.2; mapped back to input order.
    const adjusted = holm(p);
    [0.05, 0.12, 0.12, 0.03, 0.2, 0.12].forEach((x, i) => expect(adjusted[i]).toBeCloseTo(x, 14));
  });
  it('caps at 1 and keeps monotone order', () => {
    expect(holm([0.5, 0.9])).toEqual([1, 1]);
    expect(holm([])).toEqual([]);
    expect(holm([0.02])).toEqual([0.02]);
    expect(() => holm([0.1, NaN])).toThrow(RangeError);
    expect(() => holm([1.2])).toThrow(RangeError);
  });
});

describe('benjaminiHochberg', () => {
  it('matches scipy.stats.false_discovery_control(method="bh")', () => {
    // scipy 1.17.1, `python3 test/stats/reference.py` (key bh).
    const adjusted = benjaminiHochberg(p);
    [0.03, 0.048, 0.048, 0.03, 0.2, 0.048].forEach((x, i) => expect(adjusted[i]).toBeCloseTo(x, 14));
  });
  it('handles edges', () => {
    expect(benjaminiHochberg([])).toEqual([]);
    // By hand: m = 2, sorted 0.6·2/1 = 1.2 → capped by the step-up min with 0.9·2/2 = 0.9.
    expect(benjaminiHochberg([0.9, 0.6])).toEqual([0.9, 0.9]);
  });
});
