import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigurationError } from './errors.js';

/**
 * The one way user text files are read (YAML, JSON, JSONL, CSV, TSV, id lists): UTF-8 only,
 * a leading byte-order mark dropped (editors on Windows and many exporters write one), and
 * bytes that are not UTF-8 refused with their offset and line instead of decoded into
 * replacement characters. Lines end only at `\n` (a `\r` before it is dropped): U+2028 and
 * U+2029 are ordinary characters inside a JSON string, not line ends.
 */

const BOM = '\ufeff';

/** Native UTF-8 decoding that throws on invalid bytes and keeps a byte-order mark for us to drop. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The message for bytes that are not UTF-8: where the first bad byte is in the file (`base` is where `bytes` start in it). */
function notUtf8(bytes: Uint8Array, base = 0): string {
  const at = validUtf8Prefix(bytes);
  return `not valid UTF-8 at byte ${base + at} (0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')}); save the file as UTF-8`;
}

/** The end of the longest prefix of `bytes` that is valid UTF-8 (exactly `bytes.length` when all of it is). */
export function validUtf8Prefix(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= n) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k] as number;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return n;
}

/** The 1-based line of byte `offset`: one plus the `\n` bytes before it. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * Decodes a whole file's bytes as UTF-8, without a leading byte-order mark.
 * @throws ConfigurationError naming the file, the line and the byte offset of the first byte that is not UTF-8
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new ConfigurationError(notUtf8(bytes), { file, line: lineAt(bytes, validUtf8Prefix(bytes)) });
  }
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/**
 * Reads a text file (see the module's rules). Errors from the file system (not found, a
 * directory) are thrown as they are, for the caller to word.
 * @param file how messages name the file (defaults to `path`)
 */
export async function readTextFile(path: string, file = path): Promise<string> {
  return decodeUtf8(await readFile(path), file);
}

/** Splits text into lines at `\n` only, dropping a `\r` before it; a final empty line (after the last `\n`) is not a line. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/**
 * Streams a text file's lines (see the module's rules) with their 1-based numbers, for files
 * larger than a string can hold. Invalid UTF-8 throws as `decodeUtf8` does.
 * @param file how messages name the file (defaults to `path`)
 */
export async function* readLines(path: string, file = path): AsyncGenerator<{ text: string; line: number }> {
  let pending: Buffer = Buffer.alloc(0);
  let line = 0;
  let first = true;
  let offset = 0;
  const decodeLine = (bytes: Buffer): string => {
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      throw new ConfigurationError(notUtf8(bytes, offset), { file, line });
    }
    if (first) {
      first = false;
      if (text.startsWith(BOM)) text = text.slice(1);
    }
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let start = 0;
    for (let end = pending.indexOf(0x0a, start); end >= 0; end = pending.indexOf(0x0a, start)) {
      line++;
      const text = decodeLine(pending.subarray(start, end));
      offset += end + 1 - start;
      yield { text, line };
      start = end + 1;
    }
    pending = pending.subarray(start);
  }
  if (pending.length > 0) {
    line++;
    yield { text: decodeLine(pending), line };
  }
}
