import { dirname, resolve } from 'node:path';
import { ConfigurationError, type Problem, type SourceLocation } from '../io/errors.js';
import { assertSchema } from '../io/schema.js';
import { readYamlFile, type SourceDocument } from '../io/yaml.js';
import { optionalField, readTable, stringField, type TableRow } from './tables.js';

/** Statistical keys a suite's settings and each check may set (see schemas/suite.schema.json). */
export interface StatKeys {
  confidence?: number;
  resamples?: number;
  seed?: number;
  minSegmentSize?: number;
}

/** The suite file as written (schemas/suite.schema.json). */
export interface SuiteFile {
  name: string;
  description?: string;
  texts: string | string[];
  settings?: StatKeys & { worstItems?: number };
  checks: {
    pairs?: StatKeys & { file: string; tolerance?: number; relatedFloor?: number; unrelatedCeiling?: number; sameSpace?: boolean; similarityTolerance?: number };
    triplets?: StatKeys & { file: string; tolerance?: number };
    retrieval?: StatKeys & { qrels: string; queries?: string; corpus?: string; k?: number; metric?: 'ndcg' | 'recall' | 'mrr'; tolerance?: number };
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

async function readTexts(files: string[], doc: SourceDocument): Promise<SuiteText[]> {
  const texts: SuiteText[] = [];
  const firstSeen = new Map<string, SourceLocation>();
  for (const file of files) {
    for (const row of await readTable(file)) {
      const location = { file, line: row.line };
      const id = stringField(row, ['id'], file);
      const previous = firstSeen.get(id);
      if (previous) throw new ConfigurationError(`duplicate text id '${id}' (first at ${previous.file}:${previous.line})`, location);
      firstSeen.set(id, location);
      const text = row.fields.text;
      if (typeof text !== 'string' && typeof text !== 'number') throw new ConfigurationError(`text '${id}' has no 'text' field`, location);
      if (id.length > MAX_ID) throw new ConfigurationError(`text id is ${id.length} characters long; the limit is ${MAX_ID}`, location);
      texts.push({ id, text: String(text), segment: segmentField(row, file) });
    }
  }
  if (texts.length === 0) throw new ConfigurationError('the suite has no texts', doc.locate(['texts']));
  return texts;
}

function uniqueId(seen: Map<string, number>, id: string, what: string, file: string, line: number): void {
  const first = seen.get(id);
  if (first !== undefined) throw new ConfigurationError(`duplicate ${what} '${id}' (first at line ${first})`, { file, line });
  seen.set(id, line);
}

async function readPairs(file: string, texts: SuiteText[], index: TextIndex): Promise<Pair[]> {
  const pairs: Pair[] = [];
  const seen = new Map<string, number>();
  for (const row of await readTable(file)) {
    const location = { file, line: row.line };
    const aId = stringField(row, ['a', 'text_a', 'left'], file);
    const bId = stringField(row, ['b', 'text_b', 'right'], file);
    const a = lookup(index, aId, 'pair text', location);
    const b = lookup(index, bId, 'pair text', location);
    const label = stringField(row, ['label'], file);
    if (label !== 'related' && label !== 'unrelated') throw new ConfigurationError(`label '${label}' must be related or unrelated`, location);
    const id = optionalField(row, 'id') ?? `${aId}|${bId}`;
    uniqueId(seen, id, 'pair', file, row.line);
    const shared = texts[a]?.segment === texts[b]?.segment ? (texts[a]?.segment ?? null) : null;
    pairs.push({ id, a, b, label, segment: segmentField(row, file) ?? shared });
  }
  if (pairs.length === 0) throw new ConfigurationError('the pairs file has no pairs', { file });
  return pairs;
}

async function readTriplets(file: string, texts: SuiteText[], index: TextIndex): Promise<Triplet[]> {
  const triplets: Triplet[] = [];
  const seen = new Map<string, number>();
  for (const row of await readTable(file)) {
    const location = { file, line: row.line };
    const ids = ['anchor', 'positive', 'negative'].map((name) => stringField(row, [name], file));
    const [anchor, positive, negative] = ids.map((id) => lookup(index, id, 'triplet text', location)) as [number, number, number];
    const id = optionalField(row, 'id') ?? ids.join('|');
    uniqueId(seen, id, 'triplet', file, row.line);
    triplets.push({ id, anchor, positive, negative, segment: segmentField(row, file) ?? texts[anchor]?.segment ?? null });
  }
  if (triplets.length === 0) throw new ConfigurationError('the triplets file has no triplets', { file });
  return triplets;
}

/** Reads a file that lists text ids (field `id`), keeping their order; duplicates are errors. */
async function readIdList(file: string, index: TextIndex, what: string): Promise<number[]> {
  const list: number[] = [];
  const seen = new Map<string, number>();
  for (const row of await readTable(file)) {
    const id = stringField(row, ['id'], file);
    uniqueId(seen, id, what, file, row.line);
    list.push(lookup(index, id, what, { file, line: row.line }));
  }
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

async function readRetrieval(spec: NonNullable<SuiteFile['checks']['retrieval']>, base: string, texts: SuiteText[], index: TextIndex): Promise<RetrievalSet> {
  const qrelsFile = resolve(base, spec.qrels);
  const judged = new Map<number, Map<number, number>>();
  const order: number[] = [];
  const docRows: { doc: number; line: number }[] = [];
  for (const row of await readTable(qrelsFile)) {
    const location = { file: qrelsFile, line: row.line };
    const query = lookup(index, stringField(row, ['query', 'qid', 'query_id'], qrelsFile), 'query', location);
    const doc = lookup(index, stringField(row, ['doc', 'docid', 'doc_id'], qrelsFile), 'document', location);
    const relevance = relevanceOf(row, qrelsFile);
    let grades = judged.get(query);
    if (!grades) {
      grades = new Map();
      judged.set(query, grades);
      order.push(query);
    }
    if (grades.has(doc)) throw new ConfigurationError(`document '${texts[doc]?.id}' is judged twice for query '${texts[query]?.id}'`, location);
    grades.set(doc, relevance);
    docRows.push({ doc, line: row.line });
  }
  const listed = spec.queries ? await readIdList(resolve(base, spec.queries), index, 'query') : order;
  const querySet = new Set(listed);
  const corpus = spec.corpus ? await readIdList(resolve(base, spec.corpus), index, 'corpus document') : texts.map((_, i) => i).filter((i) => !querySet.has(i));
  const corpusSet = new Set(corpus);
  for (const { doc, line } of docRows) {
    if (!corpusSet.has(doc)) throw new ConfigurationError(`document '${texts[doc]?.id}' is judged but is not in the retrieval corpus`, { file: qrelsFile, line });
  }
  const queries: number[] = [];
  const relevant: Map<number, number>[] = [];
  let skippedQueries = 0;
  for (const query of listed) {
    const grades = new Map([...(judged.get(query) ?? new Map<number, number>())].filter(([, grade]) => grade > 0));
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

/**
 * Loads a suite: validates the YAML against schemas/suite.schema.json, reads every data file
 * (relative to the suite file), and resolves every id. Unknown ids, duplicate ids and bad
 * labels are ConfigurationErrors naming the data file and line.
 */
export async function loadSuite(path: string): Promise<Suite> {
  const doc = await readYamlFile(path, 'suite file');
  const definition = assertSchema<SuiteFile>('suite', doc.data, doc);
  const base = dirname(path);
  const textFiles = (Array.isArray(definition.texts) ? definition.texts : [definition.texts]).map((f) => resolve(base, f));
  const texts = await readTexts(textFiles, doc);
  const index: TextIndex = new Map(texts.map((t, i) => [t.id, i]));
  const suite: Suite = { file: path, definition, texts };
  const { checks } = definition;
  const problems: Problem[] = [];
  // Report every broken data file at once, not only the first.
  const collect = async (fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (error) {
      if (error instanceof ConfigurationError) problems.push(...error.problems);
      else throw error;
    }
  };
  if (checks.pairs) await collect(async () => void (suite.pairs = await readPairs(resolve(base, checks.pairs!.file), texts, index)));
  if (checks.triplets) await collect(async () => void (suite.triplets = await readTriplets(resolve(base, checks.triplets!.file), texts, index)));
  if (checks.retrieval) await collect(async () => void (suite.retrieval = await readRetrieval(checks.retrieval!, base, texts, index)));
  if (checks.neighbours) {
    const corpus = checks.neighbours.corpus;
    await collect(async () => void (suite.neighbourCorpus = corpus ? await readIdList(resolve(base, corpus), index, 'neighbour corpus item') : texts.map((_, i) => i)));
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return suite;
}
