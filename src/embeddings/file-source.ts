import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { ConfigurationError, isNodeError } from '../io/errors.js';
import type { Matrix } from '../knn/types.js';
import { readJsonlVectors } from './jsonl.js';
import { parseNpy } from './npy.js';
import { readParquetVectors } from './parquet.js';
import { parseSafetensors } from './safetensors.js';
import { checkDimension, indexIds, rowsFor, selectRows, type VectorTable } from './table.js';
import type { EmbedOptions, EmbeddingSource, TextItem } from './types.js';
import { readFileShared } from '../io/read-shared.js';
import { readTextFile, splitLines } from '../io/text.js';

/** File extensions `file:` understands, by format. */
export const FILE_FORMATS = ['.npy', '.safetensors', '.jsonl', '.parquet'] as const;

async function readOptional(path: string, displayPath: string): Promise<string | undefined> {
  try {
    return await readTextFile(path, displayPath);
  } catch (error) {
    if (isNodeError(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/**
 * Row ids for a file that carries none itself: `<stem>.ids.txt` (one id per line) or
 * `<stem>.ids.json` (a JSON array of strings) beside it, where `<stem>` is the file name
 * without its extension. Returns undefined when neither exists.
 */
export async function readIdsSidecar(path: string, displayPath: string): Promise<{ ids: string[]; file: string } | undefined> {
  const stem = path.slice(0, path.length - extname(path).length);
  const displayStem = displayPath.slice(0, displayPath.length - extname(displayPath).length);
  const txt = await readOptional(`${stem}.ids.txt`, `${displayStem}.ids.txt`);
  if (txt !== undefined) {
    const lines = splitLines(txt);
    const blank = lines.findIndex((line) => line === '');
    if (blank >= 0) throw new ConfigurationError('empty id (every line must hold one id)', { file: `${displayStem}.ids.txt`, line: blank + 1 });
    return { ids: lines, file: `${displayStem}.ids.txt` };
  }
  const json = await readOptional(`${stem}.ids.json`, `${displayStem}.ids.json`);
  if (json !== undefined) {
    const file = `${displayStem}.ids.json`;
    let ids: unknown;
    try {
      ids = JSON.parse(json);
    } catch {
      throw new ConfigurationError('not valid JSON: expected an array of id strings', { file });
    }
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new ConfigurationError('expected a JSON array of id strings', { file });
    return { ids: ids as string[], file };
  }
  return undefined;
}

/**
 * Loads a vectors file in any supported format into a table. `.npy` and `.safetensors`
 * without ids of their own take them from an ids sidecar when there is one.
 */
export async function readVectorFile(path: string, displayPath: string): Promise<VectorTable> {
  const extension = extname(path).toLowerCase();
  const notFound = (error: unknown): never => {
    if (isNodeError(error, 'ENOENT')) throw new ConfigurationError(`vectors file not found: ${displayPath}`);
    throw error;
  };
  const readBytes = () => readFileShared(path, displayPath).catch(notFound);
  const withSidecar = async (matrix: Matrix, ids: string[] | undefined): Promise<VectorTable> => {
    if (ids) return { file: displayPath, matrix, ids };
    const sidecar = await readIdsSidecar(path, displayPath);
    if (!sidecar) {
      const stem = basename(displayPath, extname(displayPath));
      return { file: displayPath, matrix, idsHint: `no ${stem}.ids.txt or ${stem}.ids.json beside it` };
    }
    if (sidecar.ids.length !== matrix.rows) {
      throw new ConfigurationError(`${sidecar.ids.length} ids for the ${matrix.rows} rows of ${displayPath}`, { file: sidecar.file });
    }
    indexIds(sidecar.ids, sidecar.file, 'line');
    return { file: displayPath, matrix, ids: sidecar.ids };
  };
  switch (extension) {
    case '.npy':
      return withSidecar(parseNpy(await readBytes(), displayPath), undefined);
    case '.safetensors': {
      const { matrix, ids } = parseSafetensors(await readBytes(), displayPath);
      return withSidecar(matrix, ids);
    }
    case '.jsonl':
    case '.ndjson':
      await stat(path).catch(notFound);
      return readJsonlVectors(path, displayPath);
    case '.parquet':
      await stat(path).catch(notFound);
      return readParquetVectors(path, displayPath);
    default:
      throw new ConfigurationError(`cannot tell the format of ${displayPath} from its extension '${extension}': use one of ${FILE_FORMATS.join(', ')}`);
  }
}

/**
 * Precomputed vectors from a file. The file is read once, by `check` or the first `embed`,
 * and every `embed` returns the rows for the requested ids in order (see `selectRows` for
 * the rules). When those are all of the file's rows in order, the file's own vectors are
 * handed over rather than copied and the file is forgotten (a run then holds them once); a
 * later `embed` reads it again. Never cached: the file is the cache.
 */
export class FileSource implements EmbeddingSource {
  readonly description: string;
  readonly cacheKey = null;
  private table?: Promise<VectorTable>;
  /** Tables whose own vectors an `embed` returned: never handed over twice. */
  private readonly handedOver = new WeakSet<VectorTable>();

  /**
   * @param path the file, relative to `workspace` unless absolute
   * @param dimension when given, every row must have it
   */
  constructor(
    private readonly path: string,
    private readonly workspace: string,
    private readonly dimension?: number,
  ) {
    this.description = `file:${path}`;
  }

  /** Reads the file (kept for embed) and checks that it holds every item. */
  async check(items: readonly TextItem[], options: EmbedOptions): Promise<void> {
    options.signal?.throwIfAborted();
    rowsFor(await this.load(), items);
  }

  async embed(items: readonly TextItem[], options: EmbedOptions): Promise<Matrix> {
    options.signal?.throwIfAborted();
    const table = await this.load();
    const matrix = selectRows(table, items, !this.handedOver.has(table));
    if (matrix.data.buffer === table.matrix.data.buffer) {
      // The caller owns these vectors now (and may normalise them in place).
      this.handedOver.add(table);
      this.table = undefined;
    }
    options.onProgress?.(items.length, items.length);
    return matrix;
  }

  private async load(): Promise<VectorTable> {
    if (!this.table) {
      this.table = readVectorFile(resolve(this.workspace, this.path), this.path);
      this.table.catch(() => (this.table = undefined));
    }
    const table = await this.table;
    checkDimension(table.matrix, this.dimension, this.path, { file: this.path });
    return table;
  }
}
