import { jsNeighbourSearch } from './exact-js.js';
import type { NeighbourSearch } from './types.js';
import { supportsVariant, wasmNeighbourSearch } from './wasm-engine.js';

export type { Matrix, NeighbourSearch, Similarity, TopKRequest, TopKResult } from './types.js';
export { float16ToFloat32 } from './float16.js';

export interface NeighbourSearchOptions {
  /** Threads that scan: the calling thread and `threads − 1` workers. Default: `os.availableParallelism()`. */
  threads?: number;
}

/**
 * The fastest exact neighbour-search engine this runtime supports: with relaxed SIMD
 * (Node 22+), the int8 prefilter kernel (integer dot products, exact rescoring), else the
 * float32 kernel with fused multiply-add; else the float32 kernel with plain SIMD; else
 * plain JavaScript. Every engine returns exactly what `topKJs` returns. Nothing is compiled and no
 * thread starts until the first `topK`; call `close()` to stop the threads.
 */
export async function createNeighbourSearch(options: NeighbourSearchOptions = {}): Promise<NeighbourSearch> {
  if (supportsVariant('relaxed-int8')) return wasmNeighbourSearch({ variant: 'relaxed-int8', threads: options.threads });
  if (supportsVariant('relaxed-simd')) return wasmNeighbourSearch({ variant: 'relaxed-simd', threads: options.threads });
  if (supportsVariant('simd')) return wasmNeighbourSearch({ variant: 'simd', threads: options.threads });
  return jsNeighbourSearch();
}
