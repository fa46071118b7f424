import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readZip } from '../../src/io/zip.js';

/** Builds a zip with Python's zipfile, an implementation independent of ours. */
function pythonZip(files: Record<string, string>, method: 'ZIP_STORED' | 'ZIP_DEFLATED', comment = ''): Buffer {
  const script = [
    'import io, json, sys, zipfile',
    'files = json.load(sys.stdin)',
    'buf = io.BytesIO()',
    `with zipfile.ZipFile(buf, "w", zipfile.${method}) as z:`,
    '    z.writestr(zipfile.ZipInfo("dir/"), "")',
    '    for name, text in files.items(): z.writestr(name, text)',
    `    z.comment = ${JSON.stringify(comment)}.encode()`,
    'sys.stdout.buffer.write(buf.getvalue())',
  ].join('\n');
  return execFileSync('python3', ['-c', script], { input: JSON.stringify(files) });
}

const FILES = { 'a.json': '{"x": 1}', 'dir/b.txt': 'ünïcode '.repeat(1000), 'empty.json': '' };

describe('readZip', () => {
  for (const method of ['ZIP_STORED', 'ZIP_DEFLATED'] as const) {
    it(`reads ${method} entries, skipping directories`, () => {
      const entries = readZip(pythonZip(FILES, method, 'an archive comment'));
      expect(Object.fromEntries(entries.map((e) => [e.name, e.data.toString('utf8')]))).toEqual(FILES);
    });
  }

  it('refuses an archive beyond the size limit before inflating it', () => {
    const bomb = pythonZip({ 'zeros.json': '0'.repeat(5_000_000) }, 'ZIP_DEFLATED');
    expect(bomb.length).toBeLessThan(20_000);
    expect(() => readZip(bomb, { maxEntries: 10, maxTotalBytes: 1_000_000 })).toThrow('more than 1000000 bytes');
  });

  it('refuses too many entries and things that are not zip archives', () => {
    expect(() => readZip(pythonZip(FILES, 'ZIP_STORED'), { maxEntries: 2, maxTotalBytes: 1e9 })).toThrow('4 entries, more than 2');
    expect(() => readZip(Buffer.from('<html>not a zip</html>'))).toThrow('not a zip archive');
    const truncated = pythonZip(FILES, 'ZIP_DEFLATED');
    for (let at = truncated.indexOf('PK\x03\x04'); at >= 0; at = truncated.indexOf('PK\x03\x04', at + 1)) truncated.writeUInt32LE(0, at);
    expect(() => readZip(truncated)).toThrow('corrupt local header');
  });
});
