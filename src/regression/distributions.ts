import type { CheckRecord } from './checks/common.js';
import { column } from './checks/common.js';

/** Width of a cosine histogram bin: 40 bins over [−1, 1]. */
export const COSINE_BIN = 0.05;

/** Counts of values per bin of width COSINE_BIN over [−1, 1]; a value of exactly 1 falls in the last bin. */
function cosineHistogram(values: Iterable<number>): number[] {
  const bins = Math.round(2 / COSINE_BIN);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = Math.min(bins - 1, Math.max(0, Math.floor((v + 1) / COSINE_BIN)));
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/** The pair cosines of both models as histograms, related and unrelated apart. */
export interface PairDistributions {
  /** Lower edge of the first bin and the bin width; bin i covers [low + i·width, low + (i+1)·width). */
  low: number;
  width: number;
  production: { related: number[]; unrelated: number[] };
  candidate: { related: number[]; unrelated: number[] };
}

/** Neighbour overlap@k per sampled item, as counts per overlap value (0, 1/k, …, 1). */
export interface OverlapDistribution {
  k: number;
  /** counts[j]: items whose overlap is j/k. */
  counts: number[];
}

export function pairDistributions(record: CheckRecord): PairDistributions {
  const related = column(record.items, 'related');
  const pick = (name: string, label: number): number[] => Array.from(column(record.items, name)).filter((_, i) => related[i] === label);
  return {
    low: -1,
    width: COSINE_BIN,
    production: { related: cosineHistogram(pick('production', 1)), unrelated: cosineHistogram(pick('production', 0)) },
    candidate: { related: cosineHistogram(pick('candidate', 1)), unrelated: cosineHistogram(pick('candidate', 0)) },
  };
}

export function overlapDistribution(record: CheckRecord): OverlapDistribution {
  const k = Number((record.params as { k?: unknown }).k);
  const counts = new Array<number>(k + 1).fill(0);
  for (const v of column(record.items, 'overlap')) {
    if (!Number.isFinite(v)) continue;
    const j = Math.min(k, Math.max(0, Math.round(v * k)));
    counts[j] = (counts[j] as number) + 1;
  }
  return { k, counts };
}
