import { fromOrderedKey, raiseShared, roundUp } from './float32.js';
import { CORPUS_PANEL } from './kernel.js';

/* What both scans (float32 and the int8 prefilter) share: the job they run, the order in
   which they stream corpus blocks, and the candidate list each query keeps. */


/**
 * One unit of work: queries [queryStart, queryEnd) against corpus rows [corpusStart,
 * corpusEnd). The arrays may live in SharedArrayBuffers seen by several threads; a scan
 * only reads them.
 */
export interface ScanJob {
  /** Query rows, `dim` floats each: the exact values the reference ranks with (normalised for cosine). */
  queries: Float32Array;
  /** Corpus rows as given, `dim` floats each. */
  corpus: Float32Array;
  /** Cosine: each corpus row's scale 1/‖row‖ (0 for a zero row), as `normaliseRows` computes it; null for inner product. */
  corpusScale: Float64Array | null;
  dim: number;
  k: number;
  /** `selfIndices[q]`: the corpus row query q may not return; null when none. */
  selfIndices: Int32Array | null;
  /**
   * Per query: a bound on |kernel score − reference score| times two. Candidates within
   * this distance below the current k-th best kernel score are kept and rescored exactly.
   * 0 marks a zero query, whose scores are all exactly 0.
   */
  margins: Float64Array;
  queryStart: number;
  queryEnd: number;
  corpusStart: number;
  corpusEnd: number;
  /** Corpus rows per streamed block (rounded to the kernel's panel); defaults to about 384 KB of rows (stays in L2). */
  blockRows?: number;
  /** Queries held in wasm memory at once (rounded to the kernel's panel). */
  queryChunk?: number;
  /** Per corpus row ‖row‖ (the int8 kernel's bounds need it). */
  corpusNorms?: Float64Array;
  /** Per query ‖query‖ (as ranked: normalised for cosine). */
  queryNorms?: Float64Array;
  /**
   * Per query (indexed like `queries`): the best lower bound of its k-th best score found
   * so far by any job, as `orderedKey`s, raised with Atomics. Jobs that scan different
   * slices of the corpus for the same queries share it, so a slice started late prunes
   * from its first block. Null when each query is scanned by one job only.
   */
  bounds: Int32Array | null;
  /**
   * Several jobs sharing the same queries and corpus range split its blocks between them
   * as they go: `claims[c]` counts the blocks already taken for query chunk c (Atomics),
   * so a thread slowed by other work takes fewer. Null: the job scans every block.
   */
  claims: Int32Array | null;
}

/** Sizes of the first corpus blocks, as fractions of a full block (see `blockOffset`). */
const RAMP = [1 / 8, 1 / 8, 1 / 4, 1 / 4, 1 / 2, 1 / 2];

/**
 * Row offset of corpus block `index` from the start of the job's range. The first blocks
 * are smaller (1/8, 1/8, 1/4, 1/4, 1/2, 1/2 of `blockRows`, in whole panels): a query's
 * first block admits every row as a candidate, and the thresholds rise with every block,
 * so small first blocks keep the candidate lists short. `blockRows` is a multiple of the
 * corpus panel; so is every offset.
 */
export function blockOffset(index: number, blockRows: number): number {
  let offset = 0;
  for (let i = 0; i < RAMP.length; i++) {
    if (i === index) return offset;
    offset += roundUp(Math.ceil(blockRows * (RAMP[i] as number)), CORPUS_PANEL);
  }
  return offset + (index - RAMP.length) * blockRows;
}

/**
 * The corpus blocks [start, end) the job scans for its query chunk `chunk` (sizes as in
 * `blockOffset`): every block in order, or with `claims`, each block no job has taken yet.
 */
export function* corpusBlocks(job: ScanJob, chunk: number, blockRows: number): Generator<{ start: number; end: number }> {
  const { claims, corpusStart, corpusEnd } = job;
  for (let next = 0; ; next++) {
    const block = claims ? Atomics.add(claims, chunk, 1) : next;
    const start = corpusStart + blockOffset(block, blockRows);
    if (start >= corpusEnd) return;
    yield { start, end: Math.min(corpusEnd, corpusStart + blockOffset(block + 1, blockRows)) };
  }
}

/** Per query of the job, up to k neighbours best first: query i's row is `[i*k, i*k + counts[i])`. */
export interface ScanResult {
  counts: Int32Array;
  indices: Int32Array;
  scores: Float32Array;
  /** Query–row pairs that passed the kernel's threshold test and were scored again. */
  passed: number;
}

/**
 * The candidates of one query: every corpus row that may still reach the top k, with an
 * upper bound of its reference score, plus a min-heap of the k largest lower bounds so far
 * (its root, `kth`, is a lower bound of the k-th best reference score).
 */
export class Candidates {
  rows = new Int32Array(16);
  scores = new Float32Array(16);
  size = 0;
  /**
   * A lower bound of the k-th best reference score learnt elsewhere: from the scans of
   * other corpus slices for the same query (their rows are other rows of the same corpus).
   */
  floor = -Infinity;
  private readonly best: Float32Array;
  private bestSize = 0;
  /** The own bound last published to the shared bounds. */
  private published = -Infinity;
  /** The size above which `settle` drops candidates again (amortises the pruning). */
  private pruneAt: number;

  constructor(private readonly k: number) {
    this.best = new Float32Array(k);
    this.pruneAt = 2 * k + 16;
  }

  /** The k-th largest lower bound so far (or -Infinity before k candidates), or `floor` if higher. */
  get kth(): number {
    const own = this.bestSize < this.k ? -Infinity : (this.best[0] as number);
    return own > this.floor ? own : this.floor;
  }

  /**
   * Called after each block: publishes this list's own bound to `bounds[slot]` (shared by
   * every slice of the corpus that scans this query), takes the highest bound published
   * there as `floor`, and drops the candidates below the bound once the list has doubled
   * since it was last pruned. Returns the bound (`kth`).
   */
  settle(bounds: Int32Array | null, slot: number): number {
    if (bounds) {
      // The heap holds float32 values, so its root is exactly representable.
      const own = this.bestSize < this.k ? -Infinity : (this.best[0] as number);
      if (own > this.published) {
        raiseShared(bounds, slot, own);
        this.published = own;
      }
      const shared = fromOrderedKey(Atomics.load(bounds, slot));
      if (shared > this.floor) this.floor = shared;
    }
    const kth = this.kth;
    if (this.size > this.pruneAt) {
      this.keepAtLeast(kth);
      this.pruneAt = Math.max(2 * this.k + 16, 2 * this.size);
    }
    return kth;
  }

  push(row: number, upper: number, lower: number): void {
    this.reserve(this.size + 1);
    this.rows[this.size] = row;
    this.scores[this.size] = upper;
    this.size++;
    this.offerBest(lower);
  }

  /**
   * Adds the rows of one corpus block that the float32 kernel scored for this query: row
   * `blockStart + picks[from + i]` with score `dots[i]` (times its cosine scale), kept with
   * the bounds score ± `half`, except the row `self`. One call per query and block, with
   * typed arrays rather than a call per row: a call per row would box its float arguments
   * and fill the heap with garbage.
   */
  addScored(picks: Int32Array, from: number, n: number, dots: Float32Array, blockStart: number, corpusScale: Float64Array | null, half: number, self: number): void {
    this.reserve(this.size + n);
    const { rows, scores, best, k } = this;
    let size = this.size;
    for (let i = 0; i < n; i++) {
      const row = blockStart + (picks[from + i] as number);
      if (row === self) continue;
      const score = (dots[i] as number) * (corpusScale ? (corpusScale[row] as number) : 1);
      rows[size] = row;
      scores[size] = score + half;
      size++;
      const lower = score - half;
      if (this.bestSize < k || lower > (best[0] as number)) this.offerBest(lower);
    }
    this.size = size;
  }

  /** Grows the lists (doubling) to hold at least `capacity` candidates. */
  private reserve(capacity: number): void {
    if (capacity <= this.rows.length) return;
    let length = this.rows.length * 2;
    while (length < capacity) length *= 2;
    const rows = new Int32Array(length);
    rows.set(this.rows.subarray(0, this.size));
    this.rows = rows;
    const scores = new Float32Array(length);
    scores.set(this.scores.subarray(0, this.size));
    this.scores = scores;
  }

  private offerBest(score: number): void {
    const heap = this.best;
    let i: number;
    if (this.bestSize < this.k) {
      // Sift up.
      i = this.bestSize++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((heap[parent] as number) <= score) break;
        heap[i] = heap[parent] as number;
        i = parent;
      }
    } else {
      if (score <= (heap[0] as number)) return;
      // Replace the root, sift down.
      i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= this.k) break;
        const right = left + 1;
        const child = right < this.k && (heap[right] as number) < (heap[left] as number) ? right : left;
        if ((heap[child] as number) >= score) break;
        heap[i] = heap[child] as number;
        i = child;
      }
    }
    heap[i] = score;
  }

  /** Drops every candidate whose upper bound is below `floor`. */
  keepAtLeast(floor: number): void {
    let kept = 0;
    for (let i = 0; i < this.size; i++) {
      const score = this.scores[i] as number;
      if (score >= floor) {
        this.rows[kept] = this.rows[i] as number;
        this.scores[kept] = score;
        kept++;
      }
    }
    this.size = kept;
  }
}

/**
 * Writes query `query`'s top k among its candidates into the job's result: rescored
 * exactly and ranked by (score, lower row). A zero query (margin 0) gets nothing here: every
 * score is exactly 0, so the engine gives it the lowest rows without scanning.
 */
export function finishQuery(job: ScanJob, query: number, list: Candidates, counts: Int32Array, indices: Int32Array, scores: Float32Array): void {
  const { k, queries, corpus, corpusScale, dim, queryStart } = job;
  const out = (query - queryStart) * k;
  if ((job.margins[query] as number) === 0) {
    counts[query - queryStart] = 0;
    return;
  }
  list.keepAtLeast(list.kth);
  // Each candidate is inserted into the query's k slots of the result, kept ranked: no
  // sort, nothing allocated per query.
  let n = 0;
  for (let i = 0; i < list.size; i++) {
    const row = list.rows[i] as number;
    const score = exactScore(queries, query, corpus, corpusScale, row, dim);
    let at = n < k ? n++ : k;
    // Move lower-ranked entries down one slot (the last one drops out when the slots are full).
    while (at > 0) {
      const above = scores[out + at - 1] as number;
      if (above > score || (above === score && (indices[out + at - 1] as number) < row)) break;
      if (at < k) {
        scores[out + at] = above;
        indices[out + at] = indices[out + at - 1] as number;
      }
      at--;
    }
    if (at < k) {
      scores[out + at] = score;
      indices[out + at] = row;
    }
  }
  counts[query - queryStart] = n;
}

/**
 * The reference score of one (query, corpus row) pair, computed exactly as `topKJs` does:
 * the float64 sum, in index order, of products of float32 values (the corpus row scaled to
 * unit norm and rounded to float32 first for cosine), rounded to float32.
 */
export function exactScore(queries: Float32Array, query: number, corpus: Float32Array, corpusScale: Float64Array | null, row: number, dim: number): number {
  const qBase = query * dim;
  const cBase = row * dim;
  let dot = 0;
  if (corpusScale) {
    const scale = corpusScale[row] as number;
    for (let j = 0; j < dim; j++) dot += (queries[qBase + j] as number) * Math.fround((corpus[cBase + j] as number) * scale);
  } else {
    for (let j = 0; j < dim; j++) dot += (queries[qBase + j] as number) * (corpus[cBase + j] as number);
  }
  return Math.fround(dot);
}
