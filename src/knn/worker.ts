// Entry of a neighbour-search worker thread. scripts/build-wasm.mjs bundles this file into
// the string the engine starts with `new Worker(source, { eval: true })`, so it must not
// import anything that itself embeds that string.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateModule, type WasmModule } from './kernel.js';
import { runClaimed, type AnyKernel, type Task } from './tasks.js';

const { module, kind } = workerData as { module: WasmModule; kind: AnyKernel['kind'] };
const kernel = { kind, kernel: instantiateModule(module) } as AnyKernel;

parentPort?.on('message', (message: { tasks: Task[]; claim: Int32Array }) => {
  try {
    const done = runClaimed(kernel, message.tasks, message.claim);
    const transfer = done.flatMap(({ result }) => (result ? [result.counts.buffer as ArrayBuffer, result.indices.buffer as ArrayBuffer, result.scores.buffer as ArrayBuffer] : []));
    parentPort?.postMessage({ done }, transfer);
  } catch (error) {
    // The message alone, as the calling thread would throw it; the stack travels as the cause.
    parentPort?.postMessage(error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) });
  }
});
