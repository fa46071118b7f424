import { ConfigurationError } from '../io/errors.js';
import type { Matrix } from '../knn/types.js';
import { decodeFloat16, decodeFloat32 } from './table.js';

/** The six bytes every `.npy` file starts with. */
export const NPY_MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);

/** True when the bytes start with the `.npy` magic string. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= NPY_MAGIC.length && NPY_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Parses a NumPy `.npy` file (format versions 1, 2 and 3) holding a 2-D array of
 * little-endian float32 (`<f4`) or float16 (`<f2`) in C order, shape (rows, dimension).
 * Float16 is widened to float32. Anything else (another dtype, big-endian, Fortran order,
 * another rank, a truncated or over-long data section, a malformed header) is a
 * ConfigurationError naming the file and the problem.
 */
export function parseNpy(bytes: Uint8Array, file: string): Matrix {
  const fail = (message: string): never => {
    throw new ConfigurationError(`not a usable .npy file: ${message}`, { file });
  };
  if (!isNpy(bytes)) fail('it does not start with the .npy magic string (\\x93NUMPY)');
  if (bytes.length < 10) fail(`truncated: ${bytes.length} bytes, shorter than the smallest header`);
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(`truncated: ${bytes.length} bytes, shorter than the version ${major} header`);
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    return fail(`format version ${major}.${bytes[7]} is not supported (expected 1.0, 2.0 or 3.0)`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) fail(`truncated: the header declares ${headerLength} bytes but the file ends after ${bytes.length - headerStart}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    return fail(`bad header ${JSON.stringify(header.trim())}: expected a dict with 'descr', 'fortran_order' and 'shape'`);
  }
  let itemSize: number;
  if (descr === '<f4') itemSize = 4;
  else if (descr === '<f2') itemSize = 2;
  else if (descr === '>f4' || descr === '>f2') {
    return fail(`big-endian dtype '${descr}' is not supported; save it little-endian, e.g. np.save(path, x.astype('<f4'))`);
  } else {
    return fail(`dtype '${descr}' is not supported: expected float32 ('<f4') or float16 ('<f2'), e.g. np.save(path, x.astype(np.float32))`);
  }
  if (fortran === 'True') fail('the array is in Fortran (column-major) order; save a C-order array, e.g. np.save(path, np.ascontiguousarray(x))');

  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (shape.length !== 2 || shape.some((s) => !/^\d+L?$/.test(s))) {
    return fail(`shape (${shapeText.trim()}) is not 2-D: expected (rows, dimension)`);
  }
  const rows = Number.parseInt(shape[0] as string, 10);
  const dim = Number.parseInt(shape[1] as string, 10);
  if (dim === 0) fail('the dimension (second axis) is 0');
  const needed = rows * dim * itemSize;
  const available = bytes.length - dataStart;
  const dtype = itemSize === 4 ? 'float32' : 'float16';
  if (available < needed) fail(`truncated: shape (${rows}, ${dim}) of ${dtype} needs ${needed} data bytes, the file has ${available}`);
  if (available > needed) fail(`${available - needed} bytes after the data that shape (${rows}, ${dim}) of ${dtype} does not account for`);

  const data = itemSize === 4 ? decodeFloat32(bytes, dataStart, rows * dim) : decodeFloat16(bytes, dataStart, rows * dim);
  return { data, rows, dim };
}

/**
 * Encodes a matrix as a version 1.0 `.npy` file of little-endian float32 in C order, with
 * the header padded so the data starts on a 64-byte boundary, as NumPy writes it.
 */
export function encodeNpy(matrix: Matrix): Uint8Array {
  const header = npyHeader(matrix.rows, matrix.dim);
  const out = new Uint8Array(header.length + matrix.rows * matrix.dim * 4);
  out.set(header, 0);
  const values = new DataView(out.buffer, header.length);
  for (let i = 0; i < matrix.rows * matrix.dim; i++) values.setFloat32(i * 4, matrix.data[i] as number, true);
  return out;
}

/** The bytes of a version 1.0 .npy header for `rows` × `dim` little-endian float32 values (the data follows it). */
export function npyHeader(rows: number, dim: number): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set(NPY_MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}
