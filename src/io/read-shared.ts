import { open } from 'node:fs/promises';
import { ConfigurationError } from './errors.js';

/**
 * Reads a whole file into shared memory (a Uint8Array over a SharedArrayBuffer). Vectors
 * decoded from it in place are read by the neighbour search's threads without a copy, and
 * a regular file is held once (`new Uint8Array(await readFile(…))` holds it twice for a
 * while). Anything else (a pipe, a process substitution) is read to its end, then copied.
 * `file` names it in messages.
 */
export async function readFileShared(path: string, file: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      const whole = await handle.readFile();
      const bytes = new Uint8Array(new SharedArrayBuffer(whole.length));
      bytes.set(whole);
      return bytes;
    }
    const bytes = new Uint8Array(new SharedArrayBuffer(stats.size));
    for (let at = 0; at < stats.size; ) {
      const { bytesRead } = await handle.read(bytes, at, Math.min(1 << 26, stats.size - at), at);
      if (bytesRead === 0) throw new ConfigurationError(`the file became shorter while it was read (${at} of ${stats.size} bytes): was it being written?`, { file });
      at += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}
