import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkContract } from '../../src/contract/check.js';
import { percentile, requestEmbeddings, vectorProblems } from '../../src/contract/endpoint.js';
import { displayUrl, embeddingsEndpoint } from '../../src/embeddings/openai.js';
import type { EndpointConfig } from '../../src/config/types.js';
import { EmbeddingServer } from '../support/openai-server.js';
import { CANDIDATE, edit, exampleWorkspace, lineOf, testEnvironment } from './helpers.js';

const servers: EmbeddingServer[] = [];
async function server(options: ConstructorParameters<typeof EmbeddingServer>[0]): Promise<EmbeddingServer> {
  const s = await new EmbeddingServer(options).start();
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function contractTest(endpoint: EndpointConfig, env: NodeJS.ProcessEnv = {}, workspace?: string) {
  const ws = workspace ?? (await exampleWorkspace());
  const environment = testEnvironment(ws, {}, env);
  const outcome = await checkContract({ contractPath: CANDIDATE, production: 'none', checkId: 'contract', config: { endpoint }, environment });
  const section = outcome.result.checks.find((c) => c.id === 'endpoint');
  const errors = outcome.result.findings.filter((f) => f.severity === 'error');
  return { outcome, section, errors, environment, workspace: ws };
}

describe('percentile (nearest rank)', () => {
  it('matches the worked example of the nearest-rank method', () => {
    // Worked example of the nearest-rank method (Wikipedia, "Percentile"):
    // for {15, 20, 35, 40, 50}: P5 = 15, P30 = 20, P40 = 20, P50 = 35, P100 = 50.
    const values = [50, 15, 40, 20, 35];
    expect([5, 30, 40, 50, 100].map((p) => percentile(values, p))).toEqual([15, 20, 20, 35, 50]);
    // Of 1..20, the 95th percentile is the 19th smallest (ceil(0.95 × 20) = 19).
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 95)).toBe(19);
    expect(() => percentile([], 95)).toThrow();
  });
});

describe('vector checks and URLs', () => {
  it('checks dimension, finiteness and unit norm', () => {
    expect(vectorProblems([0.6, 0.8], 2, true, 1e-3)).toEqual([]);
    expect(vectorProblems([3, 4], 2, false, 1e-3)).toEqual([]);
    expect(vectorProblems([3, 4], 2, true, 1e-3)).toEqual(['L2 norm 5.00000, expected 1 ± 0.001 (the contract says normalized: true)']);
    expect(vectorProblems([0.6, 0.8, 0], 2, true, 1e-3)).toEqual(['dimension 3, the contract says 2']);
    expect(vectorProblems([null, 1], 2, true, 1e-3)).toEqual(['1 value(s) are not finite numbers']);
    expect(vectorProblems('x', 2, true, 1e-3)).toEqual(['the embedding is not an array of numbers']);
  });

  it('appends /v1/embeddings unless the URL has it', () => {
    expect(embeddingsEndpoint('http://h:8080')).toBe('http://h:8080/v1/embeddings');
    expect(embeddingsEndpoint('http://h:8080/')).toBe('http://h:8080/v1/embeddings');
    expect(embeddingsEndpoint('http://h/v1')).toBe('http://h/v1/embeddings');
    expect(embeddingsEndpoint('http://h/openai/deployments/x/embeddings')).toBe('http://h/openai/deployments/x/embeddings');
    expect(embeddingsEndpoint('http://h/openai/deployments/x?api-version=2024-02-01')).toBe('http://h/openai/deployments/x/v1/embeddings?api-version=2024-02-01');
  });

  it('never shows credentials or query strings of the URL in messages', async () => {
    expect(displayUrl('http://user:secret@h:1/v1/embeddings?key=abc')).toBe('http://h:1/v1/embeddings');
    const s = await server({ dimension: 2 });
    s.faults.push({ status: 500, times: 1 });
    const url = new URL(s.url);
    url.username = 'user';
    url.password = 'pw-secret';
    const response = await requestEmbeddings({ url: `${url.toString()}?key=q-secret`, timeoutMs: 5000 }, ['a']);
    expect(response.ok).toBe(false);
    expect(JSON.stringify(response), JSON.stringify(response)).not.toMatch(/secret/);
  });

  it('returns vectors in input order even when the server answers out of order, and rejects bad indices', async () => {
    // A server that lists the entries backwards, each with its index, as the API allows.
    let indices = [1, 0];
    const raw = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: indices.map((index) => ({ object: 'embedding', index, embedding: index === 0 ? [1, 0] : [0, 1] })) }));
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    try {
      expect(await requestEmbeddings({ url, timeoutMs: 5000 }, ['a', 'b'])).toMatchObject({ ok: true, vectors: [[1, 0], [0, 1]] });
      indices = [0, 0];
      expect(await requestEmbeddings({ url, timeoutMs: 5000 }, ['a', 'b'])).toMatchObject({ ok: false, error: expect.stringContaining("'data' entry of index 0") });
      indices = [0, 7];
      expect(await requestEmbeddings({ url, timeoutMs: 5000 }, ['a', 'b'])).toMatchObject({ ok: false, error: expect.stringContaining('index 7') });
    } finally {
      raw.closeAllConnections();
      await new Promise((resolve) => raw.close(resolve));
    }
  });
});

describe('contract tests against an OpenAI-compatible endpoint on 127.0.0.1', () => {
  it('passes a healthy endpoint: the examples are sent with the key, which is masked and never logged', async () => {
    const s = await server({ dimension: 64, apiKey: 'sk-test-secret-123' });
    // A generous budget: this test is about the exchange; the slow test below is about the budget.
    const workspace = await exampleWorkspace();
    await edit(workspace, CANDIDATE, ['p95LatencyMs: 80', 'p95LatencyMs: 5000']);
    const { outcome, section, errors, environment } = await contractTest(
      { url: s.url, model: 'search-embedder', apiKeyEnv: 'EMBED_KEY', requests: 6 },
      { EMBED_KEY: 'sk-test-secret-123' },
      workspace,
    );
    expect(errors).toEqual([]);
    expect(outcome.result.verdict).toBe('pass');
    expect(section?.verdict).toBe('pass');
    // One warm-up request, then six timed ones cycling through the two examples.
    expect(s.requests).toHaveLength(7);
    expect(s.requests.map((r) => r.inputs[0])).toEqual(['red running shoes', 'red running shoes', 'chaussures de course rouges', 'red running shoes', 'chaussures de course rouges', 'red running shoes', 'chaussures de course rouges']);
    expect(s.requests.every((r) => r.authorization === 'Bearer sk-test-secret-123' && r.model === 'search-embedder')).toBe(true);
    expect(environment.secrets).toEqual(['sk-test-secret-123']);
    expect(JSON.stringify(environment.log.lines)).not.toContain('sk-test-secret-123');
    expect(JSON.stringify(outcome.result)).not.toContain('sk-test-secret-123');
    expect(outcome.result.metrics['endpoint.requests']).toBe(6);
    expect(outcome.result.metrics['endpoint.p95LatencyMs']).toBeGreaterThan(0);
    expect(outcome.result.metrics['endpoint.p95LatencyMs']).toBeLessThan(5000);
    expect(section?.rows[0]).toMatchObject({ metric: 'p95 latency (ms)', verdict: 'pass', note: 'over 6 request(s); budget 5000 ms' });
  });

  it('fails a slow endpoint on the p95 latency budget, at limits.p95LatencyMs', async () => {
    const s = await server({ dimension: 64, delayMs: 120 });
    const { errors, section, workspace } = await contractTest({ url: s.url, requests: 4 });
    const text = await edit(workspace, CANDIDATE, ['p95LatencyMs: 80', 'p95LatencyMs: 80']);
    expect(errors).toEqual([expect.objectContaining({ rule: 'endpoint/latency', location: expect.objectContaining({ line: lineOf(text, 'p95LatencyMs: 80') }) })]);
    expect(errors[0]?.message).toMatch(/p95 latency 1\d\d(\.\d)? ms over 4 request\(s\) exceeds the budget limits\.p95LatencyMs = 80 ms/);
    expect(section?.rows[0]).toMatchObject({ metric: 'p95 latency (ms)', verdict: 'fail' });
  });

  it('fails a failing endpoint (HTTP 503) with a clear finding, not a crash', async () => {
    const s = await server({ dimension: 64 });
    s.faults.push({ status: 503, times: 100 });
    const { outcome, errors, section } = await contractTest({ url: s.url, requests: 5 });
    expect(outcome.result.verdict).toBe('fail');
    expect(errors).toEqual([expect.objectContaining({ rule: 'endpoint/request' })]);
    expect(errors[0]?.message).toContain(`the warm-up request: ${s.url}/v1/embeddings answered HTTP 503: The server had an error`);
    expect(s.requests).toHaveLength(1);
    expect(section?.rows[0]).toMatchObject({ candidate: null, note: 'not measured: the endpoint failed' });
  });

  it('fails on a refused connection and on a timeout', async () => {
    const closed = await server({ dimension: 64 });
    const url = closed.url;
    await closed.stop();
    servers.splice(servers.indexOf(closed), 1);
    const refused = await contractTest({ url, requests: 2 });
    expect(refused.errors).toEqual([expect.objectContaining({ rule: 'endpoint/request', message: expect.stringContaining('refused the connection') })]);

    const slow = await server({ dimension: 64, delayMs: 1000 });
    const timedOut = await contractTest({ url: slow.url, requests: 2, timeoutMs: 100 });
    expect(timedOut.errors).toEqual([expect.objectContaining({ rule: 'endpoint/request', message: expect.stringContaining('did not answer within 100 ms') })]);
  });

  it('fails a wrong API key with the server message, and a missing key variable before sending anything', async () => {
    const s = await server({ dimension: 64, apiKey: 'right' });
    const wrong = await contractTest({ url: s.url, apiKeyEnv: 'EMBED_KEY', requests: 1 }, { EMBED_KEY: 'wrong' });
    expect(wrong.errors[0]?.message).toContain('HTTP 401: Incorrect API key provided.');
    const before = s.requests.length;
    const missing = await contractTest({ url: s.url, apiKeyEnv: 'EMBED_KEY', requests: 1 });
    expect(missing.errors).toEqual([expect.objectContaining({ rule: 'endpoint/api-key', message: expect.stringContaining('EMBED_KEY') })]);
    expect(s.requests.length).toBe(before);
  });

  it('fails vectors of the wrong dimension, not unit length, or not finite, once per rule', async () => {
    const workspace = await exampleWorkspace();
    // A generous budget, so that only the vectors can fail.
    const text = await edit(workspace, CANDIDATE, ['p95LatencyMs: 80', 'p95LatencyMs: 5000']);
    const wrongDimension = await server({ dimension: 32 });
    const dim = await contractTest({ url: wrongDimension.url, requests: 3 }, {}, workspace);
    expect(dim.errors).toEqual([expect.objectContaining({ rule: 'endpoint/dimension', location: expect.objectContaining({ line: lineOf(text, 'dimension: 64') }) })]);
    expect(dim.errors[0]?.message).toContain('(and 3 more response(s)): dimension 32, the contract says 64');

    const unnormalised = await server({ dimension: 64, embed: () => Array.from({ length: 64 }, () => 0.5) });
    const norm = await contractTest({ url: unnormalised.url, requests: 2 }, {}, workspace);
    expect(norm.errors).toEqual([expect.objectContaining({ rule: 'endpoint/norm', message: expect.stringContaining('L2 norm 4.00000') })]);

    const broken = await server({ dimension: 64, embed: () => [Number.NaN, ...Array.from({ length: 63 }, () => 0)] });
    const finite = await contractTest({ url: broken.url, requests: 1 }, {}, workspace);
    // NaN travels as JSON null: not finite, and not a number for io.output either.
    expect(finite.errors.map((f) => f.rule)).toEqual(['endpoint/finite', 'endpoint/output-schema']);
  });

  it('validates each response against io.output', async () => {
    const workspace = await exampleWorkspace();
    const text = await edit(
      workspace,
      CANDIDATE,
      ['embedding: { type: array, items: { type: number } }', 'embedding: { type: array, items: { type: number, minimum: 0 } }'],
      ['p95LatencyMs: 80', 'p95LatencyMs: 5000'],
    );
    const s = await server({ dimension: 64, embed: () => [-1, ...Array.from({ length: 63 }, () => 0)] });
    const { errors } = await contractTest({ url: s.url, requests: 1 }, {}, workspace);
    expect(errors).toEqual([expect.objectContaining({ rule: 'endpoint/output-schema', location: expect.objectContaining({ line: lineOf(text, '  output:') }) })]);
    expect(errors[0]?.message).toContain("'embedding.0' must be >= 0");
  });
});
