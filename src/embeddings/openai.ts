import { isAscii } from 'node:buffer';
import { endianness } from 'node:os';
import { ConfigurationError, errorMessage } from '../io/errors.js';
import { neutraliseCommands } from '../io/log.js';
import type { Matrix } from '../knn/types.js';
import type { EmbedOptions, EmbeddingSource, TextItem } from './types.js';

export interface OpenAiSourceOptions {
  /** Base URL from the spec, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8080`. */
  url: string;
  model?: string;
  /** The API key itself (already registered as a secret), and the variable it came from. */
  apiKey?: string;
  apiKeyEnv?: string;
  /** Texts per request; default 64. */
  batchSize?: number;
  /** Requests in flight at once; default 8 (twice a typical server's slots, so its queue never runs dry). */
  concurrency?: number;
  /** Retries of one request after a retryable failure; default 5. */
  retries?: number;
  /** Milliseconds before one request is abandoned (and retried); default 60000. */
  timeoutMs?: number;
  /** Every vector must have this dimension. */
  dimension?: number;
  /** Sent as `dimensions` (Matryoshka truncation); the vectors must have this dimension. */
  dimensions?: number;
  /** `base64` (little-endian float32), `float`, or `auto`: base64, then float for a server that refuses it. Default auto. */
  encodingFormat?: 'auto' | 'base64' | 'float';
  /** Header that carries the key instead of `Authorization: Bearer` (Azure: `api-key`). */
  apiKeyHeader?: string;
  /** Further request headers with plain values. */
  headers?: Record<string, string>;
  /** Model version or digest for the cache key. */
  version?: string;
  /** First backoff delay in ms, doubled per attempt up to `maxBackoffMs`; default 500. */
  initialBackoffMs?: number;
  /** Longest backoff, and longest `retry-after` honoured, in ms; default 60000. */
  maxBackoffMs?: number;
  /** Source of jitter in [0, 1); Math.random by default. */
  random?: () => number;
}

/**
 * The embeddings endpoint for a base URL: used as is when its path already ends with
 * `/embeddings`; `/embeddings` is appended to a path ending with `/v1`; otherwise
 * `/v1/embeddings` is appended. A query (Azure's `?api-version=…`) is kept. A string that is
 * not a URL is returned unchanged (fetch reports it).
 */
export function embeddingsEndpoint(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return base;
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/embeddings') ? path : path.endsWith('/v1') ? `${path}/embeddings` : `${path}/v1/embeddings`;
  return url.toString();
}

/** The URL as shown in messages: without credentials or query string, which may hold keys. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

/** The headers of an embeddings request: JSON, the plain `headers`, and the key (Bearer, or in `apiKeyHeader`). */
export function requestHeaders(target: { apiKey?: string; apiKeyHeader?: string; headers?: Record<string, string> }): Record<string, string> {
  const headers: Record<string, string> = { ...target.headers, 'content-type': 'application/json', accept: 'application/json' };
  if (target.apiKey) {
    if (target.apiKeyHeader) headers[target.apiKeyHeader.toLowerCase()] = target.apiKey;
    else headers.authorization = `Bearer ${target.apiKey}`;
  }
  return headers;
}

/**
 * Milliseconds to wait from a `retry-after` header (delta seconds or an HTTP date) or an
 * OpenAI-style `retry-after-ms` header; undefined when absent or unreadable. A date in the
 * past gives 0.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Texts the server refused as too long (HTTP 413 or 422), by id. */
class TooLongError extends Error {
  constructor(
    readonly status: number,
    readonly ids: readonly string[],
    readonly serverMessage: string,
  ) {
    super(`HTTP ${status}`);
  }
}

/** A refusal of `encoding_format: base64` (a 400, 413 or 422 that names the encoding). */
class EncodingRefusedError extends Error {}

/** A failure worth another attempt (429, 5xx, timeout, network). */
class RetryableError extends Error {
  constructor(
    message: string,
    readonly waitMs?: number,
  ) {
    super(message);
  }
}

function excerpt(text: string, limit = 300): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return neutraliseCommands(single.length > limit ? `${single.slice(0, limit)}…` : single);
}

/**
 * Vectors from an OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, TEI, vLLM, Ollama,
 * Infinity, KServe). Texts go in batches of `batchSize`, at most `concurrency` requests in
 * flight; responses are matched to texts by their `index`. A 429, a 5xx, a timeout or a
 * network error is retried up to `retries` times with exponential backoff and jitter, or
 * after the server's `retry-after` when it sends one. A 4xx other than 408/429 fails at once,
 * except that a batch refused as too long (413/422) is split until the texts at fault are
 * known, and they are named: no text is cut silently. Vectors come as base64 by default;
 * in `auto` mode a server that refuses base64 (or ignores it) gets JSON floats instead.
 * Retry, backoff and the worker pool are written here rather than taken from a library
 * (p-retry, p-limit) because each is a few lines and the error classes decide the policy.
 * Every vector must be finite and of one dimension (and of `dimension` when set).
 * Aborting the signal stops issuing requests and cancels those in flight.
 */
export class OpenAiSource implements EmbeddingSource {
  readonly description: string;
  readonly cacheKey: string;
  /** The cache stores this many texts at a time, so an interrupted run keeps its finished work. */
  readonly cacheChunkSize: number;
  private readonly endpoint: string;
  /** Texts per request: the configured size, lowered when the server refuses a batch as too large. */
  private batchSize: number;
  private readonly concurrency: number;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;
  /** The encoding sent; `auto` turns into float after a refusal of base64. */
  private encoding: 'base64' | 'float';
  private readonly fallBack: boolean;

  constructor(private readonly options: OpenAiSourceOptions) {
    this.endpoint = embeddingsEndpoint(options.url);
    this.batchSize = options.batchSize ?? 64;
    this.concurrency = options.concurrency ?? 8;
    this.retries = options.retries ?? 5;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.random = options.random ?? Math.random;
    this.encoding = options.encodingFormat === 'float' ? 'float' : 'base64';
    this.fallBack = (options.encodingFormat ?? 'auto') === 'auto';
    // Logs and the cache's key file show the endpoint without its query, which may hold a key.
    const shown = displayUrl(this.endpoint);
    this.description = `openai:${shown}${options.model ? ` (model ${options.model})` : ''}`;
    const truncated = options.dimensions !== undefined ? `@${options.dimensions}` : '';
    this.cacheKey = `${options.version ? `openai:${options.version}` : `openai:${shown}#${options.model ?? ''}`}${truncated}`;
    this.cacheChunkSize = Math.max(this.batchSize * this.concurrency * 8, 1024);
  }

  /** One request with one text: the endpoint, the key, the model name and the dimension are right. */
  async check(items: readonly TextItem[], options: EmbedOptions): Promise<void> {
    if (items.length > 0) await this.embed(items.slice(0, 1), { ...options, onProgress: undefined });
  }

  async embed(items: readonly TextItem[], options: EmbedOptions): Promise<Matrix> {
    options.signal?.throwIfAborted();
    const total = items.length;
    // Batches are cut as workers take them, so a smaller limit learnt from the server applies at once.
    const results: { start: number; vectors: Float32Array }[] = [];
    // One controller for the whole call: the caller's abort or our first failure stops every worker.
    const stop = new AbortController();
    const onAbort = () => stop.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let cursor = 0;
    let done = 0;
    let dim = this.options.dimension ?? this.options.dimensions ?? -1;
    let firstError: unknown;

    const worker = async () => {
      while (cursor < total && !stop.signal.aborted) {
        const start = cursor;
        cursor = Math.min(total, cursor + this.batchSize);
        const batch = items.slice(start, cursor);
        const vectors = await this.embedBatch(batch, stop.signal, options);
        const batchDim = vectors.length / batch.length;
        if (dim === -1) dim = batchDim;
        else if (batchDim !== dim) {
          const configured = this.options.dimension !== undefined || this.options.dimensions !== undefined;
          const expected = configured ? `the configured dimension ${dim}` : `dimension ${dim} from earlier batches`;
          throw new ConfigurationError(`${this.description} returned vectors of dimension ${batchDim} (for id ${JSON.stringify(batch[0]?.id)}), expected ${expected}`);
        }
        results.push({ start, vectors });
        done += batch.length;
        options.onProgress?.(done, total);
      }
    };
    const workers = Array.from({ length: Math.min(this.concurrency, Math.ceil(total / this.batchSize)) }, () =>
      worker().catch((error: unknown) => {
        if (firstError === undefined) firstError = error;
        stop.abort(error);
      }),
    );
    try {
      await Promise.all(workers);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    options.signal?.throwIfAborted();
    if (firstError instanceof TooLongError) throw this.tooLong(firstError, items);
    if (firstError !== undefined) throw firstError;

    const width = Math.max(dim, 0);
    const data = new Float32Array(total * width);
    for (const { start, vectors } of results) data.set(vectors, start * width);
    return { data, rows: total, dim: width };
  }

  /** The message for texts the server refused as too long: ids and lengths, never the texts. */
  private tooLong(error: TooLongError, items: readonly TextItem[]): ConfigurationError {
    const lengths = new Map(items.map((item) => [item.id, item.text.length]));
    const shown = error.ids.slice(0, 10).map((id) => `${JSON.stringify(id)} (${lengths.get(id) ?? '?'} characters)`);
    const more = error.ids.length > shown.length ? ` and ${error.ids.length - shown.length} more` : '';
    return new ConfigurationError(
      `${this.description} refused ${error.ids.length} text(s) (HTTP ${error.status}, usually a text over the model's token limit): ${shown.join(', ')}${more}. ` +
        `Shorten them in the suite, or let the server truncate on purpose (TEI: --auto-truncate); texts are never cut here. The server said: ${error.serverMessage}`,
    );
  }

  /**
   * One batch's vectors. When the server refuses the batch as too long, the batch is halved
   * until the texts at fault are found: a TooLongError then names all of them (a batch
   * whose halves both pass was only too large as a whole, and its vectors are returned).
   */
  private async embedBatch(batch: readonly TextItem[], signal: AbortSignal, options: EmbedOptions): Promise<Float32Array> {
    try {
      return await this.requestWithRetries(batch, signal, options);
    } catch (error) {
      if (!(error instanceof TooLongError)) throw error;
      if (batch.length === 1) throw new TooLongError(error.status, [(batch[0] as TextItem).id], error.serverMessage);
      const middle = Math.ceil(batch.length / 2);
      const parts: Float32Array[] = [];
      const refused: string[] = [];
      for (const part of [batch.slice(0, middle), batch.slice(middle)]) {
        try {
          parts.push(await this.embedBatch(part, signal, options));
        } catch (inner) {
          if (!(inner instanceof TooLongError)) throw inner;
          refused.push(...inner.ids);
        }
      }
      if (refused.length > 0) throw new TooLongError(error.status, refused, error.serverMessage);
      if (middle < this.batchSize) {
        this.batchSize = middle;
        options.log.info(`${this.description} refused a batch of ${batch.length} texts as too large (HTTP ${error.status}); sending at most ${middle} per request from now on`);
      }
      const [first, second] = parts as [Float32Array, Float32Array];
      if (first.length / middle !== second.length / (batch.length - middle)) {
        throw new ConfigurationError(`${this.description} returned vectors of different dimensions for one batch split in two`);
      }
      const joined = new Float32Array(first.length + second.length);
      joined.set(first);
      joined.set(second, first.length);
      return joined;
    }
  }

  /** The request with retries; in auto mode, a refusal of base64 switches to float once. */
  private async requestWithRetries(batch: readonly TextItem[], signal: AbortSignal, options: EmbedOptions): Promise<Float32Array> {
    try {
      return await this.retried(batch, signal, options, this.encoding);
    } catch (error) {
      if (!(error instanceof EncodingRefusedError)) throw error;
      // The refusal may concern something else: float becomes the rule only once it works.
      const vectors = await this.retried(batch, signal, options, 'float');
      if (this.encoding === 'base64') {
        this.encoding = 'float';
        options.log.info(`${this.description} refused encoding_format base64 (${error.message}); asking for float vectors from now on`);
      }
      return vectors;
    }
  }

  private async retried(batch: readonly TextItem[], signal: AbortSignal, options: EmbedOptions, encoding: 'base64' | 'float'): Promise<Float32Array> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request(batch, signal, encoding);
      } catch (error) {
        if (!(error instanceof RetryableError) || signal.aborted) throw error;
        if (attempt >= this.retries) {
          throw new ConfigurationError(`${this.description}: ${error.message}; gave up after ${attempt + 1} attempts (embeddings.*.retries is ${this.retries})`);
        }
        const ceiling = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** attempt);
        // "Equal jitter": half the exponential delay, plus a random share of the other half.
        const backoff = ceiling / 2 + (this.random() * ceiling) / 2;
        const wait = error.waitMs !== undefined ? Math.min(error.waitMs, this.maxBackoffMs) : backoff;
        options.log.info(`${this.description}: ${error.message}; retrying in ${(wait / 1000).toFixed(1)} s (retry ${attempt + 1} of ${this.retries})`);
        await sleep(wait, signal);
      }
    }
  }

  private async request(batch: readonly TextItem[], signal: AbortSignal, encoding: 'base64' | 'float'): Promise<Float32Array> {
    const headers = requestHeaders(this.options);
    const body: Record<string, unknown> = { input: batch.map((item) => item.text), encoding_format: encoding };
    if (this.options.model) body.model = this.options.model;
    if (this.options.dimensions !== undefined) body.dimensions = this.options.dimensions;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.any([signal, timeout]) });
      const bytes = Buffer.from(await response.arrayBuffer());
      // Vectors are ASCII: reading them as Latin-1 skips UTF-8 decoding, the largest cost of a big answer.
      text = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) throw new RetryableError(`no answer within ${this.timeoutMs} ms`);
      const cause = error instanceof Error && error.cause !== undefined ? errorMessage(error.cause) : errorMessage(error);
      throw new RetryableError(`request failed (${excerpt(cause)})`);
    }
    const { status } = response;
    if (status === 429 || status === 408 || status >= 500) {
      throw new RetryableError(`HTTP ${status} (${excerpt(text, 200)})`, retryAfterMs(response.headers));
    }
    if (status === 401 || status === 403) {
      const key = this.options.apiKeyEnv ? `the key in $${this.options.apiKeyEnv}` : 'no API key (set embeddings.<role>.apiKeyEnv)';
      throw new ConfigurationError(`${this.description} refused the request (HTTP ${status}): check ${key}. The server said: ${excerpt(text)}`);
    }
    // A refusal that names the encoding (TEI: "unknown variant `base64`") gets float instead.
    if ((status === 400 || status === 413 || status === 422) && encoding === 'base64' && this.fallBack && /encoding|base64/i.test(text)) {
      throw new EncodingRefusedError(`HTTP ${status}: ${excerpt(text, 120)}`);
    }
    if (status === 413 || status === 422) throw new TooLongError(status, batch.map((item) => item.id), excerpt(text, 200));
    if (status < 200 || status >= 300) throw new ConfigurationError(`${this.description} answered HTTP ${status}: ${excerpt(text)}`);
    return this.parse(text, batch, encoding);
  }

  private parse(text: string, batch: readonly TextItem[], encoding: 'base64' | 'float'): Float32Array {
    const fail = (message: string): never => {
      throw new ConfigurationError(`${this.description} sent a response that is not an OpenAI embeddings list: ${message}`);
    };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return fail(`not JSON (${excerpt(text, 200)})`);
    }
    const data = (body as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) return fail("no 'data' array");
    if (data.length !== batch.length) fail(`${data.length} embeddings for ${batch.length} texts`);
    let dim = -1;
    let out = new Float32Array(0);
    const filled = new Uint8Array(batch.length);
    for (const entry of data as { index?: unknown; embedding?: unknown }[]) {
      const index = entry?.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= batch.length) return fail(`bad index ${JSON.stringify(index)}`);
      if (filled[index]) fail(`index ${index} appears twice`);
      filled[index] = 1;
      // A server that ignores encoding_format answers with numbers, which are accepted as such.
      const raw = entry.embedding;
      const base64 = typeof raw === 'string' && encoding === 'base64' ? raw : null;
      const length = base64 !== null ? floatCount(base64) : Array.isArray(raw) ? raw.length : fail(`the embedding at index ${index} is not an array of numbers`);
      if (length === null) return fail(`the embedding at index ${index} is not base64 of little-endian float32 values`);
      if (dim === -1) {
        if (length === 0) fail(`the embedding at index ${index} is empty`);
        dim = length;
        out = new Float32Array(batch.length * dim);
      } else if (length !== dim) {
        const id = (batch[index] as TextItem).id;
        throw new ConfigurationError(`${this.description} returned vectors of different dimensions in one batch: ${length} for id ${JSON.stringify(id)}, ${dim} for others`);
      }
      const target = out.subarray(index * dim, (index + 1) * dim);
      if (base64 !== null && !decodeFloatsInto(base64, target)) return fail(`the embedding at index ${index} is not base64 of little-endian float32 values`);
      const bad = base64 !== null ? firstNonFinite(target) : copyFiniteNumbers(raw as unknown[], target);
      if (bad !== -1) {
        const id = (batch[index] as TextItem).id;
        const value = base64 !== null ? String(target[bad]) : JSON.stringify((raw as unknown[])[bad]);
        throw new ConfigurationError(`${this.description} returned a non-finite or non-number value (${value}) for id ${JSON.stringify(id)} at position ${bad}`);
      }
    }
    return out;
  }
}

/** How many float32 values base64 text holds, or null when it is not a whole number of them. */
function floatCount(text: string): number | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = (text.length / 4) * 3 - padding;
  return bytes % 4 === 0 ? bytes / 4 : null;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Decodes base64 of little-endian float32 values straight into `target` (which must have
 * `floatCount(text)` elements); false when the text holds a character outside the alphabet
 * (Node skips those, so fewer bytes arrive).
 */
function decodeFloatsInto(text: string, target: Float32Array): boolean {
  const bytes = Buffer.from(target.buffer, target.byteOffset, target.byteLength);
  if (bytes.write(text, 'base64') !== bytes.length) return false;
  if (!LITTLE_ENDIAN) for (let i = 0; i < target.length; i++) target[i] = bytes.readFloatLE(i * 4);
  return true;
}

/**
 * The float32 values in base64 text (little-endian, as OpenAI, vLLM and TEI send them), or
 * null when the text is not base64 of a whole number of values.
 */
export function decodeBase64Floats(text: string): Float32Array | null {
  const count = floatCount(text);
  if (count === null) return null;
  const out = new Float32Array(count);
  return decodeFloatsInto(text, out) ? out : null;
}

/** The position of the first value that is not finite, or -1. */
function firstNonFinite(values: Float32Array): number {
  for (let j = 0; j < values.length; j++) if (!Number.isFinite(values[j])) return j;
  return -1;
}

/** Copies JSON numbers into `target`; the position of the first value that is not a finite number, or -1. */
function copyFiniteNumbers(values: unknown[], target: Float32Array): number {
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    if (typeof v !== 'number' || !Number.isFinite(v)) return j;
    target[j] = v;
  }
  return -1;
}
