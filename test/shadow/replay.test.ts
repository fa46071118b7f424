import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/command.js';
import { parseInputs } from '../../src/inputs/spec.js';
import { MemoryLogger } from '../../src/io/log.js';
import { readResult } from '../../src/results/store.js';
import type { Result } from '../../src/results/types.js';
import { shadowCommand } from '../../src/shadow/command.js';
import { createRng } from '../../src/stats/random.js';
import { repoRoot } from '../support/node24.js';
import { EmbeddingServer, hashedVector, type EmbeddingServerOptions } from '../support/openai-server.js';
import { tempDir } from '../support/temp.js';

const DIM = 16;
const SEGMENTS = ['en', 'fr', 'de'] as const;
const servers: EmbeddingServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** A seeded log-normal latency around `medianMs`. */
function latency(medianMs: number, seed: number): () => number {
  const rng = createRng(seed);
  return () => {
    const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    return medianMs * Math.exp(0.25 * z);
  };
}

async function server(options: Partial<EmbeddingServerOptions>): Promise<EmbeddingServer> {
  const s = await new EmbeddingServer({ dimension: DIM, ...options }).start();
  servers.push(s);
  return s;
}

/** A workspace with a request sample (n per segment), a reference corpus embedded by both (identical) models, and a contract of dimension 16. */
async function workspace(perSegment: number): Promise<string> {
  const dir = await tempDir('mg-shadow-');
  const requests: string[] = [];
  for (const segment of SEGMENTS) {
    for (let i = 0; i < perSegment; i++) requests.push(JSON.stringify({ id: `${segment}-${i}`, input: `${segment}: request ${i}`, segment }));
  }
  await writeFile(join(dir, 'requests.jsonl'), `${requests.join('\n')}\n`);
  const docs = Array.from({ length: 200 }, (_, i) => ({ id: `doc-${i}`, text: `document ${i}` }));
  await writeFile(join(dir, 'reference.jsonl'), `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
  const vectors = docs.map((d) => JSON.stringify({ id: d.id, embedding: hashedVector(d.text, DIM) })).join('\n');
  await writeFile(join(dir, 'reference-production.jsonl'), `${vectors}\n`);
  await writeFile(join(dir, 'reference-candidate.jsonl'), `${vectors}\n`);
  await writeFile(
    join(dir, 'contract.yml'),
    [
      'apiVersion: model-gates/contract@1',
      'name: search-embedder',
      'version: 2.0.0',
      'task: text-embedding',
      'artifact: { uri: s3://models/search-embedder/2.0.0, digest: "sha256:9a8b7c6d5e4f30211f2e3d4c5b6a79880f1e2d3c4b5a69788796a5b4c3d2e1f0" }',
      `embedding: { dimension: ${DIM}, dtype: float32, normalized: true, metric: cosine, space: search-v2 }`,
      'io:',
      '  input: { type: object, properties: { text: { type: string } } }',
      '  output: { type: object, required: [embedding], properties: { embedding: { type: array, items: { type: number } } } }',
      '',
    ].join('\n'),
  );
  return dir;
}

async function shadow(dir: string, raw: Record<string, string>): Promise<{ outcome: Awaited<ReturnType<typeof shadowCommand.run>>; result: Result; log: MemoryLogger }> {
  const inputs = parseInputs(shadowCommand.inputs, (name) => raw[name], 'cli');
  const log = new MemoryLogger();
  const environment: Environment = {
    log,
    context: { commit: null, ref: null, repository: null, runUrl: null, baseCommit: null, pullRequest: null, workspace: dir },
    env: {},
    setSecret: () => {},
    runner: 'actions',
  };
  const outcome = await shadowCommand.run(inputs, environment);
  return { outcome, result: await readResult(outcome.outputs['result-file'] as string), log };
}

function replayInputs(production: EmbeddingServer, candidate: EmbeddingServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    mode: 'replay',
    model: 'search-embedder',
    version: '2.0.0',
    'production-version': '1.4.0',
    requests: 'requests.jsonl',
    production: `openai:${production.url}`,
    candidate: `openai:${candidate.url}`,
    reference: 'reference.jsonl',
    'reference-production': 'file:reference-production.jsonl',
    'reference-candidate': 'file:reference-candidate.jsonl',
    contract: 'contract.yml',
    'max-rps': '200',
    ...extra,
  };
}

const check = (result: Result, id: string) => result.checks.find((c) => c.id === id);

describe('shadow replay against two OpenAI-compatible servers on 127.0.0.1', () => {
  it('passes identical models, and measures the answers, latency and errors of both', async () => {
    const dir = await workspace(40);
    const production = await server({ latency: latency(8, 1) });
    const candidate = await server({ latency: latency(8, 2) });
    const { outcome, result } = await shadow(dir, replayInputs(production, candidate));
    expect(result.verdict).toBe('pass');
    expect(outcome.outputs.verdict).toBe('pass');
    expect(result.kind).toBe('shadow');
    expect(production.requests).toHaveLength(120);
    expect(candidate.requests).toHaveLength(120);
    expect(production.requests.every((r) => r.inputs.length === 1)).toBe(true);
    expect(result.metrics['shadow.compared']).toBe(120);
    expect(result.metrics['shadow.overlap.mean']).toBe(1);
    expect(result.metrics['shadow.top1_changed']).toBe(0);
    expect(result.metrics['shadow.rank_correlation.mean']).toBeCloseTo(1, 12);
    expect(result.metrics['shadow.contract_violations']).toBe(0);
    expect(check(result, 'answers')?.segments?.map((s) => [s.segment, s.size, s.verdict])).toEqual([
      ['de', 40, 'pass'],
      ['en', 40, 'pass'],
      ['fr', 40, 'pass'],
    ]);
    expect(result.metrics['shadow.latency.p95.production']).toBeGreaterThan(8);
  });

  it('fails a candidate 40% slower at p95 on latency, and nothing else', async () => {
    const dir = await workspace(40);
    // Server-side delays large enough that a busy test machine's scheduling noise stays small beside them.
    const production = await server({ latency: latency(40, 3) });
    const candidate = await server({ latency: latency(56, 4) });
    const { result } = await shadow(dir, replayInputs(production, candidate));
    expect(result.verdict).toBe('fail');
    expect(check(result, 'latency')?.verdict).toBe('fail');
    expect(check(result, 'answers')?.verdict).toBe('pass');
    expect(check(result, 'errors')?.verdict).toBe('pass');
    const p95 = { production: result.metrics['shadow.latency.p95.production'] as number, candidate: result.metrics['shadow.latency.p95.candidate'] as number };
    expect(p95.candidate / p95.production).toBeGreaterThan(1.2);
    expect(result.metrics['shadow.latency.relative_shift']).toBeGreaterThan(0.2);
  });

  it('fails only the segment on which the candidate answers like another model, and lists those requests', async () => {
    const dir = await workspace(40);
    // Real service times, so that the loopback's jitter is small beside them.
    const production = await server({ delayMs: 20 });
    const candidate = await server({ delayMs: 20, different: (text) => text.startsWith('fr:') });
    const { result, outcome } = await shadow(dir, replayInputs(production, candidate));
    expect(result.verdict).toBe('fail');
    const answers = check(result, 'answers');
    expect(answers?.verdict).toBe('fail');
    expect(answers?.segments?.map((s) => [s.segment, s.verdict])).toEqual([
      ['de', 'pass'],
      ['en', 'pass'],
      ['fr', 'fail'],
    ]);
    expect(result.metrics['shadow.segments_failed']).toBe(1);
    expect(answers?.worst?.every((item) => item.segment === 'fr' && item.texts?.[0]?.startsWith('fr: request'))).toBe(true);
    expect(check(result, 'latency')?.verdict).toBe('pass');
    expect(outcome.summary).toContain('Most regressed items in Answers');
  });

  it('fails the contract when the candidate answers the wrong dimension', async () => {
    const dir = await workspace(20);
    const production = await server({});
    const candidate = await server({ dimension: 24 });
    const { result } = await shadow(dir, replayInputs(production, candidate, { 'min-requests': '10' }));
    expect(result.verdict).toBe('error');
    expect(check(result, 'contract')?.verdict).toBe('fail');
    expect(result.metrics['shadow.contract_violations']).toBe(60);
    expect(result.findings.find((f) => f.rule === 'shadow/contract')?.message).toContain('dimension 24, the contract says 16');
    // Nothing could be compared: the verdict is an error, never a pass.
    expect(result.metrics['shadow.compared']).toBe(0);
  });

  it('never sends production more than max-rps requests in any second (the server counts them)', async () => {
    const dir = await workspace(15);
    const production = await server({});
    const candidate = await server({});
    const started = performance.now();
    const { result, outcome } = await shadow(dir, replayInputs(production, candidate, { 'max-rps': '20', 'min-requests': '10' }));
    const seconds = (performance.now() - started) / 1000;
    expect(production.requests).toHaveLength(45);
    expect(production.peakRps()).toBeLessThanOrEqual(20);
    expect(candidate.peakRps()).toBeLessThanOrEqual(20);
    expect(result.metrics['shadow.peak_rps.production']).toBeLessThanOrEqual(20);
    // It ran near the limit (timers on a busy machine fire late, never early): 45 requests at 20/s take over two seconds.
    expect(result.metrics['shadow.peak_rps.production']).toBeGreaterThanOrEqual(12);
    expect(seconds).toBeGreaterThan(2);
    expect(Number(outcome.outputs['peak-rps'])).toBe(result.metrics['shadow.peak_rps.production']);
    expect(result.details?.load).toMatchObject({ production: { sent: 45, maxRps: 20 } });
  });

  it('fails when the candidate dies mid-run, and is an error when production does', async () => {
    const dir = await workspace(20);
    const production = await server({});
    const dying = await server({ dieAfter: 30 });
    const { result } = await shadow(dir, replayInputs(production, dying, { 'min-requests': '10' }));
    expect(result.verdict).toBe('fail');
    expect(check(result, 'errors')?.verdict).toBe('fail');
    expect(result.metrics['shadow.error_rate.candidate']).toBeCloseTo(0.5, 1);

    const dir2 = await workspace(20);
    const deadProduction = await server({ dieAfter: 30 });
    const candidate = await server({});
    const second = await shadow(dir2, replayInputs(deadProduction, candidate, { 'min-requests': '10' }));
    expect(second.result.verdict).toBe('error');
    expect(second.result.findings.some((f) => f.rule === 'shadow/insufficient-data' && f.message.includes('production answered only'))).toBe(true);
  });

  it('fails on a candidate error rate well above production’s (two-proportion test)', async () => {
    const dir = await workspace(50);
    const production = await server({ errorRate: 0.01, random: createRng(5) });
    const candidate = await server({ errorRate: 0.15, random: createRng(6) });
    const { result } = await shadow(dir, replayInputs(production, candidate));
    expect(check(result, 'errors')?.verdict).toBe('fail');
    expect(result.metrics['shadow.error_rate.candidate']).toBeGreaterThan(0.08);
    const rows = check(result, 'errors')?.rows ?? [];
    expect(rows[0]?.interval?.low).toBeGreaterThan(0);
  });

  it('writes no result when the replay is refused before it starts', async () => {
    const dir = await workspace(5);
    const production = await server({});
    await expect(shadow(dir, replayInputs(production, production, { candidate: 'file:vectors.npy' }))).rejects.toThrow(/openai:<base-url>/);
    expect(production.requests).toHaveLength(0);
    await expect(readdir(join(dir, 'model-gates-results'))).rejects.toThrow();
  });

  it('leaves no result when interrupted midway (Ctrl-C on the CLI)', async () => {
    const dir = await workspace(20);
    const production = await server({});
    const candidate = await server({});
    const flags = Object.entries(replayInputs(production, candidate, { 'max-rps': '4', 'results-dir': 'results' })).flatMap(([name, value]) => [`--${name}`, value]);
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli-main.ts'), 'shadow', ...flags], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dir, GITHUB_WORKSPACE: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (production.requests.length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toContain('interrupted (Ctrl-C): stopped cleanly, no result written');
    expect(production.requests.length).toBeLessThan(60);
    expect(await readdir(dir)).not.toContain('results');
  }, 60_000);
});
