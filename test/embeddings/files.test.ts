import { execFileSync } from 'node:child_process';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSource, readVectorFile } from '../../src/embeddings/file-source.js';
import { encodeNpy, parseNpy } from '../../src/embeddings/npy.js';
import { rowsFor, selectRows } from '../../src/embeddings/table.js';
import type { TextItem } from '../../src/embeddings/types.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { silentLogger } from '../../src/io/log.js';
import { jsonlText, npyBytes, parquetBytes, safetensorsBytes, tempFolder } from '../support/vector-files.js';

const fixtures = fileURLToPath(new URL('../fixtures/embeddings/', import.meta.url));
const items = (...ids: string[]): TextItem[] => ids.map((id) => ({ id, text: `text of ${id}` }));
const rowsOf = (m: { data: Float32Array; rows: number; dim: number }) =>
  Array.from({ length: m.rows }, (_, r) => [...m.data.subarray(r * m.dim, (r + 1) * m.dim)]);
const options = { log: silentLogger };

let folder: Awaited<ReturnType<typeof tempFolder>>;
beforeAll(async () => {
  folder = await tempFolder();
});
afterAll(() => folder.cleanup());

/** Reads `name` through a FileSource for `ids` and returns the rows. */
async function embedFile(name: string, ids: string[]) {
  return rowsOf(await new FileSource(name, folder.dir).embed(items(...ids), options));
}

/** The ConfigurationError thrown by `fn`, with its text. */
async function configurationError(fn: () => Promise<unknown>): Promise<ConfigurationError> {
  const error = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

const A = [
  [1, 2, 3],
  [4, 5, 6],
  [-0.5, 0.25, 8],
];

describe('.npy', () => {
  it('reads float32 rows aligned by position when there is no ids file', async () => {
    await folder.file('plain.npy', npyBytes(A));
    expect(await embedFile('plain.npy', ['x', 'y', 'z'])).toEqual(A);
  });

  it('reads float16 exactly, widened to float32', async () => {
    // Every value below is exactly representable in float16.
    await folder.file('half.npy', npyBytes([[0.5, -2, 65504], [2 ** -14, 2 ** -24, 1.5]], { descr: '<f2' }));
    expect(await embedFile('half.npy', ['a', 'b'])).toEqual([[0.5, -2, 65504], [2 ** -14, 2 ** -24, 1.5]]);
  });

  it('aligns rows by an ids sidecar (.ids.txt, then .ids.json) and returns the requested order', async () => {
    await folder.file('sided.npy', npyBytes(A));
    await folder.file('sided.ids.txt', 'a\nb\nc\n');
    expect(await embedFile('sided.npy', ['c', 'a'])).toEqual([A[2], A[0]]);
    await folder.file('json-sided.npy', npyBytes(A));
    await folder.file('json-sided.ids.json', JSON.stringify(['p', 'q', 'r']));
    expect(await embedFile('json-sided.npy', ['q'])).toEqual([A[1]]);
  });

  it('reads files written by NumPy itself (versions 1.0 and 2.0, float32 and float16)', async () => {
    // Fixtures from `python3 make-fixtures.py` in test/fixtures/embeddings (NumPy 2.4):
    // a = (np.arange(12, dtype=np.float32).reshape(3, 4) - 5) / 8, saved with np.save.
    const a = Array.from({ length: 3 }, (_, r) => Array.from({ length: 4 }, (_, c) => (r * 4 + c - 5) / 8));
    for (const name of ['numpy-f32.npy', 'numpy-v2.npy']) {
      const table = await readVectorFile(`${fixtures}${name}`, name);
      expect(rowsOf(table.matrix)).toEqual(a);
    }
    const half = await readVectorFile(`${fixtures}numpy-f16.npy`, 'numpy-f16.npy');
    expect(rowsOf(half.matrix)).toEqual([[0.5, -2, 65504], [2 ** -14, 2 ** -24, -0]]);
    // Our own encoder writes the same bytes NumPy does for the same float32 array.
    const numpyBytes = new Uint8Array(await readFile(`${fixtures}numpy-f32.npy`));
    expect(encodeNpy({ data: Float32Array.from(a.flat()), rows: 3, dim: 4 })).toEqual(numpyBytes);
  });

  it.each([
    ['numpy-fortran.npy', /Fortran \(column-major\) order/],
    ['numpy-f64.npy', /dtype '<f8' is not supported: expected float32/],
    ['numpy-big-endian.npy', /big-endian dtype '>f4'/],
  ])('rejects NumPy-written %s', async (name, message) => {
    await copyFile(`${fixtures}${name}`, `${folder.dir}/${name}`);
    const error = await configurationError(() => embedFile(name, ['a', 'b', 'c']));
    expect(error.message).toMatch(message);
    expect(error.problems[0]?.location?.file).toBe(name);
  });

  it.each([
    ['truncated', npyBytes(A, { truncate: 5 }), /truncated: shape \(3, 3\) of float32 needs 36 data bytes, the file has 31/],
    ['truncated header', npyBytes(A).subarray(0, 40), /truncated: the header declares/],
    ['wrong dtype', npyBytes([[1, 2]], { descr: '<i4' }), /dtype '<i4' is not supported/],
    ['Fortran order', npyBytes(A, { fortran: true }), /Fortran/],
    ['big-endian', npyBytes(A, { descr: '>f4' }), /big-endian/],
    ['1-D', npyBytes([[1, 2, 3]], { shape: [3] }), /shape \(3,\) is not 2-D/],
    ['bad header', npyBytes(A, { header: "{'descr': '<f4'}" }), /bad header/],
    ['not npy', new TextEncoder().encode('id,embedding\n'), /does not start with the .npy magic/],
    ['trailing bytes', new Uint8Array([...npyBytes(A), 0, 0, 0, 0]), /4 bytes after the data/],
  ])('rejects a %s file, naming it', async (label, bytes, message) => {
    const name = `bad-${label.replace(/\W+/g, '-')}.npy`;
    await folder.file(name, bytes);
    const error = await configurationError(() => embedFile(name, ['a', 'b', 'c']));
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${name}: `)).toBe(true);
  });

  it('names the id of a NaN or infinite row', async () => {
    await folder.file('nan.npy', npyBytes([[1, 2], [NaN, 3]]));
    await folder.file('nan.ids.txt', 'good\nbad\n');
    const error = await configurationError(() => embedFile('nan.npy', ['good', 'bad']));
    expect(error.message).toMatch(/nan\.npy: the vector for id "bad" \(row 1\) has a non-finite value \(NaN\)/);
    await folder.file('inf.npy', npyBytes([[1, Infinity]]));
    expect((await configurationError(() => embedFile('inf.npy', ['only']))).message).toMatch(/id "only".*Infinity/);
  });

  it('names a missing id, and rejects a row-count mismatch without ids', async () => {
    await folder.file('ids.npy', npyBytes(A));
    await folder.file('ids.ids.txt', 'a\nb\nc\n');
    const missing = await configurationError(() => embedFile('ids.npy', ['a', 'nope']));
    expect(missing.message).toMatch(/ids\.npy: no vector for id "nope" \(1 of 2 requested ids are missing\)/);
    await folder.file('count.npy', npyBytes(A));
    const count = await configurationError(() => embedFile('count.npy', ['a', 'b']));
    expect(count.message).toMatch(/no ids \(no count\.ids\.txt or count\.ids\.json beside it\).*3 rows but 2 texts/);
  });

  it('rejects duplicate ids and a wrong id count in a sidecar', async () => {
    await folder.file('dup.npy', npyBytes(A));
    await folder.file('dup.ids.txt', 'a\nb\na\n');
    expect((await configurationError(() => embedFile('dup.npy', ['a']))).message).toMatch(/dup\.ids\.txt: duplicate id "a": line 0 and line 2|dup\.ids\.txt: duplicate id "a"/);
    await folder.file('few.npy', npyBytes(A));
    await folder.file('few.ids.json', '["a", "b"]');
    expect((await configurationError(() => embedFile('few.npy', ['a']))).message).toMatch(/few\.ids\.json: 2 ids for the 3 rows of few\.npy/);
  });

  it('checks an expected dimension', async () => {
    await folder.file('dim.npy', npyBytes(A));
    const error = await configurationError(() => new FileSource('dim.npy', folder.dir, 4).embed(items('a', 'b', 'c'), options));
    expect(error.message).toMatch(/dimension 3, expected 4/);
  });
});

describe('.safetensors', () => {
  it('reads F32 with ids from __metadata__, and F16 aligned by position', async () => {
    await folder.file('meta.safetensors', safetensorsBytes(A, { ids: ['a', 'b', 'c'] }));
    expect(await embedFile('meta.safetensors', ['b', 'c'])).toEqual([A[1], A[2]]);
    await folder.file('half.safetensors', safetensorsBytes([[0.5, -2], [1024, 2 ** -24]], { dtype: 'F16' }));
    expect(await embedFile('half.safetensors', ['x', 'y'])).toEqual([[0.5, -2], [1024, 2 ** -24]]);
  });

  it('reads BF16', async () => {
    await folder.file('bf.safetensors', safetensorsBytes([[0.5, -2, 3.25], [1024, -0.125, 0]], { dtype: 'BF16', ids: ['a', 'b'] }));
    expect(await embedFile('bf.safetensors', ['b', 'a'])).toEqual([[1024, -0.125, 0], [0.5, -2, 3.25]]);
  });

  it('picks the tensor named embeddings among several, and takes ids from a sidecar', async () => {
    await folder.file('multi.safetensors', safetensorsBytes(A, { extra: { other: [[9, 9]] } }));
    await folder.file('multi.ids.txt', 'a\nb\nc');
    expect(await embedFile('multi.safetensors', ['c'])).toEqual([A[2]]);
  });

  it('reads files laid out by Python (struct + json + NumPy bytes)', async () => {
    // From `python3 make-fixtures.py` in test/fixtures/embeddings.
    const a = Array.from({ length: 3 }, (_, r) => Array.from({ length: 4 }, (_, c) => (r * 4 + c - 5) / 8));
    const f32 = await readVectorFile(`${fixtures}python-f32.safetensors`, 'python-f32.safetensors');
    expect(f32.ids).toEqual(['a', 'b', 'c']);
    expect(rowsOf(f32.matrix)).toEqual(a);
    const f16 = await readVectorFile(`${fixtures}python-f16.safetensors`, 'python-f16.safetensors');
    expect(f16.ids).toBeUndefined();
    expect(rowsOf(f16.matrix)).toEqual([[0.5, -2, 65504], [2 ** -14, 2 ** -24, -0]]);
  });

  it.each([
    ['truncated', safetensorsBytes(A, { truncate: 4 }), /truncated: tensor 'embeddings' ends at byte/],
    ['bad header', new Uint8Array([5, 0, 0, 0, 0, 0, 0, 0, 123, 110, 111, 112, 101]), /header is not valid JSON/],
    ['huge header length', new Uint8Array([255, 0, 0, 0, 0, 0, 0, 0, 123, 125]), /truncated: the header declares 255 bytes/],
    ['wrong dtype', safetensorsBytes(A, { dtype: 'F64' }), /dtype "F64": expected F32, F16 or BF16/],
    ['ambiguous', safetensorsBytes(A, { name: 'vectors', extra: { other: [[1]] } }), /holds 2 tensors \(other, vectors\); name the vectors 'embeddings'/],
    ['wrong id count', safetensorsBytes(A, { ids: ['a'] }), /__metadata__\.ids lists 1 ids for 3 rows/],
    ['duplicate ids', safetensorsBytes(A, { ids: ['a', 'b', 'a'] }), /duplicate id "a": row 0 and row 2/],
  ])('rejects a %s file, naming it', async (label, bytes, message) => {
    const name = `bad-${label.replace(/\W+/g, '-')}.safetensors`;
    await folder.file(name, bytes);
    const error = await configurationError(() => embedFile(name, ['a', 'b', 'c']));
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${name}: `)).toBe(true);
  });
});

describe('.jsonl', () => {
  it('reads {"id", "embedding"} lines, skipping blank ones, in the requested order', async () => {
    await folder.file('v.jsonl', jsonlText(['a', 'b', 'c'], A) + '\n');
    expect(await embedFile('v.jsonl', ['c', 'a', 'b'])).toEqual([A[2], A[0], A[1]]);
  });

  it.each([
    ['dimension mismatch', jsonlText(['a', 'b'], [[1, 2], [1, 2, 3]]), 2, /the embedding for id "b" has 3 values, but earlier lines have 2/],
    ['NaN', jsonlText(['a', 'b'], [[1, 2], ['NaN', 2]]), 2, /embedding for id "b" has a non-finite value/],
    ['duplicate id', jsonlText(['a', 'b', 'a'], [[1], [2], [3]]), 3, /duplicate id "a" \(first on line 1\)/],
    ['bad JSON', '{"id": "a", "embedding": [1]}\n{"id": "b", "embedding": [1,\n', 2, /not valid JSON/],
    ['numeric id', '{"id": 7, "embedding": [1]}\n', 1, /"id" must be a string, got 7/],
    ['non-number', '{"id": "a", "embedding": [1, "2"]}\n', 1, /non-number at position 1: "2"/],
    ['missing embedding', '{"id": "a"}\n', 1, /"embedding" for id "a" must be an array/],
  ])('rejects %s with file and line', async (label, text, line, message) => {
    const name = `bad-${label.replace(/\W+/g, '-')}.jsonl`;
    await folder.file(name, text);
    const error = await configurationError(() => embedFile(name, ['a']));
    expect(error.message).toMatch(message);
    expect(error.problems[0]?.location).toEqual({ file: name, line });
  });

  it('names the missing id', async () => {
    await folder.file('m.jsonl', jsonlText(['a'], [[1]]));
    expect((await configurationError(() => embedFile('m.jsonl', ['a', 'ghost']))).message).toMatch(/m\.jsonl: no vector for id "ghost"/);
  });
});

describe('Parquet', () => {
  it('reads id and list<float> columns over several row groups', async () => {
    await folder.file('v.parquet', parquetBytes(['a', 'b', 'c'], A, { rowGroupSize: 2 }));
    expect(await embedFile('v.parquet', ['b', 'c', 'a'])).toEqual([A[1], A[2], A[0]]);
  });

  it('reads list<double>, uncompressed', async () => {
    await folder.file('d.parquet', parquetBytes(['a', 'b'], [[0.1, 0.2], [0.3, 0.4]], { elementType: 'DOUBLE', codec: 'UNCOMPRESSED' }));
    expect(await embedFile('d.parquet', ['b'])).toEqual([[Math.fround(0.3), Math.fround(0.4)]]);
  });

  it.each([
    ['missing column', () => parquetBytes(['a'], [[1]], { embeddingColumn: 'vector' }), /no column 'embedding' \(columns: id, vector\)/],
    ['dimension mismatch', () => parquetBytes(['a', 'b'], [[1, 2], [3]]), /row 1: the embedding for id "b" has 1 values, but earlier rows have 2/],
    ['null embedding', () => parquetBytes(['a', 'b'], [[1, 2], null]), /row 1: the embedding for id "b" is null/],
    ['null id', () => parquetBytes(['a', null], [[1], [2]]), /row 1: 'id' must be a string, got null/],
    ['duplicate id', () => parquetBytes(['a', 'a'], [[1], [2]]), /duplicate id "a": row 0 and row 1/],
    ['not parquet', () => new TextEncoder().encode('definitely not parquet'), /cannot read the file's metadata/],
  ])('rejects a %s, naming the file', async (label, bytes, message) => {
    const name = `bad-${label.replace(/\W+/g, '-')}.parquet`;
    await folder.file(name, bytes());
    const error = await configurationError(() => embedFile(name, ['a']));
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${name}: `)).toBe(true);
  });

  it('names a NaN row by id', async () => {
    await folder.file('nan.parquet', parquetBytes(['a', 'b'], [[1, 2], [NaN, 1]]));
    expect((await configurationError(() => embedFile('nan.parquet', ['a', 'b']))).message).toMatch(/id "b" \(row 1\) has a non-finite value \(NaN\)/);
  });
});

describe('file sources', () => {
  it('reports an unknown extension and a missing file', async () => {
    expect((await configurationError(() => embedFile('vectors.csv', ['a']))).message).toMatch(/use one of \.npy, \.safetensors, \.jsonl, \.parquet/);
    expect((await configurationError(() => embedFile('absent.npy', ['a']))).message).toMatch(/vectors file not found: absent\.npy/);
  });

  it('reports progress, reads the file once, and forgets it once its own vectors are handed over', async () => {
    await folder.file('once.jsonl', jsonlText(['a', 'b'], [[1], [2]]));
    const source = new FileSource('once.jsonl', folder.dir);
    const seen: [number, number][] = [];
    await source.check!(items('a', 'b'), options);
    await folder.file('once.jsonl', 'garbage');
    expect(rowsOf(await source.embed(items('b'), { log: silentLogger, onProgress: (d, t) => seen.push([d, t]) }))).toEqual([[2]]);
    expect(seen).toEqual([[1, 1]]);
    // All rows in order: the file's own vectors are handed over, and the file forgotten.
    expect(rowsOf(await source.embed(items('a', 'b'), options))).toEqual([[1], [2]]);
    expect((await configurationError(() => source.embed(items('b'), options))).message).toMatch(/once\.jsonl/);
  });

  it('hands its own vectors over once: concurrent embeds of every row get arrays of their own', async () => {
    await folder.file('twice.npy', npyBytes(A));
    const source = new FileSource('twice.npy', folder.dir);
    const [first, second] = await Promise.all([source.embed(items('x', 'y', 'z'), options), source.embed(items('x', 'y', 'z'), options)]);
    expect(first.data.buffer).not.toBe(second.data.buffer);
    expect(rowsOf(first)).toEqual(A);
    expect(rowsOf(second)).toEqual(A);
  });

  it('reads a pipe to its end (it has no size to read up to)', async () => {
    const fifo = `${folder.dir}/piped.npy`;
    execFileSync('mkfifo', [fifo]);
    // The writer blocks until the reader opens the pipe.
    const writing = writeFile(fifo, npyBytes(A));
    expect(await embedFile('piped.npy', ['x', 'y', 'z'])).toEqual(A);
    await writing;
  });

  it('finds the rows of the same items once (a check and the embed that follows it scan the vectors once)', async () => {
    await folder.file('memo.npy', npyBytes(A));
    const table = await readVectorFile(`${folder.dir}/memo.npy`, 'memo.npy');
    const requested = items('x', 'y', 'z');
    const rows = rowsFor(table, requested);
    expect([...rows]).toEqual([0, 1, 2]);
    expect(rowsFor(table, requested)).toBe(rows);
    // Other items (even with the same ids) are looked up afresh: a NaN written since is found.
    table.matrix.data[4] = Number.NaN;
    expect(rowsFor(table, requested)).toBe(rows);
    expect(() => rowsFor(table, items('x', 'y', 'z'))).toThrow(/non-finite value \(NaN\) at position 1/);
  });

  it('hands over the vectors of the file itself when they are the requested rows in order, else a copy', async () => {
    await folder.file('own.npy', npyBytes(A));
    await folder.file('own.ids.txt', 'a\nb\nc\n');
    const table = await readVectorFile(`${folder.dir}/own.npy`, 'own.npy');
    // Read straight into shared memory, which the neighbour search's threads use as it is.
    expect(table.matrix.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(selectRows(table, items('a', 'b', 'c'), true).data.buffer).toBe(table.matrix.data.buffer);
    expect(selectRows(table, items('a', 'b', 'c')).data.buffer).not.toBe(table.matrix.data.buffer);
    const reordered = selectRows(table, items('b', 'a', 'c'), true);
    expect(reordered.data.buffer).not.toBe(table.matrix.data.buffer);
    expect(reordered.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(rowsOf(reordered)).toEqual([A[1], A[0], A[2]]);
    expect(selectRows(table, items('a', 'b'), true).data.buffer).not.toBe(table.matrix.data.buffer);
  });

  it('parseNpy rejects what encodeNpy never writes: an unknown version', () => {
    const bytes = encodeNpy({ data: Float32Array.of(1), rows: 1, dim: 1 });
    bytes[6] = 9;
    expect(() => parseNpy(bytes, 'v9.npy')).toThrow(/format version 9\.0 is not supported/);
  });
});

function hasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('NumPy fixtures', () => {
  // The committed fixtures are what make-fixtures.py writes; where NumPy is installed, prove it.
  it.skipIf(!hasNumpy())('are reproduced byte for byte by make-fixtures.py', async () => {
    const out = await tempFolder('mg-numpy-');
    try {
      execFileSync('python3', [`${fixtures}make-fixtures.py`], { cwd: out.dir, stdio: 'pipe' });
      const written = (await readdir(out.dir)).sort();
      expect(written).toEqual((await readdir(fixtures)).filter((f) => /\.(npy|safetensors)$/.test(f)).sort());
      for (const name of written) expect(await readFile(`${out.dir}/${name}`), name).toEqual(await readFile(`${fixtures}${name}`));
    } finally {
      await out.cleanup();
    }
  });
});
