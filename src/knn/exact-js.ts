import { normaliseRows } from './normalise.js';
import type { NeighbourSearch, TopKRequest, TopKResult } from './types.js';

/** True when (scoreA, indexA) ranks below (scoreB, indexB): lower score, or equal score and higher index. */
function worse(scoreA: number, indexA: number, scoreB: number, indexB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && indexA > indexB);
}

/**
 * Puts (score, index) at the root of the min-heap `[0, size)` and moves it down to its place:
 * the root always holds the worst entry.
 */
function siftDown(heapScore: Float64Array, heapIndex: Int32Array, size: number, score: number, index: number): void {
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    let child = left;
    if (right < size && worse(heapScore[right] as number, heapIndex[right] as number, heapScore[left] as number, heapIndex[left] as number)) child = right;
    if (!worse(heapScore[child] as number, heapIndex[child] as number, score, index)) break;
    heapScore[i] = heapScore[child] as number;
    heapIndex[i] = heapIndex[child] as number;
    i = child;
  }
  heapScore[i] = score;
  heapIndex[i] = index;
}

/**
 * Exact top-k in plain JavaScript: one pass over the corpus per query with a bounded
 * min-heap of size k (the heap's root is the current k-th best). Memory is O(queries × k).
 * This is the reference every faster engine must match, and the last-resort fallback.
 */
export function topKJs(request: TopKRequest): TopKResult {
  const { k: wanted, similarity, selfIndices } = request;
  const queries = similarity === 'cosine' ? normaliseRows(request.queries) : request.queries;
  const corpus = similarity === 'cosine' ? normaliseRows(request.corpus) : request.corpus;
  if (queries.dim !== corpus.dim) throw new Error(`dimension mismatch: queries have ${queries.dim}, corpus has ${corpus.dim}`);
  const dim = corpus.dim;
  const k = Math.max(0, Math.min(wanted, corpus.rows - (selfIndices ? 1 : 0)));
  const indices = new Int32Array(queries.rows * k);
  const scores = new Float32Array(queries.rows * k);
  const heapScore = new Float64Array(k);
  const heapIndex = new Int32Array(k);
  const q = queries.data;
  const c = corpus.data;

  for (let qi = 0; qi < queries.rows; qi++) {
    const self = selfIndices ? (selfIndices[qi] as number) : -1;
    let size = 0;
    const qBase = qi * dim;
    for (let ci = 0; ci < corpus.rows; ci++) {
      if (ci === self) continue;
      const cBase = ci * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += (q[qBase + j] as number) * (c[cBase + j] as number);
      // Round to float32 so every engine compares the same values.
      const score = Math.fround(dot);
      if (size < k) {
        // Sift up.
        let i = size++;
        while (i > 0) {
          const parent = (i - 1) >> 1;
          if (!worse(score, ci, heapScore[parent] as number, heapIndex[parent] as number)) break;
          heapScore[i] = heapScore[parent] as number;
          heapIndex[i] = heapIndex[parent] as number;
          i = parent;
        }
        heapScore[i] = score;
        heapIndex[i] = ci;
      } else if (k > 0 && worse(heapScore[0] as number, heapIndex[0] as number, score, ci)) {
        // Replace the root.
        siftDown(heapScore, heapIndex, k, score, ci);
      }
    }
    // Pop the heap from worst to best into the output row.
    const base = qi * k;
    for (let n = size - 1; n >= 0; n--) {
      scores[base + n] = heapScore[0] as number;
      indices[base + n] = heapIndex[0] as number;
      // Move the last entry to the root of the heap that is one smaller.
      siftDown(heapScore, heapIndex, n, heapScore[n] as number, heapIndex[n] as number);
    }
  }
  return { k, indices, scores };
}

/** The JavaScript engine behind the NeighbourSearch interface. */
export function jsNeighbourSearch(): NeighbourSearch {
  return {
    name: 'js',
    topK: async (request) => topKJs(request),
    close: async () => {},
  };
}
