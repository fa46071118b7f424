// Simulation of the monitor's alert discipline over 30 daily runs, end to end through the
// engine (probe scoring, probe comparison, the drift tests, the confirmation rule), with an
// in-memory model instead of an HTTP endpoint. Seeded: every run prints the same figures.
//   npm run bench:monitor [-- --trials 100]
//
// The world: texts belong to topics; a model embeds a text as its topic's centre plus the
// text's own offset (16 dimensions), and serving adds a little noise on every call (batching
// on a GPU is not bit-exact). Probes: 60 texts in 6 topics, 40 related pairs, 20 triplets.
// Drift samples: 400 reference inputs recorded at promotion, 400 fresh inputs every day.
// - no change: 30 days of the same model and input distribution; the rate of trials with any alert;
// - swapped model: another model's weights behind the endpoint (first run);
// - requantised model: the same model with its vectors perturbed to a probe cosine near 0.97 (first run);
// - drift: 20% of the day's inputs come from two topics the reference never saw (alert by run 2).
import type { EmbeddingSource, TextItem } from '../src/embeddings/types.js';
import { silentLogger } from '../src/io/log.js';
import type { Matrix } from '../src/knn/types.js';
import { decideAlerts, type MonitorState } from '../src/monitor/alerting.js';
import { DRIFT_DEFAULTS } from '../src/monitor/drift.js';
import { scoreProbes, suiteDigest } from '../src/monitor/probes.js';
import { checkProduction, DEFAULT_VECTOR_FLOOR } from '../src/monitor/run.js';
import type { SampleText } from '../src/monitor/sample.js';
import { SNAPSHOT_SCHEMA, type MonitorSnapshot } from '../src/monitor/types.js';
import type { Suite } from '../src/regression/suite.js';
import { stableHash } from '../src/regression/shard.js';
import { createUint32Rng } from '../src/stats/random.js';

const args = process.argv.slice(2);
const trialsArg = args.indexOf('--trials');
const TRIALS = trialsArg >= 0 ? Number(args[trialsArg + 1]) : 100;
if (!Number.isInteger(TRIALS) || TRIALS < 20) {
  console.error('--trials must be a whole number of at least 20');
  process.exit(2);
}
const DAYS = 30;
const DIM = 16;
const TOPICS = 8;
const SAMPLE = 400;
const DRIFT_SHARE = 0.2;
const SERVING_NOISE = 0.002; // per component, on unit-scale vectors: probe cosine ≈ 0.99994
const REQUANTISED = 0.04; // per component: probe cosine ≈ 0.97
const CONFIRM_RUNS = 2;
const TARGET = { falseAlert: 0.05, swap: 0.99, drift: 0.9 };

function uniforms(seed: number): () => number {
  const next = createUint32Rng(seed >>> 0);
  return () => (next() + 0.5) / 2 ** 32;
}

function gaussians(uniform: () => number, n: number, sd = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = sd * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/** A model: each topic's centre and each text's offset come from the weights' seed and the text. */
class SimulatedModel implements EmbeddingSource {
  readonly cacheKey = null;
  private readonly noise: () => number;
  constructor(
    readonly description: string,
    private readonly weights: number,
    private readonly servingNoise: number,
    noiseSeed: number,
  ) {
    this.noise = uniforms(noiseSeed);
  }

  private base(text: string): Float64Array {
    const topic = Number(/^topic-(\d+):/.exec(text)?.[1] ?? 0);
    const centre = gaussians(uniforms(stableHash(`${this.weights}:centre:${topic}`)), DIM);
    const offset = gaussians(uniforms(stableHash(`${this.weights}:${text}`)), DIM, 0.8);
    return centre.map((c, i) => c + (offset[i] as number));
  }

  embed(items: readonly TextItem[]): Promise<Matrix> {
    const data = new Float32Array(items.length * DIM);
    items.forEach((item, r) => {
      const v = this.base(item.text);
      const norm = Math.hypot(...v);
      const jitter = gaussians(this.noise, DIM, this.servingNoise);
      for (let j = 0; j < DIM; j++) data[r * DIM + j] = (v[j] as number) / norm + (jitter[j] as number);
    });
    return Promise.resolve({ data, rows: items.length, dim: DIM });
  }
}

/** The probe suite: 60 texts in 6 topics, related pairs within a topic, triplets across. */
function probeSuite(): Suite {
  const texts = Array.from({ length: 60 }, (_, i) => ({ id: `p${i}`, text: `topic-${i % 6}: probe ${i}`, segment: i % 2 ? 'en' : 'fr' }));
  const pairs = Array.from({ length: 40 }, (_, i) => ({ id: `pair${i}`, a: i, b: (i + 6) % 60, label: 'related' as const, segment: null }));
  const triplets = Array.from({ length: 20 }, (_, i) => ({ id: `trip${i}`, anchor: i, positive: (i + 12) % 60, negative: (i + 1) % 60, segment: null }));
  return {
    file: 'probes/suite.yml',
    definition: { name: 'probes', texts: 'texts.jsonl', settings: { resamples: 500, seed: 3 }, checks: { pairs: { file: 'pairs.csv' }, triplets: { file: 'triplets.jsonl' } } },
    texts,
    pairs,
    triplets,
  };
}

/** Inputs drawn from the reference topics, with `share` of them from two new topics. */
function inputs(seed: number, day: number, share: number): SampleText[] {
  const uniform = uniforms(stableHash(`inputs:${seed}:${day}`));
  return Array.from({ length: SAMPLE }, (_, i) => {
    const topic = uniform() < share ? TOPICS + Math.floor(uniform() * 2) : Math.floor(uniform() * TOPICS);
    return { id: `${day}-${i}`, text: `topic-${topic}: input ${seed} ${day} ${i}`, segment: null };
  });
}

async function snapshotOf(suite: Suite, model: SimulatedModel): Promise<MonitorSnapshot> {
  const scores = await scoreProbes(suite, await model.embed(suite.texts), 16);
  return { schema: SNAPSHOT_SCHEMA, model: 'sim', version: '1', time: '', probes: { file: suite.file, digest: suiteDigest(suite), texts: suite.texts.length }, ...scores, reference: null };
}

interface Scenario {
  name: string;
  /** The model serving on day `day` of trial `seed`. */
  live(seed: number, day: number): SimulatedModel;
  share: number;
  days: number;
}

/** Runs one trial; returns the first day (1-based) with an alert, or 0. */
async function trial(seed: number, scenario: Scenario, suite: Suite): Promise<number> {
  const promoted = new SimulatedModel('promoted', seed, SERVING_NOISE, stableHash(`serve:${seed}:promotion`));
  const snapshot = await snapshotOf(suite, promoted);
  const reference = inputs(seed, 0, 0);
  let state: MonitorState | null = null;
  for (let day = 1; day <= scenario.days; day++) {
    const { breaches } = await checkProduction({
      suite,
      snapshot,
      source: scenario.live(seed, day),
      regression: {},
      vectorFloor: DEFAULT_VECTOR_FLOOR,
      drift: { reference, current: inputs(seed, day, scenario.share), settings: { ...DRIFT_DEFAULTS, seed: stableHash(`perm:${seed}:${day}`) }, severity: 'warning' },
      log: silentLogger,
    });
    const decision = decideAlerts(breaches, state, { model: 'sim', environment: 'production', version: '1', time: String(day) }, CONFIRM_RUNS);
    state = decision.state;
    if (decision.alerting.length > 0) return day;
  }
  return 0;
}

const same = (seed: number, day: number) => new SimulatedModel('same', seed, SERVING_NOISE, stableHash(`serve:${seed}:${day}`));
const scenarios: Scenario[] = [
  { name: 'no change', live: same, share: 0, days: DAYS },
  { name: 'swapped model', live: (seed, day) => new SimulatedModel('swapped', seed + 1_000_003, SERVING_NOISE, stableHash(`serve:${seed}:${day}`)), share: 0, days: 1 },
  { name: 'requantised model', live: (seed, day) => new SimulatedModel('requantised', seed, REQUANTISED, stableHash(`serve:${seed}:${day}`)), share: 0, days: 1 },
  { name: `drift in ${DRIFT_SHARE * 100}% of inputs`, live: same, share: DRIFT_SHARE, days: 2 },
];

const suite = probeSuite();
console.log(`monitor alert discipline: ${TRIALS} seeded trials per scenario; ${DIM} dimensions, ${SAMPLE} reference and ${SAMPLE} daily inputs, drift alpha ${DRIFT_DEFAULTS.alpha} with ${DRIFT_DEFAULTS.permutations} permutations, confirmation on ${CONFIRM_RUNS} consecutive runs, vector floor ${DEFAULT_VECTOR_FLOOR}`);
console.log(`reference: false alerts over ${DAYS} days ≤ ${TARGET.falseAlert}; a swapped model alerted on the first run ≥ ${TARGET.swap}; drift in ${DRIFT_SHARE * 100}% of inputs (two new topics) alerted within 2 runs ≥ ${TARGET.drift}`);
const started = performance.now();
const rates: Record<string, number> = {};
for (const scenario of [...scenarios.slice(1), scenarios[0]!]) {
  let hits = 0;
  for (let t = 0; t < TRIALS; t++) if ((await trial(1 + t, scenario, suite)) > 0) hits++;
  rates[scenario.name] = hits / TRIALS;
  console.error(`  ${scenario.name}: ${hits} of ${TRIALS} trials alerted (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
console.log(`false alert (${DAYS} days): ${(rates['no change'] as number).toFixed(2)}`);
for (const scenario of scenarios.slice(1)) console.log(`detection (${scenario.name}): ${(rates[scenario.name] as number).toFixed(2)}`);
const ok = (rates['no change'] as number) <= TARGET.falseAlert && (rates['swapped model'] as number) >= TARGET.swap && (rates[scenarios[3]!.name] as number) >= TARGET.drift;
process.exitCode = ok ? 0 : 1;
