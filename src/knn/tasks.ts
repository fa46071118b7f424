import type { ScanJob, ScanResult } from './candidates.js';
import type { Kernel } from './kernel.js';
import { scan } from './scan.js';
import { scanInt8, type Int8Kernel } from './scan-int8.js';

/** Work a thread does: a scan, or the norms of rows [start, end) written into `out`. */
export type Task =
  | { kind: 'scan'; job: ScanJob }
  | { kind: 'norms'; data: Float32Array; dim: number; start: number; end: number; out: Float64Array; what: string };

/** What a task returns: the scan's result, or nothing (norms land in the shared array). */
export type TaskResult = ScanResult | null;

/** The instantiated kernel a thread scans with: the float32 kernel or the int8 prefilter. */
export type AnyKernel = { kind: 'f32'; kernel: Kernel } | { kind: 'int8'; kernel: Int8Kernel };

/** Tasks a thread ran, by their index in the batch. */
export type Done = { index: number; result: TaskResult }[];

/**
 * Runs tasks of the batch until none is left, taking each from the shared counter `claim`
 * (Atomics), so that several threads running the same batch share it out.
 */
export function runClaimed(kernel: AnyKernel, tasks: Task[], claim: Int32Array): Done {
  const done: Done = [];
  for (let index = Atomics.add(claim, 0, 1); index < tasks.length; index = Atomics.add(claim, 0, 1)) {
    done.push({ index, result: runTask(kernel, tasks[index] as Task) });
  }
  return done;
}

/** Runs one task with the given kernel. */
export function runTask(kernel: AnyKernel, task: Task): TaskResult {
  if (task.kind === 'scan') return kernel.kind === 'int8' ? scanInt8(kernel.kernel, task.job) : scan(kernel.kernel, task.job);
  rowNorms(task.data, task.dim, task.start, task.end, task.out, task.what);
  return null;
}

/**
 * Writes sqrt of the float64 sum of squares, in index order (exactly the norm
 * `normaliseRows` divides by), of rows [start, end) into `out`. Throws on a non-finite
 * value, naming the row.
 */
export function rowNorms(data: Float32Array, dim: number, start: number, end: number, out: Float64Array, what: string): void {
  for (let r = start; r < end; r++) {
    const base = r * dim;
    let sum = 0;
    for (let j = 0; j < dim; j++) {
      const v = data[base + j] as number;
      sum += v * v;
    }
    if (!Number.isFinite(sum)) throw new Error(`${what} row ${r} has a non-finite value (or its squared norm overflows)`);
    out[r] = Math.sqrt(sum);
  }
}
