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
  const { dim, k, queries, corpus, corpusScale, selfIndices, margins, bounds, queryStart, queryEnd, corpusStart, corpusEnd } = job;
  const corpusNorms = job.corpusNorms as Float64Array;
  const queryNorms = job.queryNorms as Float64Array;
  const nq = queryEnd - queryStart;
  const counts = new Int32Array(nq);
  const indices = new Int32Array(nq * k);
  const scores = new Float32Array(nq * k);
  if (nq === 0 || k === 0 || corpusEnd <= corpusStart) return { counts, indices, scores, passed: 0 };

  const gamma = (dim + 16) * 2 ** -24;
  const dim16 = roundUp(dim, 16);
  const blockRows = roundUp(Math.max(1, job.blockRows ?? Math.floor((192 << 10) / dim16)), CORPUS_PANEL);
  // Quantised queries are small (one byte a value): chunks of up to about 8 MB, so that
  // each corpus block is quantised once for thousands of queries.
  const maxChunk = Math.max(1, job.queryChunk ?? Math.floor((8 << 20) / dim16));
  const queryChunk = roundUp(Math.ceil(nq / Math.ceil(nq / maxChunk)), QUERY_PANEL);
  // Float rows pass through staging a block at a time (queries too: blockRows is even).
  const stagingRows = blockRows;

  // Wasm memory, 16-byte aligned regions.
  let end = 0;
  const take = (bytes: number) => {
    const at = end;
    end += roundUp(bytes, 16);
    return at;
  };
  const staging = take(stagingRows * dim * 4);
  const queryPanels = take(queryChunk * dim16);
  const corpusPanels = take(blockRows * dim16);
  const rowScales = take(stagingRows * 4);
  const rowErr2 = take(stagingRows * 8);
  const rowSums = take(stagingRows * 4);
  const qstats = take((queryChunk / 2) * PAIR_STATS);
  const scalePtr = take(blockRows * 4);
  const uPtr = take(blockRows * 4);
  const vPtr = take(blockRows * 4);
  const hitsPtr = take(SCAN_QUERIES * blockRows * 8);
  const picksPtr = take(SCAN_QUERIES * blockRows * 4);
  const queryRow = take(dim * 4);
  const dotsPtr = take(blockRows * 4);
  const pages = Math.ceil(end / 65536) - kernel.memory.buffer.byteLength / 65536;
  if (pages > 0) kernel.memory.grow(pages);
  const memory = kernel.memory.buffer;
  const stagingView = new Float32Array(memory, staging, stagingRows * dim);
  const scalesView = new Float32Array(memory, rowScales, stagingRows);
  const err2View = new Float64Array(memory, rowErr2, stagingRows);
  const sumsView = new Int32Array(memory, rowSums, stagingRows);
  const statsF = new Float32Array(memory, qstats, (queryChunk / 2) * (PAIR_STATS / 4));
  const statsI = new Int32Array(memory, qstats, (queryChunk / 2) * (PAIR_STATS / 4));
  const scaleView = new Float32Array(memory, scalePtr, blockRows);
  const uView = new Float32Array(memory, uPtr, blockRows);
  const vView = new Float32Array(memory, vPtr, blockRows);
  const hitInts = new Int32Array(memory, hitsPtr, SCAN_QUERIES * blockRows * 2);
  const picksView = new Int32Array(memory, picksPtr, SCAN_QUERIES * blockRows);
  const queryRowView = new Float32Array(memory, queryRow, dim);
  const dotsView = new Float32Array(memory, dotsPtr, blockRows);

  /**
   * Writes statistic `which` (0: 64·Σv, 1: s, 2: ‖e‖, 3: ‖q‖, 4: threshold) of local query
   * q into every lane that holds it: layout q%2 (all four lanes) and layout 2 (two lanes).
   */
  const setStat = (q: number, which: number, value: number, asInt: boolean) => {
    const pair = (q >> 1) * (PAIR_STATS / 4);
    const odd = q & 1;
    const view = asInt ? statsI : statsF;
    const own = pair + odd * 20 + which * 4;
    view[own] = value;
    view[own + 1] = value;
    view[own + 2] = value;
    view[own + 3] = value;
    const shared = pair + 40 + which * 4 + odd * 2;
    view[shared] = value;
    view[shared + 1] = value;
  };

  // Per query of the chunk, the threshold the kernel holds (float32).
  const thresholds = new Float64Array(queryChunk);
  // Hits of one kernel call per query: counts, then where each query's rows start in `picks`.
  const perQuery = new Int32Array(SCAN_QUERIES + 1);
  let passed = 0;

  for (let chunkStart = queryStart; chunkStart < queryEnd; chunkStart += queryChunk) {
    const chunkEnd = Math.min(queryEnd, chunkStart + queryChunk);
    const chunkRows = chunkEnd - chunkStart;
    const paddedRows = roundUp(chunkRows, QUERY_PANEL);
    const candidates: Candidates[] = [];
    for (let pieceStart = 0; pieceStart < chunkRows; pieceStart += stagingRows) {
      const pieceRows = Math.min(stagingRows, chunkRows - pieceStart);
      const from = chunkStart + pieceStart;
      stagingView.set(queries.subarray(from * dim, (from + pieceRows) * dim));
      kernel.quantise(staging, pieceRows, dim, dim16, QUERY_PANEL, 127, 0, queryPanels + pieceStart * dim16, rowScales, rowErr2, rowSums);
      for (let i = 0; i < pieceRows; i++) {
        const q = pieceStart + i;
        candidates.push(new Candidates(k));
        setStat(q, 0, 64 * (sumsView[i] as number), true);
        setStat(q, 1, scalesView[i] as number, false);
        setStat(q, 2, errorNorm(err2View[i] as number, queryNorms[from + i] as number, dim), false);
        setStat(q, 3, (queryNorms[from + i] as number) * SLACK, false);
        // A zero query scores exactly 0 everywhere: handled without the kernel.
        thresholds[q] = (margins[from + i] as number) !== 0 ? -Infinity : Infinity;
        setStat(q, 4, thresholds[q] as number, false);
      }
    }
    if (paddedRows > chunkRows) {
      // The padding query of an odd chunk (its bytes are zeros) reports nothing.
      for (let which = 0; which < 4; which++) setStat(chunkRows, which, 0, which === 0);
      setStat(chunkRows, 4, Infinity, false);
    }

    for (const { start: blockStart, end: blockEnd } of corpusBlocks(job, (chunkStart - queryStart) / queryChunk, blockRows)) {
      const rows = blockEnd - blockStart;
      stagingView.set(corpus.subarray(blockStart * dim, blockEnd * dim));
      kernel.quantise(staging, rows, dim, dim16, CORPUS_PANEL, 63, 64, corpusPanels, rowScales, rowErr2, rowSums);
      for (let r = 0; r < rows; r++) {
        const sigma = corpusScale ? (corpusScale[blockStart + r] as number) : 1;
        const norm = corpusNorms[blockStart + r] as number;
        const err = errorNorm(err2View[r] as number, norm, dim);
        scaleView[r] = (scalesView[r] as number) * sigma;
        uView[r] = sigma * (norm + err) * SLACK;
        vView[r] = (sigma * (err + gamma * norm) + 2 ** -100) * SLACK;
      }
      for (let first = 0; first < paddedRows; first += SCAN_QUERIES) {
        const count = Math.min(SCAN_QUERIES, paddedRows - first);
        const hits = kernel.scan8(queryPanels + first * dim16, count, corpusPanels, rows, dim16, qstats + (first / 2) * PAIR_STATS, scalePtr, uPtr, vPtr, hitsPtr);
        passed += hits;
        if (hits === 0) continue;
        // Sort the hits' rows by query (counting sort into `picks`), then score each query's
        // rows in float32 straight from the staged block, still in cache: a candidate's
        // bounds are then the float32 kernel's (half the margin either side), far tighter
        // than the int8 interval, so the lists stay short and the thresholds rise fast.
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
          queryRowView.set(queries.subarray(query * dim, (query + 1) * dim));
          kernel.dots(queryRow, staging, dim, picksPtr + start * 4, n, dotsPtr);
          const half = (margins[query] as number) / 2;
          const self = selfIndices ? (selfIndices[query] as number) : -1;
          const list = candidates[first + q] as Candidates;
          for (let i = 0; i < n; i++) {
            const row = blockStart + (picksView[start + i] as number);
            if (row === self) continue;
            const a = (dotsView[i] as number) * (corpusScale ? (corpusScale[row] as number) : 1);
            list.push(row, a + half, a - half);
          }
        }
      }
      // Raise the bar of every query (from its own candidates and the other slices'); now
      // and then drop the candidates that can no longer reach its top k.
      for (let q = 0; q < chunkRows; q++) {
        if ((margins[chunkStart + q] as number) === 0) continue;
        const floor = (candidates[q] as Candidates).settle(bounds, chunkStart + q);
        if (floor > (thresholds[q] as number)) {
          thresholds[q] = float32AtMost(floor);
          setStat(q, 4, thresholds[q] as number, false);
        }
      }
    }

    for (let q = 0; q < chunkRows; q++) {
      finishQuery(job, chunkStart + q, candidates[q] as Candidates, counts, indices, scores);
    }
  }
  return { counts, indices, scores, passed };
}
