import type { NeighbourSearch } from '../../knn/types.js';
import type { Row, WorstItem } from '../../results/types.js';
import { mrrAtK, ndcgAtK, recallAtK } from '../../stats/ranking.js';
import { compareDifferences, intervalSeed, judge, mean, segmentRows } from '../compare.js';
import { inShard, type Shard } from '../shard.js';
import type { Suite } from '../suite.js';
import { selectRows, type Spaces } from '../vectors.js';
import { clip, column, decidingRow, describeOutcome, emptyTable, lowestIndices, pickWorst, rowMetrics, segmentMetrics, type CheckOutput, type CheckRecord, type ItemTable } from './common.js';
import { toleranceOf } from '../settings.js';

export type RetrievalMetric = 'ndcg' | 'recall' | 'mrr';
export const RETRIEVAL_METRICS: readonly RetrievalMetric[] = ['recall', 'mrr', 'ndcg'];

export interface RetrievalParams {
  k: number;
  metric: RetrievalMetric;
}

export interface SearchContext {
  search: NeighbourSearch;
  signal?: AbortSignal;
  /** Called after each block of queries: done of total. */
  onProgress?: (done: number, total: number) => void;
}

/** Queries searched per call: bounds the memory of one top-k request and paces progress lines. */
const BLOCK = 256;

/**
 * Top-k documents of each query (rows of `queryRows`) over `corpusRows`, in both spaces,
 * block by block. Never builds a queries × corpus matrix: the engine streams the corpus.
 * @returns per model, the k corpus positions of each query, best first (row q at [q*k, (q+1)*k)).
 */
export async function searchBoth(
  spaces: Spaces,
  queryRows: readonly number[],
  corpusRows: readonly number[],
  k: number,
  context: SearchContext,
  total = queryRows.length * 2,
  doneBefore = 0,
): Promise<{ production: Int32Array; candidate: Int32Array; k: number }> {
  const corpusPosition = new Map(corpusRows.map((row, i) => [row, i]));
  const out: Record<'production' | 'candidate', Int32Array> = { production: new Int32Array(0), candidate: new Int32Array(0) };
  let effectiveK = Math.min(k, corpusRows.length);
  let done = doneBefore;
  for (const model of ['production', 'candidate'] as const) {
    // The spaces are already unit length: rank by inner product, and search the matrix
    // itself when the corpus is every text in order (no copy of a large corpus).
    const whole = corpusRows.length === spaces[model].rows && corpusRows.every((row, i) => row === i);
    const corpus = whole ? spaces[model] : selectRows(spaces[model], corpusRows);
    const parts: Int32Array[] = [];
    for (let start = 0; start < queryRows.length; start += BLOCK) {
      context.signal?.throwIfAborted();
      const block = queryRows.slice(start, start + BLOCK);
      const selfIndices = Int32Array.from(block, (row) => corpusPosition.get(row) ?? -1);
      const result = await context.search.topK({ queries: selectRows(spaces[model], block), corpus, k, similarity: 'dot', selfIndices });
      effectiveK = result.k;
      parts.push(result.indices);
      done += block.length;
      context.onProgress?.(done, total);
    }
    const all = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      all.set(part, offset);
      offset += part.length;
    }
    out[model] = all;
  }
  return { ...out, k: effectiveK };
}

/**
 * Recall@k, MRR@k and nDCG@k of every query of this shard under both models. Columns
 * `<metric>_production`, `<metric>_candidate` for recall, mrr and ndcg.
 */
export async function measureRetrieval(suite: Suite, spaces: Spaces, shard: Shard | undefined, k: number, context: SearchContext): Promise<ItemTable> {
  const set = suite.retrieval!;
  const table = emptyTable(RETRIEVAL_METRICS.flatMap((m) => [`${m}_production`, `${m}_candidate`]));
  const mine = set.queries.map((q, i) => i).filter((i) => inShard(shard, 'query', suite.texts[set.queries[i] as number]!.id));
  const rows = mine.map((i) => set.queries[i] as number);
  const found = await searchBoth(spaces, rows, set.corpus, k, context);
  mine.forEach((queryNumber, n) => {
    const query = set.queries[queryNumber] as number;
    const relevant = set.relevant[queryNumber] as Map<number, number>;
    table.index.push(queryNumber);
    table.id.push(suite.texts[query]!.id);
    table.segment.push(suite.texts[query]!.segment);
    const grades = new Map([...relevant].map(([doc, grade]) => [suite.texts[doc]!.id, grade]));
    for (const model of ['production', 'candidate'] as const) {
      const ranked = Array.from(found[model].subarray(n * found.k, (n + 1) * found.k), (pos) => suite.texts[set.corpus[pos] as number]!.id);
      table.values[`recall_${model}`]!.push(recallAtK(ranked, grades, k));
      table.values[`mrr_${model}`]!.push(mrrAtK(ranked, grades, k));
      table.values[`ndcg_${model}`]!.push(ndcgAtK(ranked, grades, k));
    }
  });
  return table;
}

const LABELS: Record<RetrievalMetric, string> = { recall: 'recall', mrr: 'MRR', ndcg: 'nDCG' };

export function worstQueries(suite: Suite, table: ItemTable, metric: RetrievalMetric, count: number): WorstItem[] {
  const p = column(table, `${metric}_production`);
  const c = column(table, `${metric}_candidate`);
  const keys = c.map((x, i) => x - (p[i] as number));
  return lowestIndices(keys, table.id, count).map((i) => {
    const text = suite.texts[suite.retrieval!.queries[table.index[i] as number] as number]!;
    return {
      id: text.id,
      texts: [clip(text.text)],
      segment: text.segment,
      label: `${LABELS[metric]}@k`,
      production: p[i] as number,
      candidate: c[i] as number,
      change: (c[i] as number) - (p[i] as number),
    };
  });
}

/**
 * Summarises retrieval: the configured metric decides (paired per-query change, segments);
 * the other two are reported with their own intervals.
 */
export function summariseRetrieval(record: CheckRecord): CheckOutput {
  const { items, settings } = record;
  const params = record.params as unknown as RetrievalParams;
  const tolerance = toleranceOf(settings);
  const rows: Row[] = [];
  let metrics: Record<string, number | null> = {};
  let decidingOutcome: ReturnType<typeof compareDifferences> | undefined;
  for (const metric of RETRIEVAL_METRICS) {
    const p = column(items, `${metric}_production`);
    const c = column(items, `${metric}_candidate`);
    const diffs = c.map((x, i) => x - (p[i] as number));
    const name = `${LABELS[metric]}@${params.k}`;
    let row: Row;
    if (metric === params.metric) {
      decidingOutcome = compareDifferences(diffs, items.segment, tolerance, settings, 'retrieval');
      row = decidingRow(name, mean(p), mean(c), decidingOutcome);
    } else {
      const judged = judge(diffs, tolerance, settings, intervalSeed(settings.seed, `retrieval.${metric}`, null));
      row = { metric: name, production: mean(p), candidate: mean(c), change: judged.estimate, interval: judged.interval, higherIsBetter: true };
    }
    rows.push(row);
    metrics = { ...metrics, ...rowMetrics(`retrieval.${metric}`, row) };
  }
  const outcome = decidingOutcome!;
  const p = column(items, `${params.metric}_production`);
  const c = column(items, `${params.metric}_candidate`);
  // The deciding metric first: it is the one the verdict is about.
  rows.sort((x, y) => Number(y.verdict !== undefined) - Number(x.verdict !== undefined));
  return {
    section: {
      id: 'retrieval',
      title: `Retrieval (${items.id.length} queries, k = ${params.k})`,
      verdict: outcome.verdict,
      summary: describeOutcome(`${LABELS[params.metric]}@${params.k}`, outcome, tolerance),
      rows,
      segments: segmentRows(outcome, `${LABELS[params.metric]}@${params.k}`, items.segment, p, c),
      worst: pickWorst(record.worst, settings.worstItems, (item) => item.change ?? 0),
    },
    metrics: { ...metrics, 'retrieval.queries': items.id.length, 'retrieval.k': params.k, ...segmentMetrics('retrieval', outcome) },
  };
}
