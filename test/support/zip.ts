import { writeZip } from '../../src/io/zip.js';

/**
 * A zip archive of stored (uncompressed) files, as `actions/upload-artifact` can write them.
 * For seeding artifacts in tests.
 */
export function storedZip(files: Record<string, string | Uint8Array>): Uint8Array {
  return writeZip(files, 0);
}
