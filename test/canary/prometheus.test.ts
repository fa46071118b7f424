import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryAnalysisCommand } from '../../src/canary/command.js';
import type { Environment } from '../../src/command.js';
import { parseInputs } from '../../src/inputs/spec.js';
import { ConfigurationError } from '../../src/io/errors.js';
import { MemoryLogger } from '../../src/io/log.js';
import { readResult } from '../../src/results/store.js';
import { runActionBundle } from '../support/action-runner.js';
import { startExporter, type Exporter } from './support/exporter.js';
import { instantSeriesCount, prometheusBinary, startPrometheus, type RunningPrometheus } from './support/prometheus.js';
import { tempDir } from '../support/temp.js';

// One real Prometheus (Debian's package) scrapes one exporter every second; the exporter
// serves three scenarios side by side, each with a baseline and a canary:
//   healthy: the canary is drawn from the same distributions as the baseline;
//   slow:    the canary's latencies are 30% higher (so is its p95);
//   silent:  the canary reports nothing.
const SCENARIOS = [
  { scenario: 'healthy', version: 'baseline', latencyFactor: 1 },
  { scenario: 'healthy', version: 'canary', latencyFactor: 1 },
  { scenario: 'slow', version: 'baseline', latencyFactor: 1 },
  { scenario: 'slow', version: 'canary', latencyFactor: 1.3 },
  { scenario: 'silent', version: 'baseline', latencyFactor: 1 },
  { scenario: 'silent', version: 'canary', latencyFactor: 1, silent: true },
];
/** Seconds of scraped data the analyses need: 1 s steps, at least 10 samples after the rate windows fill. */
const DATA_SECONDS = 17;

function configYaml(scenario: string, prometheus = ''): string {
  const selector = `scenario="${scenario}",version="{{group}}"`;
  return [
    'version: 1',
    'canary:',
    prometheus,
    '  confidence: 0.95',
    '  thresholds: { pass: 95, marginal: 75 }',
    '  metrics:',
    '    - name: latency-p95',
    `      query: 'histogram_quantile(0.95, sum by (le) (rate(app_request_duration_seconds_bucket{${selector}}[3s])))'`,
    '      direction: increase',
    '      tolerance: 0.1',
    '      critical: true',
    '    - name: error-rate',
    `      query: 'sum(rate(app_request_errors_total{${selector}}[3s])) / sum(rate(app_requests_total{${selector}}[3s]))'`,
    '      direction: increase',
    '      absoluteTolerance: 0.005',
    '    - name: online-ctr',
    `      query: 'avg(model_online_ctr{${selector}})'`,
    '      direction: decrease',
    '      tolerance: 0.05',
    '      outliers: remove',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

let exporter: Exporter | undefined;
let prometheus: RunningPrometheus | undefined;
let proxy: Server | undefined;
let proxyUrl = '';
let windowStart = 0;

/** A reverse proxy in front of Prometheus that wants credentials, as many deployments do. */
async function startAuthProxy(target: string, accepted: readonly string[]): Promise<Server> {
  const server = createServer((request, response) => {
    if (!accepted.includes(request.headers.authorization ?? '')) {
      response.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorised');
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void fetch(`${target}${request.url ?? '/'}`, {
        method: request.method ?? 'GET',
        headers: { 'content-type': request.headers['content-type'] ?? 'application/octet-stream' },
        ...(request.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
      }).then(async (upstream) => {
        response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(await upstream.text());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  prometheusBinary(); // fails the suite with install instructions when Prometheus is missing
  exporter = await startExporter(SCENARIOS);
  prometheus = await startPrometheus([`127.0.0.1:${exporter.port}`]);
  const deadline = Date.now() + 15_000;
  while ((await instantSeriesCount(prometheus.url, 'app_requests_total')) < 5) {
    if (Date.now() > deadline) throw new Error(`Prometheus scraped nothing within 15 s (exporter scrapes: ${exporter.scrapes()}):\n${prometheus.log()}`);
    await sleep(250);
  }
  windowStart = Math.floor(Date.now() / 1000) + 4; // the first 3 s rate windows are partial
  proxy = await startAuthProxy(prometheus.url, [`Basic ${Buffer.from('analyst:s3cret-pass').toString('base64')}`, 'Bearer token-123']);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  await sleep(Math.max(0, (windowStart + DATA_SECONDS - 4) * 1000 - Date.now()));
}, 60_000);

afterAll(async () => {
  if (proxy) await new Promise<void>((resolve) => proxy?.close(() => resolve()));
  await prometheus?.stop();
  await exporter?.close();
});

interface Analysis {
  outputs: Record<string, string>;
  failure: string | undefined;
  summary: string;
  log: MemoryLogger;
  workspace: string;
}

async function analyse(scenario: string, extra: { prometheus?: string; url?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Analysis> {
  const workspace = await tempDir('mg-canary-');
  await writeFile(join(workspace, 'model-gates.yml'), configYaml(scenario, extra.prometheus));
  const raw: Record<string, string> = {
    'prometheus-url': extra.url ?? prometheus?.url ?? '',
    start: String(windowStart),
    end: String(Math.floor(Date.now() / 1000)),
    step: '1s',
    model: 'search-embedder',
    version: '1.4.0',
    'results-dir': 'results',
  };
  const inputs = parseInputs(canaryAnalysisCommand.inputs, (name) => raw[name]);
  const log = new MemoryLogger();
  const secrets: string[] = [];
  const environment: Environment = {
    log,
    context: { commit: null, ref: null, repository: null, runUrl: null, baseCommit: null, pullRequest: null, workspace },
    env: extra.env ?? {},
    setSecret: (value) => secrets.push(value),
    runner: 'cli',
  };
  const outcome = await canaryAnalysisCommand.run(inputs, environment);
  return { outputs: outcome.outputs, failure: outcome.failure, summary: outcome.summary ?? '', log, workspace };
}

describe('canary-analysis against a real Prometheus', () => {
  it('passes a healthy canary, with every metric judged on enough samples', async () => {
    const run = await analyse('healthy');
    expect(run.outputs.verdict, run.summary).toBe('pass');
    expect(run.outputs.score).toBe('100');
    expect(run.failure).toBeUndefined();
    const result = await readResult(run.outputs['result-file'] as string);
    expect(result.kind).toBe('canary-analysis');
    expect(result.metrics['canary.score']).toBe(100);
    const rows = result.checks[0]?.rows ?? [];
    expect(rows.map((r) => [r.metric, r.verdict])).toEqual([
      ['latency-p95', 'pass'],
      ['error-rate', 'pass'],
      ['online-ctr', 'pass'],
    ]);
    // The simulated p95 is about 0.2 s for both groups.
    expect(rows[0]?.production).toBeGreaterThan(0.17);
    expect(rows[0]?.production).toBeLessThan(0.23);
    const details = result.details as { metrics: { baselineCount: number; canaryCount: number }[] };
    for (const m of details.metrics) expect(Math.min(m.baselineCount, m.canaryCount)).toBeGreaterThanOrEqual(10);
  });

  it('fails a canary whose p95 latency is 30% higher, on the latency metric only', async () => {
    const run = await analyse('slow');
    expect(run.outputs.verdict, run.summary).toBe('fail');
    expect(run.failure).toContain('critical metric latency-p95 (high) failed');
    const result = await readResult(run.outputs['result-file'] as string);
    const latency = result.checks[0]?.rows.find((r) => r.metric === 'latency-p95');
    expect(latency?.verdict).toBe('fail');
    const relative = result.metrics['canary.latency-p95.relative-shift'] as number;
    expect(relative).toBeGreaterThan(0.2);
    expect(relative).toBeLessThan(0.4);
    expect(result.checks[0]?.rows.filter((r) => r.verdict === 'fail').map((r) => r.metric)).toEqual(['latency-p95']);
    expect(result.findings.map((f) => f.rule)).toEqual(['canary-regression']);
  });

  it('fails a canary that reports nothing as no-data', async () => {
    const run = await analyse('silent');
    expect(run.outputs.verdict).toBe('fail');
    expect(run.outputs.score).toBe('0');
    expect(run.failure).toContain('no data for 3 of 3 metrics');
    const result = await readResult(run.outputs['result-file'] as string);
    expect(result.metrics['canary.no-data']).toBe(3);
    expect(result.checks[0]?.rows.every((r) => r.verdict === 'error' && r.note?.startsWith('no-data: no data: canary has 0'))).toBe(true);
  });

  it('sends basic-auth or bearer credentials from environment variables and masks them', async () => {
    const basic = await analyse('healthy', {
      url: proxyUrl,
      prometheus: '  prometheus: { usernameEnv: PROM_USER, passwordEnv: PROM_PASSWORD }',
      env: { PROM_USER: 'analyst', PROM_PASSWORD: 's3cret-pass' },
    });
    expect(basic.outputs.verdict).toBe('pass');
    const bearer = await analyse('healthy', { url: proxyUrl, prometheus: '  prometheus: { bearerTokenEnv: PROM_TOKEN }', env: { PROM_TOKEN: 'token-123' } });
    expect(bearer.outputs.verdict).toBe('pass');
    await expect(analyse('healthy', { url: proxyUrl, prometheus: '  prometheus: { bearerTokenEnv: PROM_TOKEN }', env: { PROM_TOKEN: 'wrong' } })).rejects.toThrow(
      /refused the request \(HTTP 401\); check the credentials/,
    );
    await expect(analyse('healthy', { url: proxyUrl, prometheus: '  prometheus: { bearerTokenEnv: PROM_TOKEN }' })).rejects.toThrow(/PROM_TOKEN, named in canary.prometheus, is not set/);
  });

  it("reports Prometheus's own error for a bad query, naming the metric", async () => {
    const workspace = await tempDir('mg-canary-');
    const text = configYaml('healthy').replace("avg(model_online_ctr{", "avg(model_online_ctr{{");
    await writeFile(join(workspace, 'bad.yml'), text);
    const inputs = parseInputs(canaryAnalysisCommand.inputs, (name) =>
      ({ 'prometheus-url': prometheus?.url, window: '30s', step: '1s', model: 'm', version: '1', config: 'bad.yml' })[name],
    );
    const environment: Environment = {
      log: new MemoryLogger(),
      context: { commit: null, ref: null, repository: null, runUrl: null, baseCommit: null, pullRequest: null, workspace },
      env: {},
      setSecret: () => {},
      runner: 'cli',
    };
    const error = await canaryAnalysisCommand.run(inputs, environment).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String(error)).toMatch(/canary metric 'online-ctr' \((baseline|canary)\): Prometheus answered HTTP 400 .*bad_data/);
  });

  it('runs the committed bundle under Node 24 with basic auth, masking the password', async () => {
    const workspace = await tempDir('mg-canary-e2e-');
    await writeFile(join(workspace, 'model-gates.yml'), configYaml('slow', '  prometheus: { usernameEnv: PROM_USER, passwordEnv: PROM_PASSWORD }'));
    const run = await runActionBundle('canary-analysis', {
      workspace,
      inputs: {
        'prometheus-url': proxyUrl,
        start: new Date(windowStart * 1000).toISOString(),
        end: new Date().toISOString(),
        step: '1s',
        model: 'search-embedder',
        version: '1.4.0',
        'results-dir': 'results',
      },
      env: { PROM_USER: 'analyst', PROM_PASSWORD: 's3cret-pass' },
    });
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.stdout).toContain('::add-mask::s3cret-pass');
    expect(run.stdout.split('\n').filter((line) => line.includes('s3cret-pass') && !line.startsWith('::add-mask::'))).toEqual([]);
    expect(run.summary).toContain('Canary analysis');
    const result = JSON.parse(await readFile(join(workspace, 'results', 'canary-analysis.json'), 'utf8'));
    expect(result.schema).toBe('model-gates/result@1');
    expect(result.verdict).toBe('fail');
  });
});
