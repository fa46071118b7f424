import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { topKJs } from './exact-js.js';
import { relaxedSimdKernel, simdKernel, workerSource } from './generated/kernel.js';
import { QUERY_PANEL, instantiateKernel, webAssembly, type Kernel, type WasmModule } from './kernel.js';
import { normaliseRows } from './normalise.js';
import { scan, type ScanJob, type ScanResult } from './scan.js';
import type { NeighbourSearch, TopKRequest, TopKResult } from './types.js';

/** Which kernel: `relaxed-simd` (fused multiply-add) or `simd` (multiply then add). */
export type WasmVariant = 'relaxed-simd' | 'simd';

export interface WasmSearchOptions {
  variant: WasmVariant;
  /** Threads doing the scans; 1 runs in the calling thread. Default: `os.availableParallelism()`. */
  threads?: number;
  /** Corpus rows per streamed block (tests use small blocks to cross block edges). */
  blockRows?: number;
  /** Queries held in wasm memory at once. */
  queryChunk?: number;
}

const compiled = new Map<WasmVariant, WasmModule>();

function kernelBytes(variant: WasmVariant): Uint8Array {
  return Buffer.from(variant === 'relaxed-simd' ? relaxedSimdKernel : simdKernel, 'base64');
}

/**
 * True when this runtime can run the kernel variant. The check validates the kernel module
 * itself (a few kilobytes) rather than a probe, so it is exact: WebAssembly.validate fails
 * on any instruction the runtime lacks (relaxed SIMD needs Node 22+/V8 11.4+).
 */
export function supportsVariant(variant: WasmVariant): boolean {
  return webAssembly?.validate(kernelBytes(variant)) ?? false;
}

function compile(variant: WasmVariant): WasmModule {
  let module = compiled.get(variant);
  if (!module) {
    if (!webAssembly) throw new Error('this runtime has no WebAssembly');
    module = new webAssembly.Module(kernelBytes(variant));
    compiled.set(variant, module);
  }
  return module;
}

/** Returns the array's data in a SharedArrayBuffer: the array itself when it already is, else one copy. */
function shared<T extends Float32Array | Float64Array | Int32Array>(array: T, make: (buffer: SharedArrayBuffer) => T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const copy = make(new SharedArrayBuffer(array.byteLength));
  copy.set(array as never);
  return copy;
}

/** One-thread-per-job pool of kernel workers sharing the vectors through SharedArrayBuffers. */
class WorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (r: ScanResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private busy = 0;

  constructor(module: WasmModule, size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(workerSource, { eval: true, workerData: { module } });
      worker.unref();
      worker.on('message', (message: { id: number; result?: ScanResult; error?: string }) => {
        const entry = this.pending.get(message.id);
        if (!entry) return;
        this.pending.delete(message.id);
        this.release();
        if (message.result) entry.resolve(message.result);
        else entry.reject(new Error(`neighbour-search worker failed: ${message.error}`));
      });
      worker.on('error', (error) => this.failAll(error));
      return worker;
    });
  }

  run(index: number, job: ScanJob): Promise<ScanResult> {
    const worker = this.workers[index % this.workers.length] as Worker;
    const id = this.nextId++;
    // Keep the process alive only while a scan is running.
    if (this.busy++ === 0) for (const w of this.workers) w.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job });
    });
  }

  private release(): void {
    if (--this.busy === 0) for (const w of this.workers) w.unref();
  }

  private failAll(error: Error): void {
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      this.release();
      entry.reject(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Per row: sqrt of the float64 sum of squares (the norm `normaliseRows` divides by). Throws on a non-finite value. */
function rowNorms(data: Float32Array, rows: number, dim: number, what: string): Float64Array {
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let sum = 0;
    for (let j = 0; j < dim; j++) {
      const v = data[base + j] as number;
      sum += v * v;
    }
    if (!Number.isFinite(sum)) throw new Error(`${what} row ${r} has a non-finite value (or its squared norm overflows)`);
    norms[r] = Math.sqrt(sum);
  }
  return norms;
}

/**
 * The WebAssembly engine: exact top-k equal to `topKJs`, with the SIMD kernel streaming the
 * corpus in blocks over `threads` worker threads. The wasm module is compiled on first use.
 */
export function wasmNeighbourSearch(options: WasmSearchOptions): NeighbourSearch {
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  let pool: WorkerPool | undefined;
  let local: Kernel | undefined;
  let closed = false;

  async function runJobs(jobs: ScanJob[]): Promise<ScanResult[]> {
    if (threads === 1) {
      local ??= instantiateKernel(compile(options.variant));
      return jobs.map((job) => scan(local as Kernel, job));
    }
    pool ??= new WorkerPool(compile(options.variant), threads);
    const running = pool;
    return Promise.all(jobs.map((job, i) => running.run(i, job)));
  }

  async function topK(request: TopKRequest): Promise<TopKResult> {
    if (closed) throw new Error('neighbour search is closed');
    const { corpus, similarity, selfIndices } = request;
    if (request.queries.dim !== corpus.dim) throw new Error(`dimension mismatch: queries have ${request.queries.dim}, corpus has ${corpus.dim}`);
    const dim = corpus.dim;
    const nq = request.queries.rows;
    const k = Math.max(0, Math.min(request.k, corpus.rows - (selfIndices ? 1 : 0)));
    if (k === 0 || nq === 0 || dim === 0) return topKJs(request);

    const cosine = similarity === 'cosine';
    const queries = cosine
      ? normaliseRows(request.queries, new Float32Array(new SharedArrayBuffer(nq * dim * 4))).data
      : shared(request.queries.data.subarray(0, nq * dim), (b) => new Float32Array(b));
    const corpusData = shared(corpus.data.subarray(0, corpus.rows * dim), (b) => new Float32Array(b));
    const corpusNorms = rowNorms(corpusData, corpus.rows, dim, 'corpus');
    const queryNorms = rowNorms(queries, nq, dim, 'query');
    let corpusScale: Float64Array | null = null;
    let maxNorm = 0;
    if (cosine) {
      corpusScale = new Float64Array(new SharedArrayBuffer(corpus.rows * 8));
      for (let r = 0; r < corpus.rows; r++) {
        const norm = corpusNorms[r] as number;
        // As normaliseRows: scale = 1 / sqrt(sum of squares), 0 for a zero row.
        const scale = norm > 0 ? 1 / norm : 0;
        corpusScale[r] = scale;
        maxNorm = Math.max(maxNorm, norm * scale);
      }
    } else {
      for (let r = 0; r < corpus.rows; r++) maxNorm = Math.max(maxNorm, corpusNorms[r] as number);
    }

    // Error bound of a kernel score against the reference score, by Cauchy–Schwarz:
    // |kernel − reference| ≤ (dim + 16) · 2⁻²⁴ · ‖q‖ · max‖c‖ covers float32 accumulation in
    // any order (with or without fused multiply-add), the float32 scale and the reference's
    // own rounding, with room to spare. The margin is twice that (see scan.ts).
    const gamma = (dim + 16) * 2 ** -24;
    const margins = new Float64Array(new SharedArrayBuffer(nq * 8));
    let maxQueryNorm = 0;
    for (let q = 0; q < nq; q++) {
      const norm = queryNorms[q] as number;
      maxQueryNorm = Math.max(maxQueryNorm, norm);
      margins[q] = norm === 0 ? 0 : 2 * (gamma * norm * maxNorm + 2 ** -126);
    }
    // Scores near float32 overflow would make the kernel's bound meaningless.
    if (!(maxQueryNorm * maxNorm < 1e37)) return topKJs(request);

    const self = selfIndices ? shared(selfIndices, (b) => new Int32Array(b)) : null;
    const base = {
      queries,
      corpus: corpusData,
      corpusScale,
      dim,
      k,
      selfIndices: self,
      margins,
      blockRows: options.blockRows,
      queryChunk: options.queryChunk,
    };
    // Enough queries: each thread takes a slice of the queries against the whole corpus.
    // Few queries: each thread takes a slice of the corpus, and the slices' top k merge.
    const jobs: ScanJob[] = [];
    if (threads === 1) {
      jobs.push({ ...base, queryStart: 0, queryEnd: nq, corpusStart: 0, corpusEnd: corpus.rows });
    } else if (nq >= threads * QUERY_PANEL * 8) {
      const per = Math.ceil(nq / threads / QUERY_PANEL) * QUERY_PANEL;
      for (let start = 0; start < nq; start += per) jobs.push({ ...base, queryStart: start, queryEnd: Math.min(nq, start + per), corpusStart: 0, corpusEnd: corpus.rows });
    } else {
      const per = Math.ceil(corpus.rows / threads);
      for (let start = 0; start < corpus.rows; start += per) jobs.push({ ...base, queryStart: 0, queryEnd: nq, corpusStart: start, corpusEnd: Math.min(corpus.rows, start + per) });
    }
    const results = await runJobs(jobs);
    return assemble(jobs, results, nq, k);
  }

  return {
    name: `wasm-${options.variant} ×${threads}`,
    topK,
    close: async () => {
      closed = true;
      await pool?.close();
      pool = undefined;
    },
  };
}

/** Gathers the jobs' rows into one result; where several jobs cover a query, merges their lists by (score, lower index). */
function assemble(jobs: ScanJob[], results: ScanResult[], nq: number, k: number): TopKResult {
  const indices = new Int32Array(nq * k);
  const scores = new Float32Array(nq * k);
  const merged: { row: number; score: number }[][] = Array.from({ length: nq }, () => []);
  jobs.forEach((job, j) => {
    const result = results[j] as ScanResult;
    for (let q = job.queryStart; q < job.queryEnd; q++) {
      const local = q - job.queryStart;
      const list = merged[q] as { row: number; score: number }[];
      for (let i = 0; i < (result.counts[local] as number); i++) {
        list.push({ row: result.indices[local * k + i] as number, score: result.scores[local * k + i] as number });
      }
    }
  });
  for (let q = 0; q < nq; q++) {
    const list = merged[q] as { row: number; score: number }[];
    if (jobs.length > 1) list.sort((a, b) => b.score - a.score || a.row - b.row);
    for (let i = 0; i < k; i++) {
      const entry = list[i] as { row: number; score: number };
      indices[q * k + i] = entry.row;
      scores[q * k + i] = entry.score;
    }
  }
  return { k, indices, scores };
}
