import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type Compressors } from 'hyparquet';
import { ConfigurationError, errorMessage } from '../io/errors.js';
import { ProblemCollector } from '../io/problems.js';
import type { VectorTable } from './table.js';

/** Codecs beyond hyparquet's built-in Snappy, from Node's zlib (zstd needs Node ≥ 22.15). */
export function compressors(): Compressors {
  const out: Compressors = {
    GZIP: (input) => new Uint8Array(gunzipSync(input)),
    BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
  };
  const zstd = (zlib as { zstdDecompressSync?: (input: Uint8Array) => Buffer }).zstdDecompressSync;
  if (zstd) out.ZSTD = (input) => new Uint8Array(zstd(input));
  return out;
}

/**
 * Reads a Parquet vectors file with columns `id` (string, or an integer read as its decimal
 * text) and `embedding` (a list of float or double), one row group at a time. Missing
 * columns, null or ragged embeddings, non-numbers and unreadable files are
 * ConfigurationErrors naming the file and the row (0-based, counted over the whole file).
 */
export async function readParquetVectors(path: string, displayName: string): Promise<VectorTable> {
  const fail = (message: string): never => {
    throw new ConfigurationError(`Parquet vectors: ${message}`, { file: displayName });
  };
  const file = await asyncBufferFromFile(path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    return fail(`cannot read the file's metadata (${errorMessage(error)})`);
  }
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  for (const wanted of ['id', 'embedding']) {
    if (!columns.includes(wanted)) fail(`no column '${wanted}' (columns: ${columns.join(', ') || 'none'}); expected 'id' and 'embedding' (list<float>)`);
  }

  const total = Number(metadata.num_rows);
  const ids: string[] = [];
  // Every bad row is reported (up to the collector's cap); a bad row is left out.
  const problems = new ProblemCollector();
  let data = new Float32Array(0);
  let dim = -1;
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, columns: ['id', 'embedding'], rowStart, rowEnd, compressors: compressors() });
    } catch (error) {
      return fail(`cannot read rows ${rowStart}–${rowEnd - 1} (${errorMessage(error)})`);
    }
    rows.forEach((record, offset) => problems.attempt(() => {
      const row = rowStart + offset;
      const { id: rawId, embedding } = record as { id?: unknown; embedding?: unknown };
      const id = typeof rawId === 'string' ? rawId : typeof rawId === 'bigint' || typeof rawId === 'number' ? String(rawId) : undefined;
      if (id === undefined) fail(`row ${row}: 'id' must be a string, got ${rawId == null ? 'null' : typeof rawId}`);
      if (!Array.isArray(embedding) && !ArrayBuffer.isView(embedding)) fail(`row ${row}: the embedding for id ${JSON.stringify(id)} is ${embedding == null ? 'null' : 'not a list'}`);
      const values = embedding as ArrayLike<unknown>;
      if (dim === -1) {
        if (values.length === 0) fail(`row ${row}: the embedding for id ${JSON.stringify(id)} is empty`);
        dim = values.length;
        data = new Float32Array(total * dim);
      } else if (values.length !== dim) {
        fail(`row ${row}: the embedding for id ${JSON.stringify(id)} has ${values.length} values, but earlier rows have ${dim}`);
      }
      const slot = ids.length * dim;
      for (let j = 0; j < dim; j++) {
        const v = values[j];
        if (typeof v !== 'number') fail(`row ${row}: the embedding for id ${JSON.stringify(id)} has ${v === null ? 'a null' : 'a non-number'} at position ${j}`);
        data[slot + j] = v as number;
      }
      ids.push(id as string);
    }));
    rowStart = rowEnd;
  }
  problems.throwIfAny();
  return { file: displayName, matrix: { data, rows: ids.length, dim: Math.max(dim, 0) }, ids };
}
