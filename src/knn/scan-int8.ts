import { float32AtMost, roundUp } from './float32.js';
import { Candidates, corpusBlocks, finishQuery, type ScanJob, type ScanResult } from './candidates.js';

/** The exports of src/knn/wasm/int8.wat (see that file for the data layout). */
export interface Int8Kernel {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  quantise(src: number, rows: number, dim: number, dim16: number, panel: number, levels: number, offset: number, dst: number, scales: number, err2: number, sums: number): void;
  scan8(queries: number, nq: number, corpus: number, nc: number, dim16: number, qstats: number, scale: number, u: number, v: number, hits: number): number;
  dots(query: number, rows: number, dim: number, picks: number, n: number, out: number): void;
}

const QUERY_PANEL = 2;
const CORPUS_PANEL = 6;
const SCAN_QUERIES = 64;
/** Bytes of statistics per query pair: 3 layouts × 5 vectors × 16 bytes. */
const PAIR_STATS = 240;
/** Relative slack on every bound computed in floating point (far above their rounding). */
const SLACK = 1 + 2 ** -16;

/**
 * An upper bound of a row's quantisation error norm ‖x − s·v‖ from the kernel's squared
 * sum `err2`, part of which it computed in float32: each error value is then off by at
 * most 2u·|x| and the sum of squares by a factor (1 ± (dim + 16)u) (u = 2⁻²⁴).
 */
function errorNorm(err2: number, norm: number, dim: number): number {
  const u = 2 ** -24;
  return (Math.sqrt(err2 / (1 - (dim + 16) * u)) + 2 * u * norm) * SLACK;
}

/**
 * Exact top-k for one job with the int8 prefilter. Each query is quantised to 8 bits and
 * each corpus row to 7 bits (x = s·v + e); the kernel's integer dot product is exact, so
 *   |reference − s_q·s_c·σ_c·(v_q·v_c)| ≤ σ_c·(‖e_q‖·‖c‖ + ‖q‖·‖e_c‖ + ‖e_q‖·‖e_c‖) + γ·‖q‖·‖c‖·σ_c
 * (σ_c the row's cosine scale, γ = (dim + 16)·2⁻²⁴ the reference's own rounding, as in the
 * float32 kernel). Every pair thus gets an interval [A − b, A + b] holding its reference
 * score. The kernel reports the pairs whose upper end reaches the query's threshold (the
 * k-th largest lower bound so far); each is scored in float32 from the block still in
 * cache, which bounds it within half the query's margin, and kept as a candidate. The
 * candidates are rescored exactly at the end, so the result equals `topKJs` bit for bit.
 */
export function scanInt8(kernel: Int8Kernel, job: ScanJob): ScanResult {
  const nq = job.queryEnd - job.queryStart;
  if (nq === 0 || job.k === 0 || job.corpusEnd <= job.corpusStart) {
    return { counts: new Int32Array(nq), indices: new Int32Array(nq * job.k), scores: new Float32Array(nq * job.k), passed: 0 };
  }
  return new Int8Scan(kernel, job).run();
}

/**
 * One job's scan. The steps that run per block, per kernel call and per query are methods
 * of their own, taking and returning integers: V8 then optimises each as a whole (rather
 * than only its loops, with the code between them interpreted), and no float is boxed on
 * the heap per row or per query.
 */
class Int8Scan {
  private readonly dim: number;
  private readonly dim16: number;
  private readonly gamma: number;
  private readonly blockRows: number;
  private readonly queryChunk: number;
  private readonly corpusNorms: Float64Array;
  private readonly queryNorms: Float64Array;
  private readonly counts: Int32Array;
  private readonly indices: Int32Array;
  private readonly scores: Float32Array;
  // Wasm memory, 16-byte aligned regions (byte offsets) and the views over them.
  private readonly staging: number;
  private readonly queryPanels: number;
  private readonly corpusPanels: number;
  private readonly rowScales: number;
  private readonly rowErr2: number;
  private readonly rowSums: number;
  private readonly qstats: number;
  private readonly scalePtr: number;
  private readonly uPtr: number;
  private readonly vPtr: number;
  private readonly hitsPtr: number;
  private readonly picksPtr: number;
  private readonly queryRow: number;
  private readonly dotsPtr: number;
  private readonly stagingView: Float32Array;
  private readonly scalesView: Float32Array;
  private readonly err2View: Float64Array;
  private readonly sumsView: Int32Array;
  private readonly statsF: Float32Array;
  private readonly statsI: Int32Array;
  private readonly scaleView: Float32Array;
  private readonly uView: Float32Array;
  private readonly vView: Float32Array;
  private readonly hitInts: Int32Array;
  private readonly picksView: Int32Array;
  private readonly queryRowView: Float32Array;
  private readonly dotsView: Float32Array;
  /** Per query of the chunk, the threshold the kernel holds (float32). */
  private readonly thresholds: Float64Array;
  /** Hits of one kernel call per query: counts, then where each query's rows start in `picks`. */
  private readonly perQuery = new Int32Array(SCAN_QUERIES + 1);
  private candidates: Candidates[] = [];

  constructor(
    private readonly kernel: Int8Kernel,
    private readonly job: ScanJob,
  ) {
    const { dim, queryStart, queryEnd, k } = job;
    const nq = queryEnd - queryStart;
    this.dim = dim;
    this.corpusNorms = job.corpusNorms as Float64Array;
    this.queryNorms = job.queryNorms as Float64Array;
    this.counts = new Int32Array(nq);
    this.indices = new Int32Array(nq * k);
    this.scores = new Float32Array(nq * k);
    this.gamma = (dim + 16) * 2 ** -24;
    const dim16 = roundUp(dim, 16);
    this.dim16 = dim16;
    const blockRows = roundUp(Math.max(1, job.blockRows ?? Math.floor((192 << 10) / dim16)), CORPUS_PANEL);
    this.blockRows = blockRows;
    // Quantised queries are small (one byte a value): chunks of up to about 8 MB, so that
    // each corpus block is quantised once for thousands of queries.
    const maxChunk = Math.max(1, job.queryChunk ?? Math.floor((8 << 20) / dim16));
    const queryChunk = roundUp(Math.ceil(nq / Math.ceil(nq / maxChunk)), QUERY_PANEL);
    this.queryChunk = queryChunk;
    // Float rows pass through staging a block at a time (queries too: blockRows is even).
    const stagingRows = blockRows;

    let end = 0;
    const take = (bytes: number) => {
      const at = end;
      end += roundUp(bytes, 16);
      return at;
    };
    this.staging = take(stagingRows * dim * 4);
    this.queryPanels = take(queryChunk * dim16);
    this.corpusPanels = take(blockRows * dim16);
    this.rowScales = take(stagingRows * 4);
    this.rowErr2 = take(stagingRows * 8);
    this.rowSums = take(stagingRows * 4);
    this.qstats = take((queryChunk / 2) * PAIR_STATS);
    this.scalePtr = take(blockRows * 4);
    this.uPtr = take(blockRows * 4);
    this.vPtr = take(blockRows * 4);
    this.hitsPtr = take(SCAN_QUERIES * blockRows * 8);
    this.picksPtr = take(SCAN_QUERIES * blockRows * 4);
    this.queryRow = take(dim * 4);
    this.dotsPtr = take(blockRows * 4);
    const pages = Math.ceil(end / 65536) - kernel.memory.buffer.byteLength / 65536;
    if (pages > 0) kernel.memory.grow(pages);
    const memory = kernel.memory.buffer;
    this.stagingView = new Float32Array(memory, this.staging, stagingRows * dim);
    this.scalesView = new Float32Array(memory, this.rowScales, stagingRows);
    this.err2View = new Float64Array(memory, this.rowErr2, stagingRows);
    this.sumsView = new Int32Array(memory, this.rowSums, stagingRows);
    this.statsF = new Float32Array(memory, this.qstats, (queryChunk / 2) * (PAIR_STATS / 4));
    this.statsI = new Int32Array(memory, this.qstats, (queryChunk / 2) * (PAIR_STATS / 4));
    this.scaleView = new Float32Array(memory, this.scalePtr, blockRows);
    this.uView = new Float32Array(memory, this.uPtr, blockRows);
    this.vView = new Float32Array(memory, this.vPtr, blockRows);
    this.hitInts = new Int32Array(memory, this.hitsPtr, SCAN_QUERIES * blockRows * 2);
    this.picksView = new Int32Array(memory, this.picksPtr, SCAN_QUERIES * blockRows);
    this.queryRowView = new Float32Array(memory, this.queryRow, dim);
    this.dotsView = new Float32Array(memory, this.dotsPtr, blockRows);
    this.thresholds = new Float64Array(queryChunk);
  }

  run(): ScanResult {
    const { job, kernel, queryChunk } = this;
    const { queryStart, queryEnd } = job;
    let passed = 0;
    for (let chunkStart = queryStart; chunkStart < queryEnd; chunkStart += queryChunk) {
      const chunkRows = Math.min(queryEnd, chunkStart + queryChunk) - chunkStart;
      const paddedRows = roundUp(chunkRows, QUERY_PANEL);
      this.startChunk(chunkStart, chunkRows);
      for (const { start: blockStart, end: blockEnd } of corpusBlocks(job, (chunkStart - queryStart) / queryChunk, this.blockRows)) {
        const rows = blockEnd - blockStart;
        this.stageBlock(blockStart, rows);
        for (let first = 0; first < paddedRows; first += SCAN_QUERIES) {
          const count = Math.min(SCAN_QUERIES, paddedRows - first);
          const hits = kernel.scan8(this.queryPanels + first * this.dim16, count, this.corpusPanels, rows, this.dim16, this.qstats + (first / 2) * PAIR_STATS, this.scalePtr, this.uPtr, this.vPtr, this.hitsPtr);
          passed += hits;
          if (hits > 0) this.collect(hits, first, count, chunkStart, blockStart);
        }
        this.raiseThresholds(chunkStart, chunkRows);
      }
      for (let q = 0; q < chunkRows; q++) finishQuery(job, chunkStart + q, this.candidates[q] as Candidates, this.counts, this.indices, this.scores);
    }
    return { counts: this.counts, indices: this.indices, scores: this.scores, passed };
  }

  /**
   * Writes statistic `which` (0: 64·Σv, 1: s, 2: ‖e‖, 3: ‖q‖, 4: threshold) of local query
   * q into every lane that holds it: layout q%2 (all four lanes) and layout 2 (two lanes).
   */
  private setStat(q: number, which: number, value: number, asInt: boolean): void {
    const pair = (q >> 1) * (PAIR_STATS / 4);
    const odd = q & 1;
    const view = asInt ? this.statsI : this.statsF;
    const own = pair + odd * 20 + which * 4;
    view[own] = value;
    view[own + 1] = value;
    view[own + 2] = value;
    view[own + 3] = value;
    const shared = pair + 40 + which * 4 + odd * 2;
    view[shared] = value;
    view[shared + 1] = value;
  }

  /** Quantises the chunk's queries, a staging block at a time, and sets their statistics and fresh candidate lists. */
  private startChunk(chunkStart: number, chunkRows: number): void {
    const { kernel, job, dim, dim16, queryNorms, thresholds } = this;
    this.candidates = [];
    for (let pieceStart = 0; pieceStart < chunkRows; pieceStart += this.blockRows) {
      const pieceRows = Math.min(this.blockRows, chunkRows - pieceStart);
      const from = chunkStart + pieceStart;
      this.stagingView.set(job.queries.subarray(from * dim, (from + pieceRows) * dim));
      kernel.quantise(this.staging, pieceRows, dim, dim16, QUERY_PANEL, 127, 0, this.queryPanels + pieceStart * dim16, this.rowScales, this.rowErr2, this.rowSums);
      for (let i = 0; i < pieceRows; i++) {
        const q = pieceStart + i;
        this.candidates.push(new Candidates(job.k));
        this.setStat(q, 0, 64 * (this.sumsView[i] as number), true);
        this.setStat(q, 1, this.scalesView[i] as number, false);
        this.setStat(q, 2, errorNorm(this.err2View[i] as number, queryNorms[from + i] as number, dim), false);
        this.setStat(q, 3, (queryNorms[from + i] as number) * SLACK, false);
        // A zero query scores exactly 0 everywhere: handled without the kernel.
        thresholds[q] = (job.margins[from + i] as number) !== 0 ? -Infinity : Infinity;
        this.setStat(q, 4, thresholds[q] as number, false);
      }
    }
    if (roundUp(chunkRows, QUERY_PANEL) > chunkRows) {
      // The padding query of an odd chunk (its bytes are zeros) reports nothing.
      for (let which = 0; which < 4; which++) this.setStat(chunkRows, which, 0, which === 0);
      this.setStat(chunkRows, 4, Infinity, false);
    }
  }

  /** Stages and quantises corpus rows [blockStart, blockStart + rows) and writes each row's bound terms. */
  private stageBlock(blockStart: number, rows: number): void {
    const { job, dim, gamma, corpusNorms } = this;
    const { corpusScale } = job;
    this.stagingView.set(job.corpus.subarray(blockStart * dim, (blockStart + rows) * dim));
    this.kernel.quantise(this.staging, rows, dim, this.dim16, CORPUS_PANEL, 63, 64, this.corpusPanels, this.rowScales, this.rowErr2, this.rowSums);
    for (let r = 0; r < rows; r++) {
      const sigma = corpusScale ? (corpusScale[blockStart + r] as number) : 1;
      const norm = corpusNorms[blockStart + r] as number;
      const err = errorNorm(this.err2View[r] as number, norm, dim);
      this.scaleView[r] = (this.scalesView[r] as number) * sigma;
      this.uView[r] = sigma * (norm + err) * SLACK;
      this.vView[r] = (sigma * (err + gamma * norm) + 2 ** -100) * SLACK;
    }
  }

  /**
   * The `hits` pairs of one kernel call (queries first .. first + count of the chunk): sorts
   * their rows by query (counting sort into `picks`), then scores each query's rows in
   * float32 straight from the staged block, still in cache: a candidate's bounds are then
   * the float32 kernel's (half the margin either side), far tighter than the int8
   * interval, so the lists stay short and the thresholds rise fast.
   */
  private collect(hits: number, first: number, count: number, chunkStart: number, blockStart: number): void {
    const { perQuery, hitInts, picksView, queryRowView, job, dim } = this;
    const { queries, margins, selfIndices } = job;
    perQuery.fill(0, 0, count + 1);
    for (let h = 0; h < hits; h++) {
      const slot = (hitInts[2 * h] as number) + 1;
      perQuery[slot] = (perQuery[slot] as number) + 1;
    }
    for (let q = 0; q < count; q++) perQuery[q + 1] = (perQuery[q + 1] as number) + (perQuery[q] as number);
    for (let h = 0; h < hits; h++) {
      const q = hitInts[2 * h] as number;
      const at = perQuery[q] as number;
      picksView[at] = hitInts[2 * h + 1] as number;
      perQuery[q] = at + 1;
    }
    // perQuery[q] is now where query q's rows end (and q - 1's start).
    for (let q = 0, start = 0; q < count; start = perQuery[q] as number, q++) {
      const n = (perQuery[q] as number) - start;
      if (n === 0) continue;
      const query = chunkStart + first + q;
      // Copied value by value: a subarray per query and block would be garbage.
      for (let j = 0, at = query * dim; j < dim; j++, at++) queryRowView[j] = queries[at] as number;
      this.kernel.dots(this.queryRow, this.staging, dim, this.picksPtr + start * 4, n, this.dotsPtr);
      const self = selfIndices ? (selfIndices[query] as number) : -1;
      (this.candidates[first + q] as Candidates).addScored(picksView, start, n, this.dotsView, blockStart, job.corpusScale, (margins[query] as number) / 2, self);
    }
  }

  /**
   * After a block: raises the bar of every query of the chunk (from its own candidates and
   * the other slices'); now and then drops the candidates that can no longer reach its top k.
   */
  private raiseThresholds(chunkStart: number, chunkRows: number): void {
    const { thresholds, candidates, job } = this;
    for (let q = 0; q < chunkRows; q++) {
      if ((job.margins[chunkStart + q] as number) === 0) continue;
      const floor = (candidates[q] as Candidates).settle(job.bounds, chunkStart + q);
      if (floor > (thresholds[q] as number)) {
        thresholds[q] = float32AtMost(floor);
        this.setStat(q, 4, thresholds[q] as number, false);
      }
    }
  }
}
