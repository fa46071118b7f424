import { createHash } from 'node:crypto';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCacheStore, textHash, withCache } from '../../src/embeddings/cache.js';
import { OpenAiSource } from '../../src/embeddings/openai.js';
import type { EmbeddingSource, TextItem } from '../../src/embeddings/types.js';
import { MemoryLogger, silentLogger } from '../../src/io/log.js';
import { EmbeddingServer, hashedVector } from '../support/openai-server.js';
import { tempFolder } from '../support/vector-files.js';

const texts = (from: number, to: number): TextItem[] => Array.from({ length: to - from }, (_, i) => ({ id: `t${from + i}`, text: `text number ${from + i}` }));
const options = { log: silentLogger };
/** The folder name of a model key: the first 32 hex digits of its SHA-256 (the documented layout). */
const modelFolder = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);

let server: EmbeddingServer;
let folder: Awaited<ReturnType<typeof tempFolder>>;
beforeEach(async () => {
  server = await new EmbeddingServer({ dimension: 6 }).start();
  folder = await tempFolder('mg-cache-');
});
afterEach(async () => {
  await server.stop();
  await folder.cleanup();
});

const endpoint = (extra: Partial<ConstructorParameters<typeof OpenAiSource>[0]> = {}) =>
  new OpenAiSource({ url: server.url, model: 'm1', batchSize: 4, concurrency: 2, initialBackoffMs: 1, ...extra });
const embeddedTexts = () => server.requests.flatMap((r) => r.inputs);

function expectVectors(m: { data: Float32Array; rows: number; dim: number }, items: TextItem[]): void {
  expect(m.rows).toBe(items.length);
  items.forEach((item, i) => expect([...m.data.subarray(i * 6, (i + 1) * 6)]).toEqual([...Float32Array.from(hashedVector(item.text, 6))]));
}

describe('withCache', () => {
  it('makes no provider call at all on a full hit, and returns the same vectors', async () => {
    const store = new LocalCacheStore(folder.dir);
    const items = texts(0, 10);
    const first = await withCache(endpoint(), store).embed(items, options);
    expectVectors(first, items);
    const requestsAfterFirst = server.requests.length;
    expect(requestsAfterFirst).toBe(3);

    // A new process: a fresh store over the same folder, a fresh source.
    const progress: number[] = [];
    const again = await withCache(endpoint(), new LocalCacheStore(folder.dir)).embed([...items].reverse(), { log: silentLogger, onProgress: (d) => progress.push(d) });
    expect(server.requests.length).toBe(requestsAfterFirst);
    expectVectors(again, [...items].reverse());
    expect(progress.at(-1)).toBe(10);
  });

  it('embeds only the misses, each distinct text once', async () => {
    const store = new LocalCacheStore(folder.dir);
    await withCache(endpoint(), store).embed(texts(0, 5), options);
    server.requests.length = 0;
    const items = [...texts(3, 8), { id: 'dup', text: 'text number 7' }];
    const log = new MemoryLogger();
    expectVectors(await withCache(endpoint(), store).embed(items, { log }), items);
    expect(embeddedTexts().sort()).toEqual(['text number 5', 'text number 6', 'text number 7']);
    expect(log.lines.map((l) => l.message)).toContain('embedding cache: 2 of 6 texts cached for openai:' + `${server.url}/v1/embeddings (model m1); 3 to embed`);
  });

  it('keys entries by model: another model or version misses', async () => {
    const store = new LocalCacheStore(folder.dir);
    await withCache(endpoint(), store).embed(texts(0, 3), options);
    server.requests.length = 0;
    await withCache(endpoint({ model: 'm2' }), store).embed(texts(0, 3), options);
    expect(embeddedTexts()).toHaveLength(3);
    server.requests.length = 0;
    await withCache(endpoint({ version: 'sha256:abc' }), store).embed(texts(0, 3), options);
    expect(embeddedTexts()).toHaveLength(3);
    server.requests.length = 0;
    await withCache(endpoint({ model: 'm2' }), store).embed(texts(0, 3), options);
    expect(embeddedTexts()).toHaveLength(0);
  });

  it('stores finished chunks, so a run interrupted by Ctrl-C resumes where it stopped', async () => {
    const slow = await new EmbeddingServer({ dimension: 6, delayMs: 150 }).start();
    try {
      const store = new LocalCacheStore(folder.dir);
      const source = new OpenAiSource({ url: slow.url, model: 'm1', batchSize: 2, concurrency: 1 });
      const controller = new AbortController();
      const items = texts(0, 12);
      // Chunks of 4 texts = 2 requests each; Ctrl-C once the third chunk is half done.
      const onProgress = (done: number) => {
        if (done >= 10) controller.abort(new Error('Ctrl-C'));
      };
      await expect(withCache(source, store, { chunkSize: 4 }).embed(items, { log: silentLogger, signal: controller.signal, onProgress })).rejects.toThrow('Ctrl-C');
      const [model] = await readdir(join(folder.dir, 'v1'));
      const files = await readdir(join(folder.dir, 'v1', model as string));
      expect(files.filter((f) => f.endsWith('.seg'))).toHaveLength(2);
      expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);

      // Let the request cancelled in flight land on the server before counting afresh.
      await new Promise((r) => setTimeout(r, 300));
      slow.requests.length = 0;
      expectVectors(await withCache(source, store, { chunkSize: 4 }).embed(items, options), items);
      expect(slow.requests.flatMap((r) => r.inputs)).toEqual(texts(8, 12).map((t) => t.text));
    } finally {
      await slow.stop();
    }
  });

  it('passes sources without a cache key through untouched', () => {
    const source: EmbeddingSource = { description: 'file:x.npy', cacheKey: null, embed: () => Promise.reject(new Error('unused')) };
    expect(withCache(source, new LocalCacheStore(folder.dir))).toBe(source);
  });
});

describe('LocalCacheStore', () => {
  it('prunes models no run has used for the given days, keeping those it used itself', async () => {
    const day = 86_400_000;
    const vector = { data: Float32Array.of(1, 2), rows: 1, dim: 2 };
    const earlier = new LocalCacheStore(folder.dir);
    for (const key of ['openai:v1', 'openai:v2', 'openai:v3']) await earlier.put(key, [textHash('t')], vector);
    const now = Date.now();
    const age = async (key: string, days: number) => {
      const dir = join(folder.dir, 'v1', (await readdir(join(folder.dir, 'v1'))).find((d) => d === modelFolder(key)) as string);
      const then = new Date(now - days * day);
      await utimes(join(dir, 'used'), then, then);
    };
    await age('openai:v1', 45);
    await age('openai:v2', 45);
    await age('openai:v3', 10);
    // This run reads v2 (old, but used now) and never touches v1 or v3.
    const run = new LocalCacheStore(folder.dir);
    expect((await run.get('openai:v2', [textHash('t')], silentLogger)).size).toBe(1);
    expect(await run.prune(30, now)).toEqual(['openai:v1']);
    expect((await readdir(join(folder.dir, 'v1'))).sort()).toEqual([modelFolder('openai:v2'), modelFolder('openai:v3')].sort());
    expect(await run.prune(5, now)).toEqual(['openai:v3']);
    // A miss marks nothing: a model the run never found is not kept on its account.
    expect((await run.get('openai:absent', [textHash('t')], silentLogger)).size).toBe(0);
    expect(await readdir(join(folder.dir, 'v1'))).toEqual([modelFolder('openai:v2')]);
  });

  it('lays out one segment per stored batch under a folder per model key', async () => {
    const store = new LocalCacheStore(folder.dir);
    const hashes = ['a', 'b', 'c'].map(textHash);
    await store.put('openai:model-x', hashes, { data: Float32Array.of(1, 2, 3, 4, 5, 6), rows: 3, dim: 2 });
    const [model] = await readdir(join(folder.dir, 'v1'));
    expect(model).toMatch(/^[0-9a-f]{32}$/);
    const files = await readdir(join(folder.dir, 'v1', model as string));
    expect(files.sort()).toEqual([expect.stringMatching(/^\d{14}-[0-9a-f]{12}\.seg$/), 'key.txt', 'used']);
    expect(await readFile(join(folder.dir, 'v1', model as string, 'key.txt'), 'utf8')).toBe('openai:model-x\n');
    // 16-byte header + 3 × 32-byte hashes + 3 × 2 float32.
    const segment = await readFile(join(folder.dir, 'v1', model as string, files.find((f) => f.endsWith('.seg')) as string));
    expect(segment.length).toBe(16 + 96 + 24);
    const got = await store.get('openai:model-x', [textHash('c'), textHash('zzz'), textHash('a')], silentLogger);
    expect([...got.keys()].sort()).toEqual([textHash('c'), textHash('a')].sort());
    expect([...(got.get(textHash('c')) as Float32Array)]).toEqual([5, 6]);
  });

  it('ignores a damaged segment with a warning, and merges many segments into one', async () => {
    const store = new LocalCacheStore(folder.dir, 3);
    for (let i = 0; i < 4; i++) await store.put('k', [textHash(`x${i}`)], { data: Float32Array.of(i, i), rows: 1, dim: 2 });
    const [model] = await readdir(join(folder.dir, 'v1'));
    const dir = join(folder.dir, 'v1', model as string);
    const segments = (await readdir(dir)).filter((f) => f.endsWith('.seg'));
    expect(segments).toHaveLength(1);
    const all = await store.get('k', [0, 1, 2, 3].map((i) => textHash(`x${i}`)), silentLogger);
    expect([0, 1, 2, 3].map((i) => [...(all.get(textHash(`x${i}`)) as Float32Array)])).toEqual([[0, 0], [1, 1], [2, 2], [3, 3]]);

    await writeFile(join(dir, '99999999999999-000000000000.seg'), 'MGEMB1\n\0 truncated');
    const log = new MemoryLogger();
    expect((await store.get('k', [textHash('x2')], log)).size).toBe(1);
    expect(log.lines.some((l) => l.level === 'warning' && /damaged segment/.test(l.message))).toBe(true);
  });
});
