import { inflateRawSync } from 'node:zlib';

/** One file read from a zip archive. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated, as stored. */
  name: string;
  data: Buffer;
}

export interface ZipLimits {
  /** Most entries read; more is an error. */
  maxEntries: number;
  /** Most bytes of all entries together, uncompressed; more is an error (zip bombs). */
  maxTotalBytes: number;
}

const DEFAULT_LIMITS: ZipLimits = { maxEntries: 10_000, maxTotalBytes: 512 * 1024 * 1024 };

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

class ZipError extends Error {}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  const earliest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= earliest; at--) {
    if (zip.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  throw new ZipError('not a zip archive (no end of central directory record)');
}

/**
 * Reads every file of a zip archive into memory: stored and deflated entries, as
 * `actions/upload-artifact` writes them. Nothing is written to disk, so entry names cannot
 * escape a directory; directories are skipped. ZIP64 and encrypted archives are refused,
 * as are archives beyond the limits.
 *
 * @throws Error naming what is wrong with the archive.
 */
export function readZip(zip: Buffer, limits: ZipLimits = DEFAULT_LIMITS): ZipEntry[] {
  const end = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(end + 10);
  const directoryOffset = zip.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported');
  if (count > limits.maxEntries) throw new ZipError(`the archive has ${count} entries, more than ${limits.maxEntries}`);
  const entries: ZipEntry[] = [];
  let total = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new ZipError('corrupt central directory');
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (flags & 1) throw new ZipError(`entry '${name}' is encrypted`);
    if (size === 0xffffffff || compressedSize === 0xffffffff) throw new ZipError('ZIP64 archives are not supported');
    total += size;
    if (total > limits.maxTotalBytes) throw new ZipError(`the archive holds more than ${limits.maxTotalBytes} bytes`);
    if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== LOCAL_FILE_HEADER) throw new ZipError(`corrupt local header of '${name}'`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const compressed = zip.subarray(dataStart, dataStart + compressedSize);
    if (compressed.length !== compressedSize) throw new ZipError(`entry '${name}' is truncated`);
    let data: Buffer;
    if (method === 0) data = Buffer.from(compressed);
    else if (method === 8) data = inflateRawSync(compressed, { maxOutputLength: Math.max(1, size) });
    else throw new ZipError(`entry '${name}' uses compression method ${method}; only stored and deflate are supported`);
    if (data.length !== size) throw new ZipError(`entry '${name}' is ${data.length} bytes, the directory says ${size}`);
    entries.push({ name, data });
  }
  return entries;
}
