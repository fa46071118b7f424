import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** A fault the server answers with instead of embeddings, `times` times. */
export interface EmbeddingFault {
  status: 429 | 500 | 502 | 503 | 400;
  /** Seconds, sent as `retry-after`. */
  retryAfter?: number;
  times: number;
}

export interface EmbeddingServerOptions {
  /** Vector dimension returned. */
  dimension: number;
  /** Required `Authorization: Bearer <key>`; any request without it gets 401. */
  apiKey?: string;
  /** Inputs allowed in one request; more gets a 400, as real servers do. */
  maxBatch?: number;
  /** Milliseconds before each answer. */
  delayMs?: number;
  /** Overrides the vector for a text; defaults to a deterministic hash-seeded unit vector. */
  embed?: (text: string, model: string) => number[];
  /** Milliseconds before each answer, drawn per request (overrides delayMs): e.g. a seeded latency distribution. */
  latency?: () => number;
  /** Share of requests answered with a 500, drawn with `random`. */
  errorRate?: number;
  /** Uniform [0, 1) draws for errorRate; Math.random by default. */
  random?: () => number;
  /** "Different model" switch: texts for which it returns true get another model's vector. */
  different?: (text: string) => boolean;
  /** The server stops (closes every connection, refuses new ones) once it has received this many requests. */
  dieAfter?: number;
  /** Inputs longer than this many characters get a 413, as TEI answers inputs over its token limit. */
  maxInputChars?: number;
  /** How the server treats `encoding_format: base64`: honoured (default), refused with a 400, or ignored (floats sent). */
  base64?: 'honour' | 'refuse' | 'ignore';
  /** Whether the server truncates to the request's `dimensions` (default) or ignores it. */
  dimensions?: 'honour' | 'ignore';
}

export interface RecordedRequest {
  model: string;
  inputs: string[];
  authorization: string | undefined;
  status: number;
  /** The request's path and query. */
  url: string;
  headers: IncomingMessage['headers'];
  /** The parsed request body. */
  body: Record<string, unknown>;
}

/** Base64 of float32 values, little-endian, as OpenAI sends `encoding_format: base64`. */
export function base64Floats(values: readonly number[]): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString('base64');
}

/**
 * A starter of embedding servers for one test file: each call starts a server with
 * `defaults` overridden by `options`, and every server started is stopped after each test.
 */
export function embeddingServers(defaults: EmbeddingServerOptions): (options?: Partial<EmbeddingServerOptions>) => Promise<EmbeddingServer> {
  const started: EmbeddingServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });
  return async (options = {}) => {
    const server = await new EmbeddingServer({ ...defaults, ...options }).start();
    started.push(server);
    return server;
  };
}

/** A deterministic unit vector for a text: the same text always maps to the same vector. */
export function hashedVector(text: string, dimension: number): number[] {
  const out: number[] = [];
  let block = createHash('sha256').update(text).digest();
  let i = 0;
  while (out.length < dimension) {
    if (i + 4 > block.length) {
      block = createHash('sha256').update(block).digest();
      i = 0;
    }
    out.push(block.readInt32LE(i) / 2 ** 31);
    i += 4;
  }
  const norm = Math.hypot(...out) || 1;
  return out.map((v) => v / norm);
}

/**
 * An OpenAI-compatible embeddings server on 127.0.0.1 (`POST /v1/embeddings`, `GET /v1/models`),
 * speaking the same JSON as OpenAI, TEI, vLLM and Ollama: `{ model, input: string | string[] }`
 * in, `{ object: 'list', data: [{ object: 'embedding', index, embedding }], model, usage }` out.
 * Faults (429 with retry-after, 5xx) and delays are injected per test; every request is recorded.
 */
export class EmbeddingServer {
  readonly requests: RecordedRequest[] = [];
  readonly faults: EmbeddingFault[] = [];
  /** Most requests in flight at once: checks a client's concurrency bound. */
  maxInFlight = 0;
  /** When each request arrived (performance.now(), ms): the rate a client really sent. */
  readonly arrivals: number[] = [];
  private inFlight = 0;
  private readonly server = createServer((req, res) => void this.handle(req, res));
  url = '';

  constructor(readonly options: EmbeddingServerOptions) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  /** Most requests that arrived within any one-second window [t, t + 1 s). */
  peakRps(): number {
    let peak = 0;
    let first = 0;
    for (let i = 0; i < this.arrivals.length; i++) {
      while ((this.arrivals[i] as number) - (this.arrivals[first] as number) >= 1000) first++;
      peak = Math.max(peak, i - first + 1);
    }
    return peak;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.arrivals.push(performance.now());
    if (this.options.dieAfter !== undefined && this.arrivals.length > this.options.dieAfter) {
      req.socket.destroy();
      if (this.arrivals.length === this.options.dieAfter + 1) void this.stop();
      this.inFlight--;
      return;
    }
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const delay = this.options.latency?.() ?? this.options.delayMs;
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const error = (status: number, message: string, type: string, headers?: Record<string, string>) =>
        this.send(res, status, { error: { message, type, param: null, code: null } }, headers);

      if (req.method === 'GET' && req.url === '/v1/models') {
        return this.send(res, 200, { object: 'list', data: [{ id: 'test-model', object: 'model', owned_by: 'test' }] });
      }
      const path = (req.url ?? '').split('?')[0] as string;
      if (req.method !== 'POST' || !/\/embeddings$/.test(path)) return error(404, `no route ${req.method} ${req.url}`, 'invalid_request_error');

      let body: { model?: unknown; input?: unknown; dimensions?: unknown; encoding_format?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        return error(400, 'body is not JSON', 'invalid_request_error');
      }
      const inputs = typeof body.input === 'string' ? [body.input] : body.input;
      const model = typeof body.model === 'string' ? body.model : '';
      const record = (status: number) =>
        this.requests.push({
          model,
          inputs: Array.isArray(inputs) ? inputs.map(String) : [],
          authorization: req.headers.authorization,
          status,
          url: req.url ?? '',
          headers: req.headers,
          body: body as Record<string, unknown>,
        });

      if (this.options.apiKey && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
        record(401);
        return error(401, 'Incorrect API key provided.', 'invalid_request_error');
      }
      const fault = this.faults[0];
      if (fault) {
        if (--fault.times <= 0) this.faults.shift();
        record(fault.status);
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
        return error(fault.status, fault.status === 429 ? 'Rate limit reached' : 'The server had an error', fault.status === 429 ? 'rate_limit_exceeded' : 'server_error', headers);
      }
      if (this.options.errorRate && (this.options.random ?? Math.random)() < this.options.errorRate) {
        record(500);
        return error(500, 'The server had an error', 'server_error');
      }
      if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((t) => typeof t !== 'string')) {
        record(400);
        return error(400, "'input' must be a string or a non-empty array of strings", 'invalid_request_error');
      }
      if (this.options.maxBatch && inputs.length > this.options.maxBatch) {
        record(400);
        return error(400, `batch of ${inputs.length} exceeds the maximum of ${this.options.maxBatch}`, 'invalid_request_error');
      }
      const base64 = body.encoding_format === 'base64' && this.options.base64 !== 'ignore';
      if (base64 && this.options.base64 === 'refuse') {
        record(400);
        return error(400, "unknown variant `base64`, expected `float`", 'invalid_request_error');
      }
      const tooLong = this.options.maxInputChars;
      if (tooLong !== undefined && (inputs as string[]).some((t) => t.length > tooLong)) {
        record(413);
        return error(413, `Input validation error: inputs must have less than ${tooLong} characters`, 'validation');
      }
      record(200);
      const width = typeof body.dimensions === 'number' && this.options.dimensions !== 'ignore' ? body.dimensions : undefined;
      const vectors = (inputs as string[]).map((text) => {
        const full = this.options.embed?.(text, model) ?? hashedVector(this.options.different?.(text) ? `another model\u0000${text}` : text, this.options.dimension);
        if (width === undefined) return full;
        // Matryoshka truncation: the first `dimensions` components, normalised again.
        const cut = full.slice(0, width);
        const norm = Math.hypot(...cut) || 1;
        return cut.map((v) => v / norm);
      });
      const tokens = (inputs as string[]).reduce((sum, t) => sum + t.split(/\s+/).length, 0);
      this.send(res, 200, {
        object: 'list',
        data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding: base64 ? base64Floats(embedding) : embedding })),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    } finally {
      this.inFlight--;
    }
  }
}
