import { crc32 } from 'node:zlib';
import { unzipSync, zipSync, type UnzipFileInfo } from 'fflate';

/** One file read from a zip archive. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated, as stored. */
  name: string;
  data: Buffer;
}

export interface ZipLimits {
  /** Most entries (directories included); more is an error. */
  maxEntries: number;
  /** Most bytes of all entries together, uncompressed; more is an error (zip bombs). */
  maxTotalBytes: number;
  /** Most bytes of one entry, uncompressed (defaults to `maxTotalBytes`). */
  maxEntryBytes?: number;
}

const DEFAULT_LIMITS: ZipLimits = { maxEntries: 10_000, maxTotalBytes: 512 * 1024 * 1024, maxEntryBytes: 256 * 1024 * 1024 };

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

class ZipError extends Error {}

/**
 * Why an entry name could escape the folder it would be extracted to ("zip slip"), or null
 * when it is safe: absolute paths, drive letters, backslashes, `..` segments and NUL bytes
 * are refused even though nothing here writes to disk, so no caller can be led astray.
 */
export function unsafeEntryName(name: string): string | null {
  if (name === '' || name.includes('\0')) return 'an empty name or a NUL byte';
  if (name.includes('\\')) return 'a backslash';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'an absolute path';
  if (name.split('/').includes('..')) return "a '..' segment";
  return null;
}

/**
 * The structural checks fflate leaves to its caller: every central directory record and the
 * local header it points to carry their signatures, and no entry is encrypted (fflate would
 * return ciphertext as data). Sizes and names are checked from fflate's own listing.
 * @returns each entry's CRC-32 as the directory records it, to check the inflated data against.
 */
function checkHeaders(zip: Buffer): Map<string, number> {
  const crcs = new Map<string, number>();
  const earliest = Math.max(0, zip.length - 22 - 0xffff);
  let end = -1;
  for (let at = zip.length - 22; at >= earliest; at--) {
    if (zip.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new ZipError('not a zip archive (no end of central directory record)');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  if (count === 0xffff || at === 0xffffffff) throw new ZipError('ZIP64 archives are not supported');
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new ZipError('corrupt central directory');
    const nameLength = zip.readUInt16LE(at + 28);
    const flags = zip.readUInt16LE(at + 8);
    // Names are UTF-8 when flag bit 11 says so, else code page 437, which fflate reads as latin-1.
    const name = zip.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
    if (flags & 1) throw new ZipError(`entry '${name}' is encrypted`);
    const local = zip.readUInt32LE(at + 42);
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL_FILE_HEADER) throw new ZipError(`corrupt local header of '${name}'`);
    crcs.set(name, zip.readUInt32LE(at + 16));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return crcs;
}

/** fflate's errors carry a numeric `code`; anything it throws is a broken archive. */
function unzipOrExplain(zip: Buffer, filter: (file: UnzipFileInfo) => boolean): Record<string, Uint8Array> {
  try {
    return unzipSync(zip, { filter });
  } catch (error) {
    if (error instanceof ZipError) throw error;
    throw new ZipError(`corrupt archive (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * Reads every file of a zip archive into memory (stored and deflated entries, as
 * `actions/upload-artifact` writes them) with fflate. Before anything is inflated, the
 * directory is checked against the limits (entry count, each entry's and the total declared
 * size) and every name against path traversal; each inflated entry must then have the size
 * the directory declared and its CRC-32. Directories are skipped; ZIP64 and encrypted
 * archives are refused.
 *
 * @throws Error naming what is wrong with the archive.
 */
export function readZip(zip: Buffer, limits: ZipLimits = DEFAULT_LIMITS): ZipEntry[] {
  const crcs = checkHeaders(zip);
  const maxEntryBytes = limits.maxEntryBytes ?? limits.maxTotalBytes;
  const listed: UnzipFileInfo[] = [];
  unzipOrExplain(zip, (file) => {
    listed.push(file);
    return false;
  });
  if (listed.length > limits.maxEntries) throw new ZipError(`the archive has ${listed.length} entries, more than ${limits.maxEntries}`);
  const declared = new Map<string, number>();
  let total = 0;
  for (const file of listed) {
    const unsafe = unsafeEntryName(file.name);
    if (unsafe) throw new ZipError(`entry '${file.name}' has ${unsafe} in its name`);
    if (file.name.endsWith('/')) continue;
    if (declared.has(file.name)) throw new ZipError(`entry '${file.name}' appears twice`);
    if (file.compression !== 0 && file.compression !== 8) {
      throw new ZipError(`entry '${file.name}' uses compression method ${file.compression}; only stored and deflate are supported`);
    }
    total += file.originalSize;
    if (total > limits.maxTotalBytes) throw new ZipError(`the archive holds more than ${limits.maxTotalBytes} bytes`);
    if (file.originalSize > maxEntryBytes) throw new ZipError(`entry '${file.name}' is ${file.originalSize} bytes, more than ${maxEntryBytes}`);
    declared.set(file.name, file.originalSize);
  }
  const files = unzipOrExplain(zip, (file) => !file.name.endsWith('/'));
  const entries: ZipEntry[] = [];
  for (const [name, size] of declared) {
    const data = files[name];
    if (!data) throw new ZipError(`entry '${name}' could not be read`);
    // fflate inflates into a buffer of the declared size, so a lying entry shows as a short one.
    if (data.length !== size) throw new ZipError(`entry '${name}' is ${data.length} bytes, the directory says ${size}`);
    // A directory that understates an entry's size truncates it to that size: the checksum tells.
    if (crc32(data) !== crcs.get(name)) throw new ZipError(`entry '${name}' does not match its CRC-32: the archive is corrupt or its directory lies about the entry`);
    entries.push({ name, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
  }
  return entries;
}

/**
 * Writes a zip archive of the given files with fflate (deflated unless `level` is 0, stored).
 * Names are checked as `readZip` checks them.
 */
export function writeZip(files: Record<string, string | Uint8Array>, level: 0 | 6 = 6): Uint8Array {
  const input: Record<string, Uint8Array> = {};
  for (const [name, content] of Object.entries(files)) {
    const unsafe = unsafeEntryName(name);
    if (unsafe) throw new ZipError(`entry '${name}' has ${unsafe} in its name`);
    input[name] = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  }
  return zipSync(input, { level });
}
