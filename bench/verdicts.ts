// Simulation of the verdict rule at the default settings (npm run bench:verdicts).
//
// Each trial draws per-item scores for a production model (think per-query nDCG or per-pair
// placement) and a candidate = production + Gaussian noise, split into 10 segments of 10%
// each, and runs the same judgement every check uses (compareDifferences: bootstrap
// interval, Holm-corrected segments).
//   false alarms: no real change; the check must fail in at most 5% of trials. Measured
//          twice: on per-item scores, and end to end through the pairs check on vectors
//          (candidate vectors = production vectors + small Gaussian noise); the rate
//          reported is the larger of the two.
//   power: one segment (10% of the items) regresses by twice the tolerance; the check must
//          fail in at least 90% of trials.
//   boundary (reported, not a target): every item regresses by exactly the tolerance, the
//          worst case for false alarms. The overall interval rule and the Holm family of
//          segments each test at (1 − confidence) / 2, so the check fails at most about twice
//          that (the percentile bootstrap is slightly liberal for small segments).
// The last two lines are `false-alarm rate: <x>` and `power: <y>`; exit 1 if a target is missed.
import { normaliseRows } from '../src/knn/normalise.js';
import type { Matrix } from '../src/knn/types.js';
import { measurePairs, summarisePairs } from '../src/regression/checks/pairs.js';
import { compareDifferences } from '../src/regression/compare.js';
import { DEFAULTS, resolveSettings } from '../src/regression/settings.js';
import type { Suite } from '../src/regression/suite.js';
import { createRng } from '../src/stats/random.js';

const TRIALS = 200;
const ITEMS = 1000;
const SEGMENTS = 10;
const NOISE = 0.04;
const settings = resolveSettings('retrieval', {}, { name: 'bench', texts: 'unused', checks: {} });
const tolerance = DEFAULTS.tolerance.retrieval;

function gaussian(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

const segments = Array.from({ length: ITEMS }, (_, i) => `segment-${i % SEGMENTS}`);

/** Fail rate over TRIALS trials; `shift(i)` is item i's true change. */
function failRate(name: string, seed: number, shift: (i: number) => number): number {
  let failures = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const rng = createRng(seed + trial);
    const diffs = new Float64Array(ITEMS);
    for (let i = 0; i < ITEMS; i++) diffs[i] = shift(i) + NOISE * gaussian(rng);
    const outcome = compareDifferences(diffs, segments, tolerance, { ...settings, seed: seed + trial }, name);
    if (outcome.verdict === 'fail') failures++;
  }
  return failures / TRIALS;
}

/**
 * End-to-end false alarms on vectors: 40 topic clusters of 25 texts in 64 dimensions, 10
 * segments; 2,000 pairs (half related, same topic; half unrelated). Each trial draws new
 * vectors; the candidate adds noise of sd 0.02 per component to every production vector.
 */
function vectorFalseAlarmRate(seed: number): number {
  const texts = 1000;
  const dim = 64;
  const topicOf = (i: number): number => i % 40;
  const segmentOf = (i: number): string => `segment-${Math.floor(i / 100)}`;
  let failures = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const rng = createRng(seed + trial);
    const centres = Array.from({ length: 40 }, () => Float64Array.from({ length: dim }, () => gaussian(rng)));
    const production = new Float32Array(texts * dim);
    const candidate = new Float32Array(texts * dim);
    for (let i = 0; i < texts; i++) {
      for (let j = 0; j < dim; j++) {
        const value = (centres[topicOf(i)]![j] as number) + 1.5 * gaussian(rng);
        production[i * dim + j] = value;
        candidate[i * dim + j] = value + 0.02 * gaussian(rng);
      }
    }
    const pairs: NonNullable<Suite['pairs']> = [];
    for (let n = 0; n < 2000; n++) {
      const a = Math.floor(rng() * texts);
      const related = n % 2 === 0;
      // Same segment; related pairs share a topic (a ± 40 keeps both), unrelated ones do not.
      const base = Math.floor(a / 100) * 100;
      const b = related ? base + ((a - base + 40) % 100) : base + ((a - base + 1 + Math.floor(rng() * 38)) % 100);
      pairs.push({ id: `p${n}`, a, b, label: related && topicOf(a) === topicOf(b) ? 'related' : 'unrelated', segment: segmentOf(a) });
    }
    const suite: Suite = { file: 'bench', definition: { name: 'bench', texts: 'bench', checks: {} }, texts: [], pairs };
    const spaces = { production: normaliseRows({ data: production, rows: texts, dim } as Matrix), candidate: normaliseRows({ data: candidate, rows: texts, dim } as Matrix) };
    const items = measurePairs(suite, spaces, undefined);
    const { section } = summarisePairs({ settings: { ...settings, tolerance: DEFAULTS.tolerance.pairs, seed: seed + trial }, params: { relatedFloor: 0.5, unrelatedCeiling: 0.3 }, items, worst: [] });
    if (section.verdict === 'fail') failures++;
  }
  return failures / TRIALS;
}

console.log(`settings: tolerance ${tolerance}, confidence ${settings.confidence}, resamples ${settings.resamples}, minSegmentSize ${settings.minSegmentSize}, Holm over ${SEGMENTS} segments`);
console.log(`data: ${ITEMS} items, per-item noise sd ${NOISE}, ${TRIALS} seeded trials per scenario`);
const started = Date.now();
const itemFalseAlarms = failRate('false-alarm', 1_000, () => 0);
const vectorFalseAlarms = vectorFalseAlarmRate(4_000);
const falseAlarms = Math.max(itemFalseAlarms, vectorFalseAlarms);
const power = failRate('power', 2_000, (i) => (i % SEGMENTS === 0 ? -2 * tolerance : 0));
const boundary = failRate('boundary', 3_000, () => -tolerance);
console.log(`boundary fail rate (every item −tolerance; nominal ≤ ${(1 - settings.confidence).toFixed(3)}): ${boundary.toFixed(3)}`);
console.log(`false alarms on per-item scores: ${itemFalseAlarms.toFixed(3)}; through the pairs check on vectors: ${vectorFalseAlarms.toFixed(3)}`);
console.log(`elapsed: ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`false-alarm rate: ${falseAlarms.toFixed(3)}`);
console.log(`power: ${power.toFixed(3)}`);
process.exitCode = falseAlarms <= 0.05 && power >= 0.9 ? 0 : 1;
