import { ConfigurationError, type SourceLocation } from '../io/errors.js';
import { sharedFloat32 } from '../knn/normalise.js';
import type { Matrix } from '../knn/types.js';
import type { TextItem } from './types.js';

/**
 * Vectors read from one file. `ids[i]` names row i; without ids the rows are matched to the
 * requested items by position. `lines[i]`, when known, is the 1-based line of row i (JSONL).
 */
export interface VectorTable {
  /** The file as the user named it, for messages. */
  file: string;
  matrix: Matrix;
  ids?: readonly string[];
  lines?: Int32Array;
  /** Says where the ids came from, for the positional-alignment message. */
  idsHint?: string;
}

/** An index from id to row; a repeated id is a ConfigurationError naming both rows. */
export function indexIds(ids: readonly string[], file: string, what = 'row', lines?: Int32Array): Map<string, number> {
  const index = new Map<string, number>();
  for (let row = 0; row < ids.length; row++) {
    const id = ids[row] as string;
    const first = index.get(id);
    if (first !== undefined) {
      const at = (r: number) => (lines ? `line ${lines[r]}` : `${what} ${r}`);
      throw new ConfigurationError(`duplicate id ${JSON.stringify(id)}: ${at(first)} and ${at(row)}`, locate(file, lines, row));
    }
    index.set(id, row);
  }
  return index;
}

function locate(file: string, lines: Int32Array | undefined, row: number): SourceLocation {
  const line = lines?.[row];
  return line !== undefined && line > 0 ? { file, line } : { file };
}

/** Id indexes of tables already checked, so repeated lookups in one file index it once. */
const idIndexes = new WeakMap<VectorTable, Map<string, number>>();
/** The rows last found in a table and the items they were found for: a source's check and its embed of the same items scan the vectors once. */
const lastRows = new WeakMap<VectorTable, { items: readonly TextItem[]; rows: Int32Array }>();

/**
 * The table's row for each requested item, in the items' order. With ids, a requested id
 * missing from the file is an error naming it; without ids, the file must have exactly one
 * row per item and row i belongs to item i. Every row must be finite: a NaN or an infinity
 * is an error naming the id.
 */
export function rowsFor(table: VectorTable, items: readonly TextItem[]): Int32Array {
  const last = lastRows.get(table);
  if (last?.items === items) return last.rows;
  const { file, matrix, ids, lines } = table;
  const { dim } = matrix;
  let rowOf: (i: number) => number;
  if (ids) {
    let index = idIndexes.get(table);
    if (!index) {
      index = indexIds(ids, file, 'row', lines);
      idIndexes.set(table, index);
    }
    const missing = items.filter((item) => !index.has(item.id)).map((item) => item.id);
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).map((id) => JSON.stringify(id)).join(', ');
      const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
      throw new ConfigurationError(`no vector for id ${shown}${more} (${missing.length} of ${items.length} requested ids are missing)`, { file });
    }
    const found = index;
    rowOf = (i) => found.get((items[i] as TextItem).id) as number;
  } else {
    if (matrix.rows !== items.length) {
      throw new ConfigurationError(
        `the file has no ids${table.idsHint ? ` (${table.idsHint})` : ''}, so its rows are matched to the suite's texts by position; ` +
          `it has ${matrix.rows} rows but ${items.length} texts were requested`,
        { file },
      );
    }
    rowOf = (i) => i;
  }
  const rows = new Int32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const row = rowOf(i);
    const base = row * dim;
    for (let j = 0; j < dim; j++) {
      const v = matrix.data[base + j] as number;
      if (!Number.isFinite(v)) {
        const id = (items[i] as TextItem).id;
        throw new ConfigurationError(`the vector for id ${JSON.stringify(id)} (row ${row}) has a non-finite value (${v}) at position ${j}`, locate(file, lines, row));
      }
    }
    rows[i] = row;
  }
  lastRows.set(table, { items, rows });
  return rows;
}

/**
 * Rows of the table for the requested items, in the items' order (see `rowsFor` for the
 * rules). With `handOver`, when the table holds exactly those rows in that order, its own
 * matrix is returned rather than a copy (the vectors of a large corpus are gigabytes): the
 * caller then owns them and must not use the table again. A copy is made in shared memory,
 * which the neighbour search reads without copying it again.
 */
export function selectRows(table: VectorTable, items: readonly TextItem[], handOver = false): Matrix {
  const rows = rowsFor(table, items);
  const { matrix } = table;
  const { dim } = matrix;
  if (handOver && matrix.rows === items.length && rows.every((row, i) => row === i)) return { data: matrix.data.subarray(0, items.length * dim), rows: items.length, dim };
  const out = sharedFloat32(items.length * dim);
  rows.forEach((row, i) => out.set(matrix.data.subarray(row * dim, (row + 1) * dim), i * dim));
  return { data: out, rows: items.length, dim };
}

/** Throws when a dimension is expected and the matrix has another one. */
export function checkDimension(matrix: Matrix, expected: number | undefined, where: string, location?: SourceLocation): void {
  if (expected !== undefined && matrix.rows > 0 && matrix.dim !== expected) {
    throw new ConfigurationError(`${where}: vectors have dimension ${matrix.dim}, expected ${expected}`, location);
  }
}

const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
let halfTable: Float32Array | undefined;

/** IEEE 754 half-precision bits to a float, exact (subnormals, infinities and NaN included). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Decodes little-endian float16 values from `count` × 2 bytes at `offset`. */
export function decodeFloat16(bytes: Uint8Array, offset: number, count: number): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let b = 0; b < 65536; b++) halfTable[b] = halfToFloat(b);
  }
  const table = halfTable;
  const out = new Float32Array(count);
  for (let i = 0, p = offset; i < count; i++, p += 2) out[i] = table[(bytes[p] as number) | ((bytes[p + 1] as number) << 8)] as number;
  return out;
}

/** Decodes little-endian bfloat16 values (the top half of a float32) from `count` × 2 bytes at `offset`. */
export function decodeBfloat16(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const words = new Uint32Array(count);
  for (let i = 0, p = offset; i < count; i++, p += 2) words[i] = (((bytes[p] as number) | ((bytes[p + 1] as number) << 8)) << 16) >>> 0;
  return new Float32Array(words.buffer);
}

/**
 * Little-endian float32 values at `offset`: a view on the same memory when the host is
 * little-endian and the offset is 4-byte aligned (NumPy pads headers so it is), else a copy.
 */
export function decodeFloat32(bytes: Uint8Array, offset: number, count: number): Float32Array {
  if (littleEndianHost && (bytes.byteOffset + offset) % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset + offset, count);
  const copy = bytes.slice(offset, offset + count * 4);
  if (littleEndianHost) return new Float32Array(copy.buffer, copy.byteOffset, count);
  const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** The little-endian bytes of float32 values (a view on little-endian hosts, a copy otherwise). */
export function float32Bytes(values: Float32Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return out;
}
