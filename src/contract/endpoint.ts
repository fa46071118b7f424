import { displayUrl, embeddingsEndpoint, requestHeaders, retryAfterMs } from '../embeddings/openai.js';
import { errorMessage } from '../io/errors.js';

/** How to reach the candidate's OpenAI-compatible embeddings endpoint. */
export interface EndpointTarget {
  /** Base URL; `/v1/embeddings` is appended unless it already ends with `/embeddings`. */
  url: string;
  model?: string;
  /** Sent as `Authorization: Bearer <apiKey>` (or in `apiKeyHeader`); never logged. */
  apiKey?: string;
  /** Header carrying the key instead of `Authorization` (Azure: `api-key`). */
  apiKeyHeader?: string;
  /** Further plain request headers. */
  headers?: Record<string, string>;
  /** Sent as the API's `dimensions` (Matryoshka truncation). */
  dimensions?: number;
  timeoutMs: number;
  /** Cancels the request (the caller stops); the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export type EmbedResponse =
  | { ok: true; vectors: unknown[]; latencyMs: number }
  | {
      ok: false;
      error: string;
      latencyMs: number;
      /** The HTTP status, when the server answered. */
      status?: number;
      /** True when no answer came within `timeoutMs`. */
      timedOut?: boolean;
      /** The wait the server asked for (429/503 `retry-after`), in ms. */
      retryAfterMs?: number;
    };

/**
 * Sends one `POST /v1/embeddings` request and returns the raw vectors (not yet checked) and
 * its latency in milliseconds (request sent to body read). HTTP errors, timeouts, refused
 * connections and malformed bodies come back as `ok: false` with a message that never
 * contains the API key; this function does not throw for them.
 */
export async function requestEmbeddings(target: EndpointTarget, texts: readonly string[]): Promise<EmbedResponse> {
  const headers = requestHeaders(target);
  let url = embeddingsEndpoint(target.url);
  const shown = displayUrl(url);
  // fetch refuses credentials inside the URL; they become Basic authentication instead.
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
      parsed.username = '';
      parsed.password = '';
      url = parsed.toString();
    }
  } catch {
    // an invalid URL: fetch says so below
  }
  const secrets = secretParts(target.url, target.apiKey);
  const scrub = (text: string): string => secrets.reduce((out, secret) => out.split(secret).join('***'), text.split(url).join(shown));
  const body = JSON.stringify({ input: texts, ...(target.model ? { model: target.model } : {}), ...(target.dimensions !== undefined ? { dimensions: target.dimensions } : {}) });
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  let response: Response;
  let text: string;
  const timeout = AbortSignal.timeout(target.timeoutMs);
  try {
    response = await fetch(url, { method: 'POST', headers, body, signal: target.signal ? AbortSignal.any([target.signal, timeout]) : timeout });
    text = await response.text();
  } catch (error) {
    target.signal?.throwIfAborted();
    // Error texts may quote the URL: show only its safe form.
    return { ok: false, error: scrub(describeFetchError(error, shown, target.timeoutMs)), latencyMs: elapsed(), ...(timeout.aborted ? { timedOut: true } : {}) };
  }
  const latencyMs = elapsed();
  if (!response.ok) {
    const wait = retryAfterMs(response.headers);
    return { ok: false, error: scrub(`${shown} answered HTTP ${response.status}${serverMessage(text)}`), latencyMs, status: response.status, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: `${shown} answered HTTP ${response.status} with a body that is not JSON`, latencyMs };
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== texts.length) {
    return { ok: false, error: `${shown} answered without one 'data' entry per input (expected ${texts.length})`, latencyMs };
  }
  // Entries carry their index; servers may answer out of order.
  const vectors: unknown[] = new Array(texts.length);
  for (const [position, entry] of data.entries()) {
    const index = typeof (entry as { index?: unknown })?.index === 'number' ? (entry as { index: number }).index : position;
    if (!Number.isInteger(index) || index < 0 || index >= texts.length || index in vectors) {
      return { ok: false, error: `${shown} answered with a 'data' entry of index ${index}, expected each of 0…${texts.length - 1} once`, latencyMs };
    }
    vectors[index] = (entry as { embedding?: unknown })?.embedding;
  }
  return { ok: true, vectors, latencyMs };
}

/** Parts of the configured URL and key that must never appear in a message. */
function secretParts(url: string, apiKey: string | undefined): string[] {
  const parts: string[] = [];
  if (apiKey) parts.push(apiKey);
  try {
    const parsed = new URL(url);
    if (parsed.password) parts.push(parsed.password, decodeURIComponent(parsed.password));
    if (parsed.search.length > 1) parts.push(parsed.search.slice(1));
    for (const value of parsed.searchParams.values()) if (value.length >= 4) parts.push(value);
  } catch {
    // not a URL: nothing to hide
  }
  return parts.filter((p) => p.length > 0);
}

function serverMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } })?.error?.message;
    if (typeof message === 'string') return `: ${message.slice(0, 300)}`;
  } catch {
    // not JSON: say nothing more
  }
  return '';
}

function describeFetchError(error: unknown, url: string, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `${url} did not answer within ${timeoutMs} ms (timeoutMs)`;
  const cause = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  const code = cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined;
  if (code === 'ECONNREFUSED') return `${url} refused the connection (is the endpoint running?)`;
  if (code === 'ENOTFOUND') return `${url}: host not found`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `${url} closed the connection before answering`;
  return `${url} could not be reached: ${cause instanceof Error ? errorMessage(cause) : errorMessage(error)}`;
}

/**
 * The p-th percentile by the nearest-rank method: the smallest value such that at least
 * p% of the values are less than or equal to it (`sorted[ceil(p/100 × n) − 1]`).
 * @param values any order; not modified. Must not be empty.
 * @param p in (0, 100].
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** Problems with one returned vector: length, finiteness, unit norm when normalised. */
export function vectorProblems(vector: unknown, dimension: number, normalized: boolean, tolerance: number): string[] {
  if (!Array.isArray(vector)) return ['the embedding is not an array of numbers'];
  const problems: string[] = [];
  if (vector.length !== dimension) problems.push(`dimension ${vector.length}, the contract says ${dimension}`);
  let sumSquares = 0;
  let bad = 0;
  for (const value of vector) {
    if (typeof value !== 'number' || !Number.isFinite(value)) bad++;
    else sumSquares += value * value;
  }
  if (bad > 0) problems.push(`${bad} value(s) are not finite numbers`);
  else if (normalized) {
    const norm = Math.sqrt(sumSquares);
    if (Math.abs(norm - 1) > tolerance) problems.push(`L2 norm ${norm.toPrecision(6)}, expected 1 ± ${tolerance} (the contract says normalized: true)`);
  }
  return problems;
}
