import { requestEmbeddings, type EndpointTarget } from '../contract/endpoint.js';
import { sleep, type OpenAiSourceOptions } from '../embeddings/openai.js';
import { definedOnly } from '../embeddings/sources.js';
import { neutraliseCommands, type Logger } from '../io/log.js';
import type { Answer, EndpointReply, LoadFigures, ShadowEndpoint, ShadowRecord, ShadowRequest } from './types.js';

/** Defaults of a replay: gentle on production. */
export const REPLAY_DEFAULTS = { maxRps: 5, concurrency: 2, retries: 0, timeoutMs: 10_000 } as const;

/**
 * Spaces the starts of requests at least `1.05 / maxRps` seconds apart, measured on the
 * clock when each request really starts (a late timer never lets two bunch up), so any
 * one-second window holds at most `maxRps` starts; the 5% headroom absorbs the jitter
 * between this process and the server. Records every start for the measured peak rate.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private last = -Infinity;
  private chain: Promise<void> = Promise.resolve();
  /** Start times of every request, ms (performance.now()). */
  readonly starts: number[] = [];

  constructor(readonly maxRps: number) {
    if (!(maxRps > 0 && Number.isFinite(maxRps))) throw new RangeError(`maxRps must be a positive number, got ${maxRps}`);
    this.intervalMs = 1050 / maxRps;
  }

  /** Resolves when the next request may start. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.chain.then(async () => {
      const wait = this.last + this.intervalMs - performance.now();
      if (wait > 0) await sleep(wait, signal);
      this.last = performance.now();
      this.starts.push(this.last);
    });
    this.chain = turn.catch(() => {});
    return turn;
  }

  /** Most starts within any one-second window [t, t + 1 s). */
  peakRps(): number {
    return peakRate(this.starts);
  }
}

/** Most of the given times (ms, ascending) within any window [t, t + 1000). */
export function peakRate(times: readonly number[]): number {
  let peak = 0;
  let first = 0;
  for (let i = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[first] as number) >= 1000) first++;
    peak = Math.max(peak, i - first + 1);
  }
  return peak;
}

/**
 * One side of a replay against an OpenAI-compatible `/v1/embeddings` endpoint: one text
 * per request, as production traffic comes. Uses the role's settings (model, API key,
 * timeoutMs, retries, concurrency) like the `openai:` embedding source.
 */
export class OpenAiShadowEndpoint implements ShadowEndpoint {
  readonly description: string;
  readonly retries: number;
  readonly concurrency: number;
  private readonly target: Omit<EndpointTarget, 'signal'>;

  constructor(options: OpenAiSourceOptions) {
    this.retries = options.retries ?? REPLAY_DEFAULTS.retries;
    this.concurrency = options.concurrency ?? REPLAY_DEFAULTS.concurrency;
    const { url, model, apiKey, apiKeyHeader, headers, dimensions } = options;
    this.target = { url, timeoutMs: options.timeoutMs ?? REPLAY_DEFAULTS.timeoutMs, ...definedOnly({ model, apiKey, apiKeyHeader, headers, dimensions }) };
    this.description = `openai:${options.url}${options.model ? ` (model ${options.model})` : ''}`;
  }

  async send(text: string, signal?: AbortSignal): Promise<EndpointReply> {
    const response = await requestEmbeddings({ ...this.target, ...(signal ? { signal } : {}) }, [text]);
    if (response.ok) return { outcome: 'ok', latencyMs: response.latencyMs, value: response.vectors[0] };
    const status = response.status;
    const retryable = response.timedOut === true || status === undefined || status === 408 || status === 429 || status >= 500;
    return {
      outcome: response.timedOut || status === 408 || status === 504 ? 'timeout' : 'error',
      latencyMs: response.latencyMs,
      message: response.error,
      retryable,
      ...(response.retryAfterMs !== undefined ? { retryAfterMs: response.retryAfterMs } : {}),
    };
  }
}

export interface ReplayOptions {
  /** Requests per second sent to each side, retries included. */
  maxRps: number;
  log: Logger;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** First retry delay, doubled per retry (ms); default 500. */
  initialBackoffMs?: number;
}

export interface ReplayOutcome {
  records: ShadowRecord[];
  load: { production: LoadFigures; candidate: LoadFigures };
}

/**
 * Sends every request to both sides, each side through its own limiter (at most `maxRps`
 * starts per second, retries included) and at most its `concurrency` in flight. A side's
 * answer is its first attempt's outcome and latency (what a user would have seen); a
 * failed attempt is retried only within the side's `retries`, to still get an answer to
 * compare. Requests are paired by id; the records keep the sample's order.
 */
export async function replay(requests: readonly ShadowRequest[], sides: { production: ShadowEndpoint; candidate: ShadowEndpoint }, options: ReplayOptions): Promise<ReplayOutcome> {
  const answers = { production: new Array<Answer>(requests.length), candidate: new Array<Answer>(requests.length) };
  const limiters = { production: new RateLimiter(options.maxRps), candidate: new RateLimiter(options.maxRps) };
  let done = 0;
  const runSide = async (role: 'production' | 'candidate'): Promise<void> => {
    const endpoint = sides[role];
    const limiter = limiters[role];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        options.signal?.throwIfAborted();
        const index = next++;
        answers[role][index] = await ask(endpoint, limiter, (requests[index] as ShadowRequest).input, options);
        done++;
        options.onProgress?.(done, requests.length * 2);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(endpoint.concurrency, requests.length)) }, worker));
  };
  await Promise.all([runSide('production'), runSide('candidate')]);
  const records = requests.map((request, i) => ({
    id: request.id,
    input: request.input,
    segment: request.segment,
    production: answers.production[i] as Answer,
    candidate: answers.candidate[i] as Answer,
    location: request.location,
  }));
  const figures = (role: 'production' | 'candidate'): LoadFigures => ({
    sent: limiters[role].starts.length,
    peakRps: limiters[role].peakRps(),
    maxRps: options.maxRps,
    concurrency: sides[role].concurrency,
    retries: sides[role].retries,
  });
  return { records, load: { production: figures('production'), candidate: figures('candidate') } };
}

async function ask(endpoint: ShadowEndpoint, limiter: RateLimiter, text: string, options: ReplayOptions): Promise<Answer> {
  let first: Answer | undefined;
  for (let attempt = 0; ; attempt++) {
    await limiter.acquire(options.signal);
    const reply = await endpoint.send(text, options.signal);
    if (reply.outcome === 'ok') {
      if (!first) return { outcome: 'ok', latencyMs: reply.latencyMs, value: reply.value };
      return { ...first, value: reply.value };
    }
    first ??= { outcome: reply.outcome, latencyMs: reply.latencyMs };
    if (!reply.retryable || attempt >= endpoint.retries) {
      options.log.debug(neutraliseCommands(`${endpoint.description}: ${reply.message}`));
      return first;
    }
    const backoff = (options.initialBackoffMs ?? 500) * 2 ** attempt;
    await sleep(Math.min(reply.retryAfterMs ?? backoff, 30_000), options.signal);
  }
}
