import { ConfigurationError } from '../io/errors.js';
import type { Matrix } from '../knn/types.js';
import { decodeBfloat16, decodeFloat16, decodeFloat32 } from './table.js';

/** The tensor read when a file holds several. */
export const SAFETENSORS_TENSOR = 'embeddings';

export interface SafetensorsVectors {
  matrix: Matrix;
  /** Row ids from `__metadata__.ids` (a JSON array of strings), when present. */
  ids?: string[];
}

interface TensorInfo {
  dtype?: unknown;
  shape?: unknown;
  data_offsets?: unknown;
}

/**
 * Parses a `.safetensors` file: an 8-byte little-endian header length, a JSON header, then
 * the tensor bytes. The vectors are the 2-D tensor named `embeddings`, or the only tensor
 * when there is one; dtype F32, F16 or BF16 (widened to float32). Row ids come from the
 * header's `__metadata__.ids`, a string holding a JSON array of strings, one per row.
 * A malformed header, a missing or ambiguous tensor, another dtype or rank, or data that
 * runs past the end of the file is a ConfigurationError naming the file.
 */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsVectors {
  const fail = (message: string): never => {
    throw new ConfigurationError(`not a usable .safetensors file: ${message}`, { file });
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) fail(`truncated: the header declares ${headerLength} bytes but the file ends after ${bytes.length - 8}`);
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch {
    return fail('the header is not valid JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return fail('the header is not a JSON object');
  const entries = header as Record<string, unknown>;
  const names = Object.keys(entries).filter((name) => name !== '__metadata__');
  let name: string;
  if (names.includes(SAFETENSORS_TENSOR)) name = SAFETENSORS_TENSOR;
  else if (names.length === 1) name = names[0] as string;
  else if (names.length === 0) return fail('it holds no tensor');
  else return fail(`it holds ${names.length} tensors (${names.slice(0, 5).join(', ')}); name the vectors '${SAFETENSORS_TENSOR}'`);

  const info = entries[name] as TensorInfo;
  const { dtype, shape, data_offsets: offsets } = info ?? {};
  const sizes: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
  if (typeof dtype !== 'string' || !(dtype in sizes)) return fail(`tensor '${name}' has dtype ${JSON.stringify(dtype)}: expected F32, F16 or BF16`);
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
    return fail(`tensor '${name}' has shape ${JSON.stringify(shape)}: expected [rows, dimension]`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
    return fail(`tensor '${name}' has bad data_offsets ${JSON.stringify(offsets)}`);
  }
  const [rows, dim] = shape as [number, number];
  const [begin, end] = offsets as [number, number];
  if (dim === 0) fail(`tensor '${name}' has dimension 0`);
  const itemSize = sizes[dtype] as number;
  if (end - begin !== rows * dim * itemSize) fail(`tensor '${name}' spans ${end - begin} bytes, but shape [${rows}, ${dim}] of ${dtype} needs ${rows * dim * itemSize}`);
  if (dataStart + end > bytes.length) fail(`truncated: tensor '${name}' ends at byte ${dataStart + end} but the file has ${bytes.length}`);
  const count = rows * dim;
  const at = dataStart + begin;
  const data = dtype === 'F32' ? decodeFloat32(bytes, at, count) : dtype === 'F16' ? decodeFloat16(bytes, at, count) : decodeBfloat16(bytes, at, count);

  const result: SafetensorsVectors = { matrix: { data, rows, dim } };
  const metadata = entries.__metadata__;
  if (metadata !== undefined && metadata !== null && typeof metadata === 'object' && 'ids' in metadata) {
    const text = (metadata as Record<string, unknown>).ids;
    let ids: unknown;
    try {
      ids = typeof text === 'string' ? JSON.parse(text) : undefined;
    } catch {
      ids = undefined;
    }
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) fail("__metadata__.ids must be a string holding a JSON array of strings");
    if ((ids as string[]).length !== rows) fail(`__metadata__.ids lists ${(ids as string[]).length} ids for ${rows} rows`);
    result.ids = ids as string[];
  }
  return result;
}
