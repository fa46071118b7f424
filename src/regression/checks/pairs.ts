import type { SegmentRow, WorstItem } from '../../results/types.js';
import { compareDifferences, mean, segmentRows, worstVerdict } from '../compare.js';
import { DEFAULTS } from '../settings.js';
import { inShard, type Shard } from '../shard.js';
import type { Suite } from '../suite.js';
import { dotRows, type Spaces } from '../vectors.js';
import { clip, clipId, column, decidingRow, describeOutcome, emptyTable, infoRow, lowestIndices, pickWorst, rowMetrics, segmentMetrics, type CheckOutput, type CheckRecord, type ItemTable } from './common.js';
import { toleranceOf } from '../settings.js';
import { spearman } from '../../stats/ranking.js';

export interface PairParams {
  relatedFloor: number;
  unrelatedCeiling: number;
  /**
   * Both models embed into the same space (the same `embedding.space`, e.g. the same model
   * rebuilt), so their cosines are comparable: the related pairs' mean cosine is gated too.
   * Absent in results written before this setting existed: false.
   */
  sameSpace?: boolean;
  /** With sameSpace, the largest acceptable drop of the related pairs' mean cosine (absolute). */
  similarityTolerance?: number;
}

/**
 * Cosine of every pair of this shard under both models. Columns: `related` (1 or 0),
 * `production`, `candidate` (cosines), and `gold` (the graded score) when every pair has one.
 */
export function measurePairs(suite: Suite, spaces: Spaces, shard: Shard | undefined): ItemTable {
  const graded = (suite.pairs ?? []).length > 0 && (suite.pairs ?? []).every((pair) => pair.score !== undefined);
  const table = emptyTable(graded ? ['related', 'production', 'candidate', 'gold'] : ['related', 'production', 'candidate']);
  (suite.pairs ?? []).forEach((pair, index) => {
    if (!inShard(shard, 'pair', pair.id)) return;
    table.index.push(index);
    table.id.push(pair.id);
    table.segment.push(pair.segment);
    table.values.related!.push(pair.label === 'related' ? 1 : 0);
    table.values.production!.push(dotRows(spaces.production, pair.a, pair.b));
    table.values.candidate!.push(dotRows(spaces.candidate, pair.a, pair.b));
    if (graded) table.values.gold!.push(pair.score as number);
  });
  return table;
}

/**
 * MTEB's STS score: Spearman's ρ between the pairs' cosine similarities and their gold
 * scores (`scipy.stats.spearmanr`), for each model; null when undefined (fewer than two
 * pairs, or constant scores).
 */
export function goldSpearman(items: ItemTable): { production: number | null; candidate: number | null } {
  const gold = column(items, 'gold');
  const rho = (name: string): number | null => {
    const value = spearman(column(items, name), gold);
    return Number.isNaN(value) ? null : value;
  };
  return { production: rho('production'), candidate: rho('candidate') };
}

/** Number of values in a sorted array below x, and equal to x. */
function rankIn(sorted: Float64Array, x: number): { below: number; equal: number } {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < sorted.length && sorted[end] === x) end++;
  return { below: lo, equal: end - lo };
}

/**
 * Placement values (DeLong, DeLong & Clarke-Pearson 1988): for a related pair, the share
 * of unrelated pairs scored below it; for an unrelated pair, the share of related pairs
 * scored above it; ties count one half. The mean placement of the related pairs and that
 * of the unrelated pairs both equal the AUC, so the mean over all pairs is the AUC too,
 * and a per-pair change of placement is a per-item share of the AUC change.
 */
export function placements(scores: Float64Array, related: Float64Array): Float64Array {
  const pos: number[] = [];
  const neg: number[] = [];
  scores.forEach((s, i) => (related[i] === 1 ? pos : neg).push(s));
  const sortedPos = Float64Array.from(pos).sort();
  const sortedNeg = Float64Array.from(neg).sort();
  return scores.map((s, i) => {
    if (related[i] === 1) {
      const { below, equal } = rankIn(sortedNeg, s);
      return (below + equal / 2) / sortedNeg.length;
    }
    const { below, equal } = rankIn(sortedPos, s);
    return (sortedPos.length - below - equal + equal / 2) / sortedPos.length;
  });
}

function share(values: Float64Array, related: Float64Array, label: number, test: (x: number) => boolean): number | null {
  let n = 0;
  let hits = 0;
  values.forEach((v, i) => {
    if (related[i] !== label) return;
    n++;
    if (test(v)) hits++;
  });
  return n === 0 ? null : hits / n;
}

function subset(values: Float64Array, related: Float64Array, label: number): Float64Array {
  return values.filter((_, i) => related[i] === label);
}

/** How much worse a pair got: related pairs moving apart and unrelated pairs moving together are negative. */
function worstKey(item: WorstItem): number {
  const change = item.change ?? 0;
  return item.label === 'unrelated' ? -change : change;
}

/** The pairs' worst items: built from the table and the suite's texts. */
export function worstPairs(suite: Suite, table: ItemTable, count: number): WorstItem[] {
  const related = column(table, 'related');
  const p = column(table, 'production');
  const c = column(table, 'candidate');
  const keys = p.map((_, i) => (related[i] === 1 ? 1 : -1) * ((c[i] as number) - (p[i] as number)));
  return lowestIndices(keys, table.id, count).map((i) => {
    const pair = suite.pairs![table.index[i] as number]!;
    return {
      id: clipId(pair.id),
      texts: [clip(suite.texts[pair.a]!.text), clip(suite.texts[pair.b]!.text)],
      segment: pair.segment,
      label: pair.label,
      production: p[i] as number,
      candidate: c[i] as number,
      change: (c[i] as number) - (p[i] as number),
    };
  });
}

/**
 * DeLong pseudo-values of a set of pairs, from their placements: with R and U the mean
 * placement of the set's related and unrelated pairs (m and n of them, N in all) and
 * θ = (R + U) / 2 (the AUC when the set is every pair, where R = U), a related pair gets
 * θ + (N/m)(V − R) and an unrelated one θ + (N/n)(V − U). Their mean is exactly θ, and the
 * variance of their mean is S10/m + S01/n, DeLong's variance of the AUC (DeLong, DeLong &
 * Clarke-Pearson 1988): resampling pseudo-values, not raw placements, gives the AUC's
 * interval its proper width (raw placements hold each pair's share twice and would make it
 * half as wide). With one label only, θ is that label's mean and the pseudo-values are the
 * placements.
 */
export function pseudoValues(v: Float64Array, related: Float64Array, members: readonly number[]): { values: Float64Array; estimate: number } {
  let m = 0;
  let n = 0;
  let sumR = 0;
  let sumU = 0;
  for (const i of members) {
    if (related[i] === 1) {
      m++;
      sumR += v[i] as number;
    } else {
      n++;
      sumU += v[i] as number;
    }
  }
  const r = m > 0 ? sumR / m : 0;
  const u = n > 0 ? sumU / n : 0;
  const estimate = m > 0 && n > 0 ? (r + u) / 2 : m > 0 ? r : u;
  const total = members.length;
  const values = Float64Array.from(members, (i) =>
    related[i] === 1 ? estimate + (total / m) * ((v[i] as number) - r) : estimate + (total / n) * ((v[i] as number) - u),
  );
  return { values, estimate };
}

/**
 * Summarises the pairs check from its per-pair cosines (the whole suite's, in suite order).
 * The deciding metric is the AUC of related vs unrelated pairs, judged through paired
 * per-pair changes of DeLong pseudo-values (each pair placed against all pairs of the other
 * label); with only one label present it falls back to the mean cosine change, oriented so
 * that higher is better.
 */
export function summarisePairs(record: CheckRecord): CheckOutput {
  const { items, settings } = record;
  const params = record.params as unknown as PairParams;
  const tolerance = toleranceOf(settings);
  const related = column(items, 'related');
  const p = column(items, 'production');
  const c = column(items, 'candidate');
  const nRelated = related.reduce((n, r) => n + r, 0);
  const bothLabels = nRelated > 0 && nRelated < related.length;
  let diffs: Float64Array;
  let production: number | null;
  let candidate: number | null;
  let metric: string;
  let segmentDiffs: ((indices: readonly number[]) => Float64Array) | undefined;
  let segmentMeans: (indices: readonly number[]) => [number | null, number | null];
  if (bothLabels) {
    const before = placements(p, related);
    const after = placements(c, related);
    const judged = (indices: readonly number[]): { diffs: Float64Array; production: number; candidate: number } => {
      const x = pseudoValues(before, related, indices);
      const y = pseudoValues(after, related, indices);
      return { diffs: y.values.map((value, i) => value - (x.values[i] as number)), production: x.estimate, candidate: y.estimate };
    };
    const all = judged(Array.from(items.id, (_, i) => i));
    diffs = all.diffs;
    production = all.production;
    candidate = all.candidate;
    segmentDiffs = (indices) => judged(indices).diffs;
    segmentMeans = (indices) => {
      const j = judged(indices);
      return [j.production, j.candidate];
    };
    metric = 'AUC related vs unrelated';
  } else {
    const sign = nRelated > 0 ? 1 : -1;
    diffs = c.map((x, i) => sign * (x - (p[i] as number)));
    production = null;
    candidate = null;
    segmentMeans = (indices) => [mean(indices.map((i) => p[i] as number)), mean(indices.map((i) => c[i] as number))];
    metric = nRelated > 0 ? 'related cosine (mean change)' : 'unrelated cosine (mean change, lower is better)';
  }
  const outcome = compareDifferences(diffs, items.segment, tolerance, settings, 'pairs', segmentDiffs);
  const deciding = decidingRow(metric, production, candidate, outcome);
  if (!bothLabels) deciding.note = 'only one label present: judged on the cosine change, not the AUC';
  const similarity = params.sameSpace && nRelated > 0 ? judgeSimilarity(record, related, p, c) : undefined;
  const relatedRow = similarity
    ? { ...decidingRow(RELATED_COSINE, mean(subset(p, related, 1)), mean(subset(c, related, 1)), similarity.outcome), note: 'same space: gated on the absolute drop' }
    : infoRow(RELATED_COSINE, mean(subset(p, related, 1)), mean(subset(c, related, 1)));
  const unrelatedRow = infoRow('unrelated cosine (mean)', mean(subset(p, related, 0)), mean(subset(c, related, 0)));
  const aboveFloor = infoRow(
    `related pairs with cosine ≥ ${params.relatedFloor}`,
    share(p, related, 1, (x) => x >= params.relatedFloor),
    share(c, related, 1, (x) => x >= params.relatedFloor),
    true,
  );
  const belowCeiling = infoRow(
    `unrelated pairs with cosine ≤ ${params.unrelatedCeiling}`,
    share(p, related, 0, (x) => x <= params.unrelatedCeiling),
    share(c, related, 0, (x) => x <= params.unrelatedCeiling),
    true,
  );
  const rows = [deciding, relatedRow, unrelatedRow, aboveFloor, belowCeiling];
  const sts = items.values.gold ? goldSpearman(items) : undefined;
  const stsRow = sts && infoRow('Spearman ρ of cosine with the gold scores (STS)', sts.production, sts.candidate, true, 'reported, not gated');
  if (stsRow) rows.push(stsRow);
  const metrics = {
    ...(stsRow ? rowMetrics('pairs.gold_spearman', stsRow) : {}),
    ...rowMetrics(bothLabels ? 'pairs.auc' : 'pairs.cosine', deciding),
    ...rowMetrics('pairs.related_cosine', relatedRow),
    ...rowMetrics('pairs.unrelated_cosine', unrelatedRow),
    ...rowMetrics('pairs.related_above_floor', aboveFloor),
    ...rowMetrics('pairs.unrelated_below_ceiling', belowCeiling),
    'pairs.count': items.id.length,
    ...segmentMetrics('pairs', outcome),
  };
  const summary = describeOutcome(bothLabels ? 'AUC' : 'cosine', outcome, tolerance);
  const segments: SegmentRow[] = segmentRows(outcome, bothLabels ? 'AUC (segment pairs placed against all pairs)' : 'cosine', items.segment, null, p).map((row) => {
    const indices = items.segment.flatMap((seg, i) => (seg === row.segment ? [i] : []));
    const [before, after] = segmentMeans(indices);
    return { ...row, production: before, candidate: after };
  });
  if (similarity) {
    Object.assign(metrics, rowMetrics('pairs.related_cosine', relatedRow), segmentMetrics('pairs.related_cosine', similarity.outcome));
    segments.push(...segmentRows(similarity.outcome, RELATED_COSINE, similarity.segments, similarity.production, similarity.candidate));
  }
  return {
    section: {
      id: 'pairs',
      title: `Pairs (${items.id.length})`,
      verdict: similarity ? worstVerdict([outcome.verdict, similarity.outcome.verdict]) : outcome.verdict,
      summary: similarity ? `${summary}; ${describeOutcome('related cosine', similarity.outcome, similarity.tolerance)}` : summary,
      rows,
      segments,
      worst: pickWorst(record.worst, settings.worstItems, worstKey),
    },
    metrics,
  };
}

const RELATED_COSINE = 'related cosine (mean)';

/**
 * The absolute similarity judgement of a shared space: the related pairs' paired cosine
 * changes (candidate − production), their bootstrap interval against `similarityTolerance`,
 * overall and per segment (Holm-adjusted), like every other paired change. Only meaningful
 * when both models embed into the same space: across spaces a cosine of 0.6 in one model
 * and 0.6 in another are not the same closeness, so only the ranking (the AUC) is compared.
 */
function judgeSimilarity(record: CheckRecord, related: Float64Array, p: Float64Array, c: Float64Array) {
  const params = record.params as unknown as PairParams;
  const tolerance = params.similarityTolerance ?? DEFAULTS.tolerance.pairs;
  const members = Array.from(related, (r, i) => (r === 1 ? i : -1)).filter((i) => i >= 0);
  const production = Float64Array.from(members, (i) => p[i] as number);
  const candidate = Float64Array.from(members, (i) => c[i] as number);
  const diffs = candidate.map((x, j) => x - (production[j] as number));
  const segments = members.map((i) => record.items.segment[i] ?? null);
  return { outcome: compareDifferences(diffs, segments, tolerance, record.settings, 'pairs-similarity'), segments, production, candidate, tolerance };
}
