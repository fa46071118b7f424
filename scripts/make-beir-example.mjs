// Writes examples/suites/beir-mini/: a small retrieval dataset in the BEIR / MTEB layout as
// published (corpus.jsonl with _id, title, text; queries.jsonl with _id, text;
// qrels/test.tsv with its header and graded scores 0–2), a suite that points at it with no
// conversion, and seeded synthetic 32-dimensional embeddings for a production and a
// candidate model keyed by the suite's text ids (doc:<_id>, query:<_id>). Query and document
// ids overlap on purpose (both are numbers, as in BEIR's SciFact). The candidate is noisier,
// so its nDCG@10 is lower. Run: node scripts/make-beir-example.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generator, normal } from './seeded-random.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'examples', 'suites', 'beir-mini');
const DIM = 32;
const TOPICS = ['solar power', 'river ecology', 'sleep research', 'bridge design', 'bee decline', 'ocean tides'];
const DOCS_PER_TOPIC = 8;
const QUERIES_PER_TOPIC = 3;
// Noise weights of the production and the candidate model around the true position.
const [PRODUCTION_NOISE, CANDIDATE_NOISE] = [0.35, 0.7];

const random = generator(20261203);
function gaussian() {
  return normal(random);
}
function unit(v) {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
const randomUnit = () => unit(Array.from({ length: DIM }, gaussian));
const mix = (a, b, w) => unit(a.map((x, i) => x + w * b[i]));
const round = (v) => v.map((x) => Math.round(x * 1e6) / 1e6);

const topicDirection = TOPICS.map(randomUnit);
const corpus = [];
const truth = new Map();
TOPICS.forEach((topic, t) => {
  for (let d = 0; d < DOCS_PER_TOPIC; d++) {
    const id = String(corpus.length + 1);
    // Every fourth document has no title, as some BEIR corpora do.
    corpus.push({ _id: id, title: d % 4 === 3 ? '' : `On ${topic}, part ${d + 1}`, text: `Notes ${d + 1} about ${topic}: findings, methods and open questions.` });
    truth.set(`doc:${id}`, mix(topicDirection[t], randomUnit(), 0.8));
  }
});
const queries = [];
const qrels = [];
TOPICS.forEach((topic, t) => {
  for (let q = 0; q < QUERIES_PER_TOPIC; q++) {
    const id = String(queries.length + 1);
    queries.push({ _id: id, text: `What is known about ${topic} (${q + 1})?` });
    const topicDocs = corpus.slice(t * DOCS_PER_TOPIC, (t + 1) * DOCS_PER_TOPIC);
    // Two documents highly relevant (2), three partly (1), one judged not relevant (0).
    const judged = topicDocs.slice(q, q + 6);
    judged.forEach((doc, i) => qrels.push([id, doc._id, i < 2 ? 2 : i < 5 ? 1 : 0]));
    const anchor = judged.slice(0, 2).map((doc) => truth.get(`doc:${doc._id}`));
    truth.set(`query:${id}`, mix(anchor[0].map((x, i) => x + anchor[1][i]), randomUnit(), 0.6));
  }
});

const suite = `# yaml-language-server: $schema=../../../schemas/suite.schema.json
# A BEIR-layout dataset read as published (see dataset/); made by scripts/make-beir-example.mjs.
name: beir-mini
description: Retrieval on a small BEIR-layout dataset with graded judgements.
settings:
  resamples: 1000
  seed: 11
checks:
  retrieval:
    beir: dataset
    split: test
    k: 10
    metric: ndcg
    tolerance: 0.02
  neighbours:
    sample: 40
    k: 5
`;

const jsonl = (rows) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
mkdirSync(join(out, 'dataset', 'qrels'), { recursive: true });
mkdirSync(join(out, 'embeddings'), { recursive: true });
writeFileSync(join(out, 'suite.yml'), suite);
writeFileSync(join(out, 'dataset', 'corpus.jsonl'), jsonl(corpus));
writeFileSync(join(out, 'dataset', 'queries.jsonl'), jsonl(queries));
writeFileSync(join(out, 'dataset', 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...qrels.map((r) => r.join('\t'))].join('\n') + '\n');
for (const [model, noise] of [['production', PRODUCTION_NOISE], ['candidate', CANDIDATE_NOISE]]) {
  const rows = [...truth].map(([id, v]) => ({ id, embedding: round(mix(v, randomUnit(), noise)) }));
  writeFileSync(join(out, 'embeddings', `${model}.jsonl`), jsonl(rows));
}
console.log(`wrote ${corpus.length} documents, ${queries.length} queries, ${qrels.length} judgements to ${out}`);
