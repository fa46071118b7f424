import { extname } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from '../embeddings/parquet.js';
import { ConfigurationError, isNodeError } from '../io/errors.js';
import { ProblemCollector } from '../io/problems.js';
import { readTextFile } from '../io/text.js';

/** One record of a data file, with the 1-based line it starts on (for error messages). */
export interface TableRow {
  line: number;
  fields: Record<string, string | number | undefined>;
}

export type TableFormat = 'jsonl' | 'csv' | 'tsv' | 'trec' | 'parquet';

/** The format a data file is read as, from its extension. */
export function formatOf(file: string): TableFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.qrels' || ext === '.trec' || ext === '.txt') return 'trec';
  if (ext === '.parquet') return 'parquet';
  throw new ConfigurationError(`unsupported data file extension '${ext}': use .jsonl, .csv, .tsv, .parquet, or .qrels/.trec/.txt for TREC qrels`, { file });
}

async function readText(file: string): Promise<string> {
  try {
    return await readTextFile(file);
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) throw new ConfigurationError('data file not found', { file });
    if (isNodeError(error, 'EISDIR')) throw new ConfigurationError('data file is a directory, expected a file', { file });
    throw error;
  }
}

function parseJsonlLine(raw: string, file: string, line: number): TableRow {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { file, line });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigurationError('expected a JSON object on each line', { file, line });
  }
  const fields: TableRow['fields'] = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number') fields[key] = v;
    else if (v !== null && v !== undefined) throw new ConfigurationError(`field '${key}' must be a string or a number`, { file, line });
  }
  return { line, fields };
}

function parseJsonl(text: string, file: string, problems: ProblemCollector): TableRow[] {
  const rows: TableRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === '') continue;
    const row = problems.attempt(() => parseJsonlLine(raw, file, i + 1));
    if (row) rows.push(row);
  }
  return rows;
}

/**
 * Splits delimited text into records (RFC 4180: quoted fields may hold the delimiter,
 * newlines and doubled quotes). Each record keeps the line it starts on.
 */
function splitDelimited(text: string, delimiter: string, file: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let atCellStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && atCellStart) {
      quoted = true;
      atCellStart = false;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
      atCellStart = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      if (cells.length > 1 || cells[0] !== '') records.push({ line: start, cells });
      cells = [];
      cell = '';
      atCellStart = true;
      line++;
      start = line;
    } else {
      cell += ch;
      atCellStart = false;
    }
  }
  if (quoted) throw new ConfigurationError('unterminated quoted field', { file, line: start });
  cells.push(cell);
  if (cells.length > 1 || cells[0] !== '') records.push({ line: start, cells });
  return records;
}

function parseDelimited(text: string, delimiter: string, file: string, problems: ProblemCollector): TableRow[] {
  const records = splitDelimited(text.replace(/^\uFEFF/, ''), delimiter, file);
  const header = records.shift();
  if (!header) return [];
  const names = header.cells.map((c) => c.trim());
  const rows: TableRow[] = [];
  for (const { line, cells } of records) {
    if (cells.length !== names.length) {
      problems.add({ message: `expected ${names.length} fields (${names.join(', ')}), found ${cells.length}`, location: { file, line } });
      continue;
    }
    const fields: TableRow['fields'] = {};
    names.forEach((name, i) => {
      const value = cells[i] as string;
      if (value !== '') fields[name] = value;
    });
    rows.push({ line, fields });
  }
  return rows;
}

/** TREC qrels: `query-id iteration doc-id relevance`, whitespace separated; `#` starts a comment. */
function parseTrec(text: string, file: string, problems: ProblemCollector): TableRow[] {
  const rows: TableRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const parts = raw.split(/\s+/);
    if (parts.length !== 4) {
      problems.add({ message: `expected 4 fields 'query-id 0 doc-id relevance', found ${parts.length}`, location: { file, line: i + 1 } });
      continue;
    }
    rows.push({ line: i + 1, fields: { query: parts[0], doc: parts[2], relevance: parts[3] } });
  }
  return rows;
}

/** A Parquet cell as a field: strings and numbers as they are, 64-bit integers and booleans as text. */
function parquetCell(value: unknown, column: string, file: string, line: number): string | number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (typeof value === 'boolean') return String(value);
  throw new ConfigurationError(`column '${column}' must hold strings or numbers`, { file, line });
}

/**
 * A Parquet file (as Hugging Face datasets export them) read whole; each row is a record
 * whose "line" is its 1-based row number.
 */
async function readParquet(path: string, problems: ProblemCollector): Promise<TableRow[]> {
  let objects: Record<string, unknown>[];
  try {
    objects = await parquetReadObjects({ file: await asyncBufferFromFile(path), compressors: compressors() });
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) throw new ConfigurationError('data file not found', { file: path });
    throw new ConfigurationError(`not a readable Parquet file: ${error instanceof Error ? error.message : String(error)}`, { file: path });
  }
  const rows: TableRow[] = [];
  objects.forEach((object, i) => {
    const line = i + 1;
    problems.attempt(() => {
      const fields: TableRow['fields'] = {};
      for (const [column, value] of Object.entries(object)) fields[column] = parquetCell(value, column, path, line);
      rows.push({ line, fields });
    });
  });
  return rows;
}

/**
 * Renames columns: `columns` maps the field a reader expects (e.g. `text`) to the column the
 * file has (e.g. `sentence`). A mapped column missing from a row leaves the field empty.
 */
function renameColumns(rows: TableRow[], columns: Readonly<Record<string, string>>): TableRow[] {
  const mapping = Object.entries(columns);
  if (mapping.length === 0) return rows;
  return rows.map(({ line, fields }) => {
    const renamed: TableRow['fields'] = { ...fields };
    for (const [field, column] of mapping) {
      if (field !== column) delete renamed[field];
    }
    for (const [field, column] of mapping) renamed[field] = fields[column];
    return { line, fields: renamed };
  });
}

function parse(text: string, file: string, problems: ProblemCollector): TableRow[] {
  switch (formatOf(file)) {
    case 'parquet':
      throw new Error('Parquet files are not text');
    case 'jsonl':
      return parseJsonl(text, file, problems);
    case 'csv':
      return parseDelimited(text, ',', file, problems);
    case 'tsv':
      return parseDelimited(text, '\t', file, problems);
    case 'trec':
      return parseTrec(text, file, problems);
  }
}

/**
 * Reads a data file into records: JSONL (one object per line), CSV/TSV (header row), Parquet
 * (one record per row) or TREC qrels; `columns` renames the file's columns to the fields the
 * caller reads (see `renameColumns`). Empty lines are skipped. Syntax errors name the file and line; every bad line
 * is reported. With `problems`, bad lines are recorded there and left out of the result (the
 * caller throws once it has checked the rest); without it, they are thrown at the end.
 */
export async function readTable(file: string, problems?: ProblemCollector, columns: Readonly<Record<string, string>> = {}): Promise<TableRow[]> {
  const collector = problems ?? new ProblemCollector();
  const rows = formatOf(file) === 'parquet' ? await readParquet(file, collector) : parse(await readText(file), file, collector);
  if (!problems) collector.throwIfAny();
  return renameColumns(rows, columns);
}

/** A required non-empty string field (numbers are accepted and turned into text, e.g. numeric ids). */
export function stringField(row: TableRow, names: readonly string[], file: string): string {
  for (const name of names) {
    const value = row.fields[name];
    if (value === undefined) continue;
    const text = String(value).trim();
    if (text !== '') return text;
  }
  throw new ConfigurationError(`missing field '${names[0]}'${names.length > 1 ? ` (or ${names.slice(1).join(', ')})` : ''}`, { file, line: row.line });
}

/** An optional string field; undefined when absent or empty. */
export function optionalField(row: TableRow, name: string): string | undefined {
  const value = row.fields[name];
  if (value === undefined) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}
