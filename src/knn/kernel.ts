/**
 * The slice of the WebAssembly JS API the engine uses. The project compiles without the DOM
 * library, which is where TypeScript declares `WebAssembly`, so it is typed here.
 */
export interface WasmModule {
  readonly __wasmModule: unique symbol;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}

/** The runtime's WebAssembly API, or undefined when it has none. */
export const webAssembly = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The exports of src/knn/wasm/kernel.wat (see that file for the data layout). */
export interface Kernel {
  memory: WasmMemory;
  /** Packs `rows` rows of `dim` floats at byte `src` into zero-padded panels of `panel` rows at byte `dst`. */
  pack(src: number, rows: number, dim: number, dim4: number, panel: number, dst: number): void;
  /** Writes every (query, row, score) with score ≥ thr[query] at byte `hits`; returns the hit count. */
  scan(queries: number, nq: number, corpus: number, nc: number, dim4: number, scale: number, thr: number, hits: number): number;
}

/** Query rows per register tile (the kernel's query panel). */
export const QUERY_PANEL = 2;
/** Corpus rows per register tile (the kernel's corpus panel). */
export const CORPUS_PANEL = 6;

/** Instantiates a compiled kernel module (synchronously: the module is small and already compiled); returns its exports. */
export function instantiateModule(module: WasmModule): unknown {
  if (!webAssembly) throw new Error('this runtime has no WebAssembly');
  return new webAssembly.Instance(module, {}).exports;
}
