import type { RegressionConfig } from '../config/types.js';
import type { EmbeddingSource, TextItem } from '../embeddings/types.js';
import { digestOf } from '../io/digest.js';
import type { Logger } from '../io/log.js';
import type { Matrix, NeighbourSearch } from '../knn/types.js';
import { normaliseShared } from '../knn/normalise.js';
import type { CheckSection, Finding, Verdict } from '../results/types.js';
import type { CheckOutput, CheckRecord, ItemTable } from './checks/common.js';
import { healthFigures, summariseHealth, type HealthFigures } from './checks/health.js';
import { measureNeighbours, summariseNeighbours, worstNeighbourhoods, type NeighbourParams } from './checks/neighbours.js';
import { measurePairs, summarisePairs, worstPairs, type PairParams } from './checks/pairs.js';
import { measureRetrieval, summariseRetrieval, worstQueries, type RetrievalParams } from './checks/retrieval.js';
import { measureTriplets, summariseTriplets, worstTriplets } from './checks/triplets.js';
import { worstVerdict } from './compare.js';
import { overlapDistribution, pairDistributions } from './distributions.js';
import { DEFAULTS, resolveSettings, type CheckName } from './settings.js';
import type { Shard } from './shard.js';
import { suiteItems, type Suite } from './suite.js';
import type { Spaces } from './vectors.js';

export const DETAILS_FORMAT = 'embedding-regression/details@1';
export const CHECK_ORDER: readonly CheckName[] = ['pairs', 'triplets', 'retrieval', 'neighbours'];

/** A check that could not run (e.g. NaN vectors): recorded so every shard and the merge agree. */
export interface SkippedCheck {
  skipped: string;
}

/**
 * Everything a result of this kind is made from. A shard's details carry the per-item
 * tables, so that merging shards recomputes exactly what the unsharded run computes.
 */
export interface RegressionDetails {
  format: typeof DETAILS_FORMAT;
  /** Digest of everything that determines the result except the shard: shards of one run share it. */
  runKey: string;
  suite: { name: string; texts: number };
  sources: { production: string; candidate: string };
  health: { production: HealthFigures; candidate: HealthFigures; contractDimension: number | null; rankDropRatio: number };
  checks: Partial<Record<CheckName, CheckRecord | SkippedCheck>>;
}

export interface Assembled {
  verdict: Verdict;
  summary: string;
  checks: CheckSection[];
  metrics: Record<string, number | null>;
  findings: Finding[];
}

function summariseCheck(name: CheckName, record: CheckRecord): CheckOutput {
  switch (name) {
    case 'pairs':
      return summarisePairs(record);
    case 'triplets':
      return summariseTriplets(record);
    case 'retrieval':
      return summariseRetrieval(record);
    case 'neighbours':
      return summariseNeighbours(record);
  }
}

const TITLES: Record<CheckName, string> = { pairs: 'Pairs', triplets: 'Triplets', retrieval: 'Retrieval', neighbours: 'Neighbours' };

/**
 * Builds the checks, metrics, findings and verdict from the details. The unsharded run, each
 * shard and the merge all call this one function: equal details give equal results.
 */
export function assemble(details: RegressionDetails): Assembled {
  const checks: CheckSection[] = [];
  const metrics: Record<string, number | null> = {};
  for (const name of CHECK_ORDER) {
    const record = details.checks[name];
    if (!record) continue;
    if ('skipped' in record) {
      checks.push({ id: name, title: TITLES[name], verdict: 'error', summary: `not run: ${record.skipped}`, rows: [] });
      continue;
    }
    const output = summariseCheck(name, record);
    checks.push(output.section);
    Object.assign(metrics, output.metrics);
  }
  const health = summariseHealth({ ...details.health, sources: details.sources });
  checks.push(health.section);
  Object.assign(metrics, health.metrics);
  const verdict = worstVerdict(checks.map((c) => c.verdict));
  const failing = checks.filter((c) => c.verdict === 'fail' || c.verdict === 'error').map((c) => c.id);
  const marginal = checks.filter((c) => c.verdict === 'marginal').map((c) => c.id);
  const summary =
    verdict === 'pass'
      ? `The candidate shows no regression beyond tolerance in ${checks.length} check(s).`
      : verdict === 'marginal'
        ? `No credible regression, but ${marginal.join(', ')} cannot rule one out: promotion needs an approval.`
        : `The candidate regresses (${failing.join(', ')}).`;
  return { verdict, summary, checks, metrics, findings: health.findings };
}

export interface ProgressSink {
  onProgress(done: number, total: number): void;
  finish(): void;
}

/** Runs fn with a progress callback for the phase, and ends the report however fn ends. */
async function withProgress<T>(run: RegressionRun, phase: string, fn: (onProgress?: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const sink = run.progress?.(phase);
  try {
    return await fn(sink?.onProgress);
  } finally {
    sink?.finish();
  }
}

export interface RegressionRun {
  suite: Suite;
  production: EmbeddingSource;
  candidate: EmbeddingSource;
  /** The contract's embedding dimension, when a contract is given. */
  contractDimension: number | null;
  config: RegressionConfig;
  /** The `seed` input: overrides every check's seed. */
  seed?: number;
  shard?: Shard;
  search: NeighbourSearch;
  log: Logger;
  signal?: AbortSignal;
  /** Starts progress reporting for a phase (embedding, searching); `finish` is called when it ends. */
  progress?: (phase: string) => ProgressSink;
}

async function embed(source: EmbeddingSource, role: string, items: readonly TextItem[], run: RegressionRun): Promise<Matrix> {
  return run.log.group(`Embedding ${items.length} texts with ${role} (${source.description})`, async () => {
    const matrix = await withProgress(run, `${role}: embedding`, (onProgress) =>
      source.embed(items, { log: run.log, ...(run.signal ? { signal: run.signal } : {}), ...(onProgress ? { onProgress } : {}) }),
    );
    if (matrix.rows !== items.length) throw new Error(`${role} source returned ${matrix.rows} vectors for ${items.length} texts`);
    return matrix;
  });
}

/**
 * Embeds the items with one source, measures the health of the raw vectors, then
 * normalises them in shared memory, in place when they are there already (the neighbour
 * search reads them without a copy). The raw matrix is not kept: a run holds each space once.
 */
async function embedSpace(source: EmbeddingSource, role: string, items: readonly TextItem[], run: RegressionRun, seed: number): Promise<{ health: HealthFigures; space: Matrix }> {
  const raw = await embed(source, role, items, run);
  run.signal?.throwIfAborted();
  const health = healthFigures(raw, seed, items.map((item) => item.id));
  return { health, space: normaliseShared(raw) };
}

/**
 * Runs a suite against two embedding sources: embeds every text with both, measures this
 * shard's items for each check, and assembles the result parts. Stops with the signal's
 * reason when aborted (nothing is written here; the caller writes the result).
 */
export async function runRegression(run: RegressionRun): Promise<{ details: RegressionDetails; assembled: Assembled }> {
  const { suite, shard } = run;
  const definition = suite.definition;
  const items = suiteItems(suite);
  // A wrong candidate file, endpoint or program is found in seconds, not after production's run.
  for (const [role, source] of [['candidate', run.candidate], ['production', run.production]] as const) {
    if (source.check) await run.log.group(`Checking ${role} (${source.description})`, () => source.check!(items, { log: run.log, ...(run.signal ? { signal: run.signal } : {}) }));
  }
  const settingsSeed = resolveSettings('pairs', run.config, definition, run.seed).seed;
  const production = await embedSpace(run.production, 'production', items, run, settingsSeed);
  const candidate = await embedSpace(run.candidate, 'candidate', items, run, settingsSeed);
  const health: RegressionDetails['health'] = {
    production: production.health,
    candidate: candidate.health,
    contractDimension: run.contractDimension,
    rankDropRatio: definition.checks.health?.rankDropRatio ?? DEFAULTS.rankDropRatio,
  };
  const unusable =
    health.production.nonFinite + health.candidate.nonFinite > 0
      ? 'the vectors contain NaN or infinite values'
      : health.production.dimension === 0 || health.candidate.dimension === 0
        ? 'the vectors are empty'
        : null;
  const spaces: Spaces = { production: production.space, candidate: candidate.space };
  const checks: RegressionDetails['checks'] = {};
  const params: Partial<Record<CheckName, Record<string, unknown>>> = {};
  const { checks: spec } = definition;
  if (spec.pairs) {
    params.pairs = {
      relatedFloor: spec.pairs.relatedFloor ?? DEFAULTS.relatedFloor,
      unrelatedCeiling: spec.pairs.unrelatedCeiling ?? DEFAULTS.unrelatedCeiling,
      ...(spec.pairs.sameSpace ? { sameSpace: true, similarityTolerance: spec.pairs.similarityTolerance ?? DEFAULTS.tolerance.pairs } : {}),
    } satisfies PairParams;
  }
  if (spec.triplets) params.triplets = {};
  if (spec.retrieval) params.retrieval = { k: spec.retrieval.k ?? DEFAULTS.k, metric: spec.retrieval.metric ?? 'ndcg' } satisfies RetrievalParams;
  if (spec.neighbours) params.neighbours = { k: spec.neighbours.k ?? DEFAULTS.k, sample: spec.neighbours.sample ?? DEFAULTS.sample } satisfies NeighbourParams;
  const settings = Object.fromEntries(CHECK_ORDER.filter((n) => params[n]).map((n) => [n, resolveSettings(n, run.config, definition, run.seed)]));
  const context = { search: run.search, ...(run.signal ? { signal: run.signal } : {}) };
  for (const name of CHECK_ORDER) {
    const p = params[name];
    if (!p) continue;
    if (unusable) {
      checks[name] = { skipped: unusable };
      continue;
    }
    const s = settings[name]!;
    const searching = (fn: (c: typeof context & { onProgress?: (done: number, total: number) => void }) => Promise<ItemTable>): Promise<ItemTable> =>
      run.log.group(`${TITLES[name]}: searching both spaces`, () => withProgress(run, `${name}: searching`, (onProgress) => fn(onProgress ? { ...context, onProgress } : context)));
    let record: CheckRecord;
    switch (name) {
      case 'pairs': {
        const table = measurePairs(suite, spaces, shard);
        record = { settings: s, params: p, items: table, worst: worstPairs(suite, table, s.worstItems) };
        break;
      }
      case 'triplets': {
        const table = measureTriplets(suite, spaces, shard);
        record = { settings: s, params: p, items: table, worst: worstTriplets(suite, table, s.worstItems) };
        break;
      }
      case 'retrieval': {
        const rp = p as unknown as RetrievalParams;
        const table = await searching((c) => measureRetrieval(suite, spaces, shard, rp.k, c));
        record = { settings: s, params: p, items: table, worst: worstQueries(suite, table, rp.metric, s.worstItems) };
        break;
      }
      case 'neighbours': {
        const np = p as unknown as NeighbourParams;
        const table = await searching((c) => measureNeighbours(suite, spaces, shard, np, s.seed, c));
        record = { settings: s, params: p, items: table, worst: worstNeighbourhoods(suite, table, s.worstItems) };
        break;
      }
    }
    checks[name] = record;
  }
  const details: RegressionDetails = {
    format: DETAILS_FORMAT,
    runKey: digestOf({
      suite: { definition, texts: suite.texts, pairs: suite.pairs, triplets: suite.triplets, retrieval: suite.retrieval && { ...suite.retrieval, relevant: suite.retrieval.relevant.map((m) => [...m]) }, neighbourCorpus: suite.neighbourCorpus },
      sources: [run.production.description, run.candidate.description],
      settings,
      params,
      contractDimension: run.contractDimension,
      health,
    }),
    suite: { name: definition.name, texts: suite.texts.length },
    sources: { production: run.production.description, candidate: run.candidate.description },
    health,
    checks,
  };
  return { details, assembled: assemble(details) };
}

/** Details as written in a final (unsharded or merged) result: without the per-item tables. */
export function finalDetails(details: RegressionDetails): Record<string, unknown> {
  const checks = Object.fromEntries(
    Object.entries(details.checks).map(([name, record]) => [name, 'skipped' in record ? record : { settings: record.settings, params: record.params, items: record.items.id.length }]),
  );
  // Histograms for the HTML report's charts: the items themselves are not kept.
  const distributions: Record<string, unknown> = {};
  const pairs = details.checks.pairs;
  if (pairs && !('skipped' in pairs)) distributions.pairs = pairDistributions(pairs);
  const neighbours = details.checks.neighbours;
  if (neighbours && !('skipped' in neighbours)) distributions.neighbours = overlapDistribution(neighbours);
  return { ...details, checks, distributions };
}
