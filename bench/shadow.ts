// Simulation of the shadow judge, end to end from answers: seeded production traffic
// (embeddings of requests and of a reference corpus, latencies, errors and timeouts) is
// judged by `analyseShadow`, the function `model-gates shadow` runs. Cases:
// - identical models (same vectors, same latency and error distributions): how often the
//   run fails anyway (the false-fail rate, target ≤ 5% at confidence 0.95);
// - a different but acceptable model: its answers agree with production as usual (mean
//   overlap@10 about 0.89 in every segment, min-overlap 0.87), same latency and errors: the
//   false-fail rate when the answers are not bit for bit the same (also ≤ 5%);
// - a candidate with the same answers, 15% slower at every quantile: how often latency
//   fails it (power ≥ 90%);
// - a candidate that agrees with production as usual (mean overlap@10 about 0.89, with
//   min-overlap 0.87) except on one segment of 10% of the traffic, where the overlap
//   drops by 10 points: how often that segment fails (power ≥ 90%).
// Seeded: every run prints the same figures.
//   npm run bench:shadow [-- --trials 500 --power-trials 200]
import { jsNeighbourSearch } from '../src/knn/exact-js.js';
import type { Matrix } from '../src/knn/types.js';
import type { ReferenceCorpus } from '../src/shadow/answers.js';
import { answerRules } from '../src/shadow/contract-check.js';
import { analyseShadow, SHADOW_DEFAULTS, type ShadowSettings } from '../src/shadow/judge.js';
import type { Answer, Outcome, ShadowRecord } from '../src/shadow/types.js';
import { createUint32Rng } from '../src/stats/random.js';

const args = process.argv.slice(2);
const trialsArg = args.indexOf('--trials');
const TRIALS = trialsArg >= 0 ? Number(args[trialsArg + 1]) : 500;
const powerArg = args.indexOf('--power-trials');
const POWER_TRIALS = powerArg >= 0 ? Number(args[powerArg + 1]) : 200;
if (!Number.isInteger(TRIALS) || TRIALS < 100 || !Number.isInteger(POWER_TRIALS) || POWER_TRIALS < 100) {
  console.error('--trials and --power-trials must be whole numbers of at least 100');
  process.exit(2);
}

const REQUESTS = 1000;
const DOCUMENTS = 200;
const DIM = 16;
const TOPICS = 20;
/** Segments and their share of the traffic; `rare` is the 10% one. */
const SEGMENTS: [string, number][] = [
  ['web', 0.3],
  ['app', 0.3],
  ['api', 0.3],
  ['rare', 0.1],
];
/** Noise of the candidate's view of a request: the usual level, and on the drifting segment. */
const NOISE = { usual: 0.3, drift: 0.6, reference: 0.1 };
const LATENCY = { medianMs: 50, sigma: 0.4, slower: 1.15 };
const RATES = { error: 0.01, timeout: 0.005 };
const CONFIDENCE = 0.95;
const FALSE_FAIL_TARGET = 0.05;
const POWER_TARGET = 0.9;

const settings: ShadowSettings = {
  ...SHADOW_DEFAULTS,
  confidence: CONFIDENCE,
  resamples: 1000,
  anchors: 100,
  minOverlap: 0.87,
  field: null,
  minAgreement: null,
  maxDifference: null,
};

/** Uniforms in (0, 1), never 0: the project's seeded generator, offset by half a step. */
function generator(seed: number): () => number {
  const next = createUint32Rng(seed);
  return () => (next() + 0.5) / 2 ** 32;
}

type Case = 'identical' | 'acceptable' | 'slower' | 'segment';

function simulate(uniform: () => number, which: Case): { records: ShadowRecord[]; reference: ReferenceCorpus } {
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const centres = Array.from({ length: TOPICS }, () => Array.from({ length: DIM }, normal));
  const point = (topic: number, spread: number): number[] => (centres[topic] as number[]).map((c) => c + spread * normal());
  const noisy = (v: number[], sigma: number): number[] => v.map((x) => x + sigma * normal());
  // The reference corpus: production's vectors, and the candidate's (a slightly different model).
  const docs = Array.from({ length: DOCUMENTS }, (_, i) => point(i % TOPICS, 0.7));
  const refProduction: Matrix = { data: Float32Array.from(docs.flat()), rows: DOCUMENTS, dim: DIM };
  const sameAnswers = which === 'identical' || which === 'slower';
  const refCandidate: Matrix = sameAnswers ? refProduction : { data: Float32Array.from(docs.flatMap((d) => noisy(d, NOISE.reference))), rows: DOCUMENTS, dim: DIM };
  const records: ShadowRecord[] = [];
  let index = 0;
  for (const [segment, share] of SEGMENTS) {
    for (let i = 0; i < Math.round(REQUESTS * share); i++) {
      const meaning = point(Math.floor(uniform() * TOPICS), 0.7);
      const sigma = sameAnswers ? 0 : which === 'segment' && segment === 'rare' ? NOISE.drift : NOISE.usual;
      const answer = (vector: number[], latencyFactor: number): Answer => {
        const u = uniform();
        const outcome: Outcome = u < RATES.error ? 'error' : u < RATES.error + RATES.timeout ? 'timeout' : 'ok';
        const latencyMs = LATENCY.medianMs * latencyFactor * Math.exp(LATENCY.sigma * normal());
        return outcome === 'ok' ? { outcome, latencyMs, value: vector } : { outcome, latencyMs };
      };
      records.push({
        id: `r${index++}`,
        input: null,
        segment,
        production: answer(meaning, 1),
        candidate: answer(sigma === 0 ? meaning : noisy(meaning, sigma), which === 'slower' ? LATENCY.slower : 1),
      });
    }
  }
  return { records, reference: { ids: docs.map((_, i) => `d${i}`), production: refProduction, candidate: refCandidate } };
}

const search = jsNeighbourSearch();
const rules = { production: answerRules(undefined), candidate: answerRules(undefined) };

async function run(which: Case, seed: number, trials: number): Promise<{ fails: number; byCheck: Record<string, number>; rareFails: number; overlap: Record<string, number>; ms: number; trials: number }> {
  const uniform = generator(seed);
  const byCheck: Record<string, number> = {};
  const overlapSum: Record<string, number> = {};
  let fails = 0;
  let rareFails = 0;
  const started = performance.now();
  for (let t = 0; t < trials; t++) {
    const { records, reference } = simulate(uniform, which);
    const analysis = await analyseShadow(records, { answers: 'embeddings', rules: { production: { ...rules.production }, candidate: { ...rules.candidate } }, reference, settings, search });
    if (analysis.verdict === 'fail' || analysis.verdict === 'error') fails++;
    for (const section of analysis.sections) if (section.verdict === 'fail' || section.verdict === 'error') byCheck[section.id] = (byCheck[section.id] ?? 0) + 1;
    const segments = analysis.sections.find((s) => s.id === 'answers')?.segments ?? [];
    if (segments.some((s) => s.segment === 'rare' && s.verdict === 'fail')) rareFails++;
    for (const s of segments) overlapSum[s.segment] = (overlapSum[s.segment] ?? 0) + (s.candidate ?? 0);
  }
  const overlap = Object.fromEntries(Object.entries(overlapSum).map(([k, v]) => [k, v / trials]));
  return { fails, byCheck, rareFails, overlap, ms: performance.now() - started, trials };
}

const rate = (x: number): string => x.toFixed(3);
const describe = (r: Awaited<ReturnType<typeof run>>): string => Object.entries(r.byCheck).map(([k, v]) => `${k} ${rate(v / r.trials)}`).join(', ') || 'none';

console.log(
  `shadow judge simulation: ${TRIALS} seeded trials with identical models, ${POWER_TRIALS} per power case; ${REQUESTS} requests in segments ${SEGMENTS.map(([s, p]) => `${s} ${p * 100}%`).join(', ')}; reference corpus ${DOCUMENTS} × ${DIM}, k = ${settings.k}; latency log-normal (median ${LATENCY.medianMs} ms, σ ${LATENCY.sigma}); error rate ${RATES.error}, timeout rate ${RATES.timeout}; confidence ${CONFIDENCE}, min-overlap ${settings.minOverlap}, latency tolerance ${settings.latencyTolerance}`,
);
const identical = await run('identical', 20261203, TRIALS);
console.log(`identical models: failed ${identical.fails} of ${TRIALS}; by check: ${describe(identical)} (reference: nominal level ${rate(FALSE_FAIL_TARGET)})`);
const acceptable = await run('acceptable', 20261206, TRIALS);
console.log(
  `different, acceptable model: mean overlap@${settings.k} ${Object.entries(acceptable.overlap).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}; failed ${acceptable.fails} of ${TRIALS}; by check: ${describe(acceptable)}`,
);
const slower = await run('slower', 20261204, POWER_TRIALS);
console.log(`candidate ${Math.round((LATENCY.slower - 1) * 100)}% slower: latency failed ${slower.byCheck.latency ?? 0} of ${POWER_TRIALS}; by check: ${describe(slower)}`);
const segment = await run('segment', 20261205, POWER_TRIALS);
const drop = (segment.overlap.web ?? 0) - (segment.overlap.rare ?? 0);
console.log(
  `overlap drop on one 10% segment: mean overlap@${settings.k} ${Object.entries(segment.overlap).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')} (a drop of ${(drop * 100).toFixed(1)} points); segment rare failed ${segment.rareFails} of ${POWER_TRIALS}; by check: ${describe(segment)}`,
);
console.log(`judge time: ${((identical.ms + acceptable.ms + slower.ms + segment.ms) / (2 * TRIALS + 2 * POWER_TRIALS)).toFixed(0)} ms per simulated run of ${REQUESTS} requests`);
const falseFail = identical.fails / TRIALS;
const falseFailAcceptable = acceptable.fails / TRIALS;
const powers: [string, number][] = [
  [`latency +${Math.round((LATENCY.slower - 1) * 100)}%`, (slower.byCheck.latency ?? 0) / POWER_TRIALS],
  [`overlap −${Math.round(drop * 100)} points on a 10% segment`, segment.rareFails / POWER_TRIALS],
];
console.log(`false-fail rate: ${rate(falseFail)}`);
console.log(`false-fail rate (different, acceptable model): ${rate(falseFailAcceptable)}`);
for (const [name, power] of powers) console.log(`power (${name}): ${power.toFixed(2)}`);
const missed: string[] = [];
if (falseFail > FALSE_FAIL_TARGET) missed.push(`false-fail rate ${rate(falseFail)} is above ${FALSE_FAIL_TARGET}`);
if (falseFailAcceptable > FALSE_FAIL_TARGET) missed.push(`false-fail rate of the acceptable model ${rate(falseFailAcceptable)} is above ${FALSE_FAIL_TARGET}`);
for (const [name, power] of powers) if (power < POWER_TARGET) missed.push(`power (${name}) ${power.toFixed(2)} is below ${POWER_TARGET}`);
await search.close();
if (missed.length > 0) {
  console.error(`FAIL: ${missed.join('; ')}`);
  process.exitCode = 1;
}
