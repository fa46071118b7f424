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
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** Retries of one request after a retryable failure; default 5. */
  retries?: number;
  /** Milliseconds before one request is abandoned (and retried); default 60000. */
  timeoutMs?: number;
  /** Every vector must have this dimension. */
  dimension?: number;
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
 * The embeddings endpoint for a base URL: used as is when it already ends with
 * `/embeddings`; `/embeddings` is appended to a URL ending with `/v1`; otherwise
 * `/v1/embeddings` is appended.
 */
export function embeddingsEndpoint(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  if (/\/embeddings$/.test(trimmed)) return trimmed;
  if (/\/v1$/.test(trimmed)) return `${trimmed}/embeddings`;
  return `${trimmed}/v1/embeddings`;
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
 * after the server's `retry-after` when it sends one. A 4xx other than 408/429 fails at once.
 * Every vector must be finite and of one dimension (and of `dimension` when set).
 * Aborting the signal stops issuing requests and cancels those in flight.
 */
export class OpenAiSource implements EmbeddingSource {
  readonly description: string;
  readonly cacheKey: string;
  /** The cache stores this many texts at a time, so an interrupted run keeps its finished work. */
  readonly cacheChunkSize: number;
  private readonly endpoint: string;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;

  constructor(private readonly options: OpenAiSourceOptions) {
    this.endpoint = embeddingsEndpoint(options.url);
    this.batchSize = options.batchSize ?? 64;
    this.concurrency = options.concurrency ?? 4;
    this.retries = options.retries ?? 5;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.random = options.random ?? Math.random;
    this.description = `openai:${this.endpoint}${options.model ? ` (model ${options.model})` : ''}`;
    this.cacheKey = options.version ? `openai:${options.version}` : `openai:${this.endpoint}#${options.model ?? ''}`;
    this.cacheChunkSize = Math.max(this.batchSize * this.concurrency * 8, 1024);
  }

  async embed(items: readonly TextItem[], options: EmbedOptions): Promise<Matrix> {
    options.signal?.throwIfAborted();
    const total = items.length;
    const batches: (readonly TextItem[])[] = [];
    for (let start = 0; start < total; start += this.batchSize) batches.push(items.slice(start, start + this.batchSize));
    const results: Float32Array[] = new Array<Float32Array>(batches.length);
    // One controller for the whole call: the caller's abort or our first failure stops every worker.
    const stop = new AbortController();
    const onAbort = () => stop.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let next = 0;
    let done = 0;
    let dim = this.options.dimension ?? -1;
    let firstError: unknown;

    const worker = async () => {
      while (next < batches.length && !stop.signal.aborted) {
        const index = next++;
        const batch = batches[index] as readonly TextItem[];
        const vectors = await this.requestWithRetries(batch, stop.signal, options);
        const batchDim = vectors.length / batch.length;
        if (dim === -1) dim = batchDim;
        else if (batchDim !== dim) {
          const expected = this.options.dimension !== undefined ? `the configured dimension ${dim}` : `dimension ${dim} from earlier batches`;
          throw new ConfigurationError(`${this.description} returned vectors of dimension ${batchDim} (for id ${JSON.stringify(batch[0]?.id)}), expected ${expected}`);
        }
        results[index] = vectors;
        done += batch.length;
        options.onProgress?.(done, total);
      }
    };
    const workers = Array.from({ length: Math.min(this.concurrency, batches.length) }, () =>
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
    if (firstError !== undefined) throw firstError;

    const width = Math.max(dim, 0);
    const data = new Float32Array(total * width);
    let offset = 0;
    for (const vectors of results) {
      data.set(vectors, offset);
      offset += vectors.length;
    }
    return { data, rows: total, dim: width };
  }

  private async requestWithRetries(batch: readonly TextItem[], signal: AbortSignal, options: EmbedOptions): Promise<Float32Array> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request(batch, signal);
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

  private async request(batch: readonly TextItem[], signal: AbortSignal): Promise<Float32Array> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const body: Record<string, unknown> = { input: batch.map((item) => item.text) };
    if (this.options.model) body.model = this.options.model;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.any([signal, timeout]) });
      text = await response.text();
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
    if (status < 200 || status >= 300) throw new ConfigurationError(`${this.description} answered HTTP ${status}: ${excerpt(text)}`);
    return this.parse(text, batch);
  }

  private parse(text: string, batch: readonly TextItem[]): Float32Array {
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
      const embedding = entry.embedding;
      if (!Array.isArray(embedding)) return fail(`the embedding at index ${index} is not an array of numbers`);
      if (dim === -1) {
        if (embedding.length === 0) fail(`the embedding at index ${index} is empty`);
        dim = embedding.length;
        out = new Float32Array(batch.length * dim);
      } else if (embedding.length !== dim) {
        const id = (batch[index] as TextItem).id;
        throw new ConfigurationError(`${this.description} returned vectors of different dimensions in one batch: ${embedding.length} for id ${JSON.stringify(id)}, ${dim} for others`);
      }
      for (let j = 0; j < dim; j++) {
        const v: unknown = embedding[j];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          const id = (batch[index] as TextItem).id;
          throw new ConfigurationError(`${this.description} returned a non-finite or non-number value (${JSON.stringify(v)}) for id ${JSON.stringify(id)} at position ${j}`);
        }
        out[index * dim + j] = v;
      }
    }
    return out;
  }
}
