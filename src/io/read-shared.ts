import { open } from 'node:fs/promises';

/**
 * Reads a whole file into shared memory (a Uint8Array over a SharedArrayBuffer). Vectors
 * decoded from it in place are read by the neighbour search's threads without a copy, and
 * the file is held once (`new Uint8Array(await readFile(…))` holds it twice for a while).
 * `file` names it in messages.
 */
export async function readFileShared(path: string, file: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(bytes, at, Math.min(1 << 26, size - at), at);
      if (bytesRead === 0) throw new Error(`${file} became shorter while it was read (${at} of ${size} bytes)`);
      at += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}
