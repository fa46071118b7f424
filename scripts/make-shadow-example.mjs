// Writes the bundled shadow example examples/shadow/: a reference corpus (80 product
// documents) embedded by production and by the candidate, and mirrored-traffic logs of
// 180 search requests answered by both (64-dimensional, seeded synthetic embeddings).
// The candidate keeps English and German neighbourhoods but its French answers drift
// towards one shared direction, so the `fr` segment's overlap falls; it is also a little
// faster. mirrored-2.0.1.jsonl holds the same requests answered by 2.0.1, retrained with
// more French data: every segment keeps its neighbourhoods. Run: node scripts/make-shadow-example.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generator, normal } from './seeded-random.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'examples', 'shadow');
const DIM = 64;

const random = generator(20261203);
const gaussian = () => normal(random);
const vector = (scale = 1) => Array.from({ length: DIM }, () => gaussian() * scale);
const add = (...vs) => vs[0].map((_, j) => vs.reduce((s, v) => s + v[j], 0));
const scaled = (v, s) => v.map((x) => x * s);
const unit = (v) => {
  const n = Math.hypot(...v);
  return v.map((x) => Number((x / n).toFixed(4)));
};

const topics = [
  { en: 'running shoes', fr: 'chaussures de course', de: 'Laufschuhe' },
  { en: 'rain jacket', fr: 'veste de pluie', de: 'Regenjacke' },
  { en: 'coffee grinder', fr: 'moulin à café', de: 'Kaffeemühle' },
  { en: 'desk lamp', fr: 'lampe de bureau', de: 'Schreibtischlampe' },
  { en: 'yoga mat', fr: 'tapis de yoga', de: 'Yogamatte' },
  { en: 'phone case', fr: 'coque de téléphone', de: 'Handyhülle' },
  { en: 'garden hose', fr: 'tuyau d’arrosage', de: 'Gartenschlauch' },
  { en: 'travel backpack', fr: 'sac à dos de voyage', de: 'Reiserucksack' },
];
const words = { en: ['cheap', 'best', 'waterproof', 'light', 'kids', 'large', 'small', 'blue', 'red', 'sale'], fr: ['pas cher', 'meilleur', 'imperméable', 'léger', 'enfant', 'grand', 'petit', 'bleu', 'rouge', 'soldes'], de: ['günstig', 'beste', 'wasserdicht', 'leicht', 'Kinder', 'groß', 'klein', 'blau', 'rot', 'Angebot'] };
const centres = topics.map(() => vector());
// Production and candidate are different models: their spaces are related by a fixed rotation-like mix.
const mix = Array.from({ length: DIM }, () => vector(1 / Math.sqrt(DIM)));
const toCandidate = (v) => mix.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));
const frenchDrift = vector();

mkdirSync(out, { recursive: true });
const reference = [];
const refProduction = [];
const refCandidate = [];
topics.forEach((topic, t) => {
  for (let i = 0; i < 10; i++) {
    const id = `doc-${t}-${i}`;
    const meaning = add(centres[t], vector(0.8));
    reference.push(JSON.stringify({ id, text: `${words.en[i]} ${topic.en}` }));
    refProduction.push(JSON.stringify({ id, embedding: unit(add(meaning, vector(0.08))) }));
    refCandidate.push(JSON.stringify({ id, embedding: unit(add(toCandidate(meaning), vector(0.08))) }));
  }
});
const logs = [];
/** Each request's meaning and production answer, answered again by 2.0.1 below. */
const requests = [];
const latency = (median) => Number((median * Math.exp(0.35 * gaussian())).toFixed(1));
let n = 0;
for (const language of ['en', 'fr', 'de']) {
  for (let i = 0; i < 60; i++) {
    const t = i % topics.length;
    const id = `req-${String(++n).padStart(4, '0')}`;
    const input = `${words[language][(i * 7) % 10]} ${topics[t][language]}`;
    const meaning = add(centres[t], vector(0.8));
    const production = unit(add(meaning, vector(0.08)));
    const drift = language === 'fr' ? scaled(frenchDrift, 6) : vector(0);
    const candidate = unit(add(toCandidate(meaning), vector(language === "fr" ? 1.2 : 0.08), drift));
    const base = { id, input, segment: language };
    const productionFailed = random() < 0.01;
    const candidateFailed = random() < 0.01;
    logs.push(JSON.stringify({ ...base, version: '1.4.0', status: productionFailed ? 503 : 200, latency_ms: latency(42), ...(productionFailed ? {} : { embedding: production }) }));
    logs.push(JSON.stringify({ ...base, version: '2.0.0', status: candidateFailed ? 503 : 200, latency_ms: latency(38), ...(candidateFailed ? {} : { embedding: candidate }) }));
    requests.push({ base, meaning, productionLog: logs.at(-2) });
  }
}
// 2.0.1 after the merge: drawn after 2.0.0's logs, so the files above stay as they were.
const fixed = [];
for (const { base, meaning, productionLog } of requests) {
  const failed = random() < 0.01;
  fixed.push(productionLog, JSON.stringify({ ...base, version: '2.0.1', status: failed ? 503 : 200, latency_ms: latency(38), ...(failed ? {} : { embedding: unit(add(toCandidate(meaning), vector(0.08))) }) }));
}
writeFileSync(join(out, 'reference.jsonl'), `${reference.join('\n')}\n`);
writeFileSync(join(out, 'reference-production.jsonl'), `${refProduction.join('\n')}\n`);
writeFileSync(join(out, 'reference-candidate.jsonl'), `${refCandidate.join('\n')}\n`);
writeFileSync(join(out, 'mirrored.jsonl'), `${logs.join('\n')}\n`);
writeFileSync(join(out, 'mirrored-2.0.1.jsonl'), `${fixed.join('\n')}\n`);
console.log(`wrote ${out}: ${reference.length} reference documents, ${logs.length} log lines`);
