import { access } from 'node:fs/promises';
import { extname } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { ConfigurationError, errorMessage, isNodeError, type Problem, type SourceLocation } from '../io/errors.js';
import { readLines } from '../io/text.js';
import type { Answer, Outcome, ShadowRecord, ShadowRequest } from './types.js';

/** One object of a JSONL or Parquet file, with where it is. */
export interface LocatedObject {
  value: Record<string, unknown>;
  location: SourceLocation;
  /** How messages name the place: `file:line` (JSONL) or `file, row n` (Parquet). */
  where: string;
}

/** The file formats a request sample or a log can be in. */
export const RECORD_FORMATS = ['.jsonl', '.parquet'] as const;

/**
 * Reads a JSONL (UTF-8, one JSON object per line; blank lines and a byte-order mark skipped)
 * or Parquet file as objects, streaming line by line or row group by row group. Lines that
 * are not objects are a ConfigurationError naming the file and each line (up to ten; no
 * object is yielded after the first of them); bytes that are not UTF-8 name their line.
 * `displayName` is how messages name the file.
 */
export async function* readObjects(path: string, displayName: string): AsyncGenerator<LocatedObject> {
  const extension = extname(path).toLowerCase();
  if (extension === '.jsonl') {
    try {
      await access(path);
    } catch (error) {
      if (isNodeError(error, 'ENOENT')) throw new ConfigurationError('file not found', { file: displayName });
      throw error;
    }
    // Lines that are not JSON objects are all collected (up to ten are named), then refused together.
    const problems: Problem[] = [];
    let bad = 0;
    for await (const { text, line } of readLines(path, displayName)) {
      if (text.trim() === '') continue;
      const location = { file: displayName, line };
      let value: unknown;
      let problem: string | undefined;
      try {
        value = JSON.parse(text);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) problem = 'expected a JSON object';
      } catch {
        const nonFinite = /(?<![\w"])(-?Infinity|NaN)(?![\w"])/.test(text);
        problem = nonFinite ? 'a non-finite number (NaN or Infinity): JSON cannot hold one, and an answer must be finite' : 'not valid JSON: expected one object per line';
      }
      if (problem !== undefined) {
        if (++bad <= 10) problems.push({ message: problem, location });
        continue;
      }
      if (bad === 0) yield { value: value as Record<string, unknown>, location, where: `${displayName}:${line}` };
    }
    if (bad > 10) problems.push({ message: `…and ${bad - 10} more lines that are not JSON objects`, location: { file: displayName } });
    if (problems.length > 0) throw new ConfigurationError(problems);
    return;
  }
  if (extension === '.parquet') {
    let file;
    try {
      file = await asyncBufferFromFile(path);
    } catch (error) {
      if (isNodeError(error, 'ENOENT')) throw new ConfigurationError('file not found', { file: displayName });
      throw error;
    }
    let metadata;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (error) {
      throw new ConfigurationError(`not a readable Parquet file (${errorMessage(error)})`, { file: displayName });
    }
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd });
      for (const [offset, value] of rows.entries()) {
        const row = rowStart + offset + 1;
        yield { value: value as Record<string, unknown>, location: { file: displayName }, where: `${displayName}, row ${row}` };
      }
      rowStart = rowEnd;
    }
    return;
  }
  throw new ConfigurationError(`unknown file type '${extension || '(none)'}'; expected one of ${RECORD_FORMATS.join(', ')}`, { file: displayName });
}

function fail(object: LocatedObject, message: string): never {
  throw new ConfigurationError(object.where.includes(', row ') ? `${object.where.slice(object.where.indexOf(', row ') + 2)}: ${message}` : message, object.location);
}

function idOf(object: LocatedObject): string {
  const raw = object.value.id;
  const id = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'bigint' ? String(raw) : undefined;
  if (id === undefined || id === '') fail(object, `"id" must be a non-empty string, got ${raw === undefined ? 'nothing' : JSON.stringify(typeof raw === 'bigint' ? String(raw) : raw)}`);
  return id as string;
}

function optionalString(object: LocatedObject, field: string): string | null {
  const raw = object.value[field];
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') fail(object, `"${field}" must be a string or null, got ${JSON.stringify(raw)}`);
  return raw as string;
}

/**
 * Reads a replay sample: one request per line, `{"id", "input", "segment"?, "timestamp"?}`.
 * Ids must be unique and inputs non-empty strings; the first problem is a
 * ConfigurationError naming the file and line.
 */
export async function readRequests(path: string, displayName: string): Promise<ShadowRequest[]> {
  const requests: ShadowRequest[] = [];
  const seen = new Map<string, string>();
  for await (const object of readObjects(path, displayName)) {
    const id = idOf(object);
    const first = seen.get(id);
    if (first) fail(object, `duplicate id ${JSON.stringify(id)} (first at ${first})`);
    seen.set(id, object.where);
    const input = object.value.input;
    if (typeof input !== 'string' || input === '') fail(object, `"input" of id ${JSON.stringify(id)} must be a non-empty string (the text sent to both endpoints)`);
    requests.push({ id, input: input as string, segment: optionalString(object, 'segment'), timestamp: optionalString(object, 'timestamp'), location: object.location });
  }
  if (requests.length === 0) throw new ConfigurationError('the request sample is empty', { file: displayName });
  return requests;
}

const OUTCOMES: readonly Outcome[] = ['ok', 'error', 'timeout'];

/** A logged status: an HTTP status (2xx ok; 408 and 504 timeout; else error) or ok / error / timeout. */
function outcomeOf(object: LocatedObject, id: string): Outcome {
  const status = object.value.status;
  if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) {
    if (status >= 200 && status < 300) return 'ok';
    return status === 408 || status === 504 ? 'timeout' : 'error';
  }
  if (typeof status === 'string' && (OUTCOMES as readonly string[]).includes(status)) return status as Outcome;
  return fail(object, `"status" of id ${JSON.stringify(id)} must be an HTTP status (100-599) or one of ${OUTCOMES.join(', ')}, got ${status === undefined ? 'nothing' : JSON.stringify(status)}`);
}

function latencyOf(object: LocatedObject, id: string): number | null {
  const raw = object.value.latency_ms;
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) fail(object, `"latency_ms" of id ${JSON.stringify(id)} must be a finite number ≥ 0 or null, got ${JSON.stringify(raw)}`);
  return raw as number;
}

function answerOf(object: LocatedObject, id: string): Answer {
  const outcome = outcomeOf(object, id);
  const answer: Answer = { outcome, latencyMs: latencyOf(object, id) };
  const embedding = object.value.embedding;
  const output = object.value.output;
  if (embedding !== undefined && output !== undefined) fail(object, `id ${JSON.stringify(id)} has both "embedding" and "output"; give one`);
  const value = embedding !== undefined ? embedding : output;
  if (outcome === 'ok') {
    if (value === undefined || value === null) fail(object, `id ${JSON.stringify(id)} has status ok but neither "embedding" nor "output"`);
    answer.value = ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value;
  }
  return answer;
}

export interface LogVersions {
  production: string;
  candidate: string;
}

/**
 * Reads mirrored-traffic logs: one answer per line, `{"id", "version", "status",
 * "latency_ms"?, "embedding" | "output", "input"?, "segment"?}`, from one or more files.
 * `version` says whose answer it is (the production or the candidate version); every id
 * must have exactly one answer of each. Problems (a missing id, an unknown version, a
 * duplicate, an id answered by one side only) are ConfigurationErrors naming file and
 * line: a comparison is never made on silently dropped records.
 * @returns the pairs in order of each id's first appearance.
 */
export async function readLogs(files: readonly { path: string; displayName: string }[], versions: LogVersions): Promise<ShadowRecord[]> {
  if (versions.production === versions.candidate) throw new ConfigurationError(`the production and candidate versions are both '${versions.production}'; the logs' "version" field cannot tell them apart`);
  interface Pending {
    id: string;
    input: string | null;
    segment: string | null;
    production?: { answer: Answer; where: string };
    candidate?: { answer: Answer; where: string };
    location: SourceLocation;
    where: string;
  }
  const byId = new Map<string, Pending>();
  for (const { path, displayName } of files) {
    for await (const object of readObjects(path, displayName)) {
      const id = idOf(object);
      const version = object.value.version;
      const side = version === versions.production ? 'production' : version === versions.candidate ? 'candidate' : undefined;
      if (!side) fail(object, `"version" of id ${JSON.stringify(id)} is ${JSON.stringify(version)}; expected the production version ${JSON.stringify(versions.production)} or the candidate version ${JSON.stringify(versions.candidate)}`);
      const answer = answerOf(object, id);
      let pending = byId.get(id);
      if (!pending) byId.set(id, (pending = { id, input: null, segment: null, location: object.location, where: object.where }));
      const earlier = pending[side!];
      if (earlier) fail(object, `a second ${side} answer for id ${JSON.stringify(id)} (first at ${earlier.where})`);
      pending[side!] = { answer, where: object.where };
      const input = optionalString(object, 'input');
      const segment = optionalString(object, 'segment');
      if (input !== null) pending.input ??= input;
      if (segment !== null) {
        if (pending.segment !== null && pending.segment !== segment) fail(object, `id ${JSON.stringify(id)} has segment ${JSON.stringify(segment)} here but ${JSON.stringify(pending.segment)} at ${pending.where}`);
        pending.segment = segment;
      }
    }
  }
  const unpaired: Problem[] = [];
  const records: ShadowRecord[] = [];
  for (const pending of byId.values()) {
    if (!pending.production || !pending.candidate) {
      const has = pending.production ? 'production' : 'candidate';
      const lacks = pending.production ? 'candidate' : 'production';
      unpaired.push({ message: `id ${JSON.stringify(pending.id)} has a ${has} answer but no ${lacks} answer: every request needs both`, location: pending.location });
      continue;
    }
    const record: ShadowRecord = { id: pending.id, input: pending.input, segment: pending.segment, production: pending.production.answer, candidate: pending.candidate.answer, location: pending.location };
    records.push(record);
  }
  if (unpaired.length > 0) {
    const shown = unpaired.slice(0, 10);
    if (unpaired.length > shown.length) shown.push({ message: `…and ${unpaired.length - shown.length} more ids answered by one side only (${unpaired.length} of ${byId.size})` });
    throw new ConfigurationError(shown);
  }
  if (records.length === 0) throw new ConfigurationError(`the logs hold no answers (${files.map((f) => f.displayName).join(', ')})`);
  return records;
}
