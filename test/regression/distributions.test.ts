import { describe, expect, it } from 'vitest';
import { overlapDistribution, pairDistributions } from '../../src/regression/distributions.js';
import { resolveSettings } from '../../src/regression/settings.js';

const settings = resolveSettings('pairs', {}, { name: 's', texts: 't', checks: {} });
const table = (values: Record<string, number[]>) => ({ index: values[Object.keys(values)[0]!]!.map((_, i) => i), id: [], segment: [], values });

describe('the distributions kept for the HTML report', () => {
  it('bins pair cosines by 0.05 over [−1, 1], related and unrelated apart, for both models', () => {
    // By hand: 0.72 → bin floor((0.72 + 1) / 0.05) = 34; 0.7 → 34; −1 → 0; 1 → 39 (the last bin); 0.02 → 20.
    const d = pairDistributions({ settings, params: {}, items: table({ related: [1, 1, 0, 0], production: [0.72, 1, -1, 0.02], candidate: [0.7, 0.7, 0.02, 0.02] }), worst: [] });
    const nonZero = (counts: number[]) => Object.fromEntries(counts.flatMap((c, i) => (c ? [[i, c]] : [])));
    expect(d.low).toBe(-1);
    expect(d.width).toBe(0.05);
    expect(d.production.related).toHaveLength(40);
    expect(nonZero(d.production.related)).toEqual({ 34: 1, 39: 1 });
    expect(nonZero(d.production.unrelated)).toEqual({ 0: 1, 20: 1 });
    expect(nonZero(d.candidate.related)).toEqual({ 34: 2 });
    expect(nonZero(d.candidate.unrelated)).toEqual({ 20: 2 });
  });

  it('counts neighbour overlaps per value j/k', () => {
    const d = overlapDistribution({ settings, params: { k: 4 }, items: table({ overlap: [0, 0.25, 0.25, 1, 0.5], correlation: [0, 0, 0, 0, 0] }), worst: [] });
    expect(d).toEqual({ k: 4, counts: [1, 2, 1, 0, 1] });
  });
});
