import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { decodeBase64Floats, embeddingsEndpoint, OpenAiSource, retryAfterMs, type OpenAiSourceOptions } from '../../src/embeddings/openai.js';
import type { TextItem } from '../../src/embeddings/types.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { MemoryLogger, silentLogger } from '../../src/io/log.js';
import { base64Floats, embeddingServers, type EmbeddingServer, hashedVector } from '../support/openai-server.js';

const KEY = 'sk-test-0123456789';
const texts = (n: number): TextItem[] => Array.from({ length: n }, (_, i) => ({ id: `t${i}`, text: `text number ${i}` }));
const server = embeddingServers({ dimension: 8, apiKey: KEY });

function source(s: EmbeddingServer, options: Partial<OpenAiSourceOptions> = {}): OpenAiSource {
  return new OpenAiSource({ url: s.url, model: 'test-model', apiKey: KEY, apiKeyEnv: 'EMBED_KEY', initialBackoffMs: 5, ...options });
}

function expectRows(m: { data: Float32Array; rows: number; dim: number }, items: TextItem[], dim = 8): void {
  expect(m.rows).toBe(items.length);
  expect(m.dim).toBe(dim);
  items.forEach((item, i) => {
    const want = Float32Array.from(hashedVector(item.text, dim));
    expect([...m.data.subarray(i * dim, (i + 1) * dim)]).toEqual([...want]);
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('openai: source', () => {
  it('sends batches no larger than batchSize, with the bearer key, and keeps the order', async () => {
    const s = await server({ maxBatch: 3 });
    const items = texts(10);
    const progress: number[] = [];
    const m = await source(s, { batchSize: 3, concurrency: 2 }).embed(items, { log: silentLogger, onProgress: (d) => progress.push(d) });
    expectRows(m, items);
    expect(s.requests.map((r) => r.inputs.length).sort()).toEqual([1, 3, 3, 3]);
    expect(s.requests.every((r) => r.authorization === `Bearer ${KEY}` && r.model === 'test-model' && r.status === 200)).toBe(true);
    expect(progress.at(-1)).toBe(10);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('never has more than `concurrency` requests in flight', async () => {
    const s = await server({ delayMs: 40 });
    await source(s, { batchSize: 1, concurrency: 3 }).embed(texts(12), { log: silentLogger });
    expect(s.requests).toHaveLength(12);
    expect(s.maxInFlight).toBe(3);
  });

  it('retries a 429 after the server’s retry-after', async () => {
    const s = await server();
    s.faults.push({ status: 429, retryAfter: 1, times: 1 });
    const log = new MemoryLogger();
    const started = Date.now();
    const items = texts(4);
    expectRows(await source(s, { batchSize: 4 }).embed(items, { log }), items);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(s.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(log.lines.some((l) => /HTTP 429 .*retrying in 1\.0 s \(retry 1 of 5\)/.test(l.message))).toBe(true);
  });

  it('retries 500s and 503s with exponential backoff and jitter', async () => {
    const s = await server();
    s.faults.push({ status: 500, times: 2 }, { status: 503, times: 1 });
    const log = new MemoryLogger();
    const items = texts(2);
    // random() = 1 gives the ceiling: 5 ms, 10 ms, 20 ms for attempts 0, 1, 2.
    expectRows(await source(s, { random: () => 1 }).embed(items, { log }), items);
    expect(s.requests.map((r) => r.status)).toEqual([500, 500, 503, 200]);
    const waits = log.lines.map((l) => /retrying in ([\d.]+) s/.exec(l.message)?.[1]).filter(Boolean);
    expect(waits).toEqual(['0.0', '0.0', '0.0']);
    // random() = 0 gives half the ceiling: equal jitter never waits less than half.
    const ceilings: number[] = [];
    const timed = source(s, { random: () => 0, initialBackoffMs: 400, maxBackoffMs: 1200 });
    s.faults.push({ status: 502, times: 3 });
    const logged = new MemoryLogger();
    const started = Date.now();
    await timed.embed(texts(1), { log: logged });
    for (const line of logged.lines) {
      const wait = /retrying in ([\d.]+) s/.exec(line.message)?.[1];
      if (wait) ceilings.push(Number(wait));
    }
    expect(ceilings).toEqual([0.2, 0.4, 0.6]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
  });

  it('gives up after `retries`, saying so', async () => {
    const s = await server();
    s.faults.push({ status: 500, times: 10 });
    const error = await failure(source(s, { retries: 2 }).embed(texts(1), { log: silentLogger }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/HTTP 500 \(.*The server had an error.*\); gave up after 3 attempts/);
    expect(s.requests).toHaveLength(3);
  });

  it('times out slow responses and retries them', async () => {
    const s = await server({ delayMs: 400 });
    const error = await failure(source(s, { timeoutMs: 100, retries: 1 }).embed(texts(1), { log: silentLogger }));
    expect(error.message).toMatch(/no answer within 100 ms; gave up after 2 attempts/);
    const patient = await source(s, { timeoutMs: 5000 }).embed(texts(2), { log: silentLogger });
    expectRows(patient, texts(2));
  });

  it('fails at once on a wrong key, naming the variable and never the key', async () => {
    const s = await server();
    const log = new MemoryLogger();
    const error = await failure(source(s, { apiKey: 'sk-wrong-key' }).embed(texts(3), { log }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/refused the request \(HTTP 401\): check the key in \$EMBED_KEY/);
    expect(error.message).not.toContain('sk-wrong-key');
    expect(JSON.stringify(log.lines)).not.toContain('sk-wrong-key');
    expect(s.requests).toHaveLength(1);
  });

  it('fails at once on other 4xx answers', async () => {
    const s = await server({ maxBatch: 2 });
    const error = await failure(source(s, { batchSize: 5 }).embed(texts(5), { log: silentLogger }));
    expect(error.message).toMatch(/answered HTTP 400: .*batch of 5 exceeds the maximum of 2/);
  });

  it('retries network errors', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const dead = new OpenAiSource({ url: `http://127.0.0.1:${port}`, retries: 1, initialBackoffMs: 1 });
    expect((await failure(dead.embed(texts(1), { log: silentLogger }))).message).toMatch(/request failed \(.*ECONNREFUSED.*\); gave up after 2 attempts/);
  });

  it('checks dimensions: against the configured one, and across batches', async () => {
    const s = await server();
    expect((await failure(source(s, { dimension: 16 }).embed(texts(2), { log: silentLogger }))).message).toMatch(
      /returned vectors of dimension 8 \(for id "t0"\), expected the configured dimension 16/,
    );
    const odd = await server({ embed: (text) => (text.endsWith('3') ? [1, 2, 3] : [1, 2, 3, 4]) });
    expect((await failure(source(odd, { batchSize: 1, concurrency: 1 }).embed(texts(5), { log: silentLogger }))).message).toMatch(
      /dimension 3 \(for id "t3"\), expected dimension 4 from earlier batches/,
    );
    const nan = await server({ embed: () => [1, Number.NaN] });
    expect((await failure(source(nan).embed(texts(1), { log: silentLogger }))).message).toMatch(/non-finite or non-number value \(NaN\) for id "t0" at position 1/);
    // JSON has no NaN: a float answer carries null.
    expect((await failure(source(nan, { encodingFormat: 'float' }).embed(texts(1), { log: silentLogger }))).message).toMatch(/non-finite or non-number value \(null\) for id "t0"/);
  });

  it('matches answers by index, whatever their order', async () => {
    // A server that answers in reverse order, as some batching servers do.
    const reversed = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const input = (JSON.parse(body) as { input: string[] }).input;
        const data = input.map((text, index) => ({ object: 'embedding', index, embedding: hashedVector(text, 4) })).reverse();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
      });
    });
    await new Promise<void>((r) => reversed.listen(0, '127.0.0.1', r));
    try {
      const { port } = reversed.address() as AddressInfo;
      const items = texts(5);
      expectRows(await new OpenAiSource({ url: `http://127.0.0.1:${port}/v1` }).embed(items, { log: silentLogger }), items, 4);
    } finally {
      reversed.closeAllConnections();
      await new Promise<void>((r) => reversed.close(() => r()));
    }
  });

  it('stops issuing requests and cancels those in flight on abort', async () => {
    const s = await server({ delayMs: 300 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('Ctrl-C')), 100);
    await expect(source(s, { batchSize: 1, concurrency: 2 }).embed(texts(20), { log: silentLogger, signal: controller.signal })).rejects.toThrow('Ctrl-C');
    // Far sooner than the 3 s the 20 requests would take.
    expect(Date.now() - started).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 600));
    // Only the two requests in flight at the abort ever reached the server.
    expect(s.requests.length).toBeLessThanOrEqual(2);
    expect(s.maxInFlight).toBe(2);
  });

  it('stops retrying when aborted during a backoff', async () => {
    const s = await server();
    s.faults.push({ status: 429, retryAfter: 30, times: 1 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('Ctrl-C')), 100);
    const started = Date.now();
    await expect(source(s, { maxBackoffMs: 60_000 }).embed(texts(1), { log: silentLogger, signal: controller.signal })).rejects.toThrow('Ctrl-C');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('openai: API options', () => {
  it('asks for base64 by default and decodes it bit for bit, the same vectors as JSON floats', async () => {
    const s = await server({ embed: (text) => hashedVector(text, 8).map((v, i) => (i === 0 ? 1e-40 : v * 3.1)) });
    const items = texts(5);
    const viaBase64 = await source(s).embed(items, { log: silentLogger });
    const viaFloat = await source(s, { encodingFormat: 'float' }).embed(items, { log: silentLogger });
    expect(s.requests.map((r) => r.body.encoding_format)).toEqual(['base64', 'float']);
    // Bit for bit: a subnormal and every other value survive as the float32 the server encoded.
    const bits = (m: Float32Array) => [...new Uint32Array(m.buffer, m.byteOffset, m.length)];
    expect(bits(viaBase64.data)).toEqual(bits(viaFloat.data));
    expect(viaBase64.data[0]).toBe(Math.fround(1e-40));
  });

  it('falls back to float for a server that refuses base64, once, and remembers it', async () => {
    const s = await server({ base64: 'refuse' });
    const log = new MemoryLogger();
    const items = texts(6);
    expectRows(await source(s, { batchSize: 2, concurrency: 1 }).embed(items, { log }), items);
    expect(s.requests.map((r) => `${r.body.encoding_format}:${r.status}`)).toEqual(['base64:400', 'float:200', 'float:200', 'float:200']);
    expect(JSON.stringify(log.lines)).toMatch(/refused encoding_format base64 .*float vectors from now on/);
  });

  it('accepts floats from a server that ignores encoding_format; a forced base64 is not retried', async () => {
    const ignoring = await server({ base64: 'ignore' });
    const items = texts(3);
    expectRows(await source(ignoring).embed(items, { log: silentLogger }), items);
    const refusing = await server({ base64: 'refuse' });
    expect((await failure(source(refusing, { encodingFormat: 'base64' }).embed(items, { log: silentLogger }))).message).toMatch(/answered HTTP 400: .*unknown variant `base64`/);
    expect(refusing.requests).toHaveLength(1);
  });

  it('refuses base64 that is not float32 values', async () => {
    expect(decodeBase64Floats(base64Floats([1, -2.5]))).toEqual(Float32Array.from([1, -2.5]));
    expect(decodeBase64Floats('AAAA')).toBeNull(); // 3 bytes
    expect(decodeBase64Floats('not base64!')).toBeNull();
    const odd = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ index: 0, embedding: 'AAAA' }] })));
    });
    await new Promise<void>((r) => odd.listen(0, '127.0.0.1', r));
    try {
      const { port } = odd.address() as AddressInfo;
      const error = await failure(new OpenAiSource({ url: `http://127.0.0.1:${port}` }).embed(texts(1), { log: silentLogger }));
      expect(error.message).toMatch(/the embedding at index 0 is not base64 of little-endian float32 values/);
    } finally {
      odd.closeAllConnections();
      await new Promise<void>((r) => odd.close(() => r()));
    }
  });

  it('sends dimensions (Matryoshka) and expects vectors of that width', async () => {
    const s = await server({ dimension: 16 });
    const items = texts(3);
    const m = await source(s, { dimensions: 4 }).embed(items, { log: silentLogger });
    expect(s.requests[0]?.body.dimensions).toBe(4);
    expect(m.dim).toBe(4);
    const full = hashedVector(items[1]!.text, 16).slice(0, 4);
    const norm = Math.hypot(...full);
    expect([...m.data.subarray(4, 8)]).toEqual(full.map((v) => Math.fround(v / norm)));
    // A server that ignores `dimensions` is caught.
    const ignoring = await server({ dimension: 16, dimensions: 'ignore' });
    expect((await failure(source(ignoring, { dimensions: 4 }).embed(items, { log: silentLogger }))).message).toMatch(/dimension 16 .*expected the configured dimension 4/);
  });

  it('sends the key in apiKeyHeader, further headers, and keeps the query of the URL (Azure)', async () => {
    const s = await server({ apiKey: undefined });
    const azure = new OpenAiSource({
      url: `${s.url}/openai/deployments/small/embeddings?api-version=2024-10-21`,
      apiKey: KEY,
      apiKeyHeader: 'api-key',
      headers: { 'x-team': 'search' },
    });
    await azure.embed(texts(1), { log: silentLogger });
    const request = s.requests[0]!;
    expect(request.url).toBe('/openai/deployments/small/embeddings?api-version=2024-10-21');
    expect(request.headers['api-key']).toBe(KEY);
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers['x-team']).toBe('search');
    expect(request.body.model).toBeUndefined();
  });

  it('names every text refused as too long (413), by id and length, without sending a cut text', async () => {
    const s = await server({ maxInputChars: 40 });
    const items = texts(10);
    items[2] = { id: 'long-a', text: 'x'.repeat(41) };
    items[7] = { id: 'long-b', text: 'y'.repeat(400) };
    const error = await failure(source(s, { batchSize: 10 }).embed(items, { log: silentLogger }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/refused 2 text\(s\) \(HTTP 413, usually a text over the model's token limit\): "long-a" \(41 characters\), "long-b" \(400 characters\)\. Shorten them/);
    expect(error.message).not.toContain('xxxx');
    // Every text the server accepted was sent whole.
    expect(s.requests.filter((r) => r.status === 200).flatMap((r) => r.inputs).every((t) => items.some((i) => i.text === t))).toBe(true);
  });

  it('returns the vectors of a batch that was only too large as a whole, and sends smaller batches from then on', async () => {
    // A proxy with a body limit: 413 for more than 3 inputs at once.
    let calls = 0;
    const limited = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        calls++;
        const input = (JSON.parse(body) as { input: string[] }).input;
        if (input.length > 3) return res.writeHead(413, { 'content-type': 'text/plain' }).end('Payload Too Large');
        const data = input.map((text, index) => ({ index, embedding: hashedVector(text, 8) }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
      });
    });
    await new Promise<void>((r) => limited.listen(0, '127.0.0.1', r));
    try {
      const { port } = limited.address() as AddressInfo;
      const items = texts(8);
      const log = new MemoryLogger();
      const limitedSource = new OpenAiSource({ url: `http://127.0.0.1:${port}`, batchSize: 8 });
      expectRows(await limitedSource.embed(items, { log }), items);
      expect(calls).toBe(7); // 8, then 4 and 4, then four batches of 2
      expect(JSON.stringify(log.lines)).toMatch(/refused a batch of 4 texts as too large \(HTTP 413\); sending at most 2 per request from now on/);
      // The smaller batch is kept: the next call needs no refusals.
      expectRows(await limitedSource.embed(items, { log }), items);
      expect(calls).toBe(11);
    } finally {
      limited.closeAllConnections();
      await new Promise<void>((r) => limited.close(() => r()));
    }
  });
});

describe('endpoint helpers', () => {
  it('derives the embeddings URL', () => {
    expect(embeddingsEndpoint('https://api.openai.com/v1')).toBe('https://api.openai.com/v1/embeddings');
    expect(embeddingsEndpoint('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/v1/embeddings');
    expect(embeddingsEndpoint('http://h/openai/deployments/x/embeddings')).toBe('http://h/openai/deployments/x/embeddings');
    expect(embeddingsEndpoint('https://h/openai/deployments/x/embeddings?api-version=2024-10-21')).toBe('https://h/openai/deployments/x/embeddings?api-version=2024-10-21');
    expect(embeddingsEndpoint('https://h/v1/?api-version=1')).toBe('https://h/v1/embeddings?api-version=1');
  });

  it('reads retry-after as seconds, an HTTP date, or retry-after-ms', () => {
    const now = Date.parse('Sun, 22 Nov 2026 04:00:00 GMT');
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }), now)).toBe(7000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sun, 22 Nov 2026 04:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sun, 22 Nov 2026 03:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });
});
