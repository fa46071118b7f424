// Entry of a neighbour-search worker thread. scripts/build-wasm.mjs bundles this file into
// the string the engine starts with `new Worker(source, { eval: true })`, so it must not
// import anything that itself embeds that string.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateKernel, type WasmModule } from './kernel.js';
import { scan, type ScanJob } from './scan.js';

const kernel = instantiateKernel((workerData as { module: WasmModule }).module);

parentPort?.on('message', (message: { id: number; job: ScanJob }) => {
  try {
    const result = scan(kernel, message.job);
    parentPort?.postMessage({ id: message.id, result }, [result.counts.buffer as ArrayBuffer, result.indices.buffer as ArrayBuffer, result.scores.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
