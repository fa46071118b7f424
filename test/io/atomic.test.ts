import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { tempDir } from '../support/temp.js';

describe('writeFileAtomic', () => {
  it('creates missing directories, writes, and replaces a file whole', async () => {
    const dir = await tempDir('mg-atomic-');
    const path = join(dir, 'a', 'b', 'result.json');
    await writeFileAtomic(path, 'first');
    expect(await readFile(path, 'utf8')).toBe('first');
    await writeFileAtomic(path, new TextEncoder().encode('second'));
    expect(await readFile(path, 'utf8')).toBe('second');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['result.json']);
  });

  it('leaves one complete version after concurrent writes, and no temporary files', async () => {
    const dir = await tempDir('mg-atomic-');
    const path = join(dir, 'out.json');
    const bodies = Array.from({ length: 20 }, (_, i) => JSON.stringify({ writer: i, payload: 'x'.repeat(64 * 1024) }));
    await Promise.all(bodies.map((body) => writeFileAtomic(path, body)));
    expect(bodies).toContain(await readFile(path, 'utf8'));
    expect(await readdir(dir)).toEqual(['out.json']);
  });

  it('leaves the old content and no temporary file when the rename fails', async () => {
    const dir = await tempDir('mg-atomic-');
    // A directory in the way: the rename onto it fails.
    const blocked = join(dir, 'blocked');
    await writeFileAtomic(join(blocked, 'inner.txt'), 'keep');
    await expect(writeFileAtomic(blocked, 'new')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['blocked']);
    expect(await readFile(join(blocked, 'inner.txt'), 'utf8')).toBe('keep');
  });

  it('fails cleanly when the parent is a file', async () => {
    const dir = await tempDir('mg-atomic-');
    await writeFile(join(dir, 'file'), 'x');
    await expect(writeFileAtomic(join(dir, 'file', 'child.json'), 'y')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['file']);
  });
});
