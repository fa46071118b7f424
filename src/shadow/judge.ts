import { judgeCounts, judgeMetric, type CountJudgement, type MetricJudgement } from '../canary/judge.js';
import type { Matrix, NeighbourSearch } from '../knn/types.js';
import { clip, clipId } from '../regression/checks/common.js';
import { compareDifferences, mean, segmentRows, type ComparisonOutcome } from '../regression/compare.js';
import type { CheckSettings } from '../regression/settings.js';
import type { CheckSection, Finding, Row, SegmentRow, Verdict, WorstItem } from '../results/types.js';
import { bootstrapMeanInterval } from '../stats/bootstrap.js';
import { quantileSorted } from '../stats/tukey-fences.js';
import { measureAnswers, type AnswerMeasures, type ReferenceCorpus } from './answers.js';
import { answerProblems, type AnswerRules } from './contract-check.js';
import type { Outcome, ShadowRecord } from './types.js';

/** What a shadow run is judged with, every default filled in. */
export interface ShadowSettings {
  /** Two-sided confidence of the intervals; 1 − confidence bounds the false-fail rate. */
  confidence: number;
  resamples: number;
  seed: number;
  /** Segments with fewer compared requests are reported, never gating. */
  minSegmentSize: number;
  /** Most different requests listed. */
  worstItems: number;
  /** Neighbours per request in the reference corpus. */
  k: number;
  /** Requests every request's similarities are taken to, for the rank correlation. */
  anchors: number;
  /** Least acceptable mean overlap@k, overall and per segment; null: reported, not gating. */
  minOverlap: number | null;
  /** Tolerated latency increase, as a fraction of production's median. */
  latencyTolerance: number;
  /** Tolerated increase of the error rate and of the timeout rate (absolute, 0.01 = one point). */
  errorTolerance: number;
  /** Fewer requests answered by both sides is an error: too little to judge. */
  minRequests: number;
  /** Least share of requests production must answer; below it production is not a baseline. */
  minProductionAnswered: number;
  /** JSON models: the output field compared (dotted path), the least agreement on a label field, the largest mean |difference| of a numeric one. */
  field: string | null;
  minAgreement: number | null;
  maxDifference: number | null;
}

export const SHADOW_DEFAULTS = {
  confidence: 0.95,
  resamples: 2000,
  seed: 1,
  minSegmentSize: 30,
  worstItems: 10,
  k: 10,
  anchors: 200,
  minOverlap: 0.6,
  latencyTolerance: 0.1,
  errorTolerance: 0.01,
  minRequests: 30,
  minProductionAnswered: 0.9,
} as const;

/** Everything a shadow run found, ready for the result. */
export interface ShadowAnalysis {
  verdict: Verdict;
  /** One sentence: why the verdict. */
  reason: string;
  sections: CheckSection[];
  metrics: Record<string, number | null>;
  findings: Finding[];
  details: Record<string, unknown>;
}

export interface AnalyseOptions {
  /** Whether answers are embeddings (compared in a reference corpus) or JSON outputs (compared on `field`). */
  answers: 'embeddings' | 'json';
  rules: { production: AnswerRules; candidate: AnswerRules };
  reference: ReferenceCorpus | null;
  settings: ShadowSettings;
  search: NeighbourSearch;
}

const RANK: Record<Verdict, number> = { pass: 0, marginal: 1, fail: 2, error: 3 };
function worst(verdicts: readonly Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((w, v) => (RANK[v] > RANK[w] ? v : w), 'pass');
}

function finite(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) ? value : null;
}

function checkSettings(settings: ShadowSettings): CheckSettings {
  return { tolerance: 0, confidence: settings.confidence, resamples: settings.resamples, seed: settings.seed, minSegmentSize: settings.minSegmentSize, worstItems: settings.worstItems };
}

/** The value at a dotted path (`label`, `scores.0`); undefined when absent. */
export function fieldValue(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function matrixOf(values: readonly number[][]): Matrix {
  const dim = values[0]?.length ?? 0;
  const data = new Float32Array(values.length * dim);
  values.forEach((v, i) => data.set(v, i * dim));
  return { data, rows: values.length, dim };
}

/**
 * Judges interval-style "higher is better" per-request values against a floor, overall and
 * per segment (Holm), as embedding-regression judges neighbourhood overlap: fail when the
 * interval lies wholly below the floor, pass when wholly at or above, marginal otherwise.
 */
function judgeFloor(values: Float64Array, segments: readonly (string | null)[], floor: number, settings: ShadowSettings, check: string): ComparisonOutcome {
  return compareDifferences(values.map((v) => v - floor), segments, 0, checkSettings(settings), check);
}

function shifted(outcome: ComparisonOutcome, floor: number, metric: string, segments: readonly (string | null)[], values: Float64Array): SegmentRow[] {
  return segmentRows(outcome, metric, segments, null, values).map((row) => ({
    ...row,
    change: null,
    ...(row.interval ? { interval: { low: row.interval.low + floor, high: row.interval.high + floor, level: row.interval.level } } : {}),
  }));
}

function meanInterval(values: Float64Array, settings: ShadowSettings, seed: number): Row['interval'] | undefined {
  if (values.length === 0) return undefined;
  const i = bootstrapMeanInterval(values, { level: settings.confidence, resamples: settings.resamples, seed });
  return { low: i.low, high: i.high, level: i.level };
}

function percentiles(values: number[]): { p50: number | null; p95: number | null; p99: number | null } {
  if (values.length === 0) return { p50: null, p95: null, p99: null };
  const sorted = Float64Array.from(values).sort();
  return { p50: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95), p99: quantileSorted(sorted, 0.99) };
}

function countOutcomes(records: readonly ShadowRecord[], side: 'production' | 'candidate', outcome: Outcome): number {
  let n = 0;
  for (const r of records) if (r[side].outcome === outcome) n++;
  return n;
}

/**
 * Judges a shadow run: the candidate's answers against production's on the same requests
 * (agreement in a reference corpus or on an output field, per segment with Holm), every
 * candidate answer against the contract, latency with the canary judge (Mann-Whitney and
 * Hodges-Lehmann, the same code path as canary-analysis), error and timeout rates with
 * the two-proportion test. Latency, errors and timeouts share the false-fail budget
 * 1 − confidence (Bonferroni). Fail closed: fewer than `minRequests` compared requests, or
 * production answering less than `minProductionAnswered` of them, is an error verdict.
 */
export async function analyseShadow(records: readonly ShadowRecord[], options: AnalyseOptions): Promise<ShadowAnalysis> {
  const { settings } = options;
  const embeddings = options.answers === 'embeddings';
  const findings: Finding[] = [];
  const sections: CheckSection[] = [];
  const metrics: Record<string, number | null> = {};
  const total = records.length;

  // Contract: every answer checked; only requests both sides answered validly are compared.
  const violations: { side: 'production' | 'candidate'; id: string; problems: string[]; location?: ShadowRecord['location'] }[] = [];
  const compared: number[] = [];
  let productionAnswered = 0;
  records.forEach((record, index) => {
    let valid = true;
    for (const side of ['production', 'candidate'] as const) {
      const value = record[side].value;
      if (value === undefined) {
        valid = false;
        continue;
      }
      const problems = answerProblems(options.rules[side], value, embeddings);
      if (problems.length > 0) {
        violations.push({ side, id: record.id, problems, ...(record.location ? { location: record.location } : {}) });
        valid = false;
      } else if (side === 'production') productionAnswered++;
    }
    if (valid) compared.push(index);
  });
  const candidateViolations = violations.filter((v) => v.side === 'candidate');
  const productionViolations = violations.filter((v) => v.side === 'production');
  const contractVerdict: Verdict = candidateViolations.length > 0 ? 'fail' : 'pass';
  for (const v of violations.slice(0, 50)) {
    findings.push({
      rule: v.side === 'candidate' ? 'shadow/contract' : 'shadow/production-answer',
      severity: v.side === 'candidate' ? 'error' : 'warning',
      message: `${v.side} answer to request ${JSON.stringify(clipId(v.id))}: ${v.problems.join('; ')}`.slice(0, 4000),
      ...(v.location ? { location: v.location } : {}),
    });
  }
  if (violations.length > 50) findings.push({ rule: 'shadow/contract', severity: candidateViolations.length > 0 ? 'error' : 'warning', message: `${violations.length - 50} more answers break the contract (listed in the result's details)` });
  sections.push({
    id: 'contract',
    title: 'Candidate answers against the contract',
    verdict: contractVerdict,
    summary: candidateViolations.length > 0 ? `${candidateViolations.length} of ${total} candidate answers break the contract: ${clip(candidateViolations[0]!.problems[0] ?? '')}` : `every candidate answer meets the contract`,
    rows: [
      { metric: 'answers that break the contract', production: productionViolations.length, candidate: candidateViolations.length, change: candidateViolations.length - productionViolations.length, higherIsBetter: false, verdict: contractVerdict },
    ],
  });
  metrics['shadow.contract_violations'] = candidateViolations.length;
  metrics['shadow.production_violations'] = productionViolations.length;

  // Answers.
  const segments = compared.map((i) => records[i]!.segment);
  const answers = embeddings ? await embeddingAnswers(records, compared, segments, options) : jsonAnswers(records, compared, segments, settings);
  sections.push(answers.section);
  Object.assign(metrics, answers.metrics);

  // Latency: answers that came, first attempts, the canary judge.
  const latencies = (side: 'production' | 'candidate'): number[] =>
    records.filter((r) => r[side].outcome === 'ok' && r[side].latencyMs !== null).map((r) => r[side].latencyMs as number);
  const productionLatency = latencies('production');
  const candidateLatency = latencies('candidate');
  const alpha = (1 - settings.confidence) / 3;
  const latency: MetricJudgement = judgeMetric({ name: 'latency', direction: 'increase', relativeTolerance: settings.latencyTolerance, minSamples: 10 }, { baseline: productionLatency, canary: candidateLatency }, alpha, settings.confidence);
  // Judged on the answers that carry a latency; fewer than half of them is not a sample of the traffic.
  const answeredOk = (side: 'production' | 'candidate') => records.filter((r) => r[side].outcome === 'ok').length;
  const coverage = { production: { with: productionLatency.length, of: answeredOk('production') }, candidate: { with: candidateLatency.length, of: answeredOk('candidate') } };
  const partial = Object.values(coverage).some((c) => c.with < 0.5 * c.of);
  const coverageNote = `latencies of ${coverage.production.with} of ${coverage.production.of} production and ${coverage.candidate.with} of ${coverage.candidate.of} candidate answers`;
  const latencyVerdict: Verdict = latency.classification === 'no-data' || partial ? 'error' : latency.failed ? 'fail' : 'pass';
  const p = { production: percentiles(productionLatency), candidate: percentiles(candidateLatency) };
  const quantileRow = (name: 'p50' | 'p95' | 'p99'): Row => {
    const before = p.production[name];
    const after = p.candidate[name];
    return { metric: `${name} latency (ms)`, production: before, candidate: after, change: before !== null && after !== null ? after - before : null, higherIsBetter: false };
  };
  const latencyRow: Row = {
    metric: 'latency shift (Hodges-Lehmann, ms)',
    production: finite(latency.baselineMedian),
    candidate: finite(latency.canaryMedian),
    change: finite(latency.shift),
    higherIsBetter: false,
    verdict: latencyVerdict,
    note: latency.reason.slice(0, 1000),
  };
  if (latency.interval) latencyRow.interval = latency.interval;
  sections.push({
    id: 'latency',
    title: 'Latency',
    verdict: latencyVerdict,
    summary:
      productionLatency.length + candidateLatency.length === 0
        ? 'not judged: no latencies were recorded'
        : partial
          ? `not judged: ${coverageNote}, fewer than half of one side`
          : `latency (${coverageNote}): ${latency.reason}`.slice(0, 2000),
    rows: [quantileRow('p50'), quantileRow('p95'), quantileRow('p99'), latencyRow],
  });
  for (const side of ['production', 'candidate'] as const) for (const q of ['p50', 'p95', 'p99'] as const) metrics[`shadow.latency.${q}.${side}`] = p[side][q];
  metrics['shadow.latency.shift'] = finite(latency.shift);
  metrics['shadow.latency.relative_shift'] = finite(latency.relativeShift);

  // Errors and timeouts: two proportions.
  const counts = (outcome: Outcome): { baseline: { events: number; total: number }; canary: { events: number; total: number } } => ({
    baseline: { events: countOutcomes(records, 'production', outcome), total },
    canary: { events: countOutcomes(records, 'candidate', outcome), total },
  });
  const rates: CountJudgement[] = (['error', 'timeout'] as const).map((outcome) =>
    judgeCounts(`${outcome} rate`, counts(outcome), { direction: 'increase', tolerance: settings.errorTolerance, alpha, confidence: settings.confidence }),
  );
  const rateVerdict = (j: CountJudgement): Verdict => (j.classification === 'no-data' ? 'error' : j.failed ? 'fail' : 'pass');
  sections.push({
    id: 'errors',
    title: 'Errors and timeouts',
    verdict: worst(rates.map(rateVerdict)),
    summary: rates.map((j) => `${j.name}: ${j.reason}`).join('; ').slice(0, 2000),
    rows: rates.map((j) => {
      const row: Row = { metric: j.name, production: j.baselineRate, candidate: j.canaryRate, change: j.difference, higherIsBetter: false, verdict: rateVerdict(j), note: `${j.canary.events} of ${j.canary.total} against ${j.baseline.events} of ${j.baseline.total}; ${j.method ?? 'no test'}${j.pHigher !== null ? `, p = ${j.pHigher.toPrecision(2)}` : ''}` };
      if (j.interval) row.interval = j.interval;
      return row;
    }),
  });
  for (const j of rates) {
    const key = j.name.replace(' rate', '_rate');
    metrics[`shadow.${key}.production`] = j.baselineRate;
    metrics[`shadow.${key}.candidate`] = j.canaryRate;
    metrics[`shadow.${key}.change`] = j.difference;
  }

  // Fail closed on too little or too broken a baseline.
  metrics['shadow.requests'] = total;
  metrics['shadow.compared'] = compared.length;
  metrics['shadow.production_answered'] = productionAnswered;
  let verdict = worst(sections.map((s) => s.verdict));
  const reasons: string[] = [];
  if (compared.length < settings.minRequests) {
    verdict = 'error';
    reasons.push(`only ${compared.length} of ${total} requests were answered validly by both sides; at least ${settings.minRequests} are needed to judge`);
  }
  if (productionAnswered < settings.minProductionAnswered * total) {
    verdict = 'error';
    reasons.push(`production answered only ${productionAnswered} of ${total} requests validly (less than ${Math.round(settings.minProductionAnswered * 100)}%): the baseline itself is failing, so nothing can be concluded`);
  }
  for (const message of reasons) findings.push({ rule: 'shadow/insufficient-data', severity: 'error', message });
  const failing = sections.filter((s) => s.verdict !== 'pass').map((s) => `${s.id} (${s.verdict})`);
  const reason =
    reasons.length > 0
      ? reasons.join('; ')
      : failing.length > 0
        ? `${failing.join(', ')} on ${compared.length} compared of ${total} requests`
        : `answers, contract, latency and errors within tolerance on ${compared.length} compared of ${total} requests`;
  return {
    verdict,
    reason,
    sections,
    metrics,
    findings,
    details: {
      settings,
      requests: total,
      compared: compared.length,
      latency,
      rates,
      violations: violations.slice(0, 1000).map((v) => ({ side: v.side, id: clipId(v.id), problems: v.problems.slice(0, 5) })),
      ...answers.details,
    },
  };
}

interface AnswerSection {
  section: CheckSection;
  metrics: Record<string, number | null>;
  details: Record<string, unknown>;
}

function worstRequests(records: readonly ShadowRecord[], compared: readonly number[], key: Float64Array, label: string, count: number, production?: Float64Array): WorstItem[] {
  return Array.from(key, (_, i) => i)
    .filter((i) => Number.isFinite(key[i]))
    .sort((a, b) => (key[a] as number) - (key[b] as number) || (records[compared[a]!]!.id < records[compared[b]!]!.id ? -1 : 1))
    .slice(0, count)
    .map((i) => {
      const record = records[compared[i]!]!;
      const item: WorstItem = { id: clipId(record.id), segment: record.segment, label, production: production ? finite(production[i]) : null, candidate: finite(key[i]), change: null };
      if (record.input !== null) item.texts = [clip(record.input)];
      return item;
    });
}

async function embeddingAnswers(records: readonly ShadowRecord[], compared: readonly number[], segments: readonly (string | null)[], options: AnalyseOptions): Promise<AnswerSection> {
  const { settings, reference } = options;
  const matrices = {
    production: matrixOf(compared.map((i) => records[i]!.production.value as number[])),
    candidate: matrixOf(compared.map((i) => records[i]!.candidate.value as number[])),
  };
  if (reference && compared.length > 0) {
    if (reference.production.dim !== matrices.production.dim) throw new ReferenceMismatch('production', reference.production.dim, matrices.production.dim);
    if (reference.candidate.dim !== matrices.candidate.dim) throw new ReferenceMismatch('candidate', reference.candidate.dim, matrices.candidate.dim);
  }
  const measures: AnswerMeasures =
    compared.length > 0
      ? await measureAnswers(matrices, reference, { k: settings.k, anchors: settings.anchors, seed: settings.seed }, options.search)
      : { overlap: new Float64Array(0), top1Changed: new Float64Array(0), correlation: new Float64Array(0), k: 0, anchors: 0 };
  const correlation = measures.correlation.filter((v) => Number.isFinite(v));
  const correlationRow: Row = { metric: `rank correlation of request similarities (Spearman, ${measures.anchors} requests)`, production: null, candidate: mean(correlation), higherIsBetter: true };
  const correlationInterval = meanInterval(correlation, settings, settings.seed + 2);
  if (correlationInterval) correlationRow.interval = correlationInterval;
  const metrics: Record<string, number | null> = { 'shadow.rank_correlation.mean': mean(correlation) };
  if (!reference) {
    // Fail closed: without the corpus nothing could fail the answers, so they are not passed either.
    correlationRow.note = 'no reference corpus: neighbours not compared';
    return {
      section: {
        id: 'answers',
        title: `Answers (${compared.length} requests)`,
        verdict: 'error',
        summary: 'not judged: no reference corpus was given, so the neighbours were not compared (rank correlation reported only)',
        rows: [correlationRow],
        worst: worstRequests(records, compared, measures.correlation, 'rank correlation', settings.worstItems),
      },
      metrics,
      details: { answers: 'embeddings', reference: null },
    };
  }
  const k = measures.k;
  const overlap = measures.overlap;
  const top1 = measures.top1Changed;
  const floor = settings.minOverlap;
  const gating = floor !== null && compared.length > 0;
  const outcome = judgeFloor(overlap, segments, floor ?? 0, settings, 'shadow-overlap');
  const overlapRow: Row = { metric: `overlap@${k} in the reference corpus`, production: null, candidate: mean(overlap), higherIsBetter: true };
  const overlapInterval = compared.length > 0 ? { low: outcome.overall.interval.low + (floor ?? 0), high: outcome.overall.interval.high + (floor ?? 0), level: outcome.overall.interval.level } : undefined;
  if (overlapInterval) overlapRow.interval = overlapInterval;
  if (gating) overlapRow.verdict = outcome.overall.verdict;
  else overlapRow.note = 'not judged: no min-overlap set';
  if (floor !== null) overlapRow.note = `at least ${floor} required, overall and per segment`;
  const top1Row: Row = { metric: 'share of requests whose top-1 document changes', production: null, candidate: mean(top1), higherIsBetter: false };
  const top1Interval = meanInterval(top1, settings, settings.seed + 1);
  if (top1Interval) top1Row.interval = top1Interval;
  const segmentList = shifted(outcome, floor ?? 0, `overlap@${k}`, segments, overlap).map((row) => (gating ? row : { ...row, gated: false }));
  const failingSegments = outcome.segments.filter((s) => s.gated && s.verdict === 'fail').map((s) => s.segment);
  const verdict: Verdict = gating ? outcome.verdict : compared.length > 0 ? 'error' : 'pass';
  const mo = mean(overlap);
  const summary = [
    `mean overlap@${k} ${mo === null ? 'n/a' : mo.toFixed(3)}${overlapInterval ? ` (${Math.round(settings.confidence * 100)}% CI ${overlapInterval.low.toFixed(3)} to ${overlapInterval.high.toFixed(3)})` : ''}${floor !== null ? `, at least ${floor} required` : ''}`,
    `top-1 document changes for ${mean(top1) === null ? 'n/a' : `${((mean(top1) as number) * 100).toFixed(1)}%`} of requests`,
    failingSegments.length > 0 ? `segments below the floor: ${failingSegments.slice(0, 5).map((s) => clip(s).slice(0, 60)).join(', ')}${failingSegments.length > 5 ? ` and ${failingSegments.length - 5} more` : ''}` : '',
    outcome.resamplesNeeded !== undefined ? `too few resamples for the gated segments to fail: set resamples to at least ${outcome.resamplesNeeded}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  Object.assign(metrics, {
    'shadow.overlap.mean': mo,
    'shadow.overlap.low': overlapInterval?.low ?? null,
    'shadow.overlap.high': overlapInterval?.high ?? null,
    'shadow.top1_changed': mean(top1),
    'shadow.k': k,
    'shadow.segments': outcome.segments.length,
    'shadow.segments_gated': outcome.segments.filter((s) => s.gated).length,
    'shadow.segments_failed': failingSegments.length,
  });
  return {
    section: {
      id: 'answers',
      title: `Answers: neighbours in the reference corpus (${compared.length} requests, k = ${k})`,
      verdict,
      summary: summary.slice(0, 2000),
      rows: [overlapRow, top1Row, correlationRow],
      segments: segmentList,
      worst: worstRequests(records, compared, overlap, `overlap@${k}`, settings.worstItems),
    },
    metrics,
    details: { answers: 'embeddings', reference: { documents: reference.ids.length }, segments: outcome.segments },
  };
}

/** A reference corpus embedded in another space than the answers cannot be searched with them. */
export class ReferenceMismatch extends Error {
  constructor(
    readonly side: 'production' | 'candidate',
    readonly referenceDim: number,
    readonly answerDim: number,
  ) {
    super(`the ${side} reference corpus has dimension ${referenceDim}, but the ${side} answers have ${answerDim}: embed the reference corpus with the same model`);
  }
}

function jsonAnswers(records: readonly ShadowRecord[], compared: readonly number[], segments: readonly (string | null)[], settings: ShadowSettings): AnswerSection {
  const field = settings.field;
  if (!field) {
    return {
      section: { id: 'answers', title: `Answers (${compared.length} requests)`, verdict: 'error', summary: 'not judged: no output field was configured', rows: [] },
      metrics: {},
      details: { answers: 'json', field: null },
    };
  }
  const pairs = compared.map((i) => [fieldValue(records[i]!.production.value, field), fieldValue(records[i]!.candidate.value, field)] as const);
  const numeric = pairs.length > 0 && pairs.every(([a, b]) => typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b));
  if (numeric) {
    const difference = Float64Array.from(pairs, ([a, b]) => (b as number) - (a as number));
    const negativeAbs = difference.map((d) => -Math.abs(d));
    const limit = settings.maxDifference;
    const outcome = compareDifferences(negativeAbs, segments, limit ?? 0, checkSettings(settings), 'shadow-field');
    const sortedAbs = Float64Array.from(difference, Math.abs).sort();
    const row: Row = {
      metric: `mean |difference| of ${field}`,
      production: null,
      candidate: mean(sortedAbs),
      higherIsBetter: false,
      interval: { low: -outcome.overall.interval.high, high: -outcome.overall.interval.low, level: outcome.overall.interval.level },
    };
    if (limit !== null) {
      row.verdict = outcome.overall.verdict;
      row.note = `at most ${limit} allowed`;
    } else row.note = 'not judged: a numeric field needs max-difference';
    const segmentList = segmentRows(outcome, `mean |difference| of ${field}`, segments, null, Float64Array.from(difference, Math.abs)).map((s) => ({
      ...s,
      change: null,
      ...(s.interval ? { interval: { low: -s.interval.high, high: -s.interval.low, level: s.interval.level } } : {}),
      ...(limit === null ? { gated: false } : {}),
    }));
    return {
      section: {
        id: 'answers',
        title: `Answers: ${clip(field)} (${compared.length} requests)`,
        verdict: limit !== null ? outcome.verdict : 'error',
        summary: `mean |difference| ${(mean(sortedAbs) ?? 0).toPrecision(4)}, p50 ${quantileSorted(sortedAbs, 0.5).toPrecision(4)}, p95 ${quantileSorted(sortedAbs, 0.95).toPrecision(4)}; mean difference (candidate − production) ${(mean(difference) ?? 0).toPrecision(4)}`,
        rows: [row, { metric: `mean difference of ${field} (candidate − production)`, production: null, candidate: mean(difference) }],
        segments: segmentList,
        worst: worstRequests(records, compared, negativeAbs, `−|Δ ${clip(field).slice(0, 40)}|`, settings.worstItems),
      },
      metrics: { 'shadow.field.mean_abs_difference': mean(sortedAbs), 'shadow.field.mean_difference': mean(difference), 'shadow.segments_failed': outcome.segments.filter((s) => s.gated && s.verdict === 'fail').length },
      details: { answers: 'json', field, kind: 'numeric' },
    };
  }
  const agree = Float64Array.from(pairs, ([a, b]) => (JSON.stringify(a) === JSON.stringify(b) && a !== undefined ? 1 : 0));
  const floor = settings.minAgreement;
  const outcome = judgeFloor(agree, segments, floor ?? 0, settings, 'shadow-field');
  const interval = { low: outcome.overall.interval.low + (floor ?? 0), high: outcome.overall.interval.high + (floor ?? 0), level: outcome.overall.interval.level };
  const row: Row = { metric: `agreement on ${field}`, production: null, candidate: mean(agree), higherIsBetter: true, interval };
  if (floor !== null) {
    row.verdict = outcome.overall.verdict;
    row.note = `at least ${floor} required, overall and per segment`;
  } else row.note = 'not judged: a label field needs min-agreement';
  const segmentList = shifted(outcome, floor ?? 0, `agreement on ${field}`, segments, agree).map((s) => (floor === null ? { ...s, gated: false } : s));
  return {
    section: {
      id: 'answers',
      title: `Answers: ${clip(field)} (${compared.length} requests)`,
      verdict: floor !== null ? outcome.verdict : 'error',
      summary: `the models agree on ${field} for ${((mean(agree) ?? 0) * 100).toFixed(1)}% of requests (${Math.round(settings.confidence * 100)}% CI ${(interval.low * 100).toFixed(1)}% to ${(interval.high * 100).toFixed(1)}%)`,
      rows: [row],
      segments: segmentList,
      worst: worstRequests(records, compared, agree, `agrees on ${clip(field).slice(0, 40)}`, settings.worstItems),
    },
    metrics: { 'shadow.field.agreement': mean(agree), 'shadow.segments_failed': outcome.segments.filter((s) => s.gated && s.verdict === 'fail').length },
    details: { answers: 'json', field, kind: 'label' },
  };
}
