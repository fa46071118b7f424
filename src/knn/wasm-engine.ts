import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { topKJs } from './exact-js.js';
import { MINUS_INFINITY_KEY } from './float32.js';
import { int8Kernel, relaxedSimdKernel, simdKernel, workerSource } from './generated/kernel.js';
import { QUERY_PANEL, instantiateModule, webAssembly, type WasmModule } from './kernel.js';
import { normaliseRows } from './normalise.js';
import { runTask, type AnyKernel, type ScanJob, type ScanResult, type Task, type TaskResult } from './scan.js';
import type { NeighbourSearch, TopKRequest, TopKResult } from './types.js';

/**
 * Which kernel: `relaxed-int8` (int8 prefilter with relaxed-SIMD integer dot products,
 * then exact rescoring), `relaxed-simd` (float32 with fused multiply-add) or `simd`
 * (float32, multiply then add).
 */
export type WasmVariant = 'relaxed-int8' | 'relaxed-simd' | 'simd';

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
  return Buffer.from(variant === 'relaxed-int8' ? int8Kernel : variant === 'relaxed-simd' ? relaxedSimdKernel : simdKernel, 'base64');
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

/** Worker threads running tasks from one queue; the vectors are shared through SharedArrayBuffers, never copied. */
class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[];
  private readonly queue: { task: Task; resolve: (r: TaskResult) => void; reject: (e: Error) => void }[] = [];
  private readonly running = new Map<Worker, { resolve: (r: TaskResult) => void; reject: (e: Error) => void }>();

  constructor(module: WasmModule, kind: AnyKernel['kind'], size: number) {
    this.all = Array.from({ length: size }, () => {
      // A small young generation: the scan's garbage is short-lived, and every megabyte a
      // worker's heap holds counts against the memory budget (peak RSS ≤ 1.3 × the corpora).
      const worker = new Worker(workerSource, { eval: true, workerData: { module, kind }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      worker.unref();
      worker.on('message', (message: { result?: TaskResult; error?: string }) => {
        const entry = this.running.get(worker);
        this.running.delete(worker);
        this.idle.push(worker);
        if (entry) {
          if (message.error === undefined) entry.resolve(message.result ?? null);
          else entry.reject(new Error(`neighbour-search worker failed: ${message.error}`));
        }
        this.dispatch();
      });
      worker.on('error', (error) => {
        this.running.get(worker)?.reject(error);
        this.running.delete(worker);
      });
      return worker;
    });
    this.idle.push(...this.all);
  }

  /** Runs the tasks on whichever threads are free, in order; resolves with their results in the same order. */
  runAll(tasks: Task[]): Promise<TaskResult[]> {
    const done = Promise.all(tasks.map((task) => new Promise<TaskResult>((resolve, reject) => this.queue.push({ task, resolve, reject }))));
    this.dispatch();
    return done;
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift() as Worker;
      const { task, resolve, reject } = this.queue.shift() as (typeof this.queue)[number];
      this.running.set(worker, { resolve, reject });
      worker.postMessage({ task });
    }
    // Keep the process alive only while tasks run.
    for (const worker of this.all) {
      if (this.running.has(worker)) worker.ref();
      else worker.unref();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

/**
 * The WebAssembly engine: exact top-k equal to `topKJs`, with the SIMD kernel streaming the
 * corpus in blocks over `threads` worker threads. The wasm module is compiled on first use.
 */
export function wasmNeighbourSearch(options: WasmSearchOptions): NeighbourSearch {
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  let pool: WorkerPool | undefined;
  let local: AnyKernel | undefined;
  const kind: AnyKernel['kind'] = options.variant === 'relaxed-int8' ? 'int8' : 'f32';
  let closed = false;

  async function run(tasks: Task[]): Promise<TaskResult[]> {
    if (threads === 1) {
      local ??= { kind, kernel: instantiateModule(compile(options.variant)) } as AnyKernel;
      const kernel = local;
      return tasks.map((task) => runTask(kernel, task));
    }
    pool ??= new WorkerPool(compile(options.variant), kind, threads);
    return pool.runAll(tasks);
  }

  /** Norms of every row, computed by all threads (and checked finite). */
  async function norms(data: Float32Array, rows: number, dim: number, what: string): Promise<Float64Array> {
    const out = new Float64Array(new SharedArrayBuffer(rows * 8));
    const per = Math.ceil(rows / threads);
    const tasks: Task[] = [];
    for (let start = 0; start < rows; start += per) tasks.push({ kind: 'norms', data, dim, start, end: Math.min(rows, start + per), out, what });
    await run(tasks);
    return out;
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
    const corpusNorms = await norms(corpusData, corpus.rows, dim, 'corpus');
    const queryNorms = await norms(queries, nq, dim, 'query');
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
      corpusNorms,
      queryNorms,
    };
    // Many more corpus rows than queries (or few queries): one job per thread, each against
    // all queries, taking the corpus blocks one at a time from a shared counter (so a thread
    // slowed by other work takes fewer), their top-k lists merged. The jobs share each
    // query's best lower bound of its k-th score, so they prune as one scan would. Otherwise:
    // two slices of the queries per thread, taken from one queue, each against the whole corpus.
    const jobs: ScanJob[] = [];
    if (threads === 1) {
      jobs.push({ ...base, bounds: null, claims: null, queryStart: 0, queryEnd: nq, corpusStart: 0, corpusEnd: corpus.rows });
    } else if (nq * 16 <= corpus.rows || nq < 2 * threads * QUERY_PANEL * 8) {
      const bounds = new Int32Array(new SharedArrayBuffer(nq * 4)).fill(MINUS_INFINITY_KEY);
      // One counter per query chunk (there are at most nq chunks).
      const claims = new Int32Array(new SharedArrayBuffer(nq * 4));
      for (let t = 0; t < threads; t++) jobs.push({ ...base, bounds, claims, queryStart: 0, queryEnd: nq, corpusStart: 0, corpusEnd: corpus.rows });
    } else {
      const per = Math.ceil(nq / (2 * threads) / QUERY_PANEL) * QUERY_PANEL;
      for (let start = 0; start < nq; start += per) jobs.push({ ...base, bounds: null, claims: null, queryStart: start, queryEnd: Math.min(nq, start + per), corpusStart: 0, corpusEnd: corpus.rows });
    }
    const results = (await run(jobs.map((job) => ({ kind: 'scan', job }) as Task))) as ScanResult[];
    const result = assemble(jobs, results, nq, k);
    // A zero query scores exactly 0 against every row: its top k are the lowest rows (not its own).
    for (let q = 0; q < nq; q++) {
      if ((margins[q] as number) !== 0) continue;
      const own = self ? (self[q] as number) : -1;
      for (let row = 0, n = 0; n < k; row++) {
        if (row === own) continue;
        result.indices[q * k + n] = row;
        result.scores[q * k + n] = 0;
        n++;
      }
    }
    return result;
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
  const filled = new Int32Array(nq);
  // Merge buffers for one query: the rows so far and the next job's rows.
  let rows = new Int32Array(2 * k);
  let values = new Float32Array(2 * k);
  jobs.forEach((job, j) => {
    const result = results[j] as ScanResult;
    for (let q = job.queryStart; q < job.queryEnd; q++) {
      const local = q - job.queryStart;
      const count = result.counts[local] as number;
      const have = filled[q] as number;
      if (rows.length < have + count) {
        rows = new Int32Array(have + count);
        values = new Float32Array(have + count);
      }
      // Two sorted lists -> the best k of both, by (score descending, row ascending).
      let a = 0;
      let b = 0;
      let n = 0;
      while (n < k && (a < have || b < count)) {
        const takeA =
          b >= count ||
          (a < have &&
            ((scores[q * k + a] as number) > (result.scores[local * k + b] as number) ||
              ((scores[q * k + a] as number) === (result.scores[local * k + b] as number) && (indices[q * k + a] as number) < (result.indices[local * k + b] as number))));
        if (takeA) {
          rows[n] = indices[q * k + a] as number;
          values[n] = scores[q * k + a] as number;
          a++;
        } else {
          rows[n] = result.indices[local * k + b] as number;
          values[n] = result.scores[local * k + b] as number;
          b++;
        }
        n++;
      }
      indices.set(rows.subarray(0, n), q * k);
      scores.set(values.subarray(0, n), q * k);
      filled[q] = n;
    }
  });
  return { k, indices, scores };
}
