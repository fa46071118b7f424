// Writes the bundled example suite examples/suites/search/: texts, pairs, retrieval
// judgements, and seeded synthetic 64-dimensional embeddings for a production and a
// candidate model. The candidate is better for English (tighter topic clusters) but
// regresses for French: French texts drift towards one shared direction, so French
// topics blur into each other. The demo shows the candidate improving overall while the
// `fr` segment fails, then candidate 2.0.1 (candidate-2.0.1.jsonl), which fixes French and
// passes. Run: node scripts/make-example-embeddings.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generator, normal } from './seeded-random.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'examples', 'suites', 'search');
const DIM = 64;
// Noise and drift weights: production noise, candidate English noise, candidate French
// drift towards the shared French direction, candidate French noise.
const [PN, CE, FD, FN] = [1.6, 0.6, 0.85, 1.8];
// Candidate 2.0.1's French noise.
const FIXED_FN = 1.3;

let random = generator(20261122);
function gaussian() {
  return normal(random);
}
function unit() {
  const v = Array.from({ length: DIM }, gaussian);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
function noise() {
  return Array.from({ length: DIM }, () => gaussian() / Math.sqrt(DIM));
}
function combine(...terms) {
  const v = new Array(DIM).fill(0);
  for (const [w, x] of terms) for (let i = 0; i < DIM; i++) v[i] += w * x[i];
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const topics = [
  ['running shoes', 'chaussures de course', 'Laufschuhe'],
  ['coffee maker', 'cafetière', 'Kaffeemaschine'],
  ['winter jacket', "veste d'hiver", 'Winterjacke'],
  ['wireless headphones', 'casque sans fil', 'Funkkopfhörer'],
  ['yoga mat', 'tapis de yoga', 'Yogamatte'],
  ['kitchen knife', 'couteau de cuisine', 'Küchenmesser'],
  ['desk lamp', 'lampe de bureau', 'Schreibtischlampe'],
  ['hiking backpack', 'sac à dos de randonnée', 'Wanderrucksack'],
  ['electric toothbrush', 'brosse à dents électrique', 'elektrische Zahnbürste'],
  ['office chair', 'chaise de bureau', 'Bürostuhl'],
  ['baby stroller', 'poussette', 'Kinderwagen'],
  ['garden hose', "tuyau d'arrosage", 'Gartenschlauch'],
  ['phone case', 'coque de téléphone', 'Handyhülle'],
  ['board game', 'jeu de société', 'Brettspiel'],
  ['sunglasses', 'lunettes de soleil', 'Sonnenbrille'],
  ['vacuum cleaner', 'aspirateur', 'Staubsauger'],
  ['bicycle helmet', 'casque de vélo', 'Fahrradhelm'],
  ['wool scarf', 'écharpe en laine', 'Wollschal'],
  ['cast iron pan', 'poêle en fonte', 'Gusseisenpfanne'],
  ['dog bed', 'panier pour chien', 'Hundebett'],
  ['camping tent', 'tente de camping', 'Campingzelt'],
  ['smart watch', 'montre connectée', 'Smartwatch'],
  ['water bottle', "gourde d'eau", 'Trinkflasche'],
  ['rain boots', 'bottes de pluie', 'Gummistiefel'],
];
const modifiers = {
  en: ['cheap', 'best', 'kids', 'waterproof', 'lightweight', 'premium', 'compact', 'classic'],
  fr: ['pas cher', 'haut de gamme', 'pour enfants', 'léger', 'compact', 'classique'],
  de: ['günstig'],
};
const queryForms = {
  en: [(t) => `where to buy ${t}`, (t) => `${t} reviews`],
  fr: [(t) => `acheter ${t}`, (t) => `avis ${t}`],
};

const centers = topics.map(() => unit());
const language = { en: unit(), fr: unit(), de: unit() };

// Production: every language equally clear. Candidate: English clusters tighter, French
// pulled towards one shared direction (topics blur), German unchanged.
function productionVector(topic, lang) {
  return combine([1, centers[topic]], [0.3, language[lang]], [PN, noise()]);
}
function candidateVector(topic, lang) {
  if (lang === 'en') return combine([1, centers[topic]], [0.3, language.en], [CE, noise()]);
  if (lang === 'fr') return combine([0.75, centers[topic]], [FD, language.fr], [FN, noise()]);
  return combine([1, centers[topic]], [0.3, language[lang]], [PN, noise()]);
}

const texts = [];
const production = [];
const candidate = [];
function addText(id, text, segment, topic) {
  texts.push({ id, text, segment, topic });
  production.push(productionVector(topic, segment));
  candidate.push(candidateVector(topic, segment));
}
topics.forEach((names, t) => {
  modifiers.en.forEach((m, i) => addText(`en-${t}-${i}`, `${m} ${names[0]}`, 'en', t));
  modifiers.fr.forEach((m, i) => addText(`fr-${t}-${i}`, `${names[1]} ${m}`, 'fr', t));
  if (t < 6) addText(`de-${t}-0`, `${names[2]} ${modifiers.de[0]}`, 'de', t);
});
const queries = [];
topics.forEach((names, t) => {
  for (const lang of ['en', 'fr']) {
    queryForms[lang].forEach((form, i) => {
      const id = `q-${lang}-${t}-${i}`;
      addText(id, form(names[lang === 'en' ? 0 : 1]), lang, t);
      queries.push({ id, topic: t, lang });
    });
  }
});

// Pairs: related = same topic and language, unrelated = different topics, same language.
const pairs = [];
const byKey = (lang, topic) => texts.filter((x) => x.segment === lang && x.topic === topic && !x.id.startsWith('q-'));
const pick = (list) => list[Math.floor(random() * list.length)];
for (const [lang, perTopic] of [['en', 16], ['fr', 7], ['de', 1]]) {
  for (let t = 0; t < topics.length; t++) {
    const own = byKey(lang, t);
    if (own.length === 0) continue;
    for (let n = 0; n < perTopic; n++) {
      if (own.length >= 2) {
        const a = pick(own);
        let b = pick(own);
        while (b === a) b = pick(own);
        pairs.push([a.id, b.id, 'related', lang]);
      }
      let other = pick(topics.map((_, i) => i).filter((i) => i !== t && byKey(lang, i).length > 0));
      pairs.push([pick(own).id, pick(byKey(lang, other)).id, 'unrelated', lang]);
    }
  }
}
const seen = new Set();
const uniquePairs = pairs.filter(([a, b]) => {
  const key = `${a}|${b}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
});

// Qrels: a query's same-language texts of its topic are relevant (2), other languages' 1.
const qrels = [];
for (const q of queries) {
  for (const x of texts) {
    if (x.id.startsWith('q-') || x.topic !== q.topic) continue;
    qrels.push(`${q.id} 0 ${x.id} ${x.segment === q.lang ? 2 : 1}`);
  }
}

// Triplets: anchor and positive share a topic and language, the negative is another topic.
const triplets = [];
for (const lang of ['en', 'fr']) {
  for (let t = 0; t < topics.length; t++) {
    const own = byKey(lang, t);
    for (let n = 0; n < 2; n++) {
      const anchor = pick(own);
      let positive = pick(own);
      while (positive === anchor) positive = pick(own);
      const other = pick(topics.map((_, i) => i).filter((i) => i !== t));
      triplets.push({ id: `t-${lang}-${t}-${n}`, anchor: anchor.id, positive: positive.id, negative: pick(byKey(lang, other)).id });
    }
  }
}

const round = (v) => v.map((x) => Number(x.toFixed(5)));
const csvCell = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
mkdirSync(join(out, 'embeddings'), { recursive: true });
writeFileSync(join(out, 'texts.jsonl'), texts.map(({ id, text, segment }) => JSON.stringify({ id, text, segment })).join('\n') + '\n');
writeFileSync(join(out, 'pairs.csv'), ['a,b,label,segment', ...uniquePairs.map((p) => p.map(csvCell).join(','))].join('\n') + '\n');
writeFileSync(join(out, 'qrels.txt'), qrels.join('\n') + '\n');
writeFileSync(join(out, 'triplets.jsonl'), triplets.map((t) => JSON.stringify(t)).join('\n') + '\n');
writeFileSync(join(out, 'embeddings', 'production.jsonl'), texts.map((x, i) => JSON.stringify({ id: x.id, embedding: round(production[i]) })).join('\n') + '\n');
writeFileSync(join(out, 'embeddings', 'candidate.jsonl'), texts.map((x, i) => JSON.stringify({ id: x.id, embedding: round(candidate[i]) })).join('\n') + '\n');
// Candidate 2.0.1, the pull request that fixes 2.0.0: retrained with more French data,
// English as tight as in 2.0.0, French topics clear again (a little tighter than
// production), German unchanged. Its own generator, so the files above stay as they are.
random = generator(20261203);
function fixedVector(topic, lang) {
  if (lang === 'en') return combine([1, centers[topic]], [0.3, language.en], [CE, noise()]);
  if (lang === 'fr') return combine([1, centers[topic]], [0.3, language.fr], [FIXED_FN, noise()]);
  return combine([1, centers[topic]], [0.3, language[lang]], [PN, noise()]);
}
const fixed = texts.map((x) => fixedVector(x.topic, x.segment));
writeFileSync(join(out, 'embeddings', 'candidate-2.0.1.jsonl'), texts.map((x, i) => JSON.stringify({ id: x.id, embedding: round(fixed[i]) })).join('\n') + '\n');
console.log(`${texts.length} texts, ${uniquePairs.length} pairs, ${triplets.length} triplets, ${queries.length} queries, ${qrels.length} judgements in ${out}`);
