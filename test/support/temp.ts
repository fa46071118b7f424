import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The directories `tempDir` made in this test file (each file has its own module instance). */
const made: string[] = [];

/**
 * A new empty directory in the system's temp folder, removed after the test file's last
 * test by `removeTempDirs` (registered in test/support/setup.ts), whether the test passed or not.
 */
export async function tempDir(prefix = 'mg-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory `tempDir` made in this test file. */
export async function removeTempDirs(): Promise<void> {
  const dirs = made.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
