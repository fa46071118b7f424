import type { Matrix } from '../../knn/types.js';
import type { Finding, Row, Verdict } from '../../results/types.js';
import { quantile } from '../../stats/summary.js';
import { countDuplicateRows, countNonFinite, effectiveRank, meanPairwiseCosine, nonFiniteRows, rowNorms, zeroRows } from '../../stats/vectors.js';
import type { CheckOutput } from './common.js';

/** Vector health figures of one model's vectors. */
export interface HealthFigures {
  rows: number;
  dimension: number;
  nonFinite: number;
  zeroRows: number;
  /** Ids of the first rows (at most 5) with a NaN or infinite value, and of the first all-zero rows: where to look. */
  nonFiniteIds: string[];
  zeroIds: string[];
  duplicateRows: number;
  normMean: number | null;
  normMin: number | null;
  normP05: number | null;
  normP95: number | null;
  normMax: number | null;
  /** Mean cosine between distinct rows: near 0 is isotropic, near 1 means every vector points the same way. */
  anisotropy: number | null;
  /** exp(entropy of the normalised singular value spectrum): how many dimensions are really used. */
  effectiveRank: number | null;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** How many ids a finding names at most. */
const IDS_SHOWN = 5;

/** Health figures of one matrix (raw vectors, as the model produced them); `ids[r]` names row r. */
export function healthFigures(matrix: Matrix, seed: number, ids: readonly string[]): HealthFigures {
  const nonFinite = countNonFinite(matrix);
  const zero = zeroRows(matrix);
  const idsOf = (rows: readonly number[]): string[] => rows.slice(0, IDS_SHOWN).map((r) => ids[r] ?? `row ${r}`);
  const norms = rowNorms(matrix);
  const finiteNorms = norms.filter((n) => Number.isFinite(n)).sort();
  const usable = nonFinite === 0 && matrix.rows > 0;
  let sum = 0;
  for (const n of finiteNorms) sum += n;
  return {
    rows: matrix.rows,
    dimension: matrix.dim,
    nonFinite,
    zeroRows: zero.length,
    nonFiniteIds: idsOf(nonFinite > 0 ? nonFiniteRows(matrix) : []),
    zeroIds: idsOf(zero),
    duplicateRows: countDuplicateRows(matrix),
    normMean: finiteNorms.length ? sum / finiteNorms.length : null,
    normMin: finiteNorms.length ? (finiteNorms[0] as number) : null,
    normP05: finiteNorms.length ? quantile(finiteNorms, 0.05) : null,
    normP95: finiteNorms.length ? quantile(finiteNorms, 0.95) : null,
    normMax: finiteNorms.length ? (finiteNorms[finiteNorms.length - 1] as number) : null,
    anisotropy: usable && matrix.rows >= 2 ? finiteOrNull(meanPairwiseCosine(matrix)) : null,
    effectiveRank: usable ? finiteOrNull(effectiveRank(matrix, { seed })) : null,
  };
}

export interface HealthInput {
  production: HealthFigures;
  candidate: HealthFigures;
  /** The contract's embedding dimension, when a contract was given. */
  contractDimension: number | null;
  /** Marginal when the candidate's effective rank falls below this share of production's. */
  rankDropRatio: number;
  /** Where each model's vectors came from (`file:…`, an endpoint): findings name it. */
  sources: { production: string; candidate: string };
}

/** `"a", "b" and 3 more`: the ids a finding shows, clipped and quoted. */
function idList(ids: readonly string[], count: number): string {
  const shown = ids.map((id) => JSON.stringify(id.length > 64 ? `${id.slice(0, 63)}…` : id)).join(', ');
  return count > ids.length ? `${shown} and ${count - ids.length} more` : shown;
}

/**
 * Judges vector health. Fails when the candidate's dimension differs from the contract's
 * (only the contract binds: production may legitimately have another dimension), or when
 * the candidate has NaN/Inf values or zero vectors. Marginal when the candidate has more duplicate vectors than production,
 * or its effective rank collapsed below `rankDropRatio` of production's. Problems in the
 * production vectors are reported as warnings.
 */
export function summariseHealth(input: HealthInput): CheckOutput & { findings: Finding[] } {
  const { production: p, candidate: c, contractDimension, sources } = input;
  const findings: Finding[] = [];
  let verdict: Verdict = 'pass';
  const worsen = (to: Verdict): void => {
    if (to === 'fail' || (to === 'marginal' && verdict === 'pass')) verdict = to;
  };
  if (contractDimension !== null && c.dimension !== contractDimension) {
    worsen('fail');
    findings.push({ rule: 'health.dimension', severity: 'error', message: `candidate vectors (${sources.candidate}) have dimension ${c.dimension}, the contract says ${contractDimension}` });
  } else if (contractDimension === null && p.dimension !== c.dimension) {
    findings.push({
      rule: 'health.dimension',
      severity: 'notice',
      message: `production vectors (${sources.production}) have dimension ${p.dimension} and candidate vectors (${sources.candidate}) ${c.dimension}: the models embed into different spaces, so they are compared by measures taken within each space; no contract states the dimension`,
    });
  }
  if (c.nonFinite > 0) {
    worsen('fail');
    findings.push({ rule: 'health.non-finite', severity: 'error', message: `candidate vectors (${sources.candidate}) contain ${c.nonFinite} NaN or infinite value(s), at ids ${idList(c.nonFiniteIds, c.nonFiniteIds.length)}` });
  }
  if (c.zeroRows > 0) {
    worsen('fail');
    findings.push({ rule: 'health.zero-vectors', severity: 'error', message: `${c.zeroRows} candidate vector(s) (${sources.candidate}) are all zeros: ids ${idList(c.zeroIds, c.zeroRows)}` });
  }
  if (c.duplicateRows > p.duplicateRows) {
    worsen('marginal');
    findings.push({ rule: 'health.duplicates', severity: 'warning', message: `candidate has ${c.duplicateRows} duplicate vector(s), production ${p.duplicateRows}: distinct texts collapse onto one vector` });
  }
  if (c.effectiveRank !== null && p.effectiveRank !== null && c.effectiveRank < input.rankDropRatio * p.effectiveRank) {
    worsen('marginal');
    findings.push({
      rule: 'health.rank-collapse',
      severity: 'warning',
      message: `candidate effective rank ${c.effectiveRank.toFixed(1)} is below ${input.rankDropRatio} × production's ${p.effectiveRank.toFixed(1)} (dimensional collapse)`,
    });
  }
  if (p.nonFinite > 0 || p.zeroRows > 0) {
    const where = [...(p.nonFinite > 0 ? [`NaN/Inf at ids ${idList(p.nonFiniteIds, p.nonFiniteIds.length)}`] : []), ...(p.zeroRows > 0 ? [`zeros at ids ${idList(p.zeroIds, p.zeroRows)}`] : [])];
    findings.push({ rule: 'health.production', severity: 'warning', message: `production vectors (${sources.production}) have ${p.nonFinite} NaN/Inf value(s) and ${p.zeroRows} zero vector(s): ${where.join('; ')}` });
  }
  const row = (metric: string, a: number | null, b: number | null, higherIsBetter?: boolean, rowVerdict?: Verdict): Row => {
    const out: Row = { metric, production: a, candidate: b, change: a === null || b === null ? null : b - a };
    if (higherIsBetter !== undefined) out.higherIsBetter = higherIsBetter;
    if (rowVerdict) out.verdict = rowVerdict;
    return out;
  };
  const rows: Row[] = [
    { ...row('dimension', p.dimension, c.dimension, undefined, contractDimension !== null ? (c.dimension === contractDimension ? 'pass' : 'fail') : undefined), ...(contractDimension !== null ? { note: `contract: ${contractDimension}` } : {}) },
    row('NaN/Inf values', p.nonFinite, c.nonFinite, false, c.nonFinite > 0 ? 'fail' : 'pass'),
    row('zero vectors', p.zeroRows, c.zeroRows, false, c.zeroRows > 0 ? 'fail' : 'pass'),
    row('duplicate vectors', p.duplicateRows, c.duplicateRows, false, c.duplicateRows > p.duplicateRows ? 'marginal' : 'pass'),
    row('norm (mean)', p.normMean, c.normMean),
    row('norm (5th percentile)', p.normP05, c.normP05),
    row('norm (95th percentile)', p.normP95, c.normP95),
    row('norm (min)', p.normMin, c.normMin),
    row('norm (max)', p.normMax, c.normMax),
    row('anisotropy (mean pairwise cosine)', p.anisotropy, c.anisotropy, false),
    row('effective rank', p.effectiveRank, c.effectiveRank, true),
  ];
  const metrics: Record<string, number | null> = {};
  for (const [model, f] of [['production', p], ['candidate', c]] as const) {
    metrics[`health.${model}.dimension`] = f.dimension;
    metrics[`health.${model}.non_finite`] = f.nonFinite;
    metrics[`health.${model}.zero_vectors`] = f.zeroRows;
    metrics[`health.${model}.duplicate_vectors`] = f.duplicateRows;
    metrics[`health.${model}.norm_mean`] = f.normMean;
    metrics[`health.${model}.anisotropy`] = f.anisotropy;
    metrics[`health.${model}.effective_rank`] = f.effectiveRank;
  }
  const summary = findings.length === 0 ? 'candidate vectors are healthy' : findings.map((f) => f.message).join('; ');
  return { section: { id: 'health', title: `Vector health (${c.rows} vectors)`, verdict, summary, rows }, metrics, findings };
}
