import { float32AtMost, roundUp } from './float32.js';
import { CORPUS_PANEL, QUERY_PANEL, type Kernel } from './kernel.js';
import { Candidates, corpusBlocks, finishQuery, type ScanJob, type ScanResult } from './candidates.js';

/** Queries per kernel call (a multiple of the query panel): bounds the hit buffer. */
const SCAN_QUERIES = 64;

/**
 * Exact top-k for one job with the wasm kernel. Streams the corpus in blocks through the
 * kernel, which reports only the scores that can still reach a query's top k (at least the
 * current k-th best minus the query's margin); the survivors are rescored exactly the way
 * `topKJs` scores (float64 sum in index order over the normalised float32 values, rounded
 * to float32) and ranked by (score, lower index). The result therefore equals `topKJs`
 * bit for bit, whatever the kernel's rounding, block size or thread split.
 */
export function scan(kernel: Kernel, job: ScanJob): ScanResult {
  const { dim, k, queries, corpus, corpusScale, selfIndices, margins, bounds, queryStart, queryEnd, corpusStart, corpusEnd } = job;
  const nq = queryEnd - queryStart;
  const counts = new Int32Array(nq);
  const indices = new Int32Array(nq * k);
  const scores = new Float32Array(nq * k);
  if (nq === 0 || k === 0 || corpusEnd <= corpusStart) return { counts, indices, scores, passed: 0 };

  const dim4 = roundUp(dim, 4);
  const rowBytes = dim4 * 4;
  const blockRows = roundUp(Math.max(1, job.blockRows ?? Math.floor((384 << 10) / rowBytes)), CORPUS_PANEL);
  // Equal chunks of at most about 2 MB of queries: each chunk streams the whole corpus once.
  const maxChunk = Math.max(1, job.queryChunk ?? Math.floor((2 << 20) / rowBytes));
  const queryChunk = roundUp(Math.ceil(nq / Math.ceil(nq / maxChunk)), QUERY_PANEL);

  // Wasm memory: raw rows being packed, query panels, corpus panels, block scales, query thresholds, hits.
  const staging = 0;
  const queryPanels = staging + Math.max(queryChunk, blockRows) * dim * 4;
  const corpusPanels = queryPanels + queryChunk * rowBytes;
  const scalePtr = corpusPanels + blockRows * rowBytes;
  const thrPtr = scalePtr + blockRows * 4;
  const hitsPtr = thrPtr + queryChunk * 4;
  // The kernel runs on SCAN_QUERIES queries at a time, so the hits of one call are bounded.
  const needed = hitsPtr + SCAN_QUERIES * blockRows * 12;
  const pages = Math.ceil(needed / 65536) - kernel.memory.buffer.byteLength / 65536;
  if (pages > 0) kernel.memory.grow(pages);
  const memory = kernel.memory.buffer;
  const stagingView = new Float32Array(memory, staging, Math.max(queryChunk, blockRows) * dim);
  const scaleView = new Float32Array(memory, scalePtr, blockRows);
  const thrView = new Float32Array(memory, thrPtr, queryChunk);
  const hitInts = new Int32Array(memory, hitsPtr, SCAN_QUERIES * blockRows * 3);
  const hitFloats = new Float32Array(memory, hitsPtr, SCAN_QUERIES * blockRows * 3);
  let passed = 0;

  for (let chunkStart = queryStart; chunkStart < queryEnd; chunkStart += queryChunk) {
    const chunkEnd = Math.min(queryEnd, chunkStart + queryChunk);
    const chunkRows = chunkEnd - chunkStart;
    stagingView.set(queries.subarray(chunkStart * dim, chunkEnd * dim));
    kernel.pack(staging, chunkRows, dim, dim4, QUERY_PANEL, queryPanels);
    const paddedRows = roundUp(chunkRows, QUERY_PANEL);
    const candidates: Candidates[] = [];
    for (let i = 0; i < chunkRows; i++) {
      candidates.push(new Candidates(k));
      // A zero query scores exactly 0 everywhere: handled below without the kernel.
      thrView[i] = (margins[chunkStart + i] as number) === 0 ? Infinity : -Infinity;
    }
    for (let i = chunkRows; i < paddedRows; i++) thrView[i] = Infinity;

    for (const { start: blockStart, end: blockEnd } of corpusBlocks(job, (chunkStart - queryStart) / queryChunk, blockRows)) {
      const rows = blockEnd - blockStart;
      stagingView.set(corpus.subarray(blockStart * dim, blockEnd * dim));
      kernel.pack(staging, rows, dim, dim4, CORPUS_PANEL, corpusPanels);
      for (let r = 0; r < rows; r++) scaleView[r] = corpusScale ? (corpusScale[blockStart + r] as number) : 1;
      for (let first = 0; first < paddedRows; first += SCAN_QUERIES) {
        const count = Math.min(SCAN_QUERIES, paddedRows - first);
        const hits = kernel.scan(queryPanels + first * rowBytes, count, corpusPanels, rows, dim4, scalePtr, thrPtr + first * 4, hitsPtr);
        passed += hits;
        for (let h = 0; h < hits; h++) {
          const q = first + (hitInts[3 * h] as number);
          const row = blockStart + (hitInts[3 * h + 1] as number);
          if (selfIndices && selfIndices[chunkStart + q] === row) continue;
          const score = hitFloats[3 * h + 2] as number;
          (candidates[q] as Candidates).push(row, score, score - (margins[chunkStart + q] as number));
        }
      }
      // Raise the bar of every query (from its own candidates and the other slices'); now
      // and then drop the candidates that can no longer reach its top k.
      for (let q = 0; q < chunkRows; q++) {
        if ((margins[chunkStart + q] as number) === 0) continue;
        const floor = (candidates[q] as Candidates).settle(bounds, chunkStart + q);
        if (floor > (thrView[q] as number)) thrView[q] = float32AtMost(floor);
      }
    }

    for (let q = 0; q < chunkRows; q++) finishQuery(job, chunkStart + q, candidates[q] as Candidates, counts, indices, scores);
  }
  return { counts, indices, scores, passed };
}
