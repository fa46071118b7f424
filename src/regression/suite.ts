import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { TextItem } from '../embeddings/types.js';
import { ConfigurationError, type Problem, type SourceLocation } from '../io/errors.js';
import { ProblemCollector } from '../io/problems.js';
import { assertSchema } from '../io/schema.js';
import { readYamlFile } from '../io/yaml.js';
import { optionalField, readTable, stringField, type TableRow } from './tables.js';

/** Statistical keys a suite's settings and each check may set (see schemas/suite.schema.json). */
export interface StatKeys {
  confidence?: number;
  resamples?: number;
  seed?: number;
  minSegmentSize?: number;
}

/** Renames a file's columns to the fields a reader expects: field → the file's column. */
export type Columns = Record<string, string>;

/** A texts file: its path, or its path and column names (e.g. a Hugging Face dataset's Parquet export). */
export type TextFileSpec = string | { file: string; columns?: Columns };

/** The suite file as written (schemas/suite.schema.json). */
export interface SuiteFile {
  name: string;
  description?: string;
  /** Optional when `checks.retrieval.beir` or a pairs file with sentences brings the texts. */
  texts?: TextFileSpec | TextFileSpec[];
  settings?: StatKeys & { worstItems?: number };
  checks: {
    pairs?: StatKeys & { file: string; columns?: Columns; relatedAt?: number; tolerance?: number; relatedFloor?: number; unrelatedCeiling?: number; sameSpace?: boolean; similarityTolerance?: number };
    triplets?: StatKeys & { file: string; tolerance?: number };
    retrieval?: StatKeys & { qrels?: string; queries?: string; corpus?: string; beir?: string; split?: string; k?: number; metric?: 'ndcg' | 'recall' | 'mrr'; tolerance?: number };
    neighbours?: StatKeys & { corpus?: string; sample?: number; k?: number; minOverlap?: number };
    health?: { rankDropRatio?: number };
  };
}

export interface SuiteText {
  id: string;
  text: string;
  segment: string | null;
}

export type PairLabel = 'related' | 'unrelated';

/** A labelled pair; `a` and `b` are indices into the suite's texts. */
export interface Pair {
  id: string;
  a: number;
  b: number;
  label: PairLabel;
  segment: string | null;
  /** The graded gold similarity (STS-style `score`), when the pairs file gives one. */
  score?: number;
}

/** A triplet; the fields are indices into the suite's texts. */
export interface Triplet {
  id: string;
  anchor: number;
  positive: number;
  negative: number;
  segment: string | null;
}

/** Retrieval judgements: for each query (a text index), its judged documents and grades. */
export interface RetrievalSet {
  queries: number[];
  corpus: number[];
  /** Per query, in the same order as `queries`: document text index → relevance grade (> 0 only). */
  relevant: Map<number, number>[];
  /** Queries listed without any relevant document: they are left out (as trec_eval does). */
  skippedQueries: number;
}

/** A suite with every data file read and every reference resolved. */
export interface Suite {
  file: string;
  definition: SuiteFile;
  texts: SuiteText[];
  pairs?: Pair[];
  triplets?: Triplet[];
  retrieval?: RetrievalSet;
  neighbourCorpus?: number[];
}

/**
 * The suite's texts to embed, each on its side: the documents a retrieval check searches are
 * passages, every other text is a query (the side that picks a model's prompt).
 */
export function suiteItems(suite: Suite): TextItem[] {
  const passages = new Set(suite.retrieval?.corpus ?? []);
  return suite.texts.map((t, i) => (passages.has(i) ? { id: t.id, text: t.text, side: 'passage' } : { id: t.id, text: t.text }));
}

type TextIndex = Map<string, number>;

const MAX_ID = 512;
const MAX_SEGMENT = 256;

/** The optional `segment` field, within the result's length limit. */
function segmentField(row: TableRow, file: string): string | null {
  const segment = optionalField(row, 'segment');
  if (segment !== undefined && segment.length > MAX_SEGMENT) {
    throw new ConfigurationError(`segment label is ${segment.length} characters long; the limit is ${MAX_SEGMENT}`, { file, line: row.line });
  }
  return segment ?? null;
}

function lookup(index: TextIndex, id: string, what: string, location: SourceLocation): number {
  const found = index.get(id);
  if (found === undefined) throw new ConfigurationError(`${what} '${id}' is not a text id of the suite`, location);
  return found;
}

/** The text id aliases: `id`, and `_id` as BEIR and MTEB write it. */
const ID_FIELDS = ['id', '_id'];

/** Reads the suite's text files; every bad line of every file is reported (see ProblemCollector). */
async function readTexts(files: { file: string; columns?: Columns }[]): Promise<SuiteText[]> {
  const texts: SuiteText[] = [];
  const firstSeen = new Map<string, SourceLocation>();
  const problems = new ProblemCollector();
  for (const { file, columns } of files) {
    for (const row of await readTable(file, problems, columns)) {
      problems.attempt(() => {
        const location = { file, line: row.line };
        const id = stringField(row, ID_FIELDS, file);
        const previous = firstSeen.get(id);
        if (previous) throw new ConfigurationError(`duplicate text id '${id}' (first at ${previous.file}:${previous.line})`, location);
        firstSeen.set(id, location);
        const text = row.fields.text;
        if (typeof text !== 'string' && typeof text !== 'number') throw new ConfigurationError(`text '${id}' has no 'text' field`, location);
        if (id.length > MAX_ID) throw new ConfigurationError(`text id is ${id.length} characters long; the limit is ${MAX_ID}`, location);
        texts.push({ id, text: String(text), segment: segmentField(row, file) });
      });
    }
  }
  problems.throwIfAny();
  return texts;
}

function uniqueId(seen: Map<string, number>, id: string, what: string, file: string, line: number): void {
  const first = seen.get(id);
  if (first !== undefined) throw new ConfigurationError(`duplicate ${what} '${id}' (first at line ${first})`, { file, line });
  seen.set(id, line);
}

/** A graded gold score (`score`, as STS datasets name it): a finite number. */
function scoreOf(row: TableRow, file: string): number | undefined {
  const raw = optionalField(row, 'score');
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ConfigurationError(`score '${raw}' must be a number`, { file, line: row.line });
  return value;
}

/**
 * The pair's label: `related`/`unrelated`, or `1`/`0` as Hugging Face pair classification
 * datasets write it; without a label, the graded score against `relatedAt` (score ≥
 * relatedAt is related).
 */
function labelOf(row: TableRow, score: number | undefined, relatedAt: number | undefined, file: string): PairLabel {
  const label = optionalField(row, 'label');
  const location = { file, line: row.line };
  if (label === undefined) {
    if (score === undefined) throw new ConfigurationError("missing field 'label' (or a graded 'score' with checks.pairs.relatedAt)", location);
    if (relatedAt === undefined) throw new ConfigurationError(`the pair has a graded score (${score}) and no label: set checks.pairs.relatedAt, the score from which a pair counts as related`, location);
    return score >= relatedAt ? 'related' : 'unrelated';
  }
  if (label === 'related' || label === '1') return 'related';
  if (label === 'unrelated' || label === '0') return 'unrelated';
  throw new ConfigurationError(`label '${label}' must be related or unrelated (or 1 or 0)`, location);
}

/**
 * Reads the pairs file. A pair names two suite texts (`a`, `b`) or holds its two sentences
 * (`sentence1`, `sentence2`, as STS and other Hugging Face pair datasets do): those become
 * suite texts `pair:<line>:1` and `pair:<line>:2`, added to `texts` and `index`.
 */
async function readPairs(spec: NonNullable<SuiteFile['checks']['pairs']>, file: string, texts: SuiteText[], index: TextIndex): Promise<Pair[]> {
  const pairs: Pair[] = [];
  const seen = new Map<string, number>();
  const problems = new ProblemCollector();
  const rows = await readTable(file, problems, spec.columns);
  for (const row of rows) {
    problems.attempt(() => {
      const location = { file, line: row.line };
      const side = (ids: string[], sentence: string, n: 1 | 2): { id: string; at: number } => {
        if (ids.some((name) => optionalField(row, name) !== undefined) || optionalField(row, sentence) === undefined) {
          const id = stringField(row, ids, file);
          return { id, at: lookup(index, id, 'pair text', location) };
        }
        const id = `pair:${row.line}:${n}`;
        if (index.has(id)) throw new ConfigurationError(`text id '${id}' of this pair's sentence is already a text id of the suite`, location);
        texts.push({ id, text: optionalField(row, sentence) as string, segment: null });
        index.set(id, texts.length - 1);
        return { id, at: texts.length - 1 };
      };
      const score = scoreOf(row, file);
      const label = labelOf(row, score, spec.relatedAt, file);
      const a = side(['a', 'text_a', 'left'], 'sentence1', 1);
      const b = side(['b', 'text_b', 'right'], 'sentence2', 2);
      const id = optionalField(row, 'id') ?? `${a.id}|${b.id}`;
      uniqueId(seen, id, 'pair', file, row.line);
      const shared = texts[a.at]?.segment === texts[b.at]?.segment ? (texts[a.at]?.segment ?? null) : null;
      pairs.push({ id, a: a.at, b: b.at, label, segment: segmentField(row, file) ?? shared, ...(score === undefined ? {} : { score }) });
    });
  }
  problems.throwIfAny();
  if (pairs.length === 0) throw new ConfigurationError('the pairs file has no pairs', { file });
  return pairs;
}

async function readTriplets(file: string, texts: SuiteText[], index: TextIndex): Promise<Triplet[]> {
  const triplets: Triplet[] = [];
  const seen = new Map<string, number>();
  const problems = new ProblemCollector();
  for (const row of await readTable(file, problems)) {
    problems.attempt(() => {
      const location = { file, line: row.line };
      const ids = ['anchor', 'positive', 'negative'].map((name) => stringField(row, [name], file));
      const [anchor, positive, negative] = ids.map((id) => lookup(index, id, 'triplet text', location)) as [number, number, number];
      const id = optionalField(row, 'id') ?? ids.join('|');
      uniqueId(seen, id, 'triplet', file, row.line);
      triplets.push({ id, anchor, positive, negative, segment: segmentField(row, file) ?? texts[anchor]?.segment ?? null });
    });
  }
  problems.throwIfAny();
  if (triplets.length === 0) throw new ConfigurationError('the triplets file has no triplets', { file });
  return triplets;
}

/** Reads a file that lists text ids (field `id`), keeping their order; duplicates are errors. */
async function readIdList(file: string, index: TextIndex, what: string): Promise<number[]> {
  const list: number[] = [];
  const seen = new Map<string, number>();
  const problems = new ProblemCollector();
  for (const row of await readTable(file, problems)) {
    problems.attempt(() => {
      const id = stringField(row, ID_FIELDS, file);
      uniqueId(seen, id, what, file, row.line);
      list.push(lookup(index, id, what, { file, line: row.line }));
    });
  }
  problems.throwIfAny();
  if (list.length === 0) throw new ConfigurationError(`the ${what} file lists no ids`, { file });
  return list;
}

function relevanceOf(row: TableRow, file: string): number {
  const raw = stringField(row, ['relevance', 'rel', 'score'], file);
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value)) {
    throw new ConfigurationError(`relevance '${raw}' must be a non-negative number (0 = not relevant)`, { file, line: row.line });
  }
  return value;
}

/** One qrels file read: grades per query, in the order queries first appear. */
interface Qrels {
  judged: Map<number, Map<number, number>>;
  order: number[];
  docRows: { doc: number; line: number }[];
}

/**
 * Reads a qrels file: TREC (`qid 0 docid rel`) or a table with query (`query`, `qid`,
 * `query_id`, `query-id`), document (`doc`, `docid`, `doc_id`, `corpus-id`) and relevance
 * (`relevance`, `rel`, `score`) fields, as BEIR's `qrels/<split>.tsv` has with its header.
 * `resolveQuery` and `resolveDoc` turn the file's ids into text indices.
 */
async function readQrels(file: string, texts: SuiteText[], resolveQuery: (id: string, at: SourceLocation) => number, resolveDoc: (id: string, at: SourceLocation) => number): Promise<Qrels> {
  const judged = new Map<number, Map<number, number>>();
  const order: number[] = [];
  const docRows: { doc: number; line: number }[] = [];
  const problems = new ProblemCollector();
  for (const row of await readTable(file, problems)) {
    problems.attempt(() => {
      const location = { file, line: row.line };
      const query = resolveQuery(stringField(row, ['query', 'qid', 'query_id', 'query-id'], file), location);
      const doc = resolveDoc(stringField(row, ['doc', 'docid', 'doc_id', 'corpus-id'], file), location);
      const relevance = relevanceOf(row, file);
      let grades = judged.get(query);
      if (grades?.has(doc)) throw new ConfigurationError(`document '${texts[doc]?.id}' is judged twice for query '${texts[query]?.id}'`, location);
      if (!grades) {
        grades = new Map();
        judged.set(query, grades);
        order.push(query);
      }
      grades.set(doc, relevance);
      docRows.push({ doc, line: row.line });
    });
  }
  problems.throwIfAny();
  return { judged, order, docRows };
}

/** The retrieval set from qrels, the queries evaluated and the corpus searched. */
function retrievalSet(qrels: Qrels, listed: number[], corpus: number[], texts: SuiteText[], qrelsFile: string): RetrievalSet {
  const corpusSet = new Set(corpus);
  const problems = new ProblemCollector();
  for (const { doc, line } of qrels.docRows) {
    if (!corpusSet.has(doc)) problems.add({ message: `document '${texts[doc]?.id}' is judged but is not in the retrieval corpus`, location: { file: qrelsFile, line } });
  }
  problems.throwIfAny();
  const queries: number[] = [];
  const relevant: Map<number, number>[] = [];
  let skippedQueries = 0;
  for (const query of listed) {
    const grades = new Map([...(qrels.judged.get(query) ?? new Map<number, number>())].filter(([, grade]) => grade > 0));
    if (grades.size === 0) {
      skippedQueries++;
      continue;
    }
    queries.push(query);
    relevant.push(grades);
  }
  if (queries.length === 0) throw new ConfigurationError('no query has a relevant document (relevance > 0)', { file: qrelsFile });
  return { queries, corpus, relevant, skippedQueries };
}

async function readRetrieval(spec: NonNullable<SuiteFile['checks']['retrieval']>, base: string, texts: SuiteText[], index: TextIndex): Promise<RetrievalSet> {
  const qrelsFile = resolve(base, spec.qrels as string);
  const inSuite = (what: string) => (id: string, at: SourceLocation) => lookup(index, id, what, at);
  const qrels = await readQrels(qrelsFile, texts, inSuite('query'), inSuite('document'));
  const listed = spec.queries ? await readIdList(resolve(base, spec.queries), index, 'query') : qrels.order;
  const querySet = new Set(listed);
  const corpus = spec.corpus ? await readIdList(resolve(base, spec.corpus), index, 'corpus document') : texts.map((_, i) => i).filter((i) => !querySet.has(i));
  return retrievalSet(qrels, listed, corpus, texts, qrelsFile);
}

/**
 * Reads a BEIR / MTEB retrieval dataset folder as it is published: `corpus.jsonl` (`_id`,
 * `title`, `text`), `queries.jsonl` (`_id`, `text`) and `qrels/<split>.tsv` (`query-id`,
 * `corpus-id`, `score`, with its header; grades kept for nDCG). Documents become texts
 * `doc:<_id>` whose text is the title, a space and the text, trimmed (as BEIR's evaluation
 * joins them; no title gives the text alone); the split's judged queries become texts
 * `query:<_id>`, in the order the qrels first name them. Every document is searched.
 */
async function readBeirDataset(folder: string, split: string, texts: SuiteText[]): Promise<RetrievalSet> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(split)) throw new ConfigurationError(`split '${split}' must be a plain name such as test, dev or train`, { file: folder });
  const taken = new Set(texts.map((t) => t.id));
  const problems = new ProblemCollector();
  const addText = (id: string, text: string, location: SourceLocation): number => {
    if (id.length > MAX_ID) throw new ConfigurationError(`text id is ${id.length} characters long; the limit is ${MAX_ID}`, location);
    if (taken.has(id)) throw new ConfigurationError(`duplicate text id '${id}'`, location);
    taken.add(id);
    texts.push({ id, text, segment: null });
    return texts.length - 1;
  };
  const corpusFile = join(folder, 'corpus.jsonl');
  const docs = new Map<string, number>();
  for (const row of await readTable(corpusFile, problems)) {
    problems.attempt(() => {
      const location = { file: corpusFile, line: row.line };
      const id = stringField(row, ['_id', 'id'], corpusFile);
      const body = row.fields.text;
      if (typeof body !== 'string' && typeof body !== 'number') throw new ConfigurationError(`document '${id}' has no 'text' field`, location);
      const title = row.fields.title === undefined ? '' : String(row.fields.title);
      docs.set(id, addText(`doc:${id}`, `${title} ${String(body)}`.trim(), location));
    });
  }
  const queriesFile = join(folder, 'queries.jsonl');
  const queryTexts = new Map<string, string>();
  for (const row of await readTable(queriesFile, problems)) {
    problems.attempt(() => {
      const id = stringField(row, ['_id', 'id'], queriesFile);
      const text = stringField(row, ['text'], queriesFile);
      if (queryTexts.has(id)) throw new ConfigurationError(`duplicate query id '${id}'`, { file: queriesFile, line: row.line });
      queryTexts.set(id, text);
    });
  }
  problems.throwIfAny();
  if (docs.size === 0) throw new ConfigurationError('the corpus has no documents', { file: corpusFile });
  const queries = new Map<string, number>();
  const resolveQuery = (id: string, at: SourceLocation): number => {
    const known = queries.get(id);
    if (known !== undefined) return known;
    const text = queryTexts.get(id);
    if (text === undefined) throw new ConfigurationError(`query '${id}' is not in queries.jsonl`, at);
    const index = addText(`query:${id}`, text, at);
    queries.set(id, index);
    return index;
  };
  const resolveDoc = (id: string, at: SourceLocation): number => {
    const index = docs.get(id);
    if (index === undefined) throw new ConfigurationError(`document '${id}' is not in corpus.jsonl`, at);
    return index;
  };
  const qrelsFile = join(folder, 'qrels', `${split}.tsv`);
  const splits = await readdir(join(folder, 'qrels')).then(
    (names) => names.filter((n) => n.endsWith('.tsv')).map((n) => n.slice(0, -'.tsv'.length)),
    (): string[] => [],
  );
  if (!splits.includes(split)) throw new ConfigurationError(`no split '${split}' (qrels/${split}.tsv); the dataset has ${splits.length > 0 ? splits.join(', ') : 'no qrels/<split>.tsv'}`, { file: folder });
  const qrels = await readQrels(qrelsFile, texts, resolveQuery, resolveDoc);
  return retrievalSet(qrels, qrels.order, [...docs.values()], texts, qrelsFile);
}

/**
 * Loads a suite: validates the YAML against schemas/suite.schema.json, reads every data file
 * (relative to the suite file), and resolves every id. Unknown ids, duplicate ids and bad
 * labels are ConfigurationErrors naming the data file and line.
 */
export async function loadSuite(path: string): Promise<Suite> {
  const doc = await readYamlFile(path, 'suite file');
  const definition = assertSchema<SuiteFile>('suite', doc.data, doc);
  const base = dirname(path);
  const { checks } = definition;
  const textFiles = (definition.texts === undefined ? [] : Array.isArray(definition.texts) ? definition.texts : [definition.texts]).map((spec) =>
    typeof spec === 'string' ? { file: resolve(base, spec) } : { file: resolve(base, spec.file), columns: spec.columns },
  );
  const texts = await readTexts(textFiles);
  // A BEIR dataset adds its corpus and its split's queries to the texts and is the retrieval set.
  const beir = checks.retrieval?.beir === undefined ? undefined : await readBeirDataset(resolve(base, checks.retrieval.beir), checks.retrieval.split ?? 'test', texts);
  const index: TextIndex = new Map(texts.map((t, i) => [t.id, i]));
  const suite: Suite = { file: path, definition, texts };
  // Report every broken data file at once, not only the first, in the order of the checks.
  const found: Record<'pairs' | 'triplets' | 'retrieval' | 'neighbours', Problem[]> = { pairs: [], triplets: [], retrieval: [], neighbours: [] };
  const collect = async (check: keyof typeof found, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (error) {
      if (error instanceof ConfigurationError) found[check].push(...error.problems);
      else throw error;
    }
  };
  if (checks.triplets) await collect('triplets', async () => void (suite.triplets = await readTriplets(resolve(base, checks.triplets!.file), texts, index)));
  if (beir) suite.retrieval = beir;
  else if (checks.retrieval) await collect('retrieval', async () => void (suite.retrieval = await readRetrieval(checks.retrieval!, base, texts, index)));
  if (checks.neighbours) {
    const corpus = checks.neighbours.corpus;
    await collect('neighbours', async () => void (suite.neighbourCorpus = corpus ? await readIdList(resolve(base, corpus), index, 'neighbour corpus item') : texts.map((_, i) => i)));
  }
  // Last: pairs may add their own sentences as texts, which are then in no default corpus.
  if (checks.pairs) await collect('pairs', async () => void (suite.pairs = await readPairs(checks.pairs!, resolve(base, checks.pairs!.file), texts, index)));
  const problems = [...found.pairs, ...found.triplets, ...found.retrieval, ...found.neighbours];
  if (problems.length > 0) throw new ConfigurationError(problems);
  if (texts.length === 0) throw new ConfigurationError('the suite has no texts: list text files in texts, a BEIR dataset in checks.retrieval.beir, or pairs with their sentences', doc.locate(definition.texts === undefined ? [] : ['texts']));
  return suite;
}
