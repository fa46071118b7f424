import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { ConfigurationError, isNodeError } from '../io/errors.js';
import type { Logger } from '../io/log.js';
import { sharedFloat32 } from '../knn/normalise.js';
import type { Matrix } from '../knn/types.js';
import { decodeFloat32, float32Bytes } from './table.js';
import type { EmbedOptions, EmbeddingSource, TextItem } from './types.js';

/** The cache folder, relative to the workspace, unless `embeddings.cacheDir` says otherwise. */
export const DEFAULT_CACHE_DIR = '.model-gates/cache';

/** Days a model's vectors stay in the folder kept in the Actions cache without being used. */
export const DEFAULT_CACHE_MAX_AGE_DAYS = 30;

/** The start of every Actions cache key the embedding cache folder is saved under. */
export const ACTIONS_CACHE_KEY_PREFIX = 'model-gates-embeddings-v1-';

/**
 * The Actions cache keys of a run's embedding cache folder. Entries are immutable, so every
 * run saves a new one: `<prefix><check id>-<shard i-of-n, or all>-<run id>-<attempt>`. A run
 * restores the newest entry of the same check and shard, else the newest of the same check
 * (each shard of a matrix saves its own entry, so they never race for one key).
 */
export function actionsCacheKeys(checkId: string, shard: { index: number; count: number } | undefined, run: { id: string; attempt: string }): { key: string; prefixes: string[] } {
  const check = `${ACTIONS_CACHE_KEY_PREFIX}${checkId}-`;
  const part = `${check}${shard ? `${shard.index}-of-${shard.count}` : 'all'}-`;
  return { key: `${part}${run.id}-${run.attempt}`, prefixes: [part, check] };
}

/** SHA-256 of a text's UTF-8 bytes, as 64 hex digits: the cache's key for one text. */
export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Where cached vectors live. Keys identify a model; hashes identify texts (`textHash`). */
export interface EmbeddingCacheStore {
  /** The cached vectors among `hashes` for the model `key`, by hash; misses are absent. */
  get(key: string, hashes: readonly string[], log: Logger): Promise<Map<string, Float32Array>>;
  /** Stores one vector per hash (row i of `vectors` for `hashes[i]`), all at once or not at all. */
  put(key: string, hashes: readonly string[], vectors: Matrix): Promise<void>;
}

const MAGIC = 'MGEMB1\n\0';
const HEADER_BYTES = 16;
const HASH_BYTES = 32;

/**
 * Encodes one segment: the magic `MGEMB1\n\0`, dimension and row count (u32 LE), the rows'
 * raw 32-byte SHA-256 text hashes, then the rows as float32 LE.
 */
function encodeSegment(hashes: readonly string[], vectors: Matrix): Uint8Array {
  const count = hashes.length;
  const bytes = new Uint8Array(HEADER_BYTES + count * HASH_BYTES + count * vectors.dim * 4);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, vectors.dim, true);
  view.setUint32(12, count, true);
  hashes.forEach((hash, i) => bytes.set(Buffer.from(hash, 'hex'), HEADER_BYTES + i * HASH_BYTES));
  bytes.set(float32Bytes(vectors.data.subarray(0, count * vectors.dim)), HEADER_BYTES + count * HASH_BYTES);
  return bytes;
}

/** Decodes a segment into (hashes, matrix), or undefined when the bytes are not a whole segment. */
function decodeSegment(bytes: Uint8Array): { hashes: string[]; matrix: Matrix } | undefined {
  if (bytes.length < HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dim = view.getUint32(8, true);
  const count = view.getUint32(12, true);
  const base = HEADER_BYTES + count * HASH_BYTES;
  if (bytes.length !== base + count * dim * 4) return undefined;
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) hashes.push(Buffer.from(bytes.subarray(HEADER_BYTES + i * HASH_BYTES, HEADER_BYTES + (i + 1) * HASH_BYTES)).toString('hex'));
  return { hashes, matrix: { data: decodeFloat32(bytes, base, count * dim), rows: count, dim } };
}

/**
 * The embedding cache in a local folder (the CLI's, and in CI the folder that
 * `@actions/cache` saves and restores). Layout, built for 100k+ texts per model:
 *
 *     <dir>/v1/<sha256(model key), 32 hex>/key.txt     the model key, for people
 *     <dir>/v1/<…>/used                                when a run last used it (its mtime)
 *     <dir>/v1/<…>/<time>-<random>.seg                 one segment per stored batch
 *
 * A segment holds many vectors (see `encodeSegment`), written atomically (temporary file,
 * fsync, rename): an interrupted run leaves whole segments or none, never half of one.
 * Concurrent writers never share a file name. When a model has more than `maxSegments`
 * segments, `put` merges them into one.
 */
export class LocalCacheStore implements EmbeddingCacheStore {
  /** Vectors stored by this instance: whether the folder has anything new to save. */
  stored = 0;
  /** Model folders this instance read or wrote: `prune` keeps them. */
  private readonly used = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly maxSegments = 64,
  ) {}

  private modelDir(key: string): string {
    return join(this.dir, 'v1', createHash('sha256').update(key).digest('hex').slice(0, 32));
  }

  private async segments(folder: string): Promise<string[]> {
    try {
      return (await readdir(folder)).filter((name) => name.endsWith('.seg')).sort();
    } catch (error) {
      if (isNodeError(error, 'ENOENT')) return [];
      throw error;
    }
  }

  private async readSegment(path: string, log?: Logger): Promise<{ hashes: string[]; matrix: Matrix } | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (error) {
      // A concurrent merge may have removed it; its rows are in the merged segment.
      if (isNodeError(error, 'ENOENT')) return undefined;
      throw error;
    }
    const segment = decodeSegment(bytes);
    if (!segment) log?.warning(`embedding cache: ignoring the damaged segment ${path}`);
    return segment;
  }

  /** Records that a run used the model's folder, once per instance (the `used` file's mtime). */
  private async markUsed(folder: string): Promise<void> {
    if (this.used.has(folder)) return;
    this.used.add(folder);
    await writeFileAtomic(join(folder, 'used'), `${new Date().toISOString()}\n`);
  }

  async get(key: string, hashes: readonly string[], log: Logger): Promise<Map<string, Float32Array>> {
    const wanted = new Set(hashes);
    const found = new Map<string, Float32Array>();
    const folder = this.modelDir(key);
    const names = await this.segments(folder);
    if (names.length > 0) await this.markUsed(folder);
    let dim = -1;
    // Newest segments first: the latest vector for a text wins.
    for (const name of names.reverse()) {
      if (found.size === wanted.size) break;
      const segment = await this.readSegment(join(folder, name), log);
      if (!segment) continue;
      if (dim === -1) dim = segment.matrix.dim;
      if (segment.matrix.dim !== dim) {
        log.warning(`embedding cache: ignoring ${name}, whose vectors have dimension ${segment.matrix.dim}, not ${dim}`);
        continue;
      }
      segment.hashes.forEach((hash, row) => {
        if (wanted.has(hash) && !found.has(hash)) found.set(hash, segment.matrix.data.slice(row * dim, (row + 1) * dim));
      });
    }
    return found;
  }

  async put(key: string, hashes: readonly string[], vectors: Matrix): Promise<void> {
    if (hashes.length === 0) return;
    const folder = this.modelDir(key);
    await writeFileAtomic(join(folder, 'key.txt'), `${key}\n`);
    await writeFileAtomic(join(folder, segmentName()), encodeSegment(hashes, vectors));
    await this.markUsed(folder);
    this.stored += hashes.length;
    const names = await this.segments(folder);
    if (names.length > this.maxSegments) await this.merge(folder, names);
  }

  /**
   * Removes the folders of models that no run has used for `maxAgeDays` days (by the mtime
   * of their `used` file, else of `key.txt`), except those this instance used. Returns the
   * model keys removed. Keeps the folder that travels through the Actions cache from
   * growing with every model version it has ever seen.
   */
  async prune(maxAgeDays: number, now = Date.now()): Promise<string[]> {
    const root = join(this.dir, 'v1');
    let folders: string[];
    try {
      folders = await readdir(root);
    } catch (error) {
      if (isNodeError(error, 'ENOENT')) return [];
      throw error;
    }
    const removed: string[] = [];
    for (const name of folders.sort()) {
      const folder = join(root, name);
      if (this.used.has(folder)) continue;
      const lastUsed = (await mtimeOf(join(folder, 'used'))) ?? (await mtimeOf(join(folder, 'key.txt')));
      if (lastUsed !== undefined && now - lastUsed <= maxAgeDays * 86_400_000) continue;
      const key = await readFile(join(folder, 'key.txt'), 'utf8').catch(() => name);
      await rm(folder, { recursive: true, force: true });
      removed.push(key.trim());
    }
    return removed;
  }

  /** Rewrites many segments as one (newest vector per text), then removes the originals. */
  private async merge(folder: string, names: string[]): Promise<void> {
    const rows = new Map<string, Float32Array>();
    let dim = -1;
    for (const name of [...names].reverse()) {
      const segment = await this.readSegment(join(folder, name));
      if (!segment) continue;
      if (dim === -1) dim = segment.matrix.dim;
      if (segment.matrix.dim !== dim) continue;
      segment.hashes.forEach((hash, row) => {
        if (!rows.has(hash)) rows.set(hash, segment.matrix.data.subarray(row * dim, (row + 1) * dim));
      });
    }
    if (dim === -1) return;
    const hashes = [...rows.keys()];
    const data = new Float32Array(hashes.length * dim);
    hashes.forEach((hash, i) => data.set(rows.get(hash) as Float32Array, i * dim));
    // The merged segment sorts after every segment it replaces, so it counts as the newest.
    await writeFileAtomic(join(folder, segmentName()), encodeSegment(hashes, { data, rows: hashes.length, dim }));
    await Promise.all(names.map((name) => rm(join(folder, name), { force: true })));
  }
}

async function mtimeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function segmentName(): string {
  return `${Date.now().toString().padStart(14, '0')}-${randomBytes(6).toString('hex')}.seg`;
}

export interface CacheOptions {
  /**
   * Texts embedded and stored per step, so an interrupted run keeps what it finished.
   * Defaults to the source's `cacheChunkSize` when it has one, else 4096.
   */
  chunkSize?: number;
}

/**
 * Wraps a source with a cache keyed by (source.cacheKey, SHA-256 of the text). Cached texts
 * are never sent to the source: a fully cached call makes no provider call at all. Misses are
 * embedded once per distinct text, in chunks, and each chunk is stored as soon as it is done.
 * A source whose cacheKey is null is returned unwrapped.
 */
export function withCache(source: EmbeddingSource, store: EmbeddingCacheStore, cacheOptions: CacheOptions = {}): EmbeddingSource {
  const key = source.cacheKey;
  if (key === null) return source;
  const preferred = source.cacheChunkSize;
  const chunkSize = cacheOptions.chunkSize ?? (preferred !== undefined && preferred > 0 ? preferred : 4096);
  return {
    description: source.description,
    cacheKey: key,
    // When the first text is cached the source answered before; otherwise it is checked.
    async check(items: readonly TextItem[], options: EmbedOptions): Promise<void> {
      const first = items[0];
      if (!first || !source.check) return;
      const hash = textHash(source.inputText?.(first) ?? first.text);
      if ((await store.get(key, [hash], options.log)).has(hash)) return;
      await source.check(items, options);
    },
    async embed(items: readonly TextItem[], options: EmbedOptions): Promise<Matrix> {
      options.signal?.throwIfAborted();
      const hashes = items.map((item) => textHash(source.inputText?.(item) ?? item.text));
      const cached = await store.get(key, hashes, options.log);
      // One request per distinct uncached text.
      const missing: TextItem[] = [];
      const missingHashes: string[] = [];
      const queued = new Set<string>();
      items.forEach((item, i) => {
        const hash = hashes[i] as string;
        if (!cached.has(hash) && !queued.has(hash)) {
          queued.add(hash);
          missing.push(item);
          missingHashes.push(hash);
        }
      });
      const hits = items.length - items.filter((_, i) => !cached.has(hashes[i] as string)).length;
      options.log.info(`embedding cache: ${hits} of ${items.length} texts cached for ${source.description}; ${missing.length} to embed`);
      const total = items.length;
      let done = hits;
      if (total > 0) options.onProgress?.(done, total);

      for (let start = 0; start < missing.length; start += chunkSize) {
        const chunk = missing.slice(start, start + chunkSize);
        const chunkHashes = missingHashes.slice(start, start + chunkSize);
        const base = done;
        const vectors = await source.embed(chunk, {
          ...options,
          onProgress: (chunkDone) => options.onProgress?.(Math.min(base + chunkDone, total), total),
        });
        options.signal?.throwIfAborted();
        await store.put(key, chunkHashes, vectors);
        chunkHashes.forEach((hash, row) => cached.set(hash, vectors.data.slice(row * vectors.dim, (row + 1) * vectors.dim)));
        done = base + chunk.length;
      }

      let dim = -1;
      for (const vector of cached.values()) {
        dim = vector.length;
        break;
      }
      const width = Math.max(dim, 0);
      // Shared memory: the neighbour search reads it without a copy.
      const data = sharedFloat32(items.length * width);
      hashes.forEach((hash, i) => {
        const vector = cached.get(hash) as Float32Array;
        if (vector.length !== width) {
          throw new ConfigurationError(
            `embedding cache: ${source.description} returned dimension ${vector.length} where cached vectors have ${width}; ` +
              'the model changed under the same cache key: set a new embeddings.<role>.version, or delete the cache folder',
          );
        }
        data.set(vector, i * width);
      });
      options.onProgress?.(total, total);
      return { data, rows: items.length, dim: width };
    },
  };
}
