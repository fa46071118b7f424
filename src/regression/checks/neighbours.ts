import type { Row, WorstItem } from '../../results/types.js';
import { spearman } from '../../stats/ranking.js';
import { compareDifferences, mean, segmentRows, type ComparisonOutcome } from '../compare.js';
import { inShard, stableHash, type Shard } from '../shard.js';
import type { Suite } from '../suite.js';
import { dotRows, type Spaces } from '../vectors.js';
import { clip, column, describeOutcome, emptyTable, lowestIndices, pickWorst, segmentMetrics, type CheckOutput, type CheckRecord, type ItemTable } from './common.js';
import { searchBoth, type SearchContext } from './retrieval.js';
import { minOverlapOf } from '../settings.js';

export interface NeighbourParams {
  k: number;
  sample: number;
}

/**
 * The sampled items: the `sample` corpus items with the lowest seeded hash of their id,
 * in corpus order. The same ids are picked whatever the file order, shard or machine.
 */
export function sampleItems(suite: Suite, sample: number, seed: number): number[] {
  const corpus = suite.neighbourCorpus ?? [];
  if (sample >= corpus.length) return [...corpus];
  const keyed = corpus.map((row, position) => ({ position, key: stableHash(`${seed}\u0000${suite.texts[row]!.id}`), id: suite.texts[row]!.id }));
  keyed.sort((x, y) => x.key - y.key || (x.id < y.id ? -1 : 1));
  return keyed
    .slice(0, sample)
    .map((k) => k.position)
    .sort((x, y) => x - y)
    .map((position) => corpus[position] as number);
}

/**
 * For each sampled item of this shard: overlap@k of its production and candidate top-k
 * (the share of the candidate's k neighbours that were among production's k), and the
 * Spearman correlation of the two models' similarities to production's k neighbours: does
 * the candidate keep the order of the neighbours downstream systems see today? (Over the
 * union of both lists the correlation would be biased low: items only one model ranks
 * high are selected for disagreeing.)
 * Columns `overlap`, `correlation` (null when undefined, e.g. a constant list).
 */
export async function measureNeighbours(suite: Suite, spaces: Spaces, shard: Shard | undefined, params: NeighbourParams, seed: number, context: SearchContext): Promise<ItemTable> {
  const corpus = suite.neighbourCorpus ?? [];
  const position = new Map(corpus.map((row, i) => [row, i]));
  const sampled = sampleItems(suite, params.sample, seed).filter((row) => inShard(shard, 'neighbour', suite.texts[row]!.id));
  const found = await searchBoth(spaces, sampled, corpus, params.k, context);
  const table = emptyTable(['overlap', 'correlation']);
  sampled.forEach((row, n) => {
    const k = found.k;
    const before = found.production.subarray(n * k, (n + 1) * k);
    const after = found.candidate.subarray(n * k, (n + 1) * k);
    const beforeSet = new Set(before);
    let shared = 0;
    for (const item of after) if (beforeSet.has(item)) shared++;
    const list = Array.from(before, (pos) => corpus[pos] as number);
    const x = Float64Array.from(list, (other) => dotRows(spaces.production, row, other));
    const y = Float64Array.from(list, (other) => dotRows(spaces.candidate, row, other));
    const rho = list.length >= 2 ? spearman(x, y) : Number.NaN;
    table.index.push(position.get(row) as number);
    table.id.push(suite.texts[row]!.id);
    table.segment.push(suite.texts[row]!.segment);
    table.values.overlap!.push(k === 0 ? null : shared / k);
    table.values.correlation!.push(Number.isFinite(rho) ? rho : null);
  });
  return table;
}

export function worstNeighbourhoods(suite: Suite, table: ItemTable, count: number): WorstItem[] {
  const overlap = column(table, 'overlap');
  return lowestIndices(overlap, table.id, count).map((i) => {
    const text = suite.texts[suite.neighbourCorpus![table.index[i] as number] as number]!;
    return { id: text.id, texts: [clip(text.text)], segment: text.segment, label: 'overlap@k', production: null, candidate: overlap[i] as number, change: null };
  });
}

function finite(values: Float64Array): Float64Array {
  return values.filter((v) => Number.isFinite(v));
}

/**
 * Summarises neighbourhood stability. Without `minOverlap` the check reports and passes;
 * with it, the mean overlap is judged against it like a change against a tolerance: fail
 * when the interval lies wholly below, pass when it lies at or above, marginal otherwise.
 */
export function summariseNeighbours(record: CheckRecord): CheckOutput {
  const { items, settings } = record;
  const params = record.params as unknown as NeighbourParams;
  const minOverlap = minOverlapOf(settings);
  const overlapAll = column(items, 'overlap');
  const keep = items.segment.map((_, i) => Number.isFinite(overlapAll[i]));
  const overlap = overlapAll.filter((_, i) => keep[i]);
  const segments = items.segment.filter((_, i) => keep[i]);
  const correlation = finite(column(items, 'correlation'));
  const threshold = minOverlap ?? 0;
  const outcome: ComparisonOutcome = compareDifferences(overlap.map((v) => v - threshold), segments, 0, settings, 'neighbours');
  const shift = (o: ComparisonOutcome['overall']): Row['interval'] => ({ low: o.interval.low + threshold, high: o.interval.high + threshold, level: o.interval.level });
  const gating = minOverlap !== null;
  const overlapRow: Row = { metric: `overlap@${params.k}`, production: null, candidate: mean(overlap), interval: shift(outcome.overall), higherIsBetter: true };
  if (gating) overlapRow.verdict = outcome.overall.verdict;
  else overlapRow.note = 'reported, not gating (set minOverlap to gate)';
  const correlationRow: Row = { metric: 'rank correlation of similarities (Spearman)', production: null, candidate: mean(correlation), higherIsBetter: true };
  const segmentList = segmentRows(outcome, `overlap@${params.k}`, segments, null, overlap).map((row, i) => {
    const judged = outcome.segments[i]!;
    const out = { ...row, change: null, interval: shift(judged) };
    if (!gating) {
      delete out.verdict;
      out.gated = false;
      out.pValue = null;
      out.adjustedPValue = null;
    }
    return out;
  });
  const worst = pickWorst(record.worst, settings.worstItems, (item) => item.candidate ?? 0);
  const mo = mean(overlap);
  const summary = gating
    ? describeOutcome(`overlap@${params.k} − ${threshold}`, outcome, 0)
    : `mean overlap@${params.k} ${mo === null ? 'n/a' : mo.toFixed(3)}: on average ${mo === null ? '?' : Math.round((1 - mo) * 100)}% of an item's top-${params.k} neighbours change`;
  return {
    section: {
      id: 'neighbours',
      title: `Neighbours (${items.id.length} sampled items, k = ${params.k})`,
      verdict: gating ? outcome.verdict : 'pass',
      summary,
      rows: [overlapRow, correlationRow],
      segments: segmentList,
      worst,
    },
    metrics: {
      'neighbours.overlap.mean': mo,
      'neighbours.overlap.low': overlapRow.interval!.low,
      'neighbours.overlap.high': overlapRow.interval!.high,
      'neighbours.rank_correlation.mean': mean(correlation),
      'neighbours.sampled': items.id.length,
      'neighbours.k': params.k,
      ...(gating ? segmentMetrics('neighbours', outcome) : {}),
    },
  };
}
