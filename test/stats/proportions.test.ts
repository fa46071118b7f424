import { describe, expect, it } from 'vitest';
import { fisherExact, newcombeInterval, twoProportionTest, wilsonInterval } from '../../src/stats/proportions.js';

// Reference values: scipy 1.x, run once:
//   from scipy.stats import fisher_exact, norm
//   fisher_exact([[b_events, b_total - b_events], [a_events, a_total - a_events]], alternative='greater' | 'less')[1]
//   z = (p2 - p1) / sqrt(p (1 - p) (1/n1 + 1/n2)); norm.sf(z), norm.cdf(z)
//   wilson(x, n): c = (x + z²/2)/(n + z²), h = z/(n + z²)·sqrt(x(n − x)/n + z²/4), z = norm.ppf(0.975)
describe('fisherExact', () => {
  it.each([
    [{ events: 2, total: 50 }, { events: 9, total: 50 }, 0.02556046687284325, 0.996109804368604],
    [{ events: 0, total: 20 }, { events: 4, total: 20 }, 0.053014553014553024, 1.0],
    [{ events: 3, total: 1000 }, { events: 12, total: 1000 }, 0.017245712699026104, 0.9964107840517443],
  ])('matches scipy for %o against %o', (first, second, greater, less) => {
    const p = fisherExact(first, second);
    expect(p.pGreater).toBeCloseTo(greater, 10);
    expect(p.pLess).toBeCloseTo(less, 10);
  });
});

describe('twoProportionTest', () => {
  it('uses the pooled score test with enough events (scipy norm.sf of the z statistic)', () => {
    const t = twoProportionTest({ events: 30, total: 1000 }, { events: 52, total: 1000 });
    expect(t.method).toBe('score');
    expect(t.pGreater).toBeCloseTo(0.006552851522822346, 10);
    expect(t.pLess).toBeCloseTo(0.9934471484771776, 10);
    const u = twoProportionTest({ events: 120, total: 5000 }, { events: 100, total: 5000 });
    expect(u.pGreater).toBeCloseTo(0.9136345836834286, 10);
    expect(u.pLess).toBeCloseTo(0.08636541631657135, 10);
  });

  it('falls back to Fisher’s exact test for rare events', () => {
    // Expected events per group 20 · 4/40 = 2 < 5.
    const t = twoProportionTest({ events: 0, total: 20 }, { events: 4, total: 20 });
    expect(t.method).toBe('fisher-exact');
    expect(t.pGreater).toBeCloseTo(0.053014553014553024, 10);
  });

  it('has no evidence without events, without trials, or with only events', () => {
    expect(twoProportionTest({ events: 0, total: 100 }, { events: 0, total: 100 })).toMatchObject({ pGreater: 1, pLess: 1 });
    expect(twoProportionTest({ events: 0, total: 0 }, { events: 3, total: 10 })).toMatchObject({ pGreater: 1, pLess: 1 });
    expect(twoProportionTest({ events: 10, total: 10 }, { events: 5, total: 5 })).toMatchObject({ pGreater: 1, pLess: 1 });
  });

  it('rejects counts that are not counts', () => {
    expect(() => twoProportionTest({ events: 5, total: 3 }, { events: 0, total: 1 })).toThrow(RangeError);
    expect(() => twoProportionTest({ events: 1.5, total: 3 }, { events: 0, total: 1 })).toThrow(RangeError);
  });
});

describe('wilsonInterval and newcombeInterval', () => {
  it('match the formulas evaluated with scipy', () => {
    const w = wilsonInterval({ events: 7, total: 50 }, 0.95);
    expect(w.low).toBeCloseTo(0.0695083342701629, 10);
    expect(w.high).toBeCloseTo(0.26186193710585537, 10);
    const zero = wilsonInterval({ events: 0, total: 40 }, 0.95);
    expect(zero.low).toBeCloseTo(0, 12);
    expect(zero.high).toBeCloseTo(0.08762160119728662, 10);
    const d = newcombeInterval({ events: 30, total: 1000 }, { events: 52, total: 1000 }, 0.95);
    expect(d.estimate).toBeCloseTo(0.022, 12);
    expect(d.low).toBeCloseTo(0.0045816586805556905, 10);
    expect(d.high).toBeCloseTo(0.039924913216481686, 10);
  });

  it('reproduces Newcombe (1998), Table II example (a): 56/70 − 48/80, method 10 gives 0.0524 to 0.3339', () => {
    const d = newcombeInterval({ events: 48, total: 80 }, { events: 56, total: 70 }, 0.95);
    expect(d.estimate).toBeCloseTo(0.2, 12);
    expect(d.low).toBeCloseTo(0.0524, 4);
    expect(d.high).toBeCloseTo(0.3339, 4);
  });
});
