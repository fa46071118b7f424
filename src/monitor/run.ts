import type { RegressionConfig } from '../config/types.js';
import type { EmbeddingSource } from '../embeddings/types.js';
import { ConfigurationError, errorMessage } from '../io/errors.js';
import type { Logger } from '../io/log.js';
import type { Matrix } from '../knn/types.js';
import type { ComparisonOutcome } from '../regression/compare.js';
import { resolveSettings } from '../regression/settings.js';
import { suiteItems, type Suite } from '../regression/suite.js';
import type { Breach } from './alerting.js';
import { detectDrift, type DriftOutcome, type DriftSettings } from './drift.js';
import { compareScores, compareVectors, scoreProbes, suiteDigest, type VectorComparison } from './probes.js';
import type { SampleText } from './sample.js';
import type { MonitorSnapshot } from './types.js';

/** Default lowest acceptable cosine between a probe's live vector and its snapshot: below it another model is serving. */
export const DEFAULT_VECTOR_FLOOR = 0.99;

type ScoreOutcome = ComparisonOutcome & { snapshotMean: number | null; liveMean: number | null };

/** Everything one run measured. */
export interface MonitorFigures {
  vectors: VectorComparison;
  /** Related pairs' cosines, triplets' margins, queries' retrieval metric: live against the snapshot. */
  scores: { pairs: ScoreOutcome | null; triplets: ScoreOutcome | null; retrieval: ScoreOutcome | null };
  drift: DriftOutcome | null;
}

export interface MonitorChecks {
  suite: Suite;
  snapshot: MonitorSnapshot;
  /** The production endpoint (never cached: a cache would answer for a swapped model). */
  source: EmbeddingSource;
  regression: RegressionConfig;
  vectorFloor: number;
  /** Drift samples, when drift is checked. */
  drift?: { reference: readonly SampleText[]; current: readonly SampleText[]; settings: DriftSettings; severity: 'warning' | 'failure' };
  log: Logger;
}

/** Embeds through production; any failure is the endpoint's, reported as such (the monitor fails closed). */
async function embedLive(source: EmbeddingSource, items: readonly { id: string; text: string }[], what: string, log: Logger): Promise<Matrix> {
  try {
    return await source.embed(items, { log });
  } catch (error) {
    throw new ConfigurationError(`could not embed the ${what} through production (${source.description}): ${errorMessage(error)}`);
  }
}

/**
 * Probes production and tests the drift samples: the figures, and every breach found. A
 * probe suite that differs from the snapshot's, or an endpoint that cannot be read, is an
 * error: the monitor never reports healthy from missing data.
 */
export async function checkProduction(checks: MonitorChecks): Promise<{ figures: MonitorFigures; breaches: Breach[] }> {
  const { suite, snapshot, log } = checks;
  if (suiteDigest(suite) !== snapshot.probes.digest) {
    throw new ConfigurationError(`the probe suite ${suite.file} differs from the one the snapshot of ${snapshot.model} ${snapshot.version} was taken with (${snapshot.probes.file}); probes are only comparable unchanged`);
  }
  const live = await embedLive(checks.source, suiteItems(suite), 'probe texts', log);
  const scores = await scoreProbes(suite, live, snapshot.vectors.length);
  const breaches: Breach[] = [];
  const vectors = compareVectors(snapshot.vectors, scores.vectors);
  if (live.dim !== snapshot.dimension) {
    breaches.push({ check: 'vectors', severity: 'severe', message: `production returns ${live.dim}-dimensional vectors; the snapshot's have ${snapshot.dimension}: another model is serving` });
  } else if (vectors.count > 0 && vectors.minCosine < checks.vectorFloor) {
    const worst = vectors.cosines.reduce((a, b) => (b.cosine < a.cosine ? b : a));
    breaches.push({
      check: 'vectors',
      severity: 'severe',
      message: `probe vectors changed: lowest cosine to the snapshot ${vectors.minCosine.toFixed(4)} (probe ${worst.id}), below ${checks.vectorFloor}; ${vectors.identical} of ${vectors.count} identical`,
    });
  }
  const judged = (check: 'pairs' | 'triplets' | 'retrieval', before: MonitorSnapshot['pairs'], after: MonitorSnapshot['pairs'], what: string): ScoreOutcome | null => {
    if (before.length === 0) return null;
    const settings = resolveSettings(check, checks.regression, suite.definition);
    const outcome = compareScores(before, after, settings, `monitor-${check}`);
    if (outcome.verdict === 'fail') {
      const failing = outcome.segments.filter((s) => s.verdict === 'fail').map((s) => s.segment);
      const i = outcome.overall.interval;
      breaches.push({
        check,
        severity: 'failure',
        message: `${what} dropped by ${(-outcome.overall.estimate).toFixed(4)} on average (interval [${i.low.toFixed(4)}, ${i.high.toFixed(4)}], tolerance ${settings.tolerance})${failing.length ? `; failing segments: ${failing.join(', ')}` : ''}`,
      });
    }
    return outcome;
  };
  const figures: MonitorFigures = {
    vectors,
    scores: {
      pairs: judged('pairs', snapshot.pairs, scores.pairs, 'related pairs\' cosine'),
      triplets: judged('triplets', snapshot.triplets, scores.triplets, 'triplets\' margin'),
      retrieval: snapshot.retrieval && scores.retrieval ? judged('retrieval', snapshot.retrieval.queries, scores.retrieval.queries, `retrieval ${snapshot.retrieval.metric}@${snapshot.retrieval.k}`) : null,
    },
    drift: null,
  };
  if (checks.drift) {
    const { reference, current, settings, severity } = checks.drift;
    const referenceVectors = await embedLive(checks.source, reference, 'reference sample', log);
    const currentVectors = await embedLive(checks.source, current, 'current sample', log);
    if (referenceVectors.dim !== currentVectors.dim) throw new ConfigurationError(`production returned ${referenceVectors.dim}- and ${currentVectors.dim}-dimensional vectors for the two samples`);
    const drift = detectDrift(referenceVectors, currentVectors, { reference: reference.map((t) => t.segment), current: current.map((t) => t.segment) }, settings);
    figures.drift = drift;
    if (drift.drifted) {
      const where = [drift.overall.drifted ? `overall (${drift.overall.methods.join(', ')})` : '', ...drift.segments.filter((s) => s.drifted).map((s) => `segment ${s.segment} (${s.methods.join(', ')})`)].filter(Boolean);
      breaches.push({ check: 'drift', severity, message: `the production inputs drifted from the reference sample: ${where.join('; ')}` });
    }
  }
  return { figures, breaches };
}
