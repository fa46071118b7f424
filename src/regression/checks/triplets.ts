import type { WorstItem } from '../../results/types.js';
import { compareDifferences, mean, segmentRows } from '../compare.js';
import { inShard, type Shard } from '../shard.js';
import type { Suite } from '../suite.js';
import { dotRows, type Spaces } from '../vectors.js';
import { clip, clipId, column, decidingRow, describeOutcome, emptyTable, infoRow, lowestIndices, pickWorst, rowMetrics, segmentMetrics, type CheckOutput, type CheckRecord, type ItemTable } from './common.js';
import { toleranceOf } from '../settings.js';

/**
 * Margin of every triplet of this shard under both models: cos(anchor, positive) −
 * cos(anchor, negative). Columns `production`, `candidate`.
 */
export function measureTriplets(suite: Suite, spaces: Spaces, shard: Shard | undefined): ItemTable {
  const table = emptyTable(['production', 'candidate']);
  (suite.triplets ?? []).forEach((t, index) => {
    if (!inShard(shard, 'triplet', t.id)) return;
    table.index.push(index);
    table.id.push(t.id);
    table.segment.push(t.segment);
    for (const [name, space] of [['production', spaces.production], ['candidate', spaces.candidate]] as const) {
      table.values[name]!.push(dotRows(space, t.anchor, t.positive) - dotRows(space, t.anchor, t.negative));
    }
  });
  return table;
}

/** A triplet is correct when its margin is positive; a tie counts one half. */
export function correctness(margin: number): number {
  return margin > 0 ? 1 : margin === 0 ? 0.5 : 0;
}

export function worstTriplets(suite: Suite, table: ItemTable, count: number): WorstItem[] {
  const p = column(table, 'production');
  const c = column(table, 'candidate');
  const keys = c.map((x, i) => x - (p[i] as number));
  return lowestIndices(keys, table.id, count).map((i) => {
    const t = suite.triplets![table.index[i] as number]!;
    return {
      id: clipId(t.id),
      texts: [t.anchor, t.positive, t.negative].map((row) => clip(suite.texts[row]!.text)),
      segment: t.segment,
      production: p[i] as number,
      candidate: c[i] as number,
      change: (c[i] as number) - (p[i] as number),
    };
  });
}

/** Summarises triplets: accuracy per model decides (paired per-triplet correctness change); mean margin for context. */
export function summariseTriplets(record: CheckRecord): CheckOutput {
  const { items, settings } = record;
  const tolerance = toleranceOf(settings);
  const p = column(items, 'production');
  const c = column(items, 'candidate');
  const before = p.map(correctness);
  const after = c.map(correctness);
  const diffs = after.map((a, i) => a - (before[i] as number));
  const outcome = compareDifferences(diffs, items.segment, tolerance, settings, 'triplets');
  const deciding = decidingRow('margin accuracy', mean(before), mean(after), outcome);
  const margin = infoRow('margin (mean)', mean(p), mean(c), true);
  return {
    section: {
      id: 'triplets',
      title: `Triplets (${items.id.length})`,
      verdict: outcome.verdict,
      summary: describeOutcome('accuracy', outcome, tolerance),
      rows: [deciding, margin],
      segments: segmentRows(outcome, 'margin accuracy', items.segment, before, after),
      worst: pickWorst(record.worst, settings.worstItems, (item) => item.change ?? 0),
    },
    metrics: {
      ...rowMetrics('triplets.accuracy', deciding),
      ...rowMetrics('triplets.margin', margin),
      'triplets.count': items.id.length,
      ...segmentMetrics('triplets', outcome),
    },
  };
}
