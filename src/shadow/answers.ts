import type { Matrix, NeighbourSearch } from '../knn/types.js';
import { normaliseRows } from '../knn/normalise.js';
import { sampleIndices } from '../stats/random.js';
import { spearman } from '../stats/ranking.js';

/** The documents of the index downstream systems search, embedded by each model, row-aligned. */
export interface ReferenceCorpus {
  ids: readonly string[];
  production: Matrix;
  candidate: Matrix;
}

/** Per-request measurements of how the two models' answers agree, one entry per compared request. */
export interface AnswerMeasures {
  /** overlap@k: share of the candidate's top-k reference documents that are in production's top-k; NaN without a reference corpus. */
  overlap: Float64Array;
  /** 1 when the top-1 reference document differs between the models, else 0; NaN without a reference corpus. */
  top1Changed: Float64Array;
  /** Spearman correlation of the request's similarities to the other sampled requests, production against candidate; NaN when undefined. */
  correlation: Float64Array;
  /** The k used (clamped to the corpus size); 0 without a reference corpus. */
  k: number;
  /** Requests each correlation is computed over. */
  anchors: number;
}

export interface AnswerParams {
  k: number;
  /** At most this many requests (seeded sample) are the anchors every request's similarities are taken to. */
  anchors: number;
  seed: number;
}

function rowDot(a: Matrix, i: number, b: Matrix, j: number): number {
  const dim = a.dim;
  let sum = 0;
  const x = i * dim;
  const y = j * dim;
  for (let d = 0; d < dim; d++) sum += (a.data[x + d] as number) * (b.data[y + d] as number);
  return sum;
}

/**
 * Measures, for each request answered by both models (row i of `answers.production` and of
 * `answers.candidate` is the same request, each in its own model's space):
 * - its top-k neighbours in the reference corpus under each model (cosine), their overlap
 *   and whether the top-1 changed: does a search over the index return the same documents?
 * - the rank correlation of its cosine similarities to a seeded sample of the other
 *   requests (at most `anchors`), production against candidate: does the candidate keep
 *   which requests are alike?
 * The two spaces never mix: each model is only compared with itself.
 */
export async function measureAnswers(answers: { production: Matrix; candidate: Matrix }, reference: ReferenceCorpus | null, params: AnswerParams, search: NeighbourSearch): Promise<AnswerMeasures> {
  const n = answers.production.rows;
  if (answers.candidate.rows !== n) throw new Error(`internal error: ${n} production answers but ${answers.candidate.rows} candidate answers`);
  const overlap = new Float64Array(n).fill(Number.NaN);
  const top1Changed = new Float64Array(n).fill(Number.NaN);
  let k = 0;
  if (reference && reference.production.rows > 0) {
    const [before, after] = await Promise.all([
      search.topK({ queries: answers.production, corpus: reference.production, k: params.k, similarity: 'cosine' }),
      search.topK({ queries: answers.candidate, corpus: reference.candidate, k: params.k, similarity: 'cosine' }),
    ]);
    k = before.k;
    for (let q = 0; q < n; q++) {
      const mine = new Set(before.indices.subarray(q * k, (q + 1) * k));
      let shared = 0;
      for (const index of after.indices.subarray(q * k, (q + 1) * k)) if (mine.has(index)) shared++;
      overlap[q] = shared / k;
      top1Changed[q] = before.indices[q * k] === after.indices[q * k] ? 0 : 1;
    }
  }
  const production = normaliseRows(answers.production);
  const candidate = normaliseRows(answers.candidate);
  const anchors = Array.from(sampleIndices(n, Math.min(n, params.anchors), params.seed)).sort((a, b) => a - b);
  const correlation = new Float64Array(n).fill(Number.NaN);
  const x = new Float64Array(anchors.length);
  const y = new Float64Array(anchors.length);
  for (let q = 0; q < n; q++) {
    let m = 0;
    for (const a of anchors) {
      if (a === q) continue;
      x[m] = rowDot(production, q, production, a);
      y[m] = rowDot(candidate, q, candidate, a);
      m++;
    }
    if (m >= 3) {
      const rho = spearman(x.subarray(0, m), y.subarray(0, m));
      if (Number.isFinite(rho)) correlation[q] = rho;
    }
  }
  return { overlap, top1Changed, correlation, k, anchors: anchors.length };
}
