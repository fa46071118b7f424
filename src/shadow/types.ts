import type { SourceLocation } from '../io/errors.js';

/** How one side answered one request. */
export type Outcome = 'ok' | 'error' | 'timeout';

/** One side's answer to one request, as measured (replay) or as logged (logs). */
export interface Answer {
  outcome: Outcome;
  /** Milliseconds from request to answer (the first attempt in replay); null when not known. */
  latencyMs: number | null;
  /** The answer as the model gave it: an embedding (an array) or any JSON output; undefined without an answer. */
  value?: unknown;
}

/** One request with both sides' answers, paired by id. */
export interface ShadowRecord {
  id: string;
  /** The request's text, when known: shown (escaped) for the most different requests. */
  input: string | null;
  segment: string | null;
  production: Answer;
  candidate: Answer;
  /** Where the request came from (file and line), for messages. */
  location?: SourceLocation;
}

/** A request of a replay sample. */
export interface ShadowRequest {
  id: string;
  input: string;
  segment: string | null;
  timestamp: string | null;
  location: SourceLocation;
}

/** What the replay measured about the load it put on each side. */
export interface LoadFigures {
  /** Requests sent, retries included. */
  sent: number;
  /** Most requests started within any one second. */
  peakRps: number;
  /** The configured limit, requests per second. */
  maxRps: number;
  concurrency: number;
  retries: number;
}

/**
 * One side of a replay: sends one text and says how it went. Implementations never throw
 * for HTTP errors, timeouts or refused connections: they come back as outcomes.
 */
export interface ShadowEndpoint {
  /** For logs and the result; never contains a secret. */
  readonly description: string;
  /** Retries after a retryable failure (429, 5xx, timeout, network): the source's retry policy. */
  readonly retries: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  send(text: string, signal?: AbortSignal): Promise<EndpointReply>;
}

export type EndpointReply =
  | { outcome: 'ok'; latencyMs: number; value: unknown }
  | { outcome: 'error' | 'timeout'; latencyMs: number; message: string; retryable: boolean; retryAfterMs?: number };
