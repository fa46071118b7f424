/** A row-major matrix of float32 vectors: row i is `data[i*dim .. (i+1)*dim)`. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

/** `cosine` normalises every vector once, then ranks by inner product; `dot` ranks by raw inner product. */
export type Similarity = 'cosine' | 'dot';

export interface TopKRequest {
  queries: Matrix;
  corpus: Matrix;
  /** Neighbours per query. Clamped to the number of candidate rows. */
  k: number;
  similarity: Similarity;
  /**
   * For corpus-vs-corpus neighbours: `selfIndices[q]` is the corpus row that query q is,
   * which is never returned as its own neighbour. Use -1 for a query with no self row.
   */
  selfIndices?: Int32Array;
}

/**
 * Exact top-k per query, best first. Row q occupies `[q*k, (q+1)*k)` of both arrays.
 * Ties in score are broken by the lower corpus index, so the output is the same whatever
 * the engine, block size or thread count.
 */
export interface TopKResult {
  k: number;
  indices: Int32Array;
  scores: Float32Array;
  /**
   * Query–row pairs that passed the engine's threshold test and were scored again (the
   * WebAssembly engines); the rest were pruned by the test. For benchmarks and diagnostics.
   */
  passed?: number;
}

/** An exact neighbour-search engine. Implementations stream the corpus: they never hold a queries × corpus matrix. */
export interface NeighbourSearch {
  /** Which implementation runs (for logs and benchmarks), e.g. `js`, `wasm-relaxed-simd ×4`. */
  readonly name: string;
  topK(request: TopKRequest): Promise<TopKResult>;
  /** Releases workers or other resources; the engine is unusable afterwards. */
  close(): Promise<void>;
}
