// Writes the bundled monitor example examples/monitor/: a probe suite (texts, related pairs,
// triplets, retrieval judgements), drift samples (the reference recorded at promotion, a
// day like it, and a day where 20% of the inputs come from two new topics) and seeded
// synthetic 32-dimensional embeddings of every text: the promoted model (v1.jsonl) and the
// same endpoint after another model was swapped in (swapped.jsonl).
// Run: node scripts/make-monitor-example.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generator, normal } from './seeded-random.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'examples', 'monitor');
const DIM = 16;
const TOPICS = ['running shoes', 'rain jackets', 'tents', 'headlamps', 'hiking boots', 'water bottles', 'gift cards', 'kayaks'];

function gaussians(random, n) {
  return Array.from({ length: n }, () => normal(random));
}

const texts = [];
const add = (id, topic, text, segment) => texts.push({ id, topic, text, segment });
for (let i = 0; i < 48; i++) add(`probe-${i}`, i % 6, `${TOPICS[i % 6]} ${['cheap', 'best', 'light', 'kids', 'waterproof', 'for women', 'for men', 'sale'][i % 8]} ${i}`, i % 2 ? 'en' : 'fr');
const sample = (name, count, topicOf) => {
  const random = generator(name.length * 7919);
  return Array.from({ length: count }, (_, i) => {
    const topic = topicOf(random);
    return { id: `${name}-${i}`, topic, text: `${TOPICS[topic]} query ${name} ${i}`, segment: i % 2 ? 'en' : 'fr' };
  });
};
const reference = sample('reference', 400, (r) => Math.floor(r() * 6));
const today = sample('today', 400, (r) => Math.floor(r() * 6));
const drifted = sample('drifted', 400, (r) => (r() < 0.2 ? 6 + Math.floor(r() * 2) : Math.floor(r() * 6)));

function embed(weights, all) {
  const centres = TOPICS.map((_, t) => gaussians(generator(weights * 1000 + t), DIM));
  return all.map((item, i) => {
    const offset = gaussians(generator(weights * 1_000_003 + i), DIM).map((v) => 0.8 * v);
    const v = centres[item.topic].map((c, j) => c + offset[j]);
    const norm = Math.hypot(...v);
    return JSON.stringify({ id: item.id, embedding: v.map((x) => Number((x / norm).toFixed(6))) });
  });
}

mkdirSync(join(out, 'probes'), { recursive: true });
mkdirSync(join(out, 'embeddings'), { recursive: true });
const jsonl = (rows) => `${rows.map((r) => JSON.stringify({ id: r.id, text: r.text, segment: r.segment })).join('\n')}\n`;
writeFileSync(join(out, 'probes', 'texts.jsonl'), jsonl(texts));
const pairs = ['a,b,label'];
for (let i = 0; i < 36; i++) pairs.push(`probe-${i},probe-${i + 6 < 48 ? i + 6 : i - 6},related`, `probe-${i},probe-${(i + 1) % 48},unrelated`);
writeFileSync(join(out, 'probes', 'pairs.csv'), `${pairs.join('\n')}\n`);
writeFileSync(join(out, 'probes', 'triplets.jsonl'), `${Array.from({ length: 24 }, (_, i) => JSON.stringify({ id: `t${i}`, anchor: `probe-${i}`, positive: `probe-${i + 12}`, negative: `probe-${i + 1}` })).join('\n')}\n`);
writeFileSync(join(out, 'probes', 'qrels.txt'), `${Array.from({ length: 12 }, (_, i) => `probe-${i} 0 probe-${i + 24} 1`).join('\n')}\n`);
writeFileSync(
  join(out, 'probes', 'suite.yml'),
  ['# yaml-language-server: $schema=../../../schemas/suite.schema.json', 'name: search-probes', 'description: Probes the monitor embeds through production every day.', 'texts: texts.jsonl', 'settings: { seed: 7, resamples: 1000 }', 'checks:', '  pairs: { file: pairs.csv }', '  triplets: { file: triplets.jsonl }', '  retrieval: { qrels: qrels.txt, k: 5, metric: ndcg }', ''].join('\n'),
);
writeFileSync(join(out, 'reference.jsonl'), jsonl(reference));
writeFileSync(join(out, 'today.jsonl'), jsonl(today));
writeFileSync(join(out, 'drifted.jsonl'), jsonl(drifted));
const all = [...texts, ...reference, ...today, ...drifted];
writeFileSync(join(out, 'embeddings', 'v1.jsonl'), `${embed(1, all).join('\n')}\n`);
writeFileSync(join(out, 'embeddings', 'swapped.jsonl'), `${embed(2, all).join('\n')}\n`);
