import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { topKJs } from './exact-js.js';
import { MINUS_INFINITY_KEY } from './float32.js';
import { int8Kernel, relaxedSimdKernel, simdKernel, workerSource } from './generated/kernel.js';
import { QUERY_PANEL, instantiateModule, webAssembly, type WasmModule } from './kernel.js';
import { normaliseRows } from './normalise.js';
import type { ScanJob, ScanResult } from './candidates.js';
import { runClaimed, type AnyKernel, type Done, type Task, type TaskResult } from './tasks.js';
import type { NeighbourSearch, TopKRequest, TopKResult } from './types.js';

/**
 * Which kernel: `relaxed-int8` (int8 prefilter with relaxed-SIMD integer dot products,
 * then exact rescoring), `relaxed-simd` (float32 with fused multiply-add) or `simd`
 * (float32, multiply then add).
 */
export type WasmVariant = 'relaxed-int8' | 'relaxed-simd' | 'simd';

export interface WasmSearchOptions {
  variant: WasmVariant;
  /** Threads doing the scans: the calling thread and `threads − 1` workers. Default: `os.availableParallelism()`. */
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

/** The array itself when its data is in a SharedArrayBuffer, else `copy` filled with it. */
function shared<T extends Float32Array | Int32Array>(array: T, copy: () => T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const out = copy();
  out.set(array as never);
  return out;
}

/**
 * The threads of one engine: the calling thread and `size − 1` worker threads. A batch of
 * tasks is run by all of them together: each takes the next task nobody has taken yet from
 * a shared counter until none is left, so a thread slowed by other work simply takes fewer.
 * The vectors are shared through SharedArrayBuffers, never copied. The calling thread
 * scans too (its event loop waits meanwhile): a worker thread it would only wait for costs
 * about 15 MiB of its own heap and runtime.
 */
class Crew {
  private readonly workers: Worker[];
  /** The calling thread's kernel. */
  private readonly kernel: AnyKernel;
  private readonly pending = new Map<Worker, { resolve: (done: Done) => void; reject: (error: Error) => void }>();
  /** Why a worker stopped, once one has: the crew then refuses work. */
  private broken: Error | undefined;

  constructor(module: WasmModule, kind: AnyKernel['kind'], size: number) {
    this.kernel = { kind, kernel: instantiateModule(module) } as AnyKernel;
    this.workers = Array.from({ length: size - 1 }, () => {
      // A small young generation: the scan's garbage is short-lived, and every megabyte a
      // worker's heap holds counts against the memory budget (peak RSS ≤ 1.3 × the corpora).
      const worker = new Worker(workerSource, { eval: true, workerData: { module, kind }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      worker.unref();
      worker.on('message', (message: { done?: Done; error?: string; stack?: string }) => {
        const entry = this.pending.get(worker);
        this.pending.delete(worker);
        worker.unref();
        // A task's error reads the same whichever thread ran the task.
        if (message.error === undefined) entry?.resolve(message.done ?? []);
        else entry?.reject(new Error(message.error, { cause: message.stack }));
      });
      worker.on('error', (error) => {
        this.broken ??= error;
        this.pending.get(worker)?.reject(error);
        this.pending.delete(worker);
      });
      worker.on('exit', (code) => {
        // A worker that stops (it failed, or close() ended it) can take no more tasks.
        const error = new Error(`neighbour-search worker stopped (exit code ${code})`);
        this.broken ??= error;
        this.pending.get(worker)?.reject(error);
        this.pending.delete(worker);
      });
      return worker;
    });
  }

  /** Runs the tasks on every thread of the crew; resolves with their results in the same order. */
  async runAll(tasks: Task[]): Promise<TaskResult[]> {
    if (this.broken) throw this.broken;
    const claim = new Int32Array(new SharedArrayBuffer(4));
    const replies = this.workers.map(
      (worker) =>
        new Promise<Done>((resolve, reject) => {
          this.pending.set(worker, { resolve, reject });
          // Keep the process alive while a worker has work.
          worker.ref();
          worker.postMessage({ tasks, claim });
        }),
    );
    const results: TaskResult[] = new Array<TaskResult>(tasks.length);
    const taken: boolean[] = new Array<boolean>(tasks.length).fill(false);
    let failure: unknown;
    try {
      for (const { index, result } of runClaimed(this.kernel, tasks, claim)) {
        results[index] = result;
        taken[index] = true;
      }
    } catch (error) {
      failure = error;
    }
    for (const reply of await Promise.allSettled(replies)) {
      if (reply.status === 'rejected') failure ??= reply.reason;
      else {
        for (const { index, result } of reply.value) {
          results[index] = result;
          taken[index] = true;
        }
      }
    }
    if (failure !== undefined) throw failure;
    if (!taken.every(Boolean)) throw new Error('neighbour search lost a task');
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * SharedArrayBuffers kept from one request to the next (the engine runs one request at a
 * time), so that a series of requests does not leave a trail of large garbage buffers.
 */
class Scratch {
  private readonly buffers = new Map<string, SharedArrayBuffer>();

  private buffer(name: string, bytes: number): SharedArrayBuffer {
    let buffer = this.buffers.get(name);
    if (!buffer || buffer.byteLength < bytes) {
      buffer = new SharedArrayBuffer(bytes);
      this.buffers.set(name, buffer);
    }
    return buffer;
  }

  f32(name: string, length: number): Float32Array {
    return new Float32Array(this.buffer(name, length * 4), 0, length);
  }

  f64(name: string, length: number): Float64Array {
    return new Float64Array(this.buffer(name, length * 8), 0, length);
  }

  i32(name: string, length: number): Int32Array {
    return new Int32Array(this.buffer(name, length * 4), 0, length);
  }
}

/**
 * The WebAssembly engine: exact top-k equal to `topKJs`, with the SIMD kernel streaming the
 * corpus in blocks over `threads` threads (the calling thread and `threads − 1` workers).
 * The wasm module is compiled on first use.
 */
export function wasmNeighbourSearch(options: WasmSearchOptions): NeighbourSearch {
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  let crew: Crew | undefined;
  const scratch = new Scratch();
  // Requests run one after another: they share the threads and the scratch buffers.
  let previous: Promise<unknown> = Promise.resolve();
  const kind: AnyKernel['kind'] = options.variant === 'relaxed-int8' ? 'int8' : 'f32';
  let closed = false;

  async function run(tasks: Task[]): Promise<TaskResult[]> {
    crew ??= new Crew(compile(options.variant), kind, threads);
    return crew.runAll(tasks);
  }

  /** Norms of every row, computed by all threads (and checked finite). */
  async function norms(data: Float32Array, rows: number, dim: number, what: 'corpus' | 'query'): Promise<Float64Array> {
    const out = scratch.f64(`${what} norms`, rows);
    const per = Math.ceil(rows / (4 * threads));
    const tasks: Task[] = [];
    for (let start = 0; start < rows; start += per) tasks.push({ kind: 'norms', data, dim, start, end: Math.min(rows, start + per), out, what });
    await run(tasks);
    return out;
  }

  function topK(request: TopKRequest): Promise<TopKResult> {
    const result = previous.then(() => search(request));
    previous = result.catch(() => undefined);
    return result;
  }

  async function search(request: TopKRequest): Promise<TopKResult> {
    if (closed) throw new Error('neighbour search is closed');
    const { corpus, similarity, selfIndices } = request;
    if (request.queries.dim !== corpus.dim) throw new Error(`dimension mismatch: queries have ${request.queries.dim}, corpus has ${corpus.dim}`);
    const dim = corpus.dim;
    const nq = request.queries.rows;
    const k = Math.max(0, Math.min(request.k, corpus.rows - (selfIndices ? 1 : 0)));
    if (k === 0 || nq === 0 || dim === 0) return topKJs(request);

    const cosine = similarity === 'cosine';
    const queries = cosine
      ? normaliseRows(request.queries, scratch.f32('queries', nq * dim)).data
      : shared(request.queries.data.subarray(0, nq * dim), () => scratch.f32('queries', nq * dim));
    const corpusData = shared(corpus.data.subarray(0, corpus.rows * dim), () => scratch.f32('corpus', corpus.rows * dim));
    const corpusNorms = await norms(corpusData, corpus.rows, dim, 'corpus');
    const queryNorms = await norms(queries, nq, dim, 'query');
    let corpusScale: Float64Array | null = null;
    let maxNorm = 0;
    if (cosine) {
      corpusScale = scratch.f64('corpus scales', corpus.rows);
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
    const margins = scratch.f64('margins', nq);
    let maxQueryNorm = 0;
    for (let q = 0; q < nq; q++) {
      const norm = queryNorms[q] as number;
      maxQueryNorm = Math.max(maxQueryNorm, norm);
      margins[q] = norm === 0 ? 0 : 2 * (gamma * norm * maxNorm + 2 ** -126);
    }
    // Scores near float32 overflow would make the kernel's bound meaningless.
    if (!(maxQueryNorm * maxNorm < 1e37)) return topKJs(request);

    const self = selfIndices ? shared(selfIndices, () => scratch.i32('self', selfIndices.length)) : null;
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
    // two slices of the queries per thread, each against the whole corpus.
    const jobs: ScanJob[] = [];
    if (threads === 1) {
      jobs.push({ ...base, bounds: null, claims: null, queryStart: 0, queryEnd: nq, corpusStart: 0, corpusEnd: corpus.rows });
    } else if (nq * 16 <= corpus.rows || nq < 2 * threads * QUERY_PANEL * 8) {
      const bounds = scratch.i32('bounds', nq).fill(MINUS_INFINITY_KEY);
      // One counter per query chunk (there are at most nq chunks).
      const claims = scratch.i32('claims', nq).fill(0);
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
      await crew?.close();
      crew = undefined;
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
  return { k, indices, scores, passed: results.reduce((sum, r) => sum + r.passed, 0) };
}
