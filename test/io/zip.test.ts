import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readZip, writeZip } from '../../src/io/zip.js';

/** Builds a zip with Python's zipfile, an implementation independent of ours. */
function pythonZip(files: Record<string, string>, method: 'ZIP_STORED' | 'ZIP_DEFLATED', comment = ''): Buffer {
  const script = [
    'import io, json, sys, zipfile',
    'files = json.load(sys.stdin)',
    'buf = io.BytesIO()',
    `with zipfile.ZipFile(buf, "w", zipfile.${method}) as z:`,
    '    z.writestr(zipfile.ZipInfo("dir/"), "")',
    '    for name, text in files.items():',
    '        info = zipfile.ZipInfo(name)',
    `        info.compress_type = zipfile.${method}`,
    '        z.writestr(info, text)',
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

  it('refuses one entry beyond the per-entry limit', () => {
    const zip = pythonZip({ 'small.json': '1', 'big.json': 'x'.repeat(5000) }, 'ZIP_DEFLATED');
    expect(() => readZip(zip, { maxEntries: 10, maxTotalBytes: 1e9, maxEntryBytes: 4000 })).toThrow("entry 'big.json' is 5000 bytes, more than 4000");
  });

  // Names that would escape an extraction folder ("zip slip"), written by Python's zipfile.
  for (const [name, why] of [
    ['../evil.json', "a '..' segment"],
    ['a/../../evil.json', "a '..' segment"],
    ['/etc/evil.json', 'an absolute path'],
    ['C:/evil.json', 'an absolute path'],
    ['a\\..\\evil.json', 'a backslash'],
  ] as const) {
    it(`refuses the entry name ${name}`, () => {
      expect(() => readZip(pythonZip({ [name]: '{}' }, 'ZIP_STORED'))).toThrow(`has ${why} in its name`);
    });
  }

  it('refuses an entry whose directory understates its size (inflated short, it would pass for whole)', () => {
    const zip = pythonZip(FILES, 'ZIP_DEFLATED');
    // Declare 100 bytes for dir/b.txt, in its central and its local header.
    let patched = 0;
    for (let at = zip.indexOf('PK\x01\x02'); at >= 0; at = zip.indexOf('PK\x01\x02', at + 4)) {
      if (zip.toString('utf8', at + 46, at + 46 + zip.readUInt16LE(at + 28)) !== 'dir/b.txt') continue;
      zip.writeUInt32LE(100, at + 24);
      zip.writeUInt32LE(100, zip.readUInt32LE(at + 42) + 22);
      patched++;
    }
    expect(patched).toBe(1);
    expect(() => readZip(zip)).toThrow("entry 'dir/b.txt' does not match its CRC-32");
  });

  it('reads names without the UTF-8 flag as fflate does (latin-1), and checks their CRC-32', () => {
    const zip = pythonZip({ 'café.txt': 'hello' }, 'ZIP_DEFLATED');
    for (const signature of ['PK\x01\x02', 'PK\x03\x04']) {
      for (let at = zip.indexOf(signature, 0, 'latin1'); at >= 0; at = zip.indexOf(signature, at + 4, 'latin1')) {
        const flagAt = at + (signature === 'PK\x01\x02' ? 8 : 6);
        zip.writeUInt16LE(zip.readUInt16LE(flagAt) & ~0x800, flagAt);
      }
    }
    const entries = readZip(zip);
    expect(entries.map((e) => [e.name, e.data.toString('utf8')])).toEqual([['cafÃ©.txt', 'hello']]);
  });

  it('refuses encrypted entries and duplicate names', () => {
    // Python's zipfile cannot write encrypted entries: set the flag bit in the central directory record.
    const encrypted = pythonZip({ 'a.json': '{}' }, 'ZIP_STORED');
    const central = encrypted.lastIndexOf('PK\x01\x02');
    encrypted.writeUInt16LE(encrypted.readUInt16LE(central + 8) | 1, central + 8);
    expect(() => readZip(encrypted)).toThrow("entry 'a.json' is encrypted");
    const twice = Buffer.from(writeZip({ 'a.json': '1', 'b.json': '2' }, 0));
    for (let at = twice.indexOf('b.json'); at >= 0; at = twice.indexOf('b.json', at + 1)) twice.write('a', at);
    expect(() => readZip(twice)).toThrow("entry 'a.json' appears twice");
  });

  it('writes archives that Python reads back', () => {
    for (const level of [0, 6] as const) {
      const zip = writeZip({ 'a.json': '{"x": 1}', 'dir/b.txt': 'ünïcode '.repeat(100) }, level);
      const read = execFileSync('python3', ['-c', 'import io, json, sys, zipfile\nz = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))\nassert z.testzip() is None\nprint(json.dumps({n: z.read(n).decode() for n in z.namelist()}))'], { input: zip });
      expect(JSON.parse(read.toString())).toEqual({ 'a.json': '{"x": 1}', 'dir/b.txt': 'ünïcode '.repeat(100) });
    }
    expect(() => writeZip({ '../x': '' })).toThrow("a '..' segment");
  });
});
