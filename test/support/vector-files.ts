import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { tempDir } from './temp.js';

/**
 * Writers for vectors files, independent of the readers under test: each follows the
 * format's published layout (NumPy's NEP 1 `.npy` format, the safetensors README, Parquet via
 * hyparquet-writer). Options produce the malformed variants the readers must reject.
 */

export type Rows = number[][];

export interface NpyOptions {
  /** NumPy dtype string; `<f4` by default. Supported here: `<f4`, `<f2`, `>f4`, `<f8`, `<i4`. */
  descr?: string;
  fortran?: boolean;
  /** Overrides the shape written in the header. */
  shape?: number[];
  /** Replaces the whole header dict text. */
  header?: string;
  /** Drops this many bytes from the end. */
  truncate?: number;
}

function float16Bits(value: number): number {
  // Round-to-nearest-even conversion through the bit layout of a float32.
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

function encodeValues(rows: Rows, descr: string, fortran = false): Uint8Array {
  const r = rows.length;
  const d = rows[0]?.length ?? 0;
  const flat: number[] = [];
  if (fortran) for (let j = 0; j < d; j++) for (let i = 0; i < r; i++) flat.push(rows[i]![j]!);
  else for (const row of rows) flat.push(...row);
  const size = Number(descr.slice(2));
  const little = descr[0] !== '>';
  const out = new Uint8Array(flat.length * size);
  const view = new DataView(out.buffer);
  flat.forEach((v, i) => {
    if (descr.endsWith('f4')) view.setFloat32(i * 4, v, little);
    else if (descr.endsWith('f8')) view.setFloat64(i * 8, v, little);
    else if (descr.endsWith('i4')) view.setInt32(i * 4, v, little);
    else if (descr.endsWith('f2')) view.setUint16(i * 2, float16Bits(v), little);
    else throw new Error(`test writer: unsupported descr ${descr}`);
  });
  return out;
}

/** A version 1.0 `.npy` file, laid out as NEP 1 describes (header padded to 64 bytes). */
export function npyBytes(rows: Rows, options: NpyOptions = {}): Uint8Array {
  const descr = options.descr ?? '<f4';
  const shape = options.shape ?? [rows.length, rows[0]?.length ?? 0];
  let header = options.header ?? `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, header.length, true);
  head.set(new TextEncoder().encode(header), 10);
  const body = encodeValues(rows, descr, options.fortran);
  const all = new Uint8Array(head.length + body.length);
  all.set(head);
  all.set(body, head.length);
  return all.subarray(0, all.length - (options.truncate ?? 0));
}

export interface SafetensorsOptions {
  dtype?: 'F32' | 'F16' | 'BF16' | 'F64';
  ids?: string[];
  /** Tensor name; `embeddings` by default. */
  name?: string;
  /** Extra tensors written before the vectors. */
  extra?: Record<string, Rows>;
  truncate?: number;
}

/** A `.safetensors` file: u64 LE header length, JSON header, then the tensors' bytes. */
export function safetensorsBytes(rows: Rows, options: SafetensorsOptions = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  const blobs: Uint8Array[] = [];
  let offset = 0;
  const add = (name: string, data: Rows, dtype: string) => {
    let bytes: Uint8Array;
    if (dtype === 'BF16') {
      // bfloat16 is the top half of a float32 (truncated: exact for the values the tests use).
      const f32 = encodeValues(data, '<f4');
      bytes = new Uint8Array(f32.length / 2);
      for (let i = 0; i < bytes.length; i += 2) bytes.set(f32.subarray(i * 2 + 2, i * 2 + 4), i);
    } else {
      bytes = encodeValues(data, dtype === 'F32' ? '<f4' : dtype === 'F16' ? '<f2' : '<f8');
    }
    header[name] = { dtype, shape: [data.length, data[0]?.length ?? 0], data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    blobs.push(bytes);
  };
  for (const [name, data] of Object.entries(options.extra ?? {})) add(name, data, 'F32');
  add(options.name ?? 'embeddings', rows, options.dtype ?? 'F32');
  if (options.ids) header.__metadata__ = { ids: JSON.stringify(options.ids) };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const all = new Uint8Array(8 + json.length + offset);
  new DataView(all.buffer).setBigUint64(0, BigInt(json.length), true);
  all.set(json, 8);
  let at = 8 + json.length;
  for (const blob of blobs) {
    all.set(blob, at);
    at += blob.length;
  }
  return all.subarray(0, all.length - (options.truncate ?? 0));
}

/** JSONL lines `{"id", "embedding"}`; a value of `'NaN'` is written as a bare NaN token, as Python's json.dumps does. */
export function jsonlText(ids: string[], rows: (number | string)[][]): string {
  return ids.map((id, i) => `{"id": ${JSON.stringify(id)}, "embedding": [${rows[i]!.map(String).join(', ')}]}`).join('\n') + '\n';
}

/**
 * A Parquet file with `id` (string) and `embedding` (list<float>, the standard 3-level LIST
 * layout that Arrow and pandas write) columns, written by hyparquet-writer.
 */
export function parquetBytes(
  ids: (string | null)[],
  rows: (number[] | null)[],
  options: { rowGroupSize?: number; embeddingColumn?: string; elementType?: 'FLOAT' | 'DOUBLE'; codec?: 'SNAPPY' | 'UNCOMPRESSED' } = {},
): Uint8Array {
  const name = options.embeddingColumn ?? 'embedding';
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: ids },
      { name, data: rows },
    ],
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: options.elementType ?? 'FLOAT', repetition_type: 'OPTIONAL' },
    ],
    codec: options.codec ?? 'SNAPPY',
    ...(options.rowGroupSize ? { rowGroupSize: options.rowGroupSize } : {}),
  });
  return new Uint8Array(buffer);
}

/** A temporary folder with a file writer, removed by the returned cleanup (or after the test file). */
export async function tempFolder(prefix = 'mg-vectors-'): Promise<{ dir: string; file: (name: string, data: string | Uint8Array) => Promise<string>; cleanup: () => Promise<void> }> {
  const dir = await tempDir(prefix);
  return {
    dir,
    file: async (name, data) => {
      const path = join(dir, name);
      await writeFile(path, data);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
